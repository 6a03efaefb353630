"""A shadow step ahead of the live shares is judged on tokens and spend alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from agent_evals.config.models import ReleaseConfig
from agent_evals.errors import UsageError
from agent_evals.records import RunRecord
from agent_evals.rollout import CanaryController, FakeClock, evaluate, release_steps, run_drill
from agent_evals.rollout.shadow_step import SHADOW_NOTE
from agent_evals.store import Store

SHADOW_FIRST = [
    {"share": 0.0, "minTasks": 3, "minBakeMinutes": 0},
    {"share": 0.5, "minTasks": 3, "minBakeMinutes": 0},
]


def test_the_default_ladder_starts_with_a_shadow_step_before_the_live_shares() -> None:
    release = {"incumbent": "inc", "candidate": "cand", "evalSlices": ["bugfix-small"]}
    steps = release_steps(ReleaseConfig.model_validate({"release": release}).release)
    assert [s.share for s in steps] == [0.0, 0.1, 0.25, 0.5, 1.0]


def _shadowed(
    store: Store, make_run: Callable[..., RunRecord], *, candidate_tokens: int, tasks: int = 4
) -> None:
    """Each task answered by the incumbent, and mirrored to the candidate (no outcome)."""
    for i in range(tasks):
        store.write_runs([make_run(f"t{i}", "incumbent", tokens=1000)])
        shadow = make_run(f"t{i}", "candidate", tokens=candidate_tokens)
        store.write_runs([replace(shadow, source="shadow", status="missing")])


def test_a_blocked_replay_keeps_even_the_shadow_step_from_starting(
    store: Store, clock: FakeClock, make_config: Callable[..., ReleaseConfig]
) -> None:
    controller = CanaryController(store, make_config({"stages": SHADOW_FIRST}), clock=clock)
    run_drill(controller, actor="alice")
    with pytest.raises(UsageError, match="replay decision is not PROMOTE"):
        controller.start(actor="alice")
    assert controller.require_state().stage == "ready"


def test_a_shadow_step_with_stable_tokens_advances_and_says_success_needs_live_work(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    controller = started(make_config({"stages": SHADOW_FIRST}, budget={"windowHours": 24}))
    assert (controller.require_state().stage, controller.require_state().share) == ("shadow", 0)
    held = evaluate(controller)
    assert held.action == "hold" and held.reasons == ("finished tasks 0/3", SHADOW_NOTE)
    clock.advance(minutes=1)
    _shadowed(store, make_run, candidate_tokens=1000)
    moved = evaluate(controller)
    assert moved.action == "advance" and moved.state.share == 0.5
    assert "success and review need live work" in moved.reason
    assert moved.evidence["shadow_step"] == SHADOW_NOTE


def test_a_token_drift_in_shadow_holds_the_ladder_and_never_rolls_back(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    controller = started(make_config({"stages": SHADOW_FIRST}, budget={"windowHours": 24}))
    clock.advance(minutes=1)
    _shadowed(store, make_run, candidate_tokens=1500, tasks=12)
    held = evaluate(controller)
    assert held.action == "hold"
    assert held.state.alerts == ("token drift 1.50x above 1.25x",)
    assert "budget: token drift 1.50x above 1.25x" in held.reasons
    assert held.reasons[-1] == SHADOW_NOTE
    again = evaluate(controller)
    assert (again.action, again.state.stage, again.state.share) == ("hold", "shadow", 0.0)
