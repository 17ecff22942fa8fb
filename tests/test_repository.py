"""The repository stands on its own: nothing points outside it, every document it cites exists, the decision
notes are numbered once each, and `constraints.txt` pins every dependency `pyproject.toml` declares."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).parents[1]
SKIPPED = {".venv", ".git", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
           "benchmarks/out", ".import_linter_cache", "points_ledger.egg-info"}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".html", ".cfg", ".sh", ""}
DOC_PATH = re.compile(r"docs/[\w./-]+?\.md")


def repository_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT).as_posix()
        if any(relative == skip or relative.startswith(skip + "/") or f"/{skip}/" in f"/{relative}"
               for skip in SKIPPED):
            continue
        if path.is_file() and path.suffix in TEXT_SUFFIXES and path.stat().st_size < 2_000_000:
            files.append(path)
    return files


def test_nothing_in_the_repository_points_to_the_shared_reference_folder() -> None:
    offenders = [path.relative_to(ROOT).as_posix() for path in repository_files()
                 if path.name != Path(__file__).name
                 and ("/work/shared" in (text := path.read_text(encoding="utf-8", errors="replace"))
                      or "shared/formats/" in text)]
    assert offenders == []


def cited_documents() -> dict[str, set[str]]:
    """Every `docs/….md` path named in the repository → the files that name it."""
    cited: dict[str, set[str]] = {}
    for path in repository_files():
        for document in DOC_PATH.findall(path.read_text(encoding="utf-8", errors="replace")):
            cited.setdefault(document, set()).add(path.relative_to(ROOT).as_posix())
    return cited


@pytest.mark.parametrize("document", sorted(cited_documents()))
def test_every_document_the_code_and_the_docs_cite_exists(document: str) -> None:
    assert (ROOT / document).exists(), f"{document} is cited by {sorted(cited_documents()[document])}"


def test_decision_notes_are_numbered_once_each_without_a_gap_in_the_first_series() -> None:
    notes = sorted((ROOT / "docs" / "decisions").glob("*.md"))
    numbers = [int(note.name[:4]) for note in notes]
    assert len(numbers) == len(set(numbers))
    assert set(range(1, 8)) <= set(numbers)
    for note in notes:
        assert note.read_text(encoding="utf-8").startswith(f"# {note.name[:4]} — "), note.name


def test_the_constraints_pin_every_declared_dependency_at_an_allowed_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [Requirement(line) for line in
                [*project["dependencies"], *(d for extra in project["optional-dependencies"].values() for d in extra)]]
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    unpinned = [str(r) for r in declared if r.name.lower().replace("_", "-") not in pins]
    outside = [f"{r} (pinned {pins[r.name.lower().replace('_', '-')]})" for r in declared
               if r.name.lower().replace("_", "-") in pins
               and not r.specifier.contains(pins[r.name.lower().replace("_", "-")], prereleases=True)]
    hint = "regenerate: .venv/bin/pip freeze --exclude-editable > constraints.txt (README, Operating the service)"
    assert unpinned == [], hint
    assert outside == [], hint
