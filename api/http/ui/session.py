"""The web interface's session: one signed, HttpOnly, SameSite=Strict cookie holding the API token and a CSRF key.

Why the token itself: every page then authenticates it exactly as the API authenticates a bearer header
(`api.http.auth.authenticate_token`), so a revoked token (or whatever else the token store refuses) ends the
session at the next click, and the role of the token is the role of the pages (docs/decisions/0030-web-interface.md).
The cookie is signed (itsdangerous) so it cannot be forged or altered, HttpOnly so no script reads it, SameSite=Strict
so no other site's page sends it (a cross-site GET then arrives signed out), limited to `/ui`, and `Secure` when
the page is served over HTTPS. Every POST form carries the CSRF key, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "points_ledger_session"
COOKIE_PATH = "/ui"
MAX_AGE_SECONDS = 8 * 3600  # a working day
SALT = "points-ledger.ui.session"


@dataclass(frozen=True, slots=True)
class Session:
    """What the cookie holds: the CSRF key of the browser, and the API token once signed in."""

    csrf: str
    token: str | None = None

    @staticmethod
    def new() -> Session:
        return Session(csrf=secrets.token_urlsafe(32))

    def csrf_matches(self, submitted: str | None) -> bool:
        return submitted is not None and hmac.compare_digest(self.csrf.encode(), submitted.encode())


def machine_secret(database_url: str) -> str:
    """The signing key when none is configured: one random key per store, kept in a file only this user can read
    in the system's temporary directory, so every worker process of `serve --workers N` (and a restarted
    service) signs alike. Created once, atomically (a hard link cannot replace an existing file); if the file
    cannot be used, a key for this process alone."""
    folder = Path(tempfile.gettempdir()) / "points-ledger-ui"
    path = folder / f"session-key-{hashlib.sha256(database_url.encode()).hexdigest()[:24]}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        if not path.exists():
            draft = folder / f".{path.name}.{secrets.token_hex(8)}"
            draft.write_text(secrets.token_urlsafe(48), encoding="ascii")
            os.chmod(draft, 0o600)
            try:
                os.link(draft, path)
            except FileExistsError:
                pass  # another process won the race: its key is the key
            finally:
                draft.unlink()
        key = path.read_text(encoding="ascii").strip()
    except OSError:
        return secrets.token_urlsafe(48)
    return key or secrets.token_urlsafe(48)


class SessionCodec:
    """Signs and reads the cookie with the service's secret (settings.session_secret, or `machine_secret`)."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=SALT)

    def read(self, request: Request) -> Session | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data = self._serializer.loads(raw, max_age=MAX_AGE_SECONDS)
        except BadSignature:  # altered, signed by another key, or expired
            return None
        if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
            return None
        token = data.get("token")
        return Session(data["csrf"], token if isinstance(token, str) else None)

    def write(self, response: Response, request: Request, session: Session) -> None:
        value = self._serializer.dumps({"csrf": session.csrf, "token": session.token})
        response.set_cookie(COOKIE, value, max_age=MAX_AGE_SECONDS, path=COOKIE_PATH, httponly=True,
                            samesite="strict", secure=request.url.scheme == "https")

    @staticmethod
    def clear(response: Response) -> None:
        response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
