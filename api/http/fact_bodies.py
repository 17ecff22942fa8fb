"""The API's request models, generated from the declaration of each kind of fact (`ledger.kinds`).

A body is the fact's JSON form (`ledger.json_form`: the names a scenario file uses) plus `id` (optional) and
`evidence_ref` (required). Its constraints are the declared bounds: legal dates in 1900–2199 (with the ledger's
own wording), integers between `ge` and `le`, texts by length and pattern, coded values by their enumeration,
nested values as nested objects. Unknown fields are refused (`extra="forbid"`): in particular a body cannot
say who recorded it, `recorded_by` is the token's subject. The ledger checks the same bounds again
(`ledger.declaration.check_fields`), so the import and the command line refuse what the API refuses.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, create_model

from api.http.schemas import DATE_PATTERN, NOT_A_BOOLEAN, date_text
from ledger import kinds
from ledger.declaration import DATE_RANGE, Declared, Kind, date_in_range, declared_fields
from ledger.facts import FACT_ID_PATTERN, Recording
from ledger.licence import new_fact_id


def _in_range(day: date) -> date:
    if not date_in_range(day):
        raise ValueError(DATE_RANGE)
    return day


# Text YYYY-MM-DD only (a number would be read as a Unix timestamp), with its range as a pattern in the OpenAPI.
LegalDate = Annotated[date, BeforeValidator(date_text), AfterValidator(_in_range),
                      Field(examples=["2024-03-20"], json_schema_extra={"pattern": DATE_PATTERN})]
FactId = Annotated[str, Field(min_length=1, max_length=64, pattern=f"^{FACT_ID_PATTERN}$",
                              description="Optional id of the fact (a new uuid hex when omitted).")]
EvidenceRef = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S",
                                   description="PV number, attestation or letter reference. Sending the same "
                                               "reference and content again returns the first recording.")]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FactBody(RequestModel):
    """Base of the generated write bodies: `to_fact` turns one into its kind's fact."""

    kind: ClassVar[Kind[Any]]
    id: FactId | None = None
    evidence_ref: EvidenceRef

    def to_fact(self, recorded_at: datetime, recorded_by: str) -> Any:
        """The fact of this body's kind, recorded by `recorded_by` at `recorded_at` (a new id if omitted)."""
        recording = Recording(fact_id=self.id or new_fact_id(), recorded_at=recorded_at, recorded_by=recorded_by,
                              evidence_ref=self.evidence_ref)
        content = {decl.name: _fact_value(decl, getattr(self, decl.name)) for decl in self.kind.fields}
        return self.kind.fact(**recording, **content)


def _fact_value(decl: Declared, value: Any) -> Any:
    if decl.nested and value is not None:
        return decl.base(**{sub.name: getattr(value, sub.name) for sub in decl.nested})
    return value


def _annotation(decl: Declared) -> Any:
    """The pydantic type of a declared field: its type with the declared bounds."""
    spec = decl.spec
    base: Any
    if decl.nested:
        base = _nested_model(decl.base)
    elif decl.base is date:
        base = LegalDate
    elif decl.base is int:
        base = Annotated[int, Field(ge=spec.ge, le=spec.le), NOT_A_BOOLEAN]  # `true` is not 1
    elif decl.base is str:
        pattern = f"^(?:{spec.pattern})$" if spec.pattern else (r"\S" if spec.min_length else None)
        base = Annotated[str, Field(min_length=spec.min_length, max_length=spec.max_length, pattern=pattern)]
    else:
        base = decl.base
    return base | None if decl.optional else base


def _field(decl: Declared) -> tuple[Any, Any]:
    spec = decl.spec
    default = ... if decl.required else decl.default
    alias = decl.json if decl.json != decl.name else None
    return _annotation(decl), Field(default, alias=alias, title=spec.label, description=spec.description or None)


_NESTED: dict[type[Any], type[BaseModel]] = {}


def _nested_model(cls: type[Any]) -> type[BaseModel]:
    """A nested value's model (`SpeedingBody`), built once per value type."""
    model = _NESTED.get(cls)
    if model is None:
        fields: dict[str, Any] = {decl.name: _field(decl) for decl in declared_fields(cls)}
        model = _NESTED[cls] = create_model(f"{cls.__name__}Body", __base__=RequestModel, **fields)
    return model


def _model_name(kind: Kind[Any]) -> str:
    return "LicenceCreate" if kind is kinds.LICENCE else f"{kind.name.capitalize()}Record"


def body_model(kind: Kind[Any]) -> type[FactBody]:
    """The request model of `kind` (built once per kind, in `BODIES`, so OpenAPI names each schema once)."""
    fields: dict[str, Any] = {decl.name: _field(decl) for decl in kind.fields}
    model = create_model(_model_name(kind), __base__=FactBody, __doc__=kind.fact.__doc__, **fields)
    model.kind = kind
    model.model_config["json_schema_extra"] = {"examples": [dict(kind.example)]}
    model.model_rebuild(force=True)
    return model


BODIES: dict[str, type[FactBody]] = {kind.name: body_model(kind) for kind in kinds.ALL_KINDS}
