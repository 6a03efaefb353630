"""The fire drill: breach, check routing and hooks, restore, record."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from agent_evals.config.models import ReleaseConfig
from agent_evals.errors import UsageError
from agent_evals.rollout import (
    CanaryController,
    FakeClock,
    open_router,
    recover_drill,
    run_drill,
)
from agent_evals.rollout import drill as drill_module
from agent_evals.store import Store

WRITE_ENV = "import os, sys; open(sys.argv[1], 'w').write(os.environ['AGENT_EVALS_DRILL'])"


def test_a_drill_fires_every_fallback_hook_restores_and_records(
    tmp_path: Path,
    store: Store,
    webhook: object,
    make_config: Callable[..., ReleaseConfig],
    controller_for: Callable[[ReleaseConfig], CanaryController],
) -> None:
    marker = tmp_path / "drill.txt"
    url = webhook.url  # type: ignore[attr-defined]
    config = make_config(
        hooks={
            "onRollback": [{"command": [sys.executable, "-c", WRITE_ENV, str(marker)]}],
            "onAlert": [{"webhook": url}],
        }
    )
    controller = controller_for(config)
    record = run_drill(controller, actor="sre")
    assert record.passed
    assert [c.name for c in record.checks][:2] == [
        "routing flips on a health breach",
        "stored fallback routes to the incumbent",
    ]
    assert marker.read_text() == "1"
    [body] = webhook.bodies  # type: ignore[attr-defined]
    assert body["drill"] is True and body["event"] == "alert"
    assert body["text"].startswith("[fire drill]")
    state = controller.require_state()
    assert (state.stage, state.share, state.drill_passed) == ("ready", 0.0, True)
    drills = [e for e in store.audit("inc..cand") if e.action == "drill"]
    assert [e.share for e in drills] == [0.0, 0.0]
    assert drills[-1].reasons == ("fire drill passed; state restored to ready share 0",)


def test_a_drill_on_a_live_stage_puts_the_share_back(
    store: Store,
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    config = make_config({"stages": [{"share": 1.0}]})
    controller = started(config)
    before = controller.require_state()
    assert run_drill(controller, actor="sre").passed
    after = controller.require_state()
    assert (after.stage, after.share) == (before.stage, before.share)
    assert after.stage_started_at == before.stage_started_at
    assert open_router(store, config).select("t1").lane == "candidate"


def test_a_failing_hook_fails_the_drill_and_live_share_stays_refused(
    make_config: Callable[..., ReleaseConfig],
    controller_for: Callable[[ReleaseConfig], CanaryController],
) -> None:
    broken = {"command": [sys.executable, "-c", "raise SystemExit(3)"], "retries": 0}
    controller = controller_for(make_config(hooks={"onRollback": [broken]}))
    record = run_drill(controller, actor="sre")
    assert not record.passed
    failed = [c for c in record.checks if not c.passed]
    assert len(failed) == 1 and failed[0].name.startswith("rollback hook command")
    assert controller.require_state().stage == "ready"
    with pytest.raises(UsageError, match="no fire drill has passed"):
        controller.start(actor="alice")


def kill_drill(controller: CanaryController, monkeypatch: pytest.MonkeyPatch) -> None:
    """A drill that dies after its breach, as under SIGKILL: nothing puts the state back."""
    with monkeypatch.context() as patched:
        patched.setattr(drill_module, "_restore", lambda *args, **kwargs: None)
        run_drill(controller, actor="sre")


def test_a_killed_drill_is_put_back_by_the_next_drill(
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    controller = started(make_config({"stages": [{"share": 1.0}]}))
    before = controller.require_state()
    kill_drill(controller, monkeypatch)
    assert controller.require_state().stage == "rolled-back"
    assert run_drill(controller, actor="sre").passed
    after = controller.require_state()
    assert (after.stage, after.share, after.phase) == (before.stage, before.share, before.phase)


def test_recovering_a_killed_drill_restores_the_state_and_keeps_the_earlier_drill_record(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    controller = started(make_config({"stages": [{"share": 1.0}]}))
    before = controller.require_state()
    kill_drill(controller, monkeypatch)
    # a gateway leaves a fresh breach alone (the drill may still be running) ...
    assert recover_drill(controller, actor="gateway", older_than=timedelta(minutes=5)) is None
    clock.advance(minutes=6)
    # ... and restores one that outlived any drill
    restored = recover_drill(controller, actor="gateway", older_than=timedelta(minutes=5))
    assert restored is not None
    assert (restored.stage, restored.share, restored.frozen) == (
        before.stage,
        before.share,
        before.frozen,
    )
    assert restored.drill == before.drill and restored.drill_passed
    assert recover_drill(controller, actor="oncall") is None
    assert store.audit("inc..cand")[-1].reasons == (
        "fire drill interrupted; state restored to stage-1 share 1",
    )
