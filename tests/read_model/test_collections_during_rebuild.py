"""A rebuild lets the garbage collector wait while it folds, and gives it back its thresholds afterwards."""

import gc

import pytest

from projections.read_model_rebuild import fewer_collections


def test_the_collector_waits_for_more_allocations_while_a_range_is_folded() -> None:
    before = gc.get_threshold()
    with fewer_collections(allocations=12_345):
        assert gc.get_threshold() == (12_345, *before[1:])
    assert gc.get_threshold() == before


def test_the_thresholds_come_back_when_the_fold_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections(allocations=12_345):
        raise RuntimeError("a fold failed")
    assert gc.get_threshold() == before
