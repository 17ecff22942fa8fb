"""The law's vocabulary: every rule a movement can name and every anomaly the fold can flag, typed.

Each rule carries its article(s), the decision of docs/law.md it applies, its French wording (what a driver or a
préfecture agent reads) and, for automatic changes, the kind of forecast it feeds. Movements, anomalies,
explanations, the web pages and the OpenAPI enums all read these members: a rule is compared as a member, never
as a string. Adding a rule is one member here.
"""

from __future__ import annotations

from enum import StrEnum


class Forecast(StrEnum):
    """The automatic changes a balance forecasts (the next of each kind, if nothing else happens)."""

    SINGLE_POINT = "single_point"
    TEN_YEAR = "ten_year"
    FULL_RECONSTITUTION = "full_reconstitution"
    MAJORATION = "majoration"
    END_OF_PROBATION = "end_of_probation"


class Rule(StrEnum):
    """A decision of the law on one day, as a movement names it."""

    article: str
    decision: str
    wording: str
    forecast: Forecast | None

    def __new__(cls, value: str, article: str, decision: str, wording: str,
                forecast: Forecast | None = None) -> Rule:
        member = str.__new__(cls, value)
        member._value_ = value
        member.article = article
        member.decision = decision
        member.wording = wording
        member.forecast = forecast
        return member

    INITIAL_CAPITAL = ("initial_capital", "L223-1; R223-1", "A.12", "Capital initial")
    POINTS_SYSTEM_START = ("points_system_start", "R.255 (décret n° 92-559)", "A.19",
                           "Entrée en vigueur du permis à points")
    CAPITAL_INCREASE = ("capital_increase", "R223-1 I", "A.18", "Passage du capital de 6 à 12 points")
    PROBATION_MAJORATION = ("probation_majoration", "L223-1 al. 2; R223-1 II", "A.12",
                            "Majoration annuelle du permis probatoire", Forecast.MAJORATION)
    MAJORATION_LOST = ("majoration_lost", "L223-1 al. 2; R223-1 II", "A.12",
                       "Majoration perdue (infraction depuis le début de la période probatoire)")
    COMPLEMENTARY_TRAINING_REDUCTION_LOST = ("complementary_training_reduction_lost", "L223-1 al. 2; R223-1 II",
                                             "A.12", "Réduction de la formation complémentaire perdue")
    END_OF_PROBATION = ("end_of_probation", "R223-1 IV", "A.12", "Fin de la période probatoire",
                        Forecast.END_OF_PROBATION)
    WITHDRAWAL = ("withdrawal", "L223-1; L223-2", "A.2", "Retrait de points")
    WITHDRAWAL_WITHOUT_EFFECT = ("withdrawal_without_effect", "L223-1; L223-5", "A.15", "Retrait sans effet")
    ZERO_POINT_OFFENCE = ("zero_point_offence", "L223-2", "A.10", "Infraction sans retrait de points")
    OFFENCE_BEFORE_POINTS_SYSTEM = ("offence_before_points_system", "Décret n° 92-559", "A.19",
                                    "Infraction commise avant le permis à points : aucun retrait")
    FULL_RECONSTITUTION = ("full_reconstitution", "L223-6 al. 1-2", "A.7", "Reconstitution intégrale du capital",
                           Forecast.FULL_RECONSTITUTION)
    FULL_RECONSTITUTION_BLOCKED = ("full_reconstitution_blocked", "L223-6 al. 1", "A.7",
                                   "Reconstitution intégrale empêchée")
    SINGLE_POINT_RETURN = ("single_point_return", "L223-6 al. 3", "A.8", "Restitution du point unique",
                           Forecast.SINGLE_POINT)
    SINGLE_POINT_BLOCKED = ("single_point_blocked", "L223-6 al. 3", "A.8", "Restitution du point unique empêchée")
    TEN_YEAR_RETURN = ("ten_year_return", "L223-6 dernier al.", "A.9", "Restitution au bout de dix ans",
                       Forecast.TEN_YEAR)
    STAGE_CREDIT = ("stage_credit", "L223-6 al. 4; R223-8 II-III", "A.4", "Stage de sensibilisation : points crédités")
    STAGE_TOO_SOON = ("stage_too_soon", "L223-6 al. 4", "A.3", "Stage trop rapproché (un par an)")
    STAGE_WITHOUT_EFFECT = ("stage_without_effect", "R223-8; L223-5", "A.4", "Stage sans effet (permis invalidé)")
    STAGE_BEFORE_POINTS_SYSTEM = ("stage_before_points_system", "R223-8; décret n° 92-559", "A.19",
                                  "Stage antérieur au permis à points : rien à créditer")
    INVALIDATION = ("invalidation", "L223-1; L223-5 I", "A.6", "Invalidation (lettre 48SI)")
    FORTY_EIGHT_SI_VOID = ("forty_eight_si_void", "L223-1; CE n° 461479", "A.6",
                           "Lettre 48SI sans effet (solde positif)")
    FORTY_EIGHT_SI_REPEATED = ("forty_eight_si_repeated", "L223-5", "A.15", "Lettre 48SI répétée")

    @property
    def is_withdrawal(self) -> bool:
        """A.2, A.22 — the movements dated by a date de valeur (administrative mode: a registration date)."""
        return self in _WITHDRAWALS

    @property
    def is_stage(self) -> bool:
        """R223-8 III — the movements dated by a stage's effective date (the day after its last day)."""
        return self in _STAGES

    @property
    def is_forty_eight_si(self) -> bool:
        """A.6 — the movements dated by a 48SI notification."""
        return self in _FORTY_EIGHT_SI


