"""The service freezes the collector's generations so full collections do not stop its requests, and hands the
frozen objects back periodically and when it stops (api/collector_pauses.py)."""

from __future__ import annotations

import gc
import time
import weakref
from collections.abc import Iterator

import pytest

from api.collector_pauses import CollectorPauses


class Node:
    """A container the collector tracks, able to form a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def _eventually(condition: object, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.01)
    return False


def test_starting_freezes_what_exists_and_the_thread_freezes_what_comes_after() -> None:
    pauses = CollectorPauses(every=0.05, unfreeze_every=3600).start()
    try:
        assert gc.get_freeze_count() > 0
        frozen = gc.get_freeze_count()
        kept = [Node() for _ in range(1_000)]
        assert _eventually(lambda: gc.get_freeze_count() >= frozen + len(kept))
        assert pauses.freezes >= 2
    finally:
        pauses.stop()
    assert gc.get_freeze_count() == 0  # stopping hands everything back to the collector


def test_the_frozen_objects_are_handed_back_every_unfreeze_period() -> None:
    pauses = CollectorPauses(every=0.02, unfreeze_every=0.1).start()
    try:
        assert _eventually(lambda: pauses.unfreezes >= 1)
    finally:
        pauses.stop()


def test_a_frozen_cycle_escapes_collection_until_it_is_handed_back() -> None:
    first, second = Node(), Node()
    first.other, second.other = second, first
    alive = weakref.ref(first)
    gc.freeze()
    del first, second
    gc.collect()
    assert alive() is not None  # why the freezer must unfreeze now and then
    gc.unfreeze()
    gc.collect()
    assert alive() is None


def test_zero_seconds_leaves_the_collector_alone() -> None:
    pauses = CollectorPauses(every=0).start()
    assert gc.get_freeze_count() == 0 and pauses.freezes == 0
    pauses.stop()
