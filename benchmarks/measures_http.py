"""The balance over HTTP: the real server (`points-ledger serve`) vs a bare FastAPI endpoint doing the same fetch.

Both run as subprocesses on 127.0.0.1 with uvicorn's defaults; the load generator is wrk (closed-loop: each of
`concurrency` connections sends its next request when the previous answer arrives), bounded in time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from benchmarks.harness import Measure, base_url, percentile
from ledger.application import PointsLedger
from ledger.fact_index import FactIndex
from ledger.facts import LicenceRecord
from ledger.storage import storage_env
from projections.read_model import BalanceReadModel

ROOT = Path(__file__).resolve().parent.parent
ON = "2024-12-31"


WRK_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\nWRK-JSON {"requests": %%d, "non_2xx": %%d, "socket_errors": %%d, "duration_us": %%d, '
    .. '"p50_us": %%f, "p95_us": %%f, "p99_us": %%f}\\n', summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99)))
end
"""


@dataclass
class Load:
    """What wrk measured: requests in `seconds`, errors, and latency percentiles in milliseconds."""

    requests: int
    errors: int
    seconds: float
    p50: float
    p95: float
    p99: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    # The service logs one line per request (and per fact) on stderr: a file, never an unread pipe, which would
    # fill up and block the server mid-run.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"{command[0]} exited: {log.read().decode(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1).status_code < 500:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{command[0]} did not answer on port {port}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _lua_strings(values: list[str]) -> str:
    return ", ".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)


def load(base: str, paths: list[str], headers: dict[str, str], seconds: float, concurrency: int) -> Load:
    """Closed-loop GET load by wrk (`concurrency` connections on 2 threads) after a 2-second warm-up run.

    wrk is C and event-driven (docs/decisions/0054-load-generator.md): the client costs a fraction of what a
    Python client would, on a machine where the server, PostgreSQL and the client share two cores.
    """
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("the HTTP measures need wrk (Debian: apt-get install wrk)")
    script = WRK_SCRIPT % {"paths": _lua_strings(paths),
                           "headers": ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items())}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        threads = str(min(2, concurrency))
        base_args = [wrk, "-t", threads, "-c", str(concurrency), "--timeout", "10s", "-s", f.name]
        subprocess.run([*base_args, "-d", "2s", base], capture_output=True, check=True)  # warm-up
        done = subprocess.run([*base_args, "-d", f"{seconds:.0f}s", base], capture_output=True, text=True,
                              check=True)
    finally:
        os.unlink(f.name)
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK-JSON "))
    figures = json.loads(line.removeprefix("WRK-JSON "))
    return Load(figures["requests"], figures["non_2xx"] + figures["socket_errors"], figures["duration_us"] / 1e6,
                figures["p50_us"] / 1e3, figures["p95_us"] / 1e3, figures["p99_us"] / 1e3)


