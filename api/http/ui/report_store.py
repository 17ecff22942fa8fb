"""Reconciliation reports of the web interface, kept a few hours in the system's temporary directory.

The report page is filtered by kind and downloaded as CSV after the upload: the report is written once to a file
named by a random id (shared by every worker process of the machine), readable only by the token that uploaded
it, and removed after `KEEP_SECONDS`.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEEP_SECONDS = 4 * 3600
_ID_ALPHABET = set("abcdef0123456789")


@dataclass(frozen=True, slots=True)
class StoredReport:
    owner: str
    filename: str
    summary: dict[str, int]
    rows: list[dict[str, str]]
    errors: list[dict[str, Any]]
    source: dict[str, Any] | None = None  # `projections.sources.Source.as_json()`: what the report read


def _folder() -> Path:
    folder = Path(tempfile.gettempdir()) / "points-ledger-ui-reports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _forget_old(folder: Path) -> None:
    limit = time.time() - KEEP_SECONDS
    for path in folder.glob("*.json"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:  # another process removed it first
            continue


def save(report: StoredReport) -> str:
    folder = _folder()
    _forget_old(folder)
    report_id = secrets.token_hex(16)
    (folder / f"{report_id}.json").write_text(json.dumps({
        "owner": report.owner, "filename": report.filename, "summary": report.summary, "rows": report.rows,
        "errors": report.errors, "source": report.source}, ensure_ascii=False), encoding="utf-8")
    return report_id


def load(report_id: str, owner: str) -> StoredReport | None:
    """The report, if it exists, is not expired and belongs to `owner` (else None: the page answers 404)."""
    if len(report_id) != 32 or not set(report_id) <= _ID_ALPHABET:
        return None
    path = _folder() / f"{report_id}.json"
    try:
        if path.stat().st_mtime < time.time() - KEEP_SECONDS:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("owner") != owner:
        return None
    return StoredReport(data["owner"], data["filename"], data["summary"], data["rows"], data["errors"],
                        data.get("source"))
