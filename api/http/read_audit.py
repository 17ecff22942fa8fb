"""Every consultation of the ledger is logged before its answer leaves (the RGPD access log, `api.access_log`).

A pure ASGI middleware, so every router is covered, including ones added later (web pages): once the route
has run, the authenticated caller (`request.state.principal`, set by the authentication dependency) and the
route template are known; when the first byte of the answer is about to be sent, one row is written — who, which
licence (the route's `number`), which route, which status. Reads are GET requests, and the reports posted with
an uploaded extract. A request refused before authentication logs nothing (there is nobody to name; its token
is never logged). If the log cannot be written, the answer is a 503 instead: no unlogged consultation.

The row goes through the process's `ReadLogWriter` (`app.state.read_log`), which commits the rows of concurrent
requests together; each request still waits for its own row's commit (docs/decisions/0057-fast-balance-reads.md).
"""

from __future__ import annotations

from typing import Any

from api.access_log import Consultation
from api.clock import now_utc
from api.http.errors import RETRY_AFTER_SECONDS, STORE_UNAVAILABLE, error_response
from api.http.guards import ASGIApp, Message, Receive, Scope, Send
from api.read_log_writer import ReadLogWriter

POSTED_READS = ("/reconciliations", "/reports/", "/ui/reconciliation")


def is_read(method: str, route: str) -> bool:
    return method in ("GET", "HEAD") or (method == "POST" and route.startswith(POSTED_READS))


class ReadAudit:
    """The ASGI middleware (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = False

        async def logging_send(message: Message) -> None:
            nonlocal refused
            if refused:
                return
            if message["type"] == "http.response.start" and not await self._log(scope, int(message["status"])):
                refused = True
                response = error_response(503, ["store"], "the access log cannot be written; retry later",
                                          "store_unavailable", {"Retry-After": str(RETRY_AFTER_SECONDS)})
                await response(scope, receive, send)
                return
            await send(message)

        await self.app(scope, receive, logging_send)

    async def _log(self, scope: Scope, status: int) -> bool:
        """Write the row of this request if it is an authenticated read; False when the log cannot be written."""
        principal: Any = scope.get("state", {}).get("principal")
        route: Any = scope.get("route")
        path = str(getattr(route, "path", ""))
        method = str(scope.get("method", ""))
        log: ReadLogWriter | None = getattr(scope["app"].state, "read_log", None)
        if principal is None or not path or log is None or not is_read(method, path):
            return True
        number = scope.get("path_params", {}).get("number")
        try:
            await log.write(Consultation(
                at=now_utc(), subject=principal.subject, role=principal.role.value, token_id=principal.token_id,
                licence_number=number.strip() if isinstance(number, str) else None, method=method, route=path,
                status=status))
        except STORE_UNAVAILABLE:
            return False
        return True
