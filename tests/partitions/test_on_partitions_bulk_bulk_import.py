"""`tests.bulk.test_bulk_import` on a store of 8 hash partitions (`tests.partitions.reuse`):
COPY routed to the partitions, with the hash chain."""

from tests.partitions.reuse import store_tests

globals().update(store_tests("tests.bulk.test_bulk_import"))
