"""`kill -9` of the service under a bounded write load (loopback, a few seconds) loses no acknowledged write,
and leaves every hash chain whole: an event is never committed without its chain entry."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.application import PointsLedger
from ledger.storage import storage_env
from ledger.verify import verify_ledger
from tests.served import CLI, STARTUP_SECONDS, clean_env, cli, free_port

WRITERS = 4
LOAD_SECONDS = 2.0


def start(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("a") as out:
        server = subprocess.Popen([CLI, "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert server.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/ready", timeout=1, trust_env=False).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


def writer(base: str, token: str, number: str, stop: threading.Event, acknowledged: list[str]) -> None:
    """Record offences on one licence until told to stop or the server dies; keep the acknowledged references."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, trust_env=False,
                      timeout=10) as client:
        i = 0
        while not stop.is_set():
            i += 1
            reference = f"PV-{number}-{i}"
            try:
                answer = client.post(f"/licences/{number}/offences", json={
                    "committed_on": "2020-01-01", "established_on": "2020-01-15", "points": 1, "class": "C4",
                    "evidence_ref": reference})
            except httpx.TransportError:
                return  # the server was killed: this request was never acknowledged
            if answer.status_code == 201:
                acknowledged.append(reference)


@pytest.mark.parametrize("store_kind", [pytest.param("sqlite"),
                                        pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_kill_9_under_load_loses_no_acknowledged_write(store_kind: str, new_store_url: Any, tmp_path: Path) -> None:
    url = new_store_url(store_kind)
    env = clean_env(POINTS_LEDGER_DATABASE_URL=url)
    token = cli(env, "tokens", "create", "--role", "prefecture")
    server, base = start(env, tmp_path / "serve.log")
    numbers = [f"9100000000{i:02d}" for i in range(WRITERS)]
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, trust_env=False) as client:
            for number in numbers:
                assert client.post("/licences", json={"number": number, "obtained_on": "2010-01-01",
                                                      "evidence_ref": f"ANTS-{number}"}).status_code == 201
        stop = threading.Event()
        acknowledged: dict[str, list[str]] = {number: [] for number in numbers}
        threads = [threading.Thread(target=writer, args=(base, token, n, stop, acknowledged[n])) for n in numbers]
        for thread in threads:
            thread.start()
        time.sleep(LOAD_SECONDS)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert sum(len(refs) for refs in acknowledged.values()) > 0
    ledger = PointsLedger(storage_env(url))
    try:
        for number, references in acknowledged.items():
            stored = {fact.evidence_ref for fact in ledger.get_record(number).facts}
            assert set(references) <= stored, (number, sorted(set(references) - stored))
        assert verify_ledger(ledger.recorder, lambda stream: None).ok
    finally:
        ledger.close()
