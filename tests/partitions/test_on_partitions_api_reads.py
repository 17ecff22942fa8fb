"""`tests.api.test_reads` on a store of 8 hash partitions (`tests.partitions.reuse`):
the service on a partitioned store: reads."""

from tests.partitions.reuse import store_tests

globals().update(store_tests("tests.api.test_reads"))
