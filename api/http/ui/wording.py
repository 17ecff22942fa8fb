"""French words for what the projections say in identifiers: rules, statuses, kinds of fact, anomalies, dates.

Only wording: every figure, date and decision comes from the projections. A rule name the table does not know
(the law may add some) is shown as it is, its underscores turned into spaces.
"""

from __future__ import annotations

from datetime import date, datetime

from api.clock import PARIS

RULES = {
    "initial_capital": "Capital initial",
    "capital_increase": "Passage du capital de 6 à 12 points",
    "probation_majoration": "Majoration annuelle du permis probatoire",
    "majoration_lost": "Majoration perdue (infraction pendant l'année)",
    "complementary_training_reduction_lost": "Réduction de la formation complémentaire perdue",
    "end_of_probation": "Fin de la période probatoire",
    "withdrawal": "Retrait de points",
    "withdrawal_without_effect": "Retrait sans effet",
    "zero_point_offence": "Infraction sans retrait de points",
    "full_reconstitution": "Reconstitution intégrale du capital",
    "full_reconstitution_blocked": "Reconstitution intégrale empêchée",
    "single_point_return": "Restitution du point unique (6 mois)",
    "single_point_blocked": "Restitution du point unique empêchée",
    "ten_year_return": "Restitution au bout de dix ans",
    "stage_credit": "Stage de sensibilisation : points crédités",
    "stage_too_soon": "Stage trop rapproché (un par an)",
    "stage_without_effect": "Stage sans effet",
    "invalidation": "Invalidation (lettre 48SI)",
    "forty_eight_si_void": "Lettre 48SI sans effet (solde positif)",
    "forty_eight_si_repeated": "Lettre 48SI répétée",
}

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

ANOMALIES = {
    "void_48si": "Lettre 48SI notifiée alors que le solde légal était positif : elle est sans effet "
                 "(Conseil d'État, 29 septembre 2023, n° 461479).",
    "reissue_without_invalidation": "Un nouveau permis a été enregistré alors que le précédent n'avait pas perdu "
                                    "sa validité.",
    "reissue_without_surrender": "Un nouveau permis a été enregistré avant la remise du précédent.",
    "reissue_before_waiting_period": "Un nouveau permis a été obtenu avant la fin du délai d'attente (L223-5 II).",
    "stage_after_invalidation": "Un stage a pris effet après l'invalidation du permis (48SI) : il ne crédite rien.",
    "surrender_without_invalidation": "Le permis a été remis alors qu'il n'avait pas perdu sa validité.",
}

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

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


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
