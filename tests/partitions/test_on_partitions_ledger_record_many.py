"""`tests.ledger.test_record_many` on a store of 8 hash partitions (`tests.partitions.reuse`):
batched writes in one transaction."""

from tests.partitions.reuse import store_tests

globals().update(store_tests("tests.ledger.test_record_many"))
