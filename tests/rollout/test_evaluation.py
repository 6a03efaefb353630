"""The controller on a simulated live stream: fallback on a breach, stage walk when healthy."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agent_evals.config.models import ReleaseConfig
from agent_evals.errors import UsageError
from agent_evals.records import RunRecord
from agent_evals.rollout import (
    CanaryController,
    FakeClock,
    RolloutDecision,
    evaluate,
    open_router,
    promote,
    run_drill,
)
from agent_evals.store import Store

HOOK_SCRIPT = (
    "import json, os, sys; from pathlib import Path; "
    "Path(sys.argv[1]).write_text(json.dumps({'env': os.environ['AGENT_EVALS_REASON'], "
    "'event': os.environ['AGENT_EVALS_EVENT'], 'share': os.environ['AGENT_EVALS_SHARE'], "
    "'stdin': json.load(sys.stdin)}))"
)


def stream(
    controller: CanaryController,
    store: Store,
    clock: FakeClock,
    make_run: Callable[..., RunRecord],
    *,
    tasks: int,
    break_at: int | None = None,
    minutes_per_task: float = 1.0,
) -> list[RolloutDecision]:
    """Route tasks one by one, store each outcome, and evaluate after each one."""
    router = open_router(store, controller.config)
    decisions = []
    for i in range(tasks):
        route = router.select(f"live-{i:05d}")
        broken = route.lane == "candidate" and break_at is not None and i >= break_at
        store.write_runs([make_run(f"live-{i:05d}", route.lane, policy=broken)])
        clock.advance(minutes=minutes_per_task)
        decisions.append(evaluate(controller))
        router.refresh()
    controller.hooks.wait_all()
    return decisions


def test_a_policy_breach_rolls_back_by_the_next_evaluation(
    tmp_path: Path,
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
    controller_for: Callable[[ReleaseConfig], CanaryController],
    webhook: object,
) -> None:
    marker = tmp_path / "rolled-back.json"
    url = webhook.url  # type: ignore[attr-defined]
    hooks = {
        "onRollback": [
            {"command": [sys.executable, "-c", HOOK_SCRIPT, str(marker)]},
            {"webhook": url},
        ]
    }
    config = make_config(
        {"stages": [{"share": 0.5, "minTasks": 50, "minBakeMinutes": 30}]}, hooks=hooks
    )
    controller = controller_for(config)
    assert run_drill(controller, actor="test").passed
    marker.unlink()
    webhook.bodies.clear()  # type: ignore[attr-defined]
    controller.start(actor="alice")

    decisions = stream(controller, store, clock, make_run, tasks=40, break_at=20)

    broke_at = int(
        next(r for r in store.runs("inc..cand", lane="candidate") if r.policy_failed).task_id[5:]
    )
    assert broke_at >= 20
    actions = [d.action for d in decisions]
    assert actions[:broke_at] == ["hold"] * broke_at
    rollback = decisions[broke_at]  # the evaluation right after the breaking outcome
    assert rollback.action == "rollback"
    assert (rollback.state.stage, rollback.state.share) == ("rolled-back", 0.0)
    assert rollback.reasons == ("policy failure",)
    assert actions[broke_at + 1 :] == ["hold"] * (39 - broke_at)
    assert len([r for r in store.runs("inc..cand", lane="candidate") if r.policy_failed]) == 1
    entry = [e for e in store.audit("inc..cand") if e.action == "rollback"][-1]
    assert entry.actor == "controller" and entry.reasons == ("policy failure",)
    assert entry.evidence["candidate"]["policy_failures"] == 1
    assert entry.share == 0.0
    fired = json.loads(marker.read_text())
    assert fired["event"] == "rollback" and fired["env"] == "policy failure"
    assert fired["share"] == "0" and fired["stdin"]["release"] == "inc..cand"
    [body] = webhook.bodies  # type: ignore[attr-defined]
    assert body["event"] == "rollback" and "policy failure" in body["text"]
    assert not body["drill"]
    router = open_router(store, config)
    assert {router.select(f"x{i}").lane for i in range(500)} == {"incumbent"}


def test_a_healthy_candidate_walks_every_stage_without_sleeping(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    controller = started(make_config())

    decisions = stream(controller, store, clock, make_run, tasks=200, minutes_per_task=2)

    advances = [d for d in decisions if d.action == "advance"]
    assert [d.state.stage for d in advances] == ["stage-2", "stage-3", "done"]
    assert [d.state.share for d in advances] == [0.25, 1.0, 1.0]
    for decision in advances:
        assert decision.evidence["finished"] >= 5
        assert decision.evidence["baked_minutes"] >= 30
    holds = [d for d in decisions if d.action == "hold"]
    assert any("finished tasks" in r for d in holds for r in d.reasons)
    assert any("bake" in r for d in holds for r in d.reasons)
    assert controller.require_state().phase == "done"


def test_manual_approval_waits_for_a_promote(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    stages = [
        {"share": 0.5, "minTasks": 3, "minBakeMinutes": 10, "manualApproval": True},
        {"share": 1.0, "minTasks": 3, "minBakeMinutes": 10},
    ]
    controller = started(make_config({"stages": stages}))
    decisions = stream(controller, store, clock, make_run, tasks=30)
    assert {d.action for d in decisions} == {"hold"}
    assert "waiting for approval" in decisions[-1].reason
    promoted = promote(controller, actor="bob", reason="looks good", expected_stage="stage-1")
    assert promoted.action == "promote" and promoted.state.stage == "stage-2"


def test_promote_before_the_stage_is_ready_needs_force_and_is_audited_as_override(
    store: Store,
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    controller = started(make_config())
    with pytest.raises(UsageError, match=r"finished tasks 0/5.*pass --force"):
        promote(controller, actor="bob")
    forced = promote(controller, actor="bob", reason="incident fix", force=True)
    assert forced.action == "override" and forced.state.stage == "stage-2"
    entry = store.audit("inc..cand")[-1]
    assert entry.action == "override" and entry.actor == "bob"
    assert entry.reasons[0] == "incident fix"
    assert any("overridden: finished tasks 0/5" in r for r in entry.reasons)


def test_a_clearly_worse_candidate_is_rolled_back_on_sequential_evidence(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    stages = [{"share": 0.5, "minTasks": 400, "minBakeMinutes": 30}]
    controller = started(make_config({"stages": stages}))
    router = open_router(store, controller.config)
    decisions = []
    for i in range(300):
        lane = router.select(f"live-{i:05d}").lane
        ok = i % 10 != 0 if lane == "incumbent" else i % 5 < 2
        store.write_runs([make_run(f"live-{i:05d}", lane, ok=ok)])
        clock.advance(minutes=1)
        decisions.append(evaluate(controller))
        router.refresh()
        if decisions[-1].action == "rollback":
            break
    rollback = decisions[-1]
    assert rollback.action == "rollback"
    assert rollback.reasons[0].startswith("success rate drop")
    assert rollback.evidence["sequential"]["rules"]["success"]["verdict"] == "harm"
    assert len(decisions) > 40


def test_a_final_step_that_needs_non_inferiority_waits_for_it_and_says_so(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    stages = [{"share": 0.5, "minTasks": 5, "minBakeMinutes": 0}]
    config = make_config({"stages": stages}, statistics={"live": {"finalStep": "non-inferiority"}})
    controller = started(config)
    store.write_runs([make_run(f"c{i}", "candidate") for i in range(6)])
    store.write_runs([make_run(f"i{i}", "incumbent") for i in range(6)])
    clock.advance(minutes=1)
    held = evaluate(controller)
    assert held.action == "hold"
    assert any(
        "needs evidence of non-inferiority: success, tokens, review" in r for r in held.reasons
    )
