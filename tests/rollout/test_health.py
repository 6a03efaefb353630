"""Live health: policy at once, rate rules on anytime-valid evidence pooled over the release."""

from __future__ import annotations

from collections.abc import Callable

from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord
from agent_evals.rollout import CanaryController, FakeClock, assess_health, evaluate
from agent_evals.rollout.evaluation import review_stage
from agent_evals.store import Store


def test_one_policy_failure_counts_even_before_the_incumbent_finished_a_task(
    make_config: Callable[..., ReleaseConfig], make_run: Callable[..., RunRecord]
) -> None:
    health = assess_health([], [make_run("t1", "candidate", policy=True)], make_config())
    assert not health.healthy and health.reasons == ("policy failure",)


def test_a_handful_of_failures_is_not_evidence_but_a_sustained_drop_is(
    make_config: Callable[..., ReleaseConfig], make_run: Callable[..., RunRecord]
) -> None:
    config = make_config()
    incumbent = [make_run(f"i{i}", "incumbent") for i in range(10)]
    candidate = [make_run(f"c{i}", "candidate", ok=i % 2 == 0) for i in range(10)]
    assert assess_health(incumbent, candidate, config).healthy
    incumbent = [make_run(f"i{i}", "incumbent", ok=i % 10 != 0) for i in range(200)]
    candidate = [make_run(f"c{i}", "candidate", ok=i % 2 == 0) for i in range(200)]
    health = assess_health(incumbent, candidate, config)
    assert health.reasons == ("success rate drop 0.40",)
    assert [r.verdict for r in health.live.rules if r.name == "success"] == ["harm"]


def test_a_recorded_waiver_silences_its_rule(
    make_config: Callable[..., ReleaseConfig], make_run: Callable[..., RunRecord]
) -> None:
    incumbent = [make_run(f"i{i}", "incumbent", tokens=1000 + i) for i in range(40)]
    candidate = [make_run(f"c{i}", "candidate", tokens=3000 + i) for i in range(40)]
    config = make_config()
    assert assess_health(incumbent, candidate, config).reasons == ("token multiplier 2.96x",)
    assert assess_health(incumbent, candidate, config, waivers={"tokens"}).healthy


def feed(
    store: Store, clock: FakeClock, make_run: Callable[..., RunRecord], lane: str, count: int
) -> None:
    store.write_runs([make_run(f"{lane}-{clock.now():%H%M}-{i}", lane) for i in range(count)])
    clock.advance(minutes=40)


def test_evidence_pools_across_stages_while_each_stage_counts_its_own_tasks(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    controller = started(make_config())
    feed(store, clock, make_run, "candidate", 6)
    feed(store, clock, make_run, "incumbent", 6)
    assert evaluate(controller).state.stage == "stage-2"
    feed(store, clock, make_run, "candidate", 2)
    review = review_stage(controller, controller.require_state())
    assert review.finished == 2
    assert review.health.finished == 8 and review.health.incumbent.n == 6


def test_after_done_the_incumbent_baseline_keeps_growing(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    controller = started(make_config())
    for _ in range(3):
        feed(store, clock, make_run, "candidate", 6)
        feed(store, clock, make_run, "incumbent", 6)
        evaluate(controller)
    assert controller.require_state().phase == "done"
    before = review_stage(controller, controller.require_state()).health.incumbent.n
    store.write_runs(
        [make_run(f"pinned-{i}", "incumbent", slice="migration-risky") for i in range(5)]
    )
    after = review_stage(controller, controller.require_state()).health.incumbent.n
    assert after == (before or 0) + 5
