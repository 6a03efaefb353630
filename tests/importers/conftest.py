"""What the importer tests share: fixture paths and one call that imports into a store."""

from __future__ import annotations

import os
import subprocess
import sys
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


@pytest.fixture(scope="session")
def inspect_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the ``.eval`` log of a real ``inspect eval`` run of ``mockllm/model``.

    Offline: HTTP goes to a closed local port, so a run that tried the network would fail.
    Skipped without inspect_ai on a developer machine; a failure in CI, which installs it.
    """
    inspect = Path(sys.executable).parent / "inspect"
    if not inspect.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must provide this: inspect_ai (the 'inspect' extra)")
        pytest.skip("needs inspect_ai: pip install -e '.[inspect]' (make install does)")
    home = tmp_path_factory.mktemp("inspect-home")
    logs = home / "logs"
    closed = "http://127.0.0.1:9"
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "HTTP_PROXY": closed,
        "HTTPS_PROXY": closed,
        "NO_PROXY": "",
    }
    task_file = home / "tiny_task.py"
    task_file.write_text((FIXTURES / "inspect-task" / task_file.name).read_text())
    command = [str(inspect), "eval", task_file.name, "--log-dir", str(logs), "--display", "none"]
    done = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    return logs
