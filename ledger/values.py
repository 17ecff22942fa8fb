"""Small value types shared by the facts, the events and the law.

Identifiers are English; French terms of art are kept where a translation would lose legal meaning
(see docs/glossary.md).
"""

from __future__ import annotations

from enum import StrEnum


class Training(StrEnum):
    """How the holder learnt to drive: it fixes the probation length (L223-1 al. 2, R223-1 II)."""

    TRADITIONAL = "traditional"
    AAC = "aac"  # apprentissage anticipé de la conduite: 2-year probation, +3 a year


class OffenceClass(StrEnum):
    """Contravention classes 1–5 and délits: they drive the 2/3-year and 10-year rules (L223-6)."""

    C1 = "C1"
    C2 = "C2"
    C3 = "C3"
    C4 = "C4"
    C5 = "C5"
    DELIT = "delit"

    @property
    def is_serious(self) -> bool:
        """Délit or 4th/5th-class contravention: the full reconstitution takes 3 years (L223-6 al. 2)."""
        return self in (OffenceClass.C4, OffenceClass.C5, OffenceClass.DELIT)

    @property
    def has_fixed_fine(self) -> bool:
        """Classes 1–4 (contraventions passibles d'une amende forfaitaire): the 10-year rule applies."""
        return self in (OffenceClass.C1, OffenceClass.C2, OffenceClass.C3, OffenceClass.C4)


class LetterCode(StrEnum):
    """Letters of the ministry (rules.md §6). Only 48SI and 48N carry date-relevant legal effects."""

    L47 = "47"
    L48 = "48"
    L48M = "48M"
    L48N = "48N"
    L48SI = "48SI"


class StageCase(StrEnum):
    """Case ticked on the stage attestation (arrêté du 25 février 2004, annexe I): 1 voluntary, 2 mandatory (48N)."""

    VOLUNTARY = "voluntary"
    MANDATORY = "mandatory"


class EstablishedBy(StrEnum):
    """How the réalité de l'infraction was established (L223-1): it fixes the date de valeur."""

    FINE_PAID = "fine_paid"
    TITRE_EXECUTOIRE = "titre_executoire"
    COMPOSITION_PENALE = "composition_penale"
    CONVICTION = "conviction"


class Mode(StrEnum):
    """Which reading of the law a projection applies (rules.md A.1)."""

    LEGAL = "legal"
    ADMINISTRATIVE = "administrative"


class Status(StrEnum):
    """Validity of the licence on a day (L223-1, L223-5)."""

    VALID = "valid"
    INVALIDATED = "invalidated"
    NOT_OBTAINED = "not_obtained"


# The characters a licence number may hold (docs/reliability.md): ASCII letters and digits, and inside the number
# spaces, dots, hyphens and underscores; at most 64. No control, zero-width or bidirectional characters, which
# would let two numbers that look the same name two licences, or reorder a number on screen.
LICENCE_NUMBER_CHARSET = r"^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9])?$"
