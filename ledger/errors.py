"""Domain errors. Each names what went wrong precisely enough for a 4xx answer or a CLI message."""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""


class InvalidFact(LedgerError):
    """A fact that cannot be recorded: `field` names the offending field, `reason` says why. Nothing is written."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class LicenceNotFound(LedgerError):
    """No licence with this number is in the ledger."""

    def __init__(self, licence_number: str) -> None:
        super().__init__(f"licence {licence_number!r} is not in the ledger")
        self.licence_number = licence_number


class LicenceNotYetRecorded(LedgerError):
    """Asked "as known at" a moment before the licence itself was recorded: the ledger did not know it then."""

    def __init__(self, licence_number: str, known_at: str, recorded_at: str) -> None:
        super().__init__(f"known_at {known_at} is before licence {licence_number!r} was recorded ({recorded_at}): "
                         "the ledger did not know it then")
        self.licence_number = licence_number


class LicenceAlreadyExists(LedgerError):
    """A licence number can be created once; its later facts are new events on the same stream."""

    def __init__(self, licence_number: str) -> None:
        super().__init__(f"licence {licence_number!r} already exists")
        self.licence_number = licence_number


class EvidenceConflict(LedgerError):
    """The evidence reference was already used for a different fact on this licence."""

    def __init__(self, evidence_ref: str, existing_fact_id: str) -> None:
        super().__init__(
            f"evidence reference {evidence_ref!r} already recorded fact {existing_fact_id} with different content"
        )
        self.evidence_ref = evidence_ref
        self.existing_fact_id = existing_fact_id


class ConcurrencyConflict(LedgerError):
    """Another writer kept appending to the same licence; the bounded retries ran out."""

    def __init__(self, licence_number: str, attempts: int) -> None:
        super().__init__(f"licence {licence_number!r} changed concurrently {attempts} times; try again")
        self.licence_number = licence_number
        self.attempts = attempts


class ChainBroken(LedgerError):
    """A licence's stream or hash chain is damaged (an event or chain entry missing): nothing more is written to
    it until `points-ledger verify` has been run and the damage repaired from a copy."""

    def __init__(self, stream: object, version: int, reason: str = "") -> None:
        detail = reason or f"the chain entry of version {version} is missing"
        super().__init__(f"the stream {stream} is damaged at version {version}: {detail}; run points-ledger verify")
        self.stream = stream
        self.version = version
