"""`tests.scale.test_reconcile_from_read_model` on a store of 8 hash partitions (`tests.partitions.reuse`):
reconciliation reading the read model."""

from tests.partitions.reuse import store_tests

globals().update(store_tests("tests.scale.test_reconcile_from_read_model"))
