"""`tests.read_model.test_read_model` on a store of 8 hash partitions (`tests.partitions.reuse`):
catch-up, rebuild in one process or two, status."""

from tests.partitions.reuse import store_tests

globals().update(store_tests("tests.read_model.test_read_model"))
