"""The sample-ratio test on live assignments, alone and in the status."""

from __future__ import annotations

import random
from collections.abc import Callable

from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord
from agent_evals.rollout import (
    CanaryController,
    Router,
    RoutingPlan,
    check_assignment,
    open_router,
    rollout_status,
)
from agent_evals.store import Store

PLAN = RoutingPlan(
    release="inc..cand",
    incumbent_model="inc",
    candidate_model="cand",
    salt="s",
    live_share=0.25,
    pinned_slices=frozenset({"migration-risky"}),
)


def routed_runs(
    make_run: Callable[..., RunRecord], router: Router, n: int, slice: str = "bugfix-small"
) -> list[RunRecord]:
    """Live runs of ``n`` tasks on the lanes the router chose."""
    return [
        make_run(f"{slice}-{i}", router.select(f"{slice}-{i}", slice=slice).lane, slice=slice)
        for i in range(n)
    ]


def test_routing_that_follows_the_share_raises_no_alarm(
    make_run: Callable[..., RunRecord],
) -> None:
    check = check_assignment(routed_runs(make_run, Router(PLAN), 2000), PLAN, 0.25)
    assert not check.alarm
    assert check.p_value is not None and check.p_value > 0.001
    assert check.total == 2000 and "matches share 0.25" in check.detail


def test_routing_that_misses_the_share_raises_the_alarm(
    make_run: Callable[..., RunRecord],
) -> None:
    rng = random.Random(5)
    lanes = ["candidate" if rng.random() < 0.4 else "incumbent" for _ in range(1000)]
    runs = [make_run(f"t{i}", lane) for i, lane in enumerate(lanes)]
    check = check_assignment(runs, PLAN, 0.25)
    assert check.alarm
    assert check.p_value is not None and check.p_value < 0.001
    assert "does not match share 0.25" in check.detail


def test_pinned_slices_are_left_out_and_small_samples_are_not_tested(
    make_run: Callable[..., RunRecord],
) -> None:
    pinned = routed_runs(make_run, Router(PLAN), 500, slice="migration-risky")
    check = check_assignment(pinned, PLAN, 0.25)
    assert (check.total, check.p_value, check.alarm) == (0, None, False)
    assert check_assignment([make_run("t", "candidate")] * 5, PLAN, 0.0).p_value is None


def test_status_shows_the_assignment_check(
    store: Store,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    controller = started(make_config())
    store.write_runs(routed_runs(make_run, open_router(store, controller.config), 400))
    status = rollout_status(controller)
    assert status.assignment is not None and not status.assignment.alarm
    store.write_runs([make_run(f"extra-{i}", "candidate") for i in range(100)])
    status = rollout_status(controller)
    assert status.assignment is not None and status.assignment.alarm
