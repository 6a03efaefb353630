"""A release with regressions, a policy violation and a hostile task id, stored and served."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent_evals.records import DiffStats, PolicyViolation, RunRecord, TokenUsage
from agent_evals.store import Store

from .browser import Visit, artifact_dir, chromium_session, serving

RELEASE = "r"
HOSTILE = 'evil-<script>alert("x")</script>'
LOST = {("bugfix-small", "bug-3"), ("bugfix-small", "bug-7"), ("migration-risky", "mig-2")}
CONFIG = """\
release:
  name: r
  incumbent: coder-1.0
  candidate: coder-2.0
  evalSlices: [bugfix-small, migration-risky]
"""
EVIDENCE_CONFIG = CONFIG + "statistics: {mode: evidence, bootstrapResamples: 200}\n"


def _run(slice_name: str, task: str, lane: str, i: int) -> RunRecord:
    lost = lane == "candidate" and (slice_name, task) in LOST
    hostile = lane == "candidate" and task == HOSTILE
    violation = PolicyViolation("forbidden-path", "db/0001_init.py")
    return RunRecord(
        release=RELEASE,
        task_id=task,
        slice=slice_name,
        lane=lane,  # type: ignore[arg-type]
        model="coder-1.0" if lane == "incumbent" else "coder-2.0",
        status="unresolved" if lost else "resolved",
        tokens=TokenUsage(total=int((1000 + 97 * i) * (1.6 if lane == "candidate" else 1.0))),
        latency_s=20.0 + i,
        diff=DiffStats(2, 10 + i, 3),
        policy_violations=(violation,) if hostile else (),
        review_comments=1 + (lane == "candidate") * (i % 3),
        started_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=i),
        task_hash=f"sha256:{i:04d}",
        agent="builtin",
        agent_version="1.2.0",
        detail="tests failed: test_parse" if lost else None,
    )


def release_runs() -> list[RunRecord]:
    """Both lanes on 16 tasks; the candidate loses three and breaks policy on the hostile one."""
    tasks = [("bugfix-small", f"bug-{i}") for i in range(10)]
    tasks += [("migration-risky", f"mig-{i}") for i in range(5)] + [("migration-risky", HOSTILE)]
    return [
        _run(slice_name, task, lane, i)
        for i, (slice_name, task) in enumerate(tasks)
        for lane in ("incumbent", "candidate")
    ]


@pytest.fixture
def store() -> Iterator[Store]:
    """A memory store holding the release's runs."""
    db = Store.memory()
    db.write_runs(release_runs())
    yield db
    db.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Serve an HTML text from 127.0.0.1 and return its address."""
    with serving(tmp_path) as base:

        def start(html: str) -> str:
            (tmp_path / "index.html").write_text(html, encoding="utf-8")
            return f"{base}/index.html"

        yield start


@pytest.fixture
def browse(chromium: Path) -> Iterator[Callable[..., Visit]]:
    """Open addresses in Debian's Chromium; requests leaving 127.0.0.1 are recorded and cut."""
    with chromium_session(chromium) as visit:
        yield visit


@pytest.fixture
def artifacts() -> Path:
    """Where browser tests leave screenshots for people to look at (git-ignored)."""
    return artifact_dir()
