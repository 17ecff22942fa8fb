"""`tests.scale.test_background_catch_up` on a store of 8 hash partitions (`tests.partitions.reuse`):
the service keeping the read model caught up."""

from tests.partitions.reuse import store_tests

globals().update(store_tests("tests.scale.test_background_catch_up"))
