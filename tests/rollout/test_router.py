"""The router: stable buckets, the share, the order of the SPEC section 7 rules, strategies."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Callable
from dataclasses import FrozenInstanceError, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord
from agent_evals.rollout import (
    CanaryController,
    FakeClock,
    RouteDecision,
    Router,
    RoutingPlan,
    build_plan,
    open_router,
)
from agent_evals.store import Store


def plan(share: float, **changes: object) -> RoutingPlan:
    """A plan of an open canary at ``share``."""
    base = RoutingPlan(
        release="r",
        incumbent_model="inc-1",
        candidate_model="cand-1",
        salt="release-salt",
        stage="stage-1",
        live_share=share,
    )
    return RoutingPlan(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def random_ids(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [f"task-{rng.getrandbits(64):016x}" for _ in range(n)]


def test_share_is_delivered_within_half_a_point_on_100k_tasks() -> None:
    router = Router(plan(0.1))
    decisions = [router.select(t) for t in random_ids(100_000)]
    fraction = sum(d.lane == "candidate" for d in decisions) / len(decisions)
    assert abs(fraction - 0.1) <= 0.005
    assert all(0.0 <= d.bucket < 1.0 for d in decisions)
    assert {d.model for d in decisions if d.lane == "candidate"} == {"cand-1"}


def test_a_task_keeps_its_lane_across_calls() -> None:
    ids = random_ids(2000)
    first = [Router(plan(0.3)).select(t) for t in ids]
    again = [Router(plan(0.3)).select(t) for t in ids]
    assert first == again


def test_a_task_keeps_its_lane_in_another_process() -> None:
    ids = random_ids(2000, seed=11)
    here = [[d.lane, d.bucket] for d in map(Router(plan(0.3)).select, ids)]
    code = (
        "import json, sys\n"
        "from agent_evals.rollout import Router, RoutingPlan\n"
        "p = RoutingPlan(release='r', incumbent_model='inc-1', candidate_model='cand-1',"
        " salt='release-salt', stage='stage-1', live_share=0.3)\n"
        "r = Router(p)\n"
        "ids = json.load(sys.stdin)\n"
        "print(json.dumps([[d.lane, d.bucket] for d in map(r.select, ids)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(ids),
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert json.loads(done.stdout) == here


def test_raising_the_share_only_adds_candidate_tasks() -> None:
    ids = random_ids(100_000, seed=3)
    before_router = Router(plan(0.1))
    before = {t for t in ids if before_router.select(t).lane == "candidate"}
    after_router = Router(plan(0.25))
    after = {t for t in ids if after_router.select(t).lane == "candidate"}
    assert before <= after
    assert abs(len(after) / len(ids) - 0.25) <= 0.005


@given(st.text(min_size=1, max_size=40), st.floats(0, 1), st.floats(0, 1))
def test_candidate_at_a_share_stays_candidate_at_any_higher_share(
    task_id: str, a: float, b: float
) -> None:
    low, high = sorted((a, b))
    if Router(plan(low)).select(task_id).lane == "candidate":
        assert Router(plan(high)).select(task_id).lane == "candidate"


def test_another_salt_reshuffles_the_buckets() -> None:
    ids = random_ids(1000)
    one = [Router(plan(0.5)).select(t).lane for t in ids]
    other = [Router(plan(0.5, salt="other-release")).select(t).lane for t in ids]
    assert one != other


def test_high_risk_tasks_stay_on_the_incumbent_until_trusted() -> None:
    ids = random_ids(500)
    router = Router(plan(1.0))
    decisions = [router.select(t, risk="high") for t in ids]
    assert {d.lane for d in decisions} == {"incumbent"}
    assert all("high-risk" in d.reason and d.rule == "risk" for d in decisions)
    trusted = Router(plan(1.0, high_risk_trusted=True))
    assert {trusted.select(t, risk="high").lane for t in ids} == {"candidate"}
    assert {router.select(t, risk="medium").lane for t in ids} == {"candidate"}


def test_a_pinned_slice_stays_on_the_incumbent_and_carries_the_slice_risk() -> None:
    router = Router(plan(1.0, pinned_slices=frozenset({"migration-risky"})))
    decision = router.select("t1", slice="migration-risky")
    assert decision.lane == "incumbent"
    assert "slice migration-risky is pinned" in decision.reason
    assert router.select("t1", slice="bugfix-small").lane == "candidate"
    risky = Router(plan(1.0, slice_risks={"legacy": "high"}))
    assert risky.select("t1", slice="legacy").rule == "risk"


def test_opt_in_and_opt_out_are_honoured_after_the_pins() -> None:
    ids = random_ids(200)
    router = Router(plan(0.01))
    assert {router.select(t, opt="in").lane for t in ids} == {"candidate"}
    assert {Router(plan(1.0)).select(t, opt="out").lane for t in ids} == {"incumbent"}
    assert router.select("t1", risk="high", opt="in").lane == "incumbent"
    shadow_stage = Router(plan(0.0)).select("t1", opt="in")
    assert (shadow_stage.lane, shadow_stage.shadow) == ("incumbent", True)


def test_strategies_cutover_shadow_and_opt_in(
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    ids = random_ids(2000)
    lanes = {}
    for strategy in ("cutover", "shadow", "opt-in"):
        config = make_config({"strategy": strategy, "name": f"r-{strategy}", "shadowShare": 0.2})
        controller = started(config)
        router = Router(build_plan(config, controller.state()))
        lanes[strategy] = [router.select(t) for t in ids]
    assert {d.lane for d in lanes["cutover"]} == {"candidate"}
    shadow = lanes["shadow"]
    assert {d.lane for d in shadow} == {"incumbent"}
    assert abs(sum(d.shadow for d in shadow) / len(ids) - 0.2) < 0.03
    assert {d.lane for d in lanes["opt-in"]} == {"incumbent"}
    assert all(d.reason == "opt-in only: task did not opt in" for d in lanes["opt-in"])


def test_an_unhealthy_candidate_sends_everything_home_with_the_reason(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    config = make_config({"stages": [{"share": 1.0, "minTasks": 5, "minBakeMinutes": 30}]})
    started(config)
    router = open_router(store, config)
    assert router.select("t1").lane == "candidate"
    store.write_runs([make_run("t0", "candidate", policy=True), make_run("t9", "incumbent")])
    assert router.select("t1").lane == "candidate"  # the snapshot is refreshed explicitly
    router.refresh()
    decision = router.select("t1")
    assert decision.lane == "incumbent"
    assert decision.reason == "candidate unhealthy: policy failure"
    assert decision.rule == "state"


def test_a_decision_is_an_ordinary_frozen_value() -> None:
    decision = Router(plan(1.0)).select("t1")
    same = RouteDecision("cand-1", "candidate", decision.reason, decision.bucket, "bucket")
    assert decision == same and hash(decision) == hash(same)
    assert replace(decision, lane="incumbent").lane == "incumbent"
    with pytest.raises(FrozenInstanceError):
        decision.lane = "incumbent"  # type: ignore[misc]
