"""`points-ledger verify` against a store that was tampered with behind the running service, on both stores.

The service (`points-ledger serve`, its own process) records seven licences over HTTP; a signed checkpoint is
exported; then the tables are edited directly, one kind of tampering per licence. `verify` must name each
licence, version and kind, exit non-zero, and leave the untouched licences alone; `verify --against` the exported
digest must also catch the edit whose chain was rewritten to match. The service meanwhile answers the damaged
licence with a 409 naming the damage, not a 500, and serves proofs that check offline.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.chain import event_hash
from ledger.licence import licence_id
from ledger.proof_check import check_proof
from tests.reliability.stores import RawStore
from tests.served import CLI, clean_env, cli, served

LICENCES = {kind: f"7500{i:08d}" for i, kind in enumerate(
    ("edited", "inserted", "deleted_middle", "deleted_last", "reordered", "rewritten", "untouched"))}


def record_licences(base: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, trust_env=False, timeout=30) as client:
        for number in LICENCES.values():
            answer = client.post("/licences", json={"number": number, "obtained_on": "2010-01-01",
                                                    "evidence_ref": f"ANTS-{number}"})
            assert answer.status_code == 201, answer.text
            for i in range(1, 4):
                answer = client.post(f"/licences/{number}/offences", json={
                    "committed_on": f"2020-0{i}-01", "established_on": f"2020-0{i}-15", "points": 1, "class": "C4",
                    "evidence_ref": f"PV-{number}-{i}"})
                assert answer.status_code == 201, answer.text


def tamper(store: RawStore) -> None:
    """One kind of direct edit per licence (each stream has versions 1 to 4)."""
    number = LICENCES["edited"]
    store.set_state(number, 2, store.state(number, 2).replace(b"PV-", b"PX-"))
    number = LICENCES["inserted"]
    store.insert_event(number, 5, store.topic(number, 4), store.state(number, 4).replace(b"-3", b"-9"))
    store.delete_event(LICENCES["deleted_middle"], 2)
    store.delete_event(LICENCES["deleted_last"], 4)
    number = LICENCES["reordered"]
    second, third = store.state(number, 2), store.state(number, 3)
    store.set_state(number, 2, third)
    store.set_state(number, 3, second)
    # An attacker who knows the chain's arithmetic edits an event and recomputes the chain after it: only the
    # signed checkpoint can tell.
    number = LICENCES["rewritten"]
    stream = licence_id(number)
    store.set_state(number, 3, store.state(number, 3).replace(b"PV-", b"PX-"))
    previous = store.chain_hash(number, 2)
    for version in (3, 4):
        previous = event_hash(previous, stream, version, store.topic(number, version), store.state(number, version))
        store.set_chain_hash(number, version, previous)


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("store_kind", [pytest.param("sqlite"),
                                        pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_verify_names_every_kind_of_tampering_on_both_stores(
    store_kind: str, new_store_url: Any, tmp_path: Path
) -> None:
    url = new_store_url(store_kind)
    env = clean_env(POINTS_LEDGER_DATABASE_URL=url, POINTS_LEDGER_SIGNING_KEY_FILE=str(tmp_path / "key.pem"))
    public_key = cli(env, "keygen", "--out", str(tmp_path / "key.pem"))
    token = cli(env, "tokens", "create", "--role", "prefecture")
    digest = tmp_path / "digest.jsonl"
    with served(env, tmp_path / "serve.log") as base:
        record_licences(base, token)
        assert cli(env, "checkpoint", "--out", str(digest)).startswith("checkpoint 1: 28 events, 7 licences")
        assert run_cli(env, "verify").returncode == 0
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, trust_env=False) as client:
            for number in LICENCES.values():
                assert check_proof(client.get(f"/licences/{number}/proof").json(), trusted_key=public_key) == []
                assert check_proof(client.get(f"/licences/{number}/proof").json(), trusted_key="00" * 32) != []
        tamper(RawStore(url))

        found = run_cli(env, "verify")
        assert found.returncode == 3, found.stderr
        lines = found.stdout.splitlines()
        for number, version, kind in ((LICENCES["edited"], 2, "edited"), (LICENCES["inserted"], 5, "inserted"),
                                      (LICENCES["deleted_middle"], 2, "deleted"),
                                      (LICENCES["deleted_last"], 4, "deleted"), (LICENCES["reordered"], 2, "moved"),
                                      (LICENCES["reordered"], 3, "moved")):
            assert any(line.startswith(f"licence {number}, version {version}: {kind}:") for line in lines), lines
        assert not any(LICENCES["untouched"] in line or LICENCES["rewritten"] in line for line in lines)
        assert any(line.startswith("checkpoint 1 ") and "signed root" in line for line in lines)

        against = run_cli(env, "verify", "--against", str(digest))
        assert against.returncode == 3
        assert f"licence {LICENCES['rewritten']}, version 4: checkpoint:" in against.stdout
        assert run_cli(env, "verify", "--licence", LICENCES["untouched"]).returncode == 0

    # A new process (no licence cached from before the tampering) reads and writes the damaged licence.
    with served(env, tmp_path / "serve-again.log") as base:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, trust_env=False, timeout=30) as client:
            damaged = LICENCES["deleted_middle"]
            read = client.get(f"/licences/{damaged}/balance", params={"on": "2024-01-01"})
            write = client.post(f"/licences/{damaged}/offences", json={
                "committed_on": "2021-01-01", "established_on": "2021-01-15", "points": 1, "class": "C4",
                "evidence_ref": "PV-after"})
            for answer in (read, write):
                assert answer.status_code == 409, answer.text
                assert answer.json()["detail"][0]["type"] == "stream_damaged"
            edited = client.get(f"/licences/{LICENCES['edited']}/proof").json()
            assert "version 2: its content does not hash to its chain entry" in check_proof(edited, public_key)


def test_migrate_chain_backfills_a_store_written_before_the_chain(any_store_url: str, tmp_path: Path) -> None:
    env = clean_env(POINTS_LEDGER_DATABASE_URL=any_store_url)
    cli(env, "demo")
    store = RawStore(any_store_url)
    store.run("DELETE FROM {chain}")  # the store as it was before the chain existed
    before = run_cli(env, "verify")
    assert before.returncode == 3 and ": inserted:" in before.stdout
    assert cli(env, "migrate-chain").startswith(f"chained {store.count_events()} events of 5 licences")
    assert run_cli(env, "verify").returncode == 0
    assert cli(env, "migrate-chain") == "chained 0 events of 0 licences"
