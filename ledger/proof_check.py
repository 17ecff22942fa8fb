"""The offline checker of a licence's proof (`GET /licences/{number}/proof`): give it the JSON, get the problems.

It needs nothing of the ledger but this module, `ledger.chain` and `cryptography`: an auditor can run it on a
machine that never saw the store. It recomputes the licence's hash chain from the events' stored bytes, the
licence's leaf at the version the checkpoint covered, the Merkle root from the inclusion path, and checks the
Ed25519 signature of the checkpoint's statement (against the key the auditor trusts, when given).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.chain import GENESIS, PathStep, event_hash, leaf_hash, root_from_path

STATEMENT_PREFIX = b"points-ledger checkpoint v1\n"
STATEMENT_FIELDS = ("id", "created_at", "upto", "streams", "events", "root")


def checkpoint_statement(checkpoint: dict[str, Any]) -> bytes:
    """The signed bytes of a checkpoint: its fields but the key and signature, as canonical JSON."""
    fields = {name: checkpoint[name] for name in STATEMENT_FIELDS}
    return STATEMENT_PREFIX + json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def signature_valid(checkpoint: dict[str, Any], trusted_key: str | None = None) -> bool:
    """Whether the checkpoint is signed by its `public_key` (and that key is `trusted_key`, when given)."""
    key = str(checkpoint.get("public_key", ""))
    if trusted_key is not None and trusted_key.lower() != key.lower():
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(key)).verify(
            bytes.fromhex(str(checkpoint["signature"])), checkpoint_statement(checkpoint))
    except (InvalidSignature, ValueError, KeyError):
        return False
    return True


def check_proof(proof: dict[str, Any], trusted_key: str | None = None) -> list[str]:
    """Every problem with `proof` (empty: the licence's events are the ones the signed checkpoint covered)."""
    problems: list[str] = []
    stream = UUID(str(proof["stream"]))
    chain: dict[int, bytes] = {0: GENESIS}
    for event in proof["events"]:
        version = int(event["version"])
        if version != len(chain):
            problems.append(f"version {version}: expected version {len(chain)} (the chain has a gap)")
        digest = event_hash(chain.get(version - 1, GENESIS), stream, version, str(event["topic"]),
                            base64.b64decode(event["state"]))
        if digest.hex() != event["hash"]:
            problems.append(f"version {version}: its content does not hash to its chain entry")
        chain[version] = digest
    checkpoint = proof.get("checkpoint")
    if checkpoint is None:
        return problems
    covered = int(checkpoint["version"])
    if covered not in chain:
        return [*problems, f"the checkpoint covers version {covered}, which the proof does not hold"]
    path = [PathStep(bytes.fromhex(step["hash"]), bool(step["left"])) for step in checkpoint["path"]]
    root = root_from_path(leaf_hash(stream, covered, chain[covered]), path)
    if root.hex() != checkpoint["root"]:
        problems.append("the inclusion path does not lead to the checkpoint's root")
    if not signature_valid(checkpoint, trusted_key):
        problems.append("the checkpoint's signature is not valid" + (" under the trusted key" if trusted_key else ""))
    return problems
