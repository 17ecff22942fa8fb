"""`tests.ledger.test_idempotency` on a store of 8 hash partitions (`tests.partitions.reuse`):
a fact sent twice is recorded once."""

from tests.partitions.reuse import store_tests

globals().update(store_tests("tests.ledger.test_idempotency"))
