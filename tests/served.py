"""A real `points-ledger serve` on a free port, on a temporary SQLite store seeded with `points-ledger demo`.

Shared by the browser tests and `scripts/screenshot.py`: the service is the installed command itself, started
as a subprocess, and tokens come from `points-ledger tokens create`, as a person would do it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass(frozen=True)
class Service:
    url: str
    env: dict[str, str]

    def command(self, *args: str) -> str:
        """Run `points-ledger ARGS` on the service's store; its standard output."""
        done = subprocess.run([sys.executable, "-m", "api.cli", *args], env=self.env, capture_output=True,
                              text=True, check=True, timeout=120)
        return done.stdout

    def token(self, *args: str) -> str:
        return self.command("tokens", "create", *args).strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def demo_service(folder: Path) -> Iterator[Service]:
    """The service on `folder/ledger.sqlite` after `points-ledger demo`; stopped on exit."""
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": f"sqlite:///{folder / 'ledger.sqlite'}"}
    port = free_port()
    service = Service(f"http://127.0.0.1:{port}", env)
    service.command("demo")
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{service.url}/health", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the service did not start: {(folder / 'serve.log').read_text()}") from None
                time.sleep(0.2)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
