"""The service's write activity, which the read-model keeper gives way to (`api.write_activity`)."""

from __future__ import annotations

import threading

import pytest

from api.write_activity import WriteActivity

FOREVER = 3600.0


def test_a_write_in_flight_or_just_ended_makes_the_service_busy() -> None:
    activity = WriteActivity()
    assert not activity.busy(quiet=FOREVER)  # never written
    with activity.writing():
        assert activity.busy(quiet=0)
    assert not activity.busy(quiet=0)
    assert activity.busy(quiet=FOREVER)


def test_a_write_that_fails_still_ends() -> None:
    activity = WriteActivity()
    with pytest.raises(ValueError), activity.writing():
        raise ValueError("refused")
    assert not activity.busy(quiet=0)


def test_waiting_for_quiet_gives_up_at_its_bound_while_writes_keep_coming() -> None:
    activity, stopped = WriteActivity(), threading.Event()
    with activity.writing():
        assert activity.wait_for_quiet(stopped, at_most=0) is False
    assert activity.wait_for_quiet(stopped, quiet=0) is True


def test_waiting_for_quiet_ends_when_the_keeper_stops() -> None:
    activity, stopped = WriteActivity(), threading.Event()
    stopped.set()
    with activity.writing():
        assert activity.wait_for_quiet(stopped, at_most=FOREVER) is False
