"""Live health: which rollback rules count when, and the incumbent baseline at full share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord
from agent_evals.rollout import FakeClock, assess_health, live_window
from agent_evals.store import Store


def test_one_policy_failure_counts_even_before_the_incumbent_finished_a_task(
    make_config: Callable[..., ReleaseConfig], make_run: Callable[..., RunRecord]
) -> None:
    health = assess_health(
        [], [make_run("t1", "candidate", policy=True)], make_config(), min_tasks=20
    )
    assert not health.healthy and health.reasons == ("policy failure",)


def test_rate_rules_wait_for_the_stage_minimum_of_finished_tasks(
    make_config: Callable[..., ReleaseConfig], make_run: Callable[..., RunRecord]
) -> None:
    incumbent = [make_run(f"i{i}", "incumbent") for i in range(10)]
    candidate = [make_run(f"c{i}", "candidate", ok=i % 2 == 0) for i in range(10)]
    config = make_config()
    assert assess_health(incumbent, candidate, config, min_tasks=20).healthy
    settled = assess_health(incumbent, candidate, config, min_tasks=10)
    assert settled.reasons == ("success rate drop 0.50",)


def test_a_recorded_waiver_silences_its_rule(
    make_config: Callable[..., ReleaseConfig], make_run: Callable[..., RunRecord]
) -> None:
    incumbent = [make_run(f"i{i}", "incumbent", tokens=1000) for i in range(5)]
    candidate = [make_run(f"c{i}", "candidate", tokens=3000) for i in range(5)]
    config = make_config()
    assert assess_health(incumbent, candidate, config, min_tasks=5).reasons == (
        "token multiplier 3.00x",
    )
    assert assess_health(incumbent, candidate, config, min_tasks=5, waivers={"tokens"}).healthy


def test_the_incumbent_baseline_widens_when_the_window_has_too_few_of_its_runs(
    store: Store, clock: FakeClock, make_run: Callable[..., RunRecord]
) -> None:
    store.write_runs([make_run(f"i{i}", "incumbent") for i in range(8)])
    clock.advance(minutes=60)
    stage_began = clock.now() - timedelta(minutes=1)
    store.write_runs([make_run("c1", "candidate"), make_run("i9", "incumbent")])
    narrow = live_window(store, "inc..cand", stage_began, min_incumbent=1)
    assert (len(narrow.incumbent), len(narrow.candidate)) == (1, 1)
    wide = live_window(store, "inc..cand", stage_began, min_incumbent=5)
    assert (len(wide.incumbent), wide.incumbent_scope) == (9, "release")
