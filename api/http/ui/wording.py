"""French words for what the projections say in identifiers: rules, statuses, kinds of fact, anomalies, dates.

Only wording: every figure, date and decision comes from the projections. A rule name the table does not know
(the law may add some) is shown as it is, its underscores turned into spaces.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from api.clock import PARIS
from ledger.law.vocabulary import AnomalyKind, Rule

RULES = {rule.value: rule.wording for rule in Rule}  # the law's vocabulary (ledger/law/vocabulary.py)

FORECAST_KINDS = {
    "single_point": "Restitution du point unique",
    "ten_year": "Restitution au bout de dix ans",
    "full_reconstitution": "Reconstitution intégrale",
    "majoration": "Majoration du permis probatoire",
    "end_of_probation": "Fin de la période probatoire",
}

STATUSES = {"valid": "valide", "invalidated": "invalidé", "not_obtained": "pas encore délivré"}
MODES = {"legal": "lecture légale", "administrative": "lecture de l'administration"}

FACT_KINDS = {
    "licence": "Délivrance du permis",
    "offence": "Infraction",
    "stage": "Stage de sensibilisation",
    "letter": "Lettre du ministère",
    "annulment": "Annulation d'une infraction",
    "surrender": "Remise du permis",
    "reissue": "Nouveau permis",
}

ANOMALIES = {kind.value: kind.wording for kind in AnomalyKind}

LETTERS = {
    "47": "lettre 47 (reconstitution après un stage)",
    "48": "lettre 48 (retrait de points)",
    "48M": "lettre 48M (majoration perdue)",
    "48N": "lettre 48N (stage obligatoire du permis probatoire)",
    "48SI": "lettre 48SI (invalidation, solde nul)",
}

RECONCILIATION_KINDS = {
    "match": "Concordant",
    "unknown_licence": "Permis inconnu du registre",
    "missing_from_extract": "Absent de l'extrait",
    "stage_pending": "Stage en attente d'enregistrement",
    "stage_overdue": "Stage non enregistré dans le délai",
    "invalidation_contestable": "Invalidation contestable",
    "administrative_practice": "Pratique administrative",
    "balance_mismatch": "Solde divergent",
}

EVENT_TYPES = FACT_KINDS
TRAININGS = {"traditional": "formation traditionnelle", "aac": "apprentissage anticipé de la conduite"}
STAGE_CASES = {"voluntary": "volontaire", "mandatory": "obligatoire (lettre 48N)"}

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def upper_first(text: str) -> str:
    """« lettre 48M … » → « Lettre 48M … » (str.capitalize would lower the rest)."""
    return text[:1].upper() + text[1:]


def rule(name: str) -> str:
    return RULES.get(name, name.replace("_", " "))


def label(table: dict[str, str], key: str) -> str:
    return table.get(key, key.replace("_", " "))


def long_date(day: date | None) -> str:
    """« 5 juin 2024 » (« 1er » for the first of a month)."""
    if day is None:
        return "—"
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: date | None) -> str:
    return "—" if day is None else day.strftime("%d/%m/%Y")


def moment(value: datetime | None) -> str:
    """A recording time, shown in Paris time."""
    if value is None:
        return "—"
    return value.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M:%S")


def signed(points: int) -> str:
    return f"{points:+d}".replace("-", "−")


def points(count: int) -> str:
    return f"{count} point" + ("s" if abs(count) > 1 else "")


def report_source(source: dict[str, Any] | None) -> str:
    """What a report read (`projections.sources.Source.as_json()`), in French: the read model at a position of the
    journal, with the licences recorded since folded from their events, or the fold of the whole journal."""
    if not source:
        return ""
    if source.get("read_model") is None:
        return f"Source : recalcul de chaque permis depuis le journal (jusqu'à la notification {source['head']})."
    stale = int(source.get("stale") or 0)
    since = (f" ; {stale} permis enregistré{'s' if stale > 1 else ''} depuis, recalculé{'s' if stale > 1 else ''} "
             "depuis le journal") if stale else ""
    return (f"Source : modèle de lecture {source['read_model']} à la notification {source['position']} "
            f"sur {source['head']}{since}.")
