"""A real `points-ledger serve` in its own process, on a free port: the helpers every served test shares.

`served(env, log)` starts the installed command itself on any store and yields its base URL; `demo_service` seeds
a temporary SQLite store with `points-ledger demo` first (the browser tests and `scripts/screenshot.py`). Tokens
come from `points-ledger tokens create`, as a person would do it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

CLI = str(Path(sys.executable).with_name("points-ledger"))
STARTUP_SECONDS = 60  # a loaded CI machine starts the service slowly
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any POINTS_LEDGER_* setting, plus `settings`; local calls bypass
    any proxy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POINTS_LEDGER_")}
    return {**env, "NO_PROXY": "localhost,127.0.0.1", "no_proxy": "localhost,127.0.0.1", **settings}


def cli(env: dict[str, str], *args: str) -> str:
    """`points-ledger ARGS` on `env`'s store; its standard output (a failure fails the test with its stderr)."""
    done = subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def wait_until_healthy(base: str, server: subprocess.Popen[bytes], log: Path,
                       seconds: float = STARTUP_SECONDS) -> None:
    """Until `GET /health` answers 200; fails with the server's log if it stops or takes longer."""
    deadline = time.monotonic() + seconds
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start: {log.read_text()}")
        time.sleep(0.1)


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def served(env: dict[str, str], log: Path, *args: str) -> Iterator[str]:
    """`points-ledger serve ARGS` on a free port until the block ends; yields its base URL."""
    port = free_port()
    with log.open("a") as out:
        server = subprocess.Popen([CLI, "serve", "--port", str(port), *args], env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, server, log)
        yield base
    finally:
        stop(server)


@dataclass(frozen=True)
class Service:
    url: str
    env: dict[str, str]

    def command(self, *args: str) -> str:
        """Run `points-ledger ARGS` on the service's store; its standard output."""
        return cli(self.env, *args)

    def token(self, *args: str) -> str:
        return self.command("tokens", "create", *args).strip()


@contextmanager
def demo_service(folder: Path) -> Iterator[Service]:
    """The service on `folder/ledger.sqlite` after `points-ledger demo`; stopped on exit."""
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": f"sqlite:///{folder / 'ledger.sqlite'}"}
    cli(env, "demo")
    with served(env, folder / "serve.log") as url:
        yield Service(url, env)
