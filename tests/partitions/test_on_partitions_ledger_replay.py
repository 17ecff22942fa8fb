"""`tests.ledger.test_replay` on a store of 8 hash partitions (`tests.partitions.reuse`):
streams read back event for event."""

from tests.partitions.reuse import store_tests

globals().update(store_tests("tests.ledger.test_replay"))
