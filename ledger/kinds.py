"""Every kind of fact the ledger records, declared once: name, stored topic, legal date, route, evidence.

The fields of each kind (types, bounds, French labels, JSON names) are declared on its dataclass in
`ledger.facts`; this table adds what is not a field. Everything else is read from here: the stored event's
topic and the audit trail's type names (`ledger.events`), the scenario reader and the JSON form
(`ledger.json_form`), the export/import checks (`ledger.transfer`), the API's request models and write routes
(`api.http.fact_bodies`), the history's listing date (`projections.history`). To add a kind, follow the
checklist in docs/architecture.md; `tests/test_fact_kinds.py` fails until every place handles it.
"""

from __future__ import annotations

from typing import Any

from ledger import facts as f
from ledger.declaration import Kind

LICENCE: Kind[f.LicenceObtained] = Kind(
    name="licence", fact=f.LicenceObtained, topic="points-ledger:LicenceObtained", legal_date="obtained_on",
    route="licences", recorder="prefecture", label="permis obtenu",
    evidence="référence du dossier de délivrance (ANTS)", summary="Create a licence",
    example={"number": "120375100001", "obtained_on": "2016-05-12", "training": "traditional",
             "evidence_ref": "ANTS-2016-05-12-0001"},
)
OFFENCE: Kind[f.OffenceEstablished] = Kind(
    name="offence", fact=f.OffenceEstablished, topic="points-ledger:OffenceEstablished",
    legal_date="established_on", route="offences", recorder="prefecture", label="infraction établie",
    evidence="numéro du procès-verbal ou de la décision", summary="Record an established offence",
    example={"committed_on": "2024-03-02", "established_on": "2024-03-20", "points": 4, "class": "C4",
             "description": "feu rouge (R412-30)", "evidence_ref": "PV-2024-000123"},
)
STAGE: Kind[f.StageCompleted] = Kind(
    name="stage", fact=f.StageCompleted, topic="points-ledger:StageCompleted", legal_date="last_day",
    route="stages", recorder="organiser", label="stage de sensibilisation",
    evidence="numéro de l'attestation de stage", summary="Record a completed stage",
    example={"first_day": "2024-06-03", "last_day": "2024-06-04", "case": "voluntary", "agrement": "R2407500010",
             "place": "Paris 15e", "evidence_ref": "ATT-R2407500010-2024-0042"},
)
LETTER: Kind[f.LetterNotified] = Kind(
    name="letter", fact=f.LetterNotified, topic="points-ledger:LetterNotified", legal_date="notified_on",
    route="letters", recorder="prefecture", label="lettre du ministère", evidence="numéro de la lettre (LRAR)",
    summary="Record a notified letter",
    example={"code": "48SI", "notified_on": "2024-09-10", "evidence_ref": "LRAR-1A23456789012"},
)
ANNULMENT: Kind[f.OffenceAnnulled] = Kind(
    name="annulment", fact=f.OffenceAnnulled, topic="points-ledger:OffenceAnnulled", legal_date="decided_on",
    route="annulments", recorder="prefecture", label="annulation d'un retrait",
    evidence="référence de la décision", summary="Record the annulment of an offence",
    example={"offence": "5f0c3b9e2a6d4c1e8b7a9d0f1e2c3b4a", "decided_on": "2024-07-01",
             "evidence_ref": "TP-PARIS-2024-0456"},
)
SURRENDER: Kind[f.LicenceSurrendered] = Kind(
    name="surrender", fact=f.LicenceSurrendered, topic="points-ledger:LicenceSurrendered",
    legal_date="surrendered_on", route="surrenders", recorder="prefecture", label="restitution du permis",
    evidence="référence du récépissé de restitution", summary="Record the surrender of the licence",
    example={"on": "2024-09-20", "evidence_ref": "PREF75-REST-2024-0789"},
)
REISSUE: Kind[f.LicenceReissued] = Kind(
    name="reissue", fact=f.LicenceReissued, topic="points-ledger:LicenceReissued", legal_date="obtained_on",
    route="reissues", recorder="prefecture", label="nouveau permis après invalidation",
    evidence="référence du dossier de délivrance (ANTS)", summary="Record a new licence after an invalidation",
    example={"obtained_on": "2025-04-15", "training": "traditional", "evidence_ref": "ANTS-2025-04-15-0077"},
)
RECTIFICATION: Kind[f.FactRectified] = Kind(
    name="rectification", fact=f.FactRectified, topic="points-ledger:FactRectified", legal_date="rectified_on",
    route="rectifications", recorder="prefecture", label="rectification d'une erreur matérielle",
    evidence="référence de la pièce établissant l'erreur", summary="Rectify a letter, a stage or the licence",
    example={"fact": "s-2024-0042", "rectified_on": "2024-07-01", "reason": "dates de l'attestation mal saisies",
             "first_day": "2024-06-10", "last_day": "2024-06-11", "evidence_ref": "ATT-R2407500010-2024-0042-RECT"},
)

# The kinds recorded after the licence, in the order the API and the guide list them.
FACT_KINDS: tuple[Kind[Any], ...] = (OFFENCE, STAGE, LETTER, ANNULMENT, SURRENDER, REISSUE, RECTIFICATION)
ALL_KINDS: tuple[Kind[Any], ...] = (LICENCE, *FACT_KINDS)
BY_NAME: dict[str, Kind[Any]] = {kind.name: kind for kind in ALL_KINDS}
BY_TOPIC: dict[str, Kind[Any]] = {kind.topic: kind for kind in ALL_KINDS}
BY_FACT: dict[type[Any], Kind[Any]] = {kind.fact: kind for kind in ALL_KINDS}


def kind_of(fact: f.Fact) -> Kind[Any]:
    """The declaration of a fact's kind."""
    return BY_FACT[type(fact)]
