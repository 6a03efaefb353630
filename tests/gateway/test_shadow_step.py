"""The shadow step of a ladder: candidate runs metered beside the incumbent's, watched on budget."""

from __future__ import annotations

import time

from agent_evals.records import RunRecord
from agent_evals.rollout.shadow_step import SHADOW_NOTE

from .conftest import CAND_MODEL, RELEASE, MakeRig, Rig


def _answer(content: str, prompt: int, completion: int) -> dict[str, object]:
    usage = {"prompt_tokens": prompt, "completion_tokens": completion}
    return {"tasks": {"*": [{"content": content, "usage": usage}]}}


DRIFTING = {
    "models": {
        CAND_MODEL: _answer("shadow", 1350, 150),  # 1.5x the incumbent's tokens
        "*": _answer("primary", 900, 100),
    }
}


def _shadow_runs(rig: Rig, count: int) -> list[RunRecord]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        runs = rig.store.runs(RELEASE, lane="candidate", source="shadow")
        if len([r for r in runs if r.tokens.total is not None]) >= count:
            return runs
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} shadow runs stored")


def test_a_token_drift_in_the_shadow_step_alerts_the_budget_guard_and_holds_the_ladder(
    make_rig: MakeRig,
) -> None:
    with make_rig(
        DRIFTING,
        share=[0.0, 0.5],
        release={"shadowShare": 1.0},
        top={"budget": {"windowHours": 24}},
    ) as rig:
        first = rig.controller.state()
        assert first is not None and (first.stage, first.share) == ("shadow", 0.0)
        answers = [rig.chat(f"t-{i}") for i in range(4)]
        assert {a.headers["x-agent-evals-lane"] for a in answers} == {"incumbent"}
        assert all("primary" in a.text for a in answers)
        shadow_runs = _shadow_runs(rig, 4)
        for i in range(4):
            assert rig.post("/api/outcomes", {"task_id": f"t-{i}", "success": True}).is_success
    assert {r.task_id for r in shadow_runs} == {f"t-{i}" for i in range(4)}
    for run in shadow_runs:
        assert (run.lane, run.model, run.tokens.total) == ("candidate", CAND_MODEL, 1500)
        assert run.cost_usd is not None and run.cost_usd > 0
        assert run.latency_s is not None and run.latency_s > 0
    state = rig.controller.state()
    assert state is not None and (state.stage, state.share) == ("shadow", 0.0)
    assert state.alerts == ("token drift 1.50x above 1.25x",)
    audit = rig.store.audit(RELEASE)
    assert [e.action for e in audit].count("alert") == 1
    hold = [e for e in audit if e.action == "hold"][-1]
    assert "budget: token drift 1.50x above 1.25x" in hold.reasons
    assert hold.reasons[-1] == SHADOW_NOTE
    assert "advance" not in [e.action for e in audit]