_WITHDRAWALS = frozenset({Rule.WITHDRAWAL, Rule.WITHDRAWAL_WITHOUT_EFFECT, Rule.ZERO_POINT_OFFENCE,
                          Rule.OFFENCE_BEFORE_POINTS_SYSTEM})
_STAGES = frozenset({Rule.STAGE_CREDIT, Rule.STAGE_TOO_SOON, Rule.STAGE_WITHOUT_EFFECT,
                     Rule.STAGE_BEFORE_POINTS_SYSTEM})
_FORTY_EIGHT_SI = frozenset({Rule.INVALIDATION, Rule.FORTY_EIGHT_SI_VOID, Rule.FORTY_EIGHT_SI_REPEATED})


class AnomalyKind(StrEnum):
    """Something in a licence's file that the law does not support; the fold flags it and goes on."""

    article: str
    decision: str
    wording: str

    def __new__(cls, value: str, article: str, decision: str, wording: str) -> AnomalyKind:
        member = str.__new__(cls, value)
        member._value_ = value
        member.article = article
        member.decision = decision
        member.wording = wording
        return member

    VOID_48SI = ("void_48si", "L223-1; CE n° 461479", "A.6",
                 "Lettre 48SI notifiée alors que le solde était positif : elle est sans effet "
                 "(Conseil d'État, 29 septembre 2023, n° 461479).")
    REISSUE_WITHOUT_INVALIDATION = ("reissue_without_invalidation", "L223-5", "A.21",
                                    "Un nouveau permis a été enregistré alors que le précédent n'avait pas perdu sa "
                                    "validité : le permis en cours continue.")
    REISSUE_WITHOUT_SURRENDER = ("reissue_without_surrender", "L223-5 II", "A.15",
                                 "Un nouveau permis a été enregistré avant la remise du précédent.")
    REISSUE_BEFORE_WAITING_PERIOD = ("reissue_before_waiting_period", "L223-5 II", "A.15",
                                     "Un nouveau permis a été obtenu avant la fin du délai d'attente (L223-5 II).")
    STAGE_AFTER_INVALIDATION = ("stage_after_invalidation", "R223-8; L223-5", "A.4",
                                "Un stage a pris effet après l'invalidation du permis (48SI) : il ne crédite rien.")
    SURRENDER_WITHOUT_INVALIDATION = ("surrender_without_invalidation", "L223-5 I", "A.21",
                                      "Le permis a été remis alors qu'il n'avait pas perdu sa validité.")
