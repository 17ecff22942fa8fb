"""Every dated table of the law, walked: it starts on 1992-07-01, changes exactly on the days listed here, and
the rule that reads it answers differently on the day before and on the day of each change.

Adding a dated change of the barème is one entry in its table (ledger/law/) and its day in `CHANGES` below.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from datetime import date, timedelta

import pytest

import ledger.law
from ledger.facts import Speeding
from ledger.law import capital, offence_catalogue, reconstitution, scale, stage_recovery
from ledger.law.in_force import POINTS_SYSTEM_START, BeforePointsSystem, InForce
from ledger.values import OffenceClass, Training


def _tables() -> dict[str, InForce[object]]:
    """Every `InForce` of `ledger.law`, by `module.NAME` (`module.NAME[key]` inside a dict of tables)."""
    found: dict[str, InForce[object]] = {}
    for info in pkgutil.iter_modules(ledger.law.__path__):
        module = importlib.import_module(f"ledger.law.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, InForce):
                found[f"{info.name}.{name}"] = value
            elif isinstance(value, dict):
                found.update({f"{info.name}.{name}[{key}]": table for key, table in value.items()
                              if isinstance(table, InForce)})
    return found


TABLES = _tables()
D = date.fromisoformat

# The days each table changes on. A table not listed here never changes.
CHANGES: dict[str, list[str]] = {
    "capital.MAXIMUM_CAPITAL": ["1992-12-01"],
    "capital.PROBATION_REGIME": ["2004-03-01", "2007-12-31"],
    "capital.COMPLEMENTARY_TRAINING_SINCE": ["2019-01-01"],
    "offence_catalogue.CATALOGUE[phone_in_hand]": ["2003-04-01", "2012-01-06"],
    "offence_catalogue.CATALOGUE[pedestrian_priority]": ["2018-09-19"],
    "offence_catalogue.CATALOGUE[gloves]": ["2016-11-20"],
    "reconstitution.FULL_RECONSTITUTION_LIGHT_YEARS": ["2011-01-01"],
    "reconstitution.SINGLE_POINT_MONTHS_BY_DV": ["2011-01-01"],
    "reconstitution.SINGLE_POINT_MONTHS_BY_COMMISSION": ["2007-01-01"],
    "scale.SPEEDING_BANDS": ["2024-01-01"],
    "scale.SIMULTANEOUS_CAP": ["1992-12-01", "2003-07-12"],
    "stage_recovery.STAGE_SPACING_YEARS": ["2011-03-16"],
    "stage_recovery.STAGE_BALANCE_LIMIT": ["2003-07-12"],
}


def _kind(kind: str) -> Callable[[date], object]:
    return lambda day: offence_catalogue.scale_of(kind, day, day)


# How each table's rule shows a change: the rule's answer for a day (or the table itself for the catalogue).
PROBES: dict[str, Callable[[date], object]] = {
    "capital.MAXIMUM_CAPITAL": capital.initial_capital,
    "capital.PROBATION_REGIME": lambda day: capital.probation_plan(
        day, Training.TRADITIONAL, first_licence=True, complementary_training_on=None),
    "capital.COMPLEMENTARY_TRAINING_SINCE": lambda day: capital.probation_plan(
        D("2018-07-01"), Training.TRADITIONAL, first_licence=True, complementary_training_on=day),
    "offence_catalogue.CATALOGUE[phone_in_hand]": _kind("phone_in_hand"),
    "offence_catalogue.CATALOGUE[pedestrian_priority]": _kind("pedestrian_priority"),
    "offence_catalogue.CATALOGUE[gloves]": _kind("gloves"),
    "reconstitution.FULL_RECONSTITUTION_LIGHT_YEARS": lambda day: reconstitution.full_reconstitution_years(
        serious_record=False, anchor=day, anchor_in_probation=False),
    "reconstitution.SINGLE_POINT_MONTHS_BY_DV": lambda day: reconstitution.single_point_return_on(
        day, D("2010-06-01")),
    "reconstitution.SINGLE_POINT_MONTHS_BY_COMMISSION": lambda day: reconstitution.single_point_return_on(
        D("2010-06-01"), day),
    "scale.SPEEDING_BANDS": lambda day: scale.speeding_points_on(Speeding(80, 4), day),
    "scale.SIMULTANEOUS_CAP": lambda day: scale.group_cap([OffenceClass.C4], day),
    "stage_recovery.STAGE_SPACING_YEARS": lambda day: stage_recovery.spacing_respected(
        day, day - timedelta(days=400)),
    "stage_recovery.STAGE_BALANCE_LIMIT": lambda day: stage_recovery.stage_credit(9, 12, day),
}


def test_every_table_is_listed_with_its_changes() -> None:
    changing = {name for name, table in TABLES.items() if table.changes()}
    assert changing == set(CHANGES)
    assert set(PROBES) == set(CHANGES)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_a_table_starts_with_the_points_system_and_refuses_earlier_days(name: str) -> None:
    table = TABLES[name]
    assert table.entries[0].since == POINTS_SYSTEM_START
    table.value_on(POINTS_SYSTEM_START)
    with pytest.raises(BeforePointsSystem):
        table.value_on(POINTS_SYSTEM_START - timedelta(days=1))


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_each_change_is_seen_on_its_day_and_not_the_day_before(name: str) -> None:
    table, probe = TABLES[name], PROBES[name]
    assert [since for since, _, _ in table.changes()] == [D(day) for day in CHANGES[name]]
    for since, before, after in table.changes():
        eve = since - timedelta(days=1)
        assert (table.value_on(eve), table.value_on(since)) == (before, after)
        assert before != after
        assert probe(eve) != probe(since), f"{name}: the rule does not show the change of {since}"
