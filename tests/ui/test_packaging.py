"""A normal install ships the interface's templates and static files (setuptools package-data), not only an
editable one."""

from __future__ import annotations

import tomllib
from pathlib import Path

import api.http.ui

ROOT = Path(__file__).resolve().parents[2]


def test_every_template_and_static_file_is_declared_as_package_data() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    package = Path(api.http.ui.__file__).parent
    files = [p.relative_to(package) for p in package.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")]
    assert files, "no template or static file found"
    assert all(any(f.match(pattern) for pattern in declared["api.http.ui"]) for f in files), files
