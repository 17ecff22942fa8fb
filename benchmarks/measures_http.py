"""The balance over HTTP: the real server (`points-ledger serve`) vs a bare FastAPI endpoint doing the same fetch.

Both run as subprocesses on 127.0.0.1 with uvicorn's defaults; the load generator is closed-loop (each of
`concurrency` threads sends its next request when the previous answer arrives) and bounded in time.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.harness import Measure, percentile
from ledger.facts import LicenceRecord

ROOT = Path(__file__).resolve().parent.parent
ON = "2024-12-31"


@dataclass
class Load:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) * 1e3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[0]} exited: {process.stderr.read().decode() if process.stderr else ''}")
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


def load(base: str, paths: list[str], headers: dict[str, str], seconds: float, concurrency: int) -> Load:
    """Closed-loop load for `seconds` (after a one-second warm-up whose requests are not counted)."""
    latencies: list[float] = []
    counts = {"errors": 0}
    lock = threading.Lock()
    warm_until = time.perf_counter() + 1.0
    stop_at = warm_until + seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[float] = []
        errors = 0
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            while (now := time.perf_counter()) < stop_at:
                response = client.get(rng.choice(paths))
                done = time.perf_counter()
                if now >= warm_until:
                    mine.append(done - now)
                    errors += response.status_code != 200
        with lock:
            latencies.extend(mine)
            counts["errors"] += errors

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Load(len(latencies), counts["errors"], seconds, latencies)


def create_token(env: dict[str, str]) -> str:
    done = subprocess.run([_bin("points-ledger"), "tokens", "create", "--role", "prefecture"], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def as_of_over_http(url: str, records: list[LicenceRecord], seconds: float = 15.0,
                    concurrency: int = 4) -> list[Measure]:
    env = {**os.environ, "POINTS_LEDGER_DATABASE_URL": url, "POINTS_LEDGER_BENCH_STORE": url}
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
        checks={"p99 ≤ 25 ms": ours.p(0.99) <= 25},
        details=[f"{concurrency} closed-loop clients for {seconds:.0f} s; ours p50 {ours.p(0.5):.1f} ms, "
                 f"p99 {ours.p(0.99):.1f} ms, {ours.errors} non-200; bare endpoint p50 {baseline.p(0.5):.1f} ms, "
                 f"p99 {baseline.p(0.99):.1f} ms",
                 "GET /licences/{number}/balance?on=… with a prefecture token (full explanation and forecast)"])]
