"""The web interface's session: one signed, HttpOnly, SameSite=Strict cookie holding the API token and a CSRF key.

Why the token itself: every page then authenticates it exactly as the API authenticates a bearer header
(`api.http.auth.authenticate_token`), so a revoked token (or whatever else the token store refuses) ends the
session at the next click, and the role of the token is the role of the pages (docs/decisions/0030-web-interface.md).
The cookie is signed (itsdangerous) so it cannot be forged or altered, HttpOnly so no script reads it, SameSite=Strict
so no other site's page sends it (a cross-site GET then arrives signed out), limited to `/ui`, and `Secure` when
the page is served over HTTPS. Every POST form carries the CSRF key, compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

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


class SessionCodec:
    """Signs and reads the cookie with the service's secret (settings.session_secret, or a random one)."""

    def __init__(self, secret: str | None) -> None:
        self._serializer = URLSafeTimedSerializer(secret or secrets.token_urlsafe(32), salt=SALT)

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
