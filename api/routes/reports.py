"""Routes of the reports resource (being written: see the issue that owns this module)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/reports", tags=["reports"])