def create_token(env: dict[str, str]) -> str:
    done = subprocess.run([_bin("points-ledger"), "tokens", "create", "--role", "prefecture"], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def caught_up(url: str) -> None:
    """Bring the read model and the fact index up to date before the load, as a service that has been running
    finds them: otherwise the server's keeper spends the measured seconds on its first catch-up of the whole
    imported population (a one-off startup cost the bare endpoint does not have)."""
    ledger = PointsLedger(storage_env(url))
    try:
        model = BalanceReadModel(ledger)
        model.create_tables()
        model.catch_up()
        FactIndex(ledger).catch_up()
    finally:
        ledger.close()


def as_of_over_http(url: str, records: list[LicenceRecord], seconds: float = 15.0,
                    concurrency: int = 4) -> list[Measure]:
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": url, "POINTS_LEDGER_BENCH_STORE": url}
    caught_up(url)
    numbers = [r.licence.licence_number for r in records[:: max(1, len(records) // 5_000)]]
    token = create_token(env)
    port = free_port()
    server = start([_bin("points-ledger"), "serve", "--port", str(port)], env, port)
    try:
        ours = load(f"http://127.0.0.1:{port}", [f"/licences/{n}/balance?on={ON}" for n in numbers],
                    {"Authorization": f"Bearer {token}"}, seconds, concurrency)
    finally:
        stop(server)
    port = free_port()
    bare = start([sys.executable, "-m", "uvicorn", "benchmarks.bare_app:app", "--port", str(port),
                  "--log-level", "warning"], env, port)
    try:
        baseline = load(f"http://127.0.0.1:{port}", [f"/licences/{n}/rows" for n in numbers], {}, seconds,
                        concurrency)
    finally:
        stop(bare)
    return [Measure(
        "as-of balance over HTTP (requests/s)", ours.rate, baseline.rate, "req/s", target_ratio=0.5,
        checks={"p99 ≤ 25 ms": ours.p99 <= 25}, key="http", p99_ms=ours.p99,
        extra={"p50_ms": ours.p50, "p95_ms": ours.p95, "baseline_p50_ms": baseline.p50,
               "baseline_p95_ms": baseline.p95, "baseline_p99_ms": baseline.p99},
        details=[f"wrk, {concurrency} connections for {seconds:.0f} s; ours p50 {ours.p50:.1f} ms, p95 "
                 f"{ours.p95:.1f} ms, p99 {ours.p99:.1f} ms, {ours.errors} errors; bare endpoint p50 "
                 f"{baseline.p50:.1f} ms, p95 {baseline.p95:.1f} ms, p99 {baseline.p99:.1f} ms",
                 "GET /licences/{number}/balance?on=… with a prefecture token (the lean answer: points, ceiling, "
                 "status, probation, next changes)"])]


def _letter_body(i: int, tag: str) -> dict[str, str]:
    return {"code": "48", "notified_on": "2025-06-30", "evidence_ref": f"HTTP-{tag}-{i}"}


def synchronous_commit(url: str) -> str:
    with psycopg.connect(base_url(url)) as conn:
        row = conn.execute("SHOW synchronous_commit").fetchone()
    return str(row[0]) if row else "?"


def record_batch_over_http(url: str, records: list[LicenceRecord], batch: int = 1_000, batches: int = 10,
                           singles: int = 1_000) -> Measure:
    """One client posting `POST /facts:batch` (1,000 letters for 1,000 licences per call, one after the other)
    vs the same client posting the single route `POST /licences/{number}/letters`, one fact per call.

    The read model and the fact index are caught up first, as a running service finds them: after the bulk
    import the server's keeper would otherwise fold the whole population while the batches are measured (at
    100 k, 800 k events: a one-off startup cost, not a write's). The catch-up of what the batches write is
    measured: the keeper gives way to writes for at most 10 s, then folds a small page (`api.write_activity`)."""
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": url}
    caught_up(url)  # as for the reads: the keeper's first catch-up of the whole import is not a write's cost
    numbers = [r.licence.licence_number for r in records]
    count = min(len(numbers), batch * batches)
    bodies = [json.dumps({"facts": [{"licence_number": numbers[i], "kind": "letter", "fact": _letter_body(i, "B")}
                                    for i in range(start, min(start + batch, count))]}).encode()
              for start in range(0, count, batch)]
    token = create_token(env)
    port = free_port()
    server = start([_bin("points-ledger"), "serve", "--port", str(port)], env, port)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120) as client:
            latencies: list[float] = []
            started = time.perf_counter()
            for body in bodies:
                t0 = time.perf_counter()
                answer = client.post("/facts:batch", content=body)
                latencies.append(time.perf_counter() - t0)
                if answer.status_code != 200 or answer.json()["refused"]:
                    raise RuntimeError(f"batch refused: {answer.text[:500]}")
            seconds = time.perf_counter() - started
            single_numbers = numbers[count - singles:count] if count >= singles else numbers[:singles]
            started = time.perf_counter()
            for i, number in enumerate(single_numbers):
                client.post(f"/licences/{number}/letters", json=_letter_body(i, "S")).raise_for_status()
            single_seconds = time.perf_counter() - started
    finally:
        stop(server)
    rate, single_rate = count / seconds, len(single_numbers) / single_seconds
    sync = synchronous_commit(url)
    return Measure(
        "record facts through POST /facts:batch (facts/s, 1 client)", rate, single_rate, "facts/s",
        checks={"≥ 2,000 facts/s": rate >= 2_000, "synchronous_commit on": sync == "on"}, key="record_batch",
        p99_ms=percentile(latencies, 0.99) * 1e3, extra={"p50_ms": percentile(latencies, 0.5) * 1e3},
        details=[f"{count:,} letters in {len(bodies)} calls of {batch:,} (one licence each) in {seconds:.1f} s; "
                 f"per call p50 {percentile(latencies, 0.5) * 1e3:.0f} ms, "
                 f"p99 {percentile(latencies, 0.99) * 1e3:.0f} ms",
                 f"baseline: {len(single_numbers):,} letters through POST /licences/{{number}}/letters, one per "
                 f"call, same client: {single_rate:,.0f} facts/s",
                 f"PostgreSQL synchronous_commit = {sync}"])
