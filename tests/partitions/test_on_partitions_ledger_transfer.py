"""`tests.ledger.test_transfer` on a store of 8 hash partitions (`tests.partitions.reuse`):
export and import between stores."""

from tests.partitions.reuse import store_tests

globals().update(store_tests("tests.ledger.test_transfer"))
