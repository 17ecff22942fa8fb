"""A licence's proof: its events as stored, their chain, and its place in the last signed checkpoint.

`ledger.proof_check.check_proof` checks it offline. The checkpoint's tree is rebuilt from the chain table once
per checkpoint and kept (one tree for the process; a new checkpoint replaces it).
"""

from __future__ import annotations

import base64
import threading
from typing import Any
from uuid import UUID

from ledger.chain import inclusion_path
from ledger.chain_store import chain_tables
from ledger.checkpoints import Checkpoint, checkpoint_heads, last_checkpoint
from ledger.errors import LicenceNotFound
from ledger.licence import licence_id


class _Tree:
    """The leaves of one checkpoint, and where each stream sits among them."""

    def __init__(self, checkpoint: Checkpoint, recorder: Any) -> None:
        self.checkpoint = checkpoint
        heads = checkpoint_heads(recorder, checkpoint)
        self.leaves = [head.leaf for head in heads]
        self.index = {head.stream: (i, head.version) for i, head in enumerate(heads)}


class Proofs:
    """Builds proofs for the licences of one store."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self._tree: _Tree | None = None
        self._lock = threading.Lock()

    def _current_tree(self) -> _Tree | None:
        checkpoint = last_checkpoint(self.recorder)
        if checkpoint is None:
            return None
        with self._lock:
            if self._tree is None or self._tree.checkpoint.id != checkpoint.id:
                self._tree = _Tree(checkpoint, self.recorder)
            return self._tree

    def _chain(self, stream: UUID) -> dict[int, str]:
        tables = chain_tables(self.recorder)
        with self.recorder.datastore.transaction(commit=False) as curs:
            curs.execute(tables.sql("SELECT originator_version, hash FROM {chain} WHERE originator_id = ?"),
                         (tables.id_param(stream),))
            return {int(row["originator_version"]): bytes(row["hash"]).hex() for row in curs.fetchall()}

    def proof(self, licence_number: str) -> dict[str, Any]:
        """The proof of `licence_number` (raises `LicenceNotFound`)."""
        stream = licence_id(licence_number)
        stored = self.recorder.select_events(stream)
        if not stored:
            raise LicenceNotFound(licence_number)
        chain = self._chain(stream)
        events = [{"version": e.originator_version, "topic": e.topic,
                   "state": base64.b64encode(bytes(e.state)).decode(), "hash": chain.get(e.originator_version)}
                  for e in stored]
        tree = self._current_tree()
        place = tree.index.get(stream) if tree is not None else None
        checkpoint: dict[str, Any] | None = None
        if tree is not None and place is not None:
            index, version = place
            checkpoint = {**tree.checkpoint.as_json(), "version": version, "leaf_index": index,
                          "path": [{"hash": step.sibling.hex(), "left": step.sibling_is_left}
                                   for step in inclusion_path(tree.leaves, index)]}
        return {"licence_number": licence_number.strip(), "stream": str(stream), "events": events,
                "checkpoint": checkpoint}
