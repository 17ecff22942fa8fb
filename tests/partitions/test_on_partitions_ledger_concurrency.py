"""`tests.ledger.test_concurrency` on a store of 8 hash partitions (`tests.partitions.reuse`):
optimistic concurrency and retries under the parent's table lock."""

from tests.partitions.reuse import store_tests

globals().update(store_tests("tests.ledger.test_concurrency"))
