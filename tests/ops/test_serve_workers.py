"""`points-ledger serve --workers N` on PostgreSQL, as an operator runs it: N processes of POOL_SIZE
connections each, every request followed in the log by its id and caller, /metrics on its own listener adding
up the workers' latencies per route."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from tests.ops.test_pool import connections_named, settle
from tests.served import free_port

CLI = str(Path(sys.executable).with_name("points-ledger"))


def wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120  # two workers start slowly on a loaded machine
    while True:
        assert server.poll() is None, f"serve stopped: {log.read_text()}"
        try:
            if httpx.get(url, timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"serve did not start: {log.read_text()}"
        time.sleep(0.2)


@pytest.mark.postgres
def test_two_workers_open_twice_the_pool_and_every_request_is_followed_by_id_and_caller(
    pg_url: str, tmp_path: Path
) -> None:
    name = f"pl-serve-{uuid4().hex[:12]}"
    port, metrics_port = free_port(), free_port()
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": pg_url, "POINTS_LEDGER_POOL_SIZE": "2",
           "POINTS_LEDGER_LOG_FORMAT": "json", "POINTS_LEDGER_METRICS_PORT": str(metrics_port), "PGAPPNAME": name}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    token = subprocess.run([CLI, "tokens", "create", "--role", "prefecture", "--subject", "Préfecture (op)"],
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([CLI, "serve", "--workers", "2", "--port", str(port)], env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/health", server, log)
        with httpx.Client(base_url=base, timeout=30, trust_env=False) as http:
            created = http.post("/licences", headers={**auth, "X-Request-ID": "op-create"}, json={
                "number": "120369100042", "obtained_on": "2012-09-14", "evidence_ref": "ANTS-42"})
            reads = [http.get("/licences/120369100042/balance?on=2024-06-04",
                              headers={**auth, "X-Request-ID": f"op-read-{i}"}) for i in range(20)]
        connections = settle(name, 4, timeout=30)
        scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10, trust_env=False).text
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    assert created.status_code == 201 and all(r.status_code == 200 for r in reads)
    assert {r.headers["X-Request-ID"] for r in reads} == {f"op-read-{i}" for i in range(20)}
    # 2 workers x POINTS_LEDGER_POOL_SIZE=2 (the CLI's own connections are closed)
    assert connections == 4, log.read_text()[-3000:]
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    requests = {line["request_id"]: line for line in lines if line.get("event") == "request"}
    assert {f"op-read-{i}" for i in range(20)} <= set(requests)
    assert requests["op-read-7"]["subject"] == "Préfecture (op)" and requests["op-read-7"]["status"] == 200
    facts = [line for line in lines if line.get("event") == "fact recorded"]
    assert [(f["request_id"], f["kind"]) for f in facts] == [("op-create", "licence")]
    count = ('points_ledger_http_request_duration_seconds_count{method="GET",'
             'route="/licences/{number}/balance",status="200"} 20.0')
    assert count in scraped, scraped  # both workers' samples, added up by the listener
    assert connections_named(name) == 0
