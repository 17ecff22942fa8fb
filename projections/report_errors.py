"""The row a whole-ledger report writes for a licence it cannot fold, so that one bad licence (a damaged stream,
a date the calendar cannot reach) is reported with its reason and the report goes on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class LicenceError:
    """A licence the report could not compute: its number and why, in the report's own columns."""

    licence_number: str
    reason: str
    columns: tuple[str, ...]

    @classmethod
    def of(cls, licence_number: str, error: BaseException, columns: tuple[str, ...]) -> LicenceError:
        reason = " ".join(str(error).split())[:300] or type(error).__name__
        return cls(licence_number, f"{type(error).__name__}: {reason}", columns)

    def as_json(self) -> dict[str, Any]:
        return {"licence_number": self.licence_number, "error": self.reason}

    def as_csv(self) -> dict[str, str]:
        cells = dict.fromkeys(self.columns, "")
        cells["licence_number"] = self.licence_number
        cells["explanation"] = f"error: the ledger cannot fold this licence ({self.reason}); run points-ledger verify"
        return cells
