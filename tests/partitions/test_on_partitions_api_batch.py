"""`tests.api.test_batch` on a store of 8 hash partitions (`tests.partitions.reuse`):
the service on a partitioned store: batches."""

from tests.partitions.reuse import store_tests

globals().update(store_tests("tests.api.test_batch"))
