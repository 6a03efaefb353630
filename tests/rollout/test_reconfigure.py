"""A strategy changed in the config mid-release is applied explicitly, never followed stale."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agent_evals.config.models import ReleaseConfig
from agent_evals.errors import UsageError
from agent_evals.rollout import CanaryController, FakeClock, evaluate, open_router
from agent_evals.rollout.reconfigure import config_drift, reconfigure
from agent_evals.store import Store

ALL_IN = [{"share": 1.0, "minTasks": 5, "minBakeMinutes": 30}]


def test_switching_to_opt_in_holds_routing_until_reconfigured_then_follows_it(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    started(make_config({"stages": ALL_IN}))
    switched = make_config({"stages": ALL_IN, "strategy": "opt-in"})

    held = open_router(store, switched).select("never-opted-in")
    assert held.lane == "incumbent"
    assert "config says strategy opt-in but the release runs canary" in held.reason
    assert "canary reconfigure" in held.reason

    controller = CanaryController(store, switched, clock=clock)
    assert config_drift(controller, controller.require_state()) == (
        "strategy canary -> opt-in",
        "share 1 -> 0",
    )
    with pytest.raises(UsageError, match="needs --reason"):
        reconfigure(controller, actor="ops", reason=" ")
    decision = reconfigure(controller, actor="ops", reason="only volunteers from now on")
    assert (decision.state.strategy, decision.state.share) == ("opt-in", 0.0)

    router = open_router(store, switched)
    assert router.select("never-opted-in").lane == "incumbent"
    assert router.select("volunteer", opt="in").lane == "candidate"
    entry = store.audit("inc..cand")[-1]
    assert (entry.action, entry.actor) == ("reconfigure", "ops")
    assert entry.reasons == (
        "only volunteers from now on",
        "strategy canary -> opt-in",
        "share 1 -> 0",
    )
    with pytest.raises(UsageError, match="already runs as configured"):
        reconfigure(controller, actor="ops", reason="again")


def test_the_stale_process_refuses_to_route_after_a_reconfigure(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    original = make_config({"stages": ALL_IN})
    started(original)
    shadow = make_config({"stages": ALL_IN, "strategy": "shadow"})
    reconfigure(CanaryController(store, shadow, clock=clock), actor="ops", reason="watch only")
    # A process still holding the canary config sends nothing live to the candidate.
    stale = open_router(store, original).select("t1")
    assert stale.lane == "incumbent"
    assert "release runs shadow" in stale.reason


def test_a_new_candidate_model_holds_the_stage_until_reconfigured_and_audits_both(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    started(make_config({"stages": ALL_IN}))
    models = {"inc": {"model": "inc-2026-01-01"}, "cand": {"model": "cand-2026-11-01"}}
    newer = make_config({"stages": ALL_IN}, models=models)
    controller = CanaryController(store, newer, clock=clock)
    change = "candidate cand-2026-10-01 -> cand-2026-11-01"
    assert config_drift(controller, controller.require_state()) == (change,)
    assert change in open_router(store, newer).select("t1").reason

    held = evaluate(controller)
    assert held.action == "hold" and change in held.reason
    assert "agent-evals canary reconfigure" in held.reason
    assert store.audit("inc..cand")[-1].evidence["changes"] == [change]

    reconfigure(controller, actor="ops", reason="vendor re-pinned the candidate")
    assert config_drift(controller, controller.require_state()) == ()
    assert open_router(store, newer).select("t1").lane == "candidate"
