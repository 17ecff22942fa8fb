"""Routes of the reconciliation resource (being written: see the issue that owns this module)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/reconciliation", tags=["reconciliation"])
