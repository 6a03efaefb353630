"""What the importer tests share: fixture paths and one call that imports into a store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent_evals.importers import ImportOptions, ImportRequest, ImportSummary, run_import
from agent_evals.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "importers"
PUBLIC_RUNS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "public-runs"

Importing = Callable[..., ImportSummary]


@pytest.fixture
def store() -> Store:
    """A private in-memory run store."""
    return Store.memory()


@pytest.fixture
def importing(store: Store) -> Importing:
    """``importing(format, *paths, lane=..., **options)`` imports into ``store``."""

    def run(fmt: str, *paths: Path, batch_size: int = 5000, **options: Any) -> ImportSummary:
        options.setdefault("release", "r1")
        options.setdefault("lane", "candidate")
        options.setdefault("model", "acme-coder-v2")
        request = ImportRequest(fmt, tuple(paths), ImportOptions(**options), batch_size)
        return run_import(store, request)

    return run


@pytest.fixture
def public_runs() -> Path:
    """The public per-task runs in ../shared/data/public-runs (skipped when absent)."""
    if not PUBLIC_RUNS.is_dir():
        pytest.skip(f"public run fixtures not found at {PUBLIC_RUNS.resolve()}")
    return PUBLIC_RUNS.resolve()
