"""Two promotions started together move a release one stage, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from agent_evals.config import load_config
from agent_evals.config.models import ReleaseConfig
from agent_evals.errors import ConflictError
from agent_evals.rollout import CanaryController, FakeClock, promote, run_drill
from agent_evals.store import Store

from ..replays import LIVE_LADDER, pass_replays


def _config(path: Path, name: str) -> Path:
    path.write_text(
        f"release:\n  name: {name}\n  incumbent: inc-2026-01-01\n  candidate: cand-2026-10-01\n"
        f"  evalSlices: [bugfix-small]\n{LIVE_LADDER}",
        encoding="utf-8",
    )
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/runs.db"
    return str(request.getfixturevalue("pg_url"))


@pytest.mark.slow
def test_two_forced_promotions_started_together_move_the_release_one_stage(
    tmp_path: Path, db_url: str
) -> None:
    config = _config(tmp_path / "release.yaml", f"race-{uuid.uuid4().hex[:8]}")
    store = Store(db_url)
    controller = CanaryController(store, load_config(config).config)
    pass_replays(store, controller.config)
    run_drill(controller, actor="test")
    controller.start(actor="test")
    store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_EVALS_")}
    argv = [sys.executable, "-m", "agent_evals", "--config", str(config), "--db", db_url]
    racers = [
        subprocess.Popen(
            [*argv, "canary", "promote", "--force", "--reason", f"racer {i}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    errors = [racer.communicate(timeout=300)[1] for racer in racers]
    results = [(racer.returncode, err) for racer, err in zip(racers, errors, strict=True)]
    assert sorted(code for code, _ in results) == [0, 4]
    [loser] = [err for code, err in results if code == 4]
    # Either the loser saw the stage moved, or lost the compare-and-set itself.
    assert "nothing was" in loser and loser.count("\n") == 1
    store = Store(db_url)
    try:
        assert CanaryController(store, load_config(config).config).require_state().stage == (
            "stage-2"
        )
    finally:
        store.close()


def test_a_promotion_asked_before_the_stage_moved_is_refused(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    controller = started(make_config())
    asked = clock.now()
    clock.advance(seconds=1)
    promote(controller, actor="alice", force=True, since=clock.now())
    with pytest.raises(ConflictError, match="entered after this promotion was asked"):
        promote(controller, actor="bob", force=True, since=asked)
    assert controller.require_state().stage == "stage-2"
    clock.advance(seconds=1)
    promote(controller, actor="bob", force=True, since=clock.now())  # asked afresh: it moves
    assert controller.require_state().stage == "stage-3"
