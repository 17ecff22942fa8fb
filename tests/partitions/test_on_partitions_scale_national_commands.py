"""`tests.scale.test_national_commands` on a store of 8 hash partitions (`tests.partitions.reuse`):
bulk import, read-model commands, reconciliation (installed command)."""

from tests.partitions.reuse import store_tests

globals().update(store_tests("tests.scale.test_national_commands"))
