"""Stage de sensibilisation à la sécurité routière (L223-6 al. 4, R223-5, R223-8; docs/law.md A.3, A.4).

+4 points within the ceiling, effective the lendemain of the last stage day, at most once a year (twice-yearly
spacing of two years before loi n° 2011-267), the same for voluntary and mandatory (48N) stages.
"""

from __future__ import annotations

from datetime import date, timedelta

from ledger.facts import StageCompleted
from ledger.law.calendar import add_months, add_years, next_day
from ledger.law.decision import Decision
from ledger.law.in_force import POINTS_SYSTEM_START, Citation, Entry, InForce, before_points_system
from ledger.law.vocabulary import AnomalyKind, Rule

CHECKED = date(2026, 11, 25)
STAGE_POINTS = 4
ATTESTATION_TRANSMISSION = timedelta(days=15)  # R223-8 I: the organiser sends the attestation within 15 days
ATTESTATION_RECORDING_MONTHS = 1  # R223-8 III: the préfet records the points within one month of receiving it
LOPPSI_2 = date(2011, 3, 16)

# Years between two crediting stages, by the effective date of the new stage.
STAGE_SPACING_YEARS: InForce[int] = InForce(
    # R223-8 II (old text, décret n° 92-1228): a new stage only after two years; applied from the start of the
    # points system (the décret n° 92-559 stage had no spacing of its own: UNVERIFIED).
    Entry(POINTS_SYSTEM_START, 2, Citation("Décret n° 92-1228 du 23 novembre 1992", "R223-8 II (old)",
                                           "https://www.lexbase.fr/texte-de-loi/5371435-autre-version")),
    # Loi n° 2011-267 du 14 mars 2011 (LOPPSI 2), L223-6 in force 16/03/2011: "dans la limite d'une fois par an".
    Entry(LOPPSI_2, 1, Citation("Loi n° 2011-267 du 14 mars 2011", "L223-6 al. 4",
                                "https://permisapoints.fr/recuperer-des-points/stage-de-recuperation-"
                                "de-points/changements-2011")),
    last_checked_on=CHECKED,
)

# Highest balance a stage may bring the licence to (None: the ceiling).
STAGE_BALANCE_LIMIT: InForce[int | None] = InForce(
    # Décret n° 92-1228: +4 "sans que le nombre de points puisse dépasser onze" (with the 6-point capital of
    # décret n° 92-559 the ceiling is lower anyway).
    Entry(POINTS_SYSTEM_START, 11, Citation("Décret n° 92-1228 du 23 novembre 1992", "R223-8 (old)")),
    # Loi n° 2003-495 / décret n° 2003-642: "dans la limite du plafond" (date UNVERIFIED, docs/law.md A.11).
    Entry(date(2003, 7, 12), None, Citation("Décret n° 2003-642 du 11 juillet 2003", "R223-8 II")),
    last_checked_on=CHECKED,
)


def stage_effective_on(stage: StageCompleted) -> date:
    """R223-8 III — "La reconstitution prend effet le lendemain de la dernière journée de stage" (A.2)."""
    return next_day(stage.last_day)


def earliest_next_stage(last_crediting_effective_on: date | None, after: date) -> date:
    """L223-6 al. 4; R223-8 II — first effective date on/after `after` at which a stage may credit again (A.3).

    Read off the spacing table: in each period of the table, the earliest day both in the period and far enough
    from the last crediting stage under that period's spacing.
    """
    earliest = max(after, POINTS_SYSTEM_START)
    if last_crediting_effective_on is None:
        return earliest
    entries = STAGE_SPACING_YEARS.entries
    for entry, following in zip(entries, (*entries[1:], None), strict=False):
        candidate = max(earliest, entry.since, add_years(last_crediting_effective_on, entry.value))
        if following is None or candidate < following.since:
            return candidate
    raise AssertionError("the last period of the table has no end")  # pragma: no cover


def spacing_respected(effective_on: date, last_crediting_effective_on: date | None) -> bool:
    """L223-6 al. 4 — "dans la limite d'une fois par an" (A.3).

    A stage credits only if its effective date is on or after the effective date of the last stage that
    credited at least one point plus one calendar year (two years when the new stage is effective before
    2011-03-16). Per person: carries over a reissue.
    """
    if before_points_system(effective_on):
        return False
    if last_crediting_effective_on is None:
        return True
    years = STAGE_SPACING_YEARS.value_on(effective_on)
    return effective_on >= add_years(last_crediting_effective_on, years)


def stage_credit(balance: int, ceiling: int, effective_on: date) -> int:
    """R223-8 II — "récupération de quatre points dans la limite du plafond" (A.4).

    min(4, ceiling − balance) on the balance at the effective date; the surplus is lost. Before 2003-07-12 the
    stage could not bring the balance above 11; before 1992-07-01 there were no points to credit (A.19).
    """
    if before_points_system(effective_on):
        return 0
    limit = STAGE_BALANCE_LIMIT.value_on(effective_on)
    top = ceiling if limit is None else min(ceiling, limit)
    return max(0, min(STAGE_POINTS, top - balance))


def attestation_deadline(last_day: date) -> date:
    """R223-8 I and III — the day by which the préfecture should show a stage's credit.

    The attestation reaches the préfet within 15 days of the last stage day, and the préfet records the points
    within one month of receiving it (month arithmetic of A.14). The legal effect stays the lendemain of the last
    day whatever the recording date: this deadline only tells a late préfecture from an attestation in transit.
    """
    return add_months(last_day + ATTESTATION_TRANSMISSION, ATTESTATION_RECORDING_MONTHS)


def stage_decision(stage: StageCompleted, effective_on: date, *, valid: bool, last_crediting_effective_on: date | None,
                   balance: int, ceiling: int) -> Decision:
    """L223-6 al. 4; R223-8 — a stage on the day it takes effect: nothing before the points system (A.19) or once
    the licence has lost its validity (A.4, flagged), nothing if too soon (A.3), else +4 within the ceiling.
    """
    if before_points_system(effective_on):
        return Decision(Rule.STAGE_BEFORE_POINTS_SYSTEM, 0, "effective before the permis à points started on "
                        f"{POINTS_SYSTEM_START.isoformat()}: nothing to credit, does not start the year",
                        stage.fact_id)
    if not valid:
        return Decision(Rule.STAGE_WITHOUT_EFFECT, 0, "the licence had lost its validity (48SI notified) before the "
                        "stage took effect", stage.fact_id, anomaly=AnomalyKind.STAGE_AFTER_INVALIDATION)
    if not spacing_respected(effective_on, last_crediting_effective_on):
        return Decision(Rule.STAGE_TOO_SOON, 0, f"less than a year after the stage effective "
                        f"{last_crediting_effective_on}", stage.fact_id)
    credit = stage_credit(balance, ceiling, effective_on)
    days = f"{stage.case.value} stage {stage.first_day.isoformat()}–{stage.last_day.isoformat()}"
    return Decision(Rule.STAGE_CREDIT, credit, days + ("" if credit else ": at the ceiling, nothing to credit "
                                                       "(does not start the year)"), stage.fact_id)
