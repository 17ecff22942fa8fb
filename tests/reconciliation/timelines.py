"""Licences whose timelines are known by hand, one per reconciliation `kind`, and a way to record them.

Each function returns the facts of one licence; the comments give the balances the law yields (rules.md
section A), worked out by hand, so the reconciliation tests check classifications against known answers.
"""

from __future__ import annotations

from collections.abc import Iterable

from ledger.application import PointsLedger
from ledger.facts import LicenceObtained, LicenceRecord
from ledger.values import LetterCode, OffenceClass
from tests.builders import a_letter, a_licence, a_reissue, a_stage, a_surrender, an_offence


def offence_then_stage(number: str) -> LicenceRecord:
    """Full licence (1995, before probation existed): 12/12.

    - o-a: C4, 4 points, committed 2024-01-10, date de valeur 2024-02-01 → 8/12.
    - s-a: stage 2024-05-13–14, effective 2024-05-15 (R223-8 III) → +4 → 12/12.
      Attestation deadline: 2024-05-14 + 15 days = 2024-05-29, + 1 month = 2024-06-29.
    - Full reconstitution only in 2027 (C4: 3 years from 2024-02-01).
    """
    return LicenceRecord(a_licence("1995-06-01", number=number), (
        an_offence("2024-01-10", "2024-02-01", 4, OffenceClass.C4, fact_id="o-a"),
        a_stage("2024-05-13", fact_id="s-a"),
    ))


def stage_before_void_48si(number: str) -> LicenceRecord:
    """12/12, two délits (two interceptions) take 6 + 6 → 0/12 on 2023-04-01 (date de valeur).

    - s-c: stage 2023-04-20–21, effective 2023-04-22 → +4 → 4/12 (a stage at 0 before any 48SI counts, A.5–A.6).
    - l-c: lettre 48SI notified 2023-05-10 on a balance of 4 → void (CE n° 461479): still valid, 4/12.
      The stage's attestation deadline is 2023-04-21 + 15 days = 2023-05-06, + 1 month = 2023-06-06.
    """
    return LicenceRecord(a_licence("1995-06-01", number=number), (
        an_offence("2023-01-10", "2023-02-01", 6, OffenceClass.DELIT, fact_id="o-c1", interception="i1"),
        an_offence("2023-03-01", "2023-04-01", 6, OffenceClass.DELIT, fact_id="o-c2", interception="i2"),
        a_stage("2023-04-20", fact_id="s-c"),
        a_letter(LetterCode.L48SI, "2023-05-10", fact_id="l-c"),
    ))


def zero_without_48si(number: str) -> LicenceRecord:
    """The same two délits → 0/12 on 2023-04-01, and no 48SI ever notified: still valid at 0 (A.6)."""
    return LicenceRecord(a_licence("1995-06-01", number=number), (
        an_offence("2023-01-10", "2023-02-01", 6, OffenceClass.DELIT, fact_id="o-n1", interception="i1"),
        an_offence("2023-03-01", "2023-04-01", 6, OffenceClass.DELIT, fact_id="o-n2", interception="i2"),
    ))


def offence_committed_before_anniversary(number: str) -> LicenceRecord:
    """Probationary licence obtained 2020-01-10 (traditional): 6/6, anniversaries +2 (R223-1 II).

    o-p: C3, 2 points, committed 2020-12-01, date de valeur 2021-02-01.
    - Legal: committed before the 1st anniversary (2021-01-10) → no majoration: 6/6; DV → 4/6.
    - Administrative: no DV before 2021-01-10 → +2 → 8/8; DV → 6/8 (A.1).
    """
    return LicenceRecord(a_licence("2020-01-10", number=number), (
        an_offence("2020-12-01", "2021-02-01", 2, OffenceClass.C3, fact_id="o-p"),
    ))


def invalidated_then_reissued(number: str) -> LicenceRecord:
    """12/12; two délits → 0 on 2020-04-01; effective 48SI 2020-05-01 → invalidated; surrendered 2020-05-10;
    new licence 2021-06-01 → probationary, 6/6 (L223-5, A.15)."""
    return LicenceRecord(a_licence("2000-01-01", number=number), (
        an_offence("2020-01-10", "2020-02-01", 6, OffenceClass.DELIT, fact_id="o-r1", interception="i1"),
        an_offence("2020-03-01", "2020-04-01", 6, OffenceClass.DELIT, fact_id="o-r2", interception="i2"),
        a_letter(LetterCode.L48SI, "2020-05-01", fact_id="l-r"),
        a_surrender("2020-05-10"),
        a_reissue("2021-06-01"),
    ))


def two_stages(number: str) -> LicenceRecord:
    """12/12; o-t1 C4 4 pts DV 2022-02-01 → 8; s-t1 2022-03-01–02 effective 03-03 → 12;
    o-t2 C4 4 pts DV 2023-05-01 → 8 (the 3-year window restarts); o-t3 C4 4 pts DV 2023-06-01 → 4;
    s-t2 2023-07-03–04 effective 2023-07-05 (more than a year after 2022-03-03) → 8.
    Deadlines: s-t1 2022-03-02 + 15 d = 03-17, + 1 month = 2022-04-17; s-t2 2023-07-19 → 2023-08-19.
    Without both stages on 2023-08-01: 12 − 4 − 4 − 4 = 0 (valid, no 48SI)."""
    return LicenceRecord(a_licence("1995-06-01", number=number), (
        an_offence("2022-01-10", "2022-02-01", 4, OffenceClass.C4, fact_id="o-t1"),
        a_stage("2022-03-01", fact_id="s-t1"),
        an_offence("2023-04-10", "2023-05-01", 4, OffenceClass.C4, fact_id="o-t2"),
        an_offence("2023-05-10", "2023-06-01", 4, OffenceClass.C4, fact_id="o-t3"),
        a_stage("2023-07-03", fact_id="s-t2"),
    ))


def record_all(ledger: PointsLedger, records: Iterable[LicenceRecord]) -> None:
    """Write each licence and its facts through the ledger's commands (as the API and the CLI do)."""
    for record in records:
        licence: LicenceObtained = record.licence
        ledger.create_licence(licence)
        for fact in record.facts:
            ledger.record(record.licence_number, fact)
