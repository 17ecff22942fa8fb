"""Existing test modules collected again under this directory, so that they run on a store of 8 hash partitions
(the fixtures of `tests/partitions/conftest.py` make every PostgreSQL store they create partitioned).

Nothing is copied: a `test_on_partitions_*.py` module imports an existing module's tests that use a store (and
the fixtures they need) into its own namespace, where pytest collects them under this directory's fixtures; one
module per suite, because suites reuse fixture names. Tests that ask for an SQLite store only are left to their
own directory.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

SQLITE_ONLY = {"sqlite_url", "sqlite_api"}


def _is_fixture(value: Any) -> bool:
    return type(value).__name__ == "FixtureFunctionDefinition" or hasattr(value, "_pytestfixturefunction")


def store_tests(module_name: str) -> dict[str, Any]:
    """The module's fixtures, and its tests that do not ask for an SQLite-only store."""
    module = importlib.import_module(module_name)
    return {name: value for name, value in vars(module).items()
            if (_is_fixture(value) and not name.startswith("_")) or _store_test(module_name, name, value)}


def _store_test(module_name: str, name: str, value: Any) -> bool:
    return (name.startswith("test_") and callable(value) and getattr(value, "__module__", "") == module_name
            and not SQLITE_ONLY & set(inspect.signature(value).parameters))
