"""What is written is what is read back: every fact type replays with its dates, enumerations and texts intact,
from a new application on the same store and from a new process; the recording time is the ledger's own.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import UTC, date, datetime

from api.clock import now_utc
from ledger.application import PointsLedger
from ledger.facts import LegalFact
from ledger.storage import storage_env
from ledger.values import LetterCode, OffenceClass, StageCase, Training
from tests.ledger import builders as build
from tests.ledger.builders import NUMBER


def one_fact_of_each_type() -> list[LegalFact]:
    offence = build.an_offence("2022-01-15", "2022-06-30", points=6, offence_class=OffenceClass.DELIT,
                         interception="INT-7", established_by="conviction", description="alcoolémie délictuelle")
    return [
        offence,
        build.a_speeding("2022-09-03", "2022-09-25", limit_kmh=90, excess_kmh=31),
        build.a_stage("2022-10-03", "2022-10-04", case=StageCase.MANDATORY, agrement=None, place=None),
        build.a_letter(LetterCode.L48SI, "2023-01-09"),
        build.an_annulment(offence.fact_id, "2023-01-10"),
        build.a_surrender("2023-01-18"),
        build.a_reissue("2023-07-25", training=Training.AAC),
    ]


def test_every_fact_type_replays_as_written_from_a_new_application(any_store_url: str) -> None:
    licence = build.a_licence(obtained_on="2015-03-02", training=Training.AAC,
                              complementary_training_on=date(2015, 9, 1))
    facts = one_fact_of_each_type()
    writer = PointsLedger(storage_env(any_store_url))
    started = now_utc()
    writer.create_licence(licence)
    for fact in facts:
        writer.record(NUMBER, fact)
    finished = now_utc()
    writer.close()

    reader = PointsLedger(storage_env(any_store_url))
    record = reader.get_record(NUMBER)
    timestamps = [e.timestamp for e in reader.licence_events(NUMBER)]
    reader.close()

    assert record.licence == replace(licence, recorded_at=timestamps[0])
    assert list(record.facts) == [replace(fact, recorded_at=at, seq=seq)
                                  for seq, (fact, at) in enumerate(zip(facts, timestamps[1:], strict=True), 1)]
    assert all(started <= at <= finished and at.tzinfo is not None for at in timestamps)
    assert timestamps == sorted(timestamps)
    assert type(record.facts[0].offence_class) is OffenceClass
    assert type(record.facts[0].committed_on) is date


def test_the_recording_time_is_the_ledgers_clock_not_the_callers(ledger: PointsLedger) -> None:
    """`recorded_at` given with a fact is not trusted: "known at" must not be back-dated by a caller."""
    ledger.create_licence(build.a_licence())
    claimed = datetime(2001, 1, 1, tzinfo=UTC)
    before = now_utc()

    ledger.record(NUMBER, build.an_offence(recorded_at=claimed))

    (offence,) = ledger.get_record(NUMBER).facts
    assert offence.recorded_at >= before


def test_known_at_cuts_the_record_by_recording_time(ledger: PointsLedger) -> None:
    ledger.create_licence(build.a_licence())
    first, second = build.an_offence("2023-03-10", "2023-03-20"), build.a_stage("2023-06-01", "2023-06-02")
    ledger.record(NUMBER, first)
    ledger.record(NUMBER, second)
    first_recorded_at = ledger.licence_events(NUMBER)[1].timestamp

    known_then = ledger.get_record(NUMBER, known_at=first_recorded_at)

    assert [f.fact_id for f in known_then.facts] == [first.fact_id]
    assert [f.fact_id for f in ledger.get_record(NUMBER).facts] == [first.fact_id, second.fact_id]


def test_licence_numbers_lists_every_licence_in_creation_order(ledger: PointsLedger) -> None:
    for number in ("B-2", "A-1", "C-3"):
        ledger.create_licence(build.a_licence(number=number))
    ledger.record("A-1", build.an_offence())
    assert list(ledger.licence_numbers(page_size=2)) == ["B-2", "A-1", "C-3"]


def test_a_new_process_that_only_reads_decodes_every_event_type(any_store_url: str) -> None:
    """Event topics are registered when `ledger` is imported, not when the process first writes an event."""
    writer = PointsLedger(storage_env(any_store_url))
    writer.create_licence(build.a_licence(obtained_on="2015-03-02"))
    for fact in one_fact_of_each_type():
        writer.record(NUMBER, fact)
    expected = [type(f).__name__ for f in writer.get_record(NUMBER).facts]
    writer.close()
    script = textwrap.dedent(f"""
        from ledger.application import PointsLedger
        from ledger.storage import storage_env
        ledger = PointsLedger(storage_env({any_store_url!r}))
        print(" ".join(type(f).__name__ for f in ledger.get_record({NUMBER!r}).facts))
    """)

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60)

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == expected
