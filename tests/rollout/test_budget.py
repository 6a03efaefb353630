"""The budget guard: per-lane totals over a rolling window, drift and spend alerts, fallback."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord
from agent_evals.rollout import CanaryController, FakeClock, budget_report, evaluate
from agent_evals.store import Store

WAIVE_TOKENS = [{"gate": "tokens", "reason": "longer plans, fewer retries", "by": "dana"}]


def test_totals_per_lane_over_the_window_and_token_drift(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
) -> None:
    config = make_config(budget={"windowHours": 6})
    store.write_runs([make_run("old", "candidate", tokens=90_000)])
    clock.advance(minutes=7 * 60)
    store.write_runs([make_run(f"i{i}", "incumbent", tokens=1000) for i in range(6)])
    store.write_runs([make_run(f"c{i}", "candidate", tokens=1500) for i in range(6)])
    report = budget_report(store, config, now=clock.now(), min_runs=5)
    assert report is not None
    assert (report.candidate.runs, report.candidate.tokens) == (6, 9000)
    assert report.candidate.spend_usd == pytest.approx(0.09)
    assert report.candidate.spend_last_day_usd == pytest.approx(
        0.99
    )  # the 24h cap window reaches further
    assert report.incumbent.median_tokens == 1000
    assert report.alerts == ("token drift 1.50x above 1.25x",)
    assert budget_report(store, config, now=clock.now(), min_runs=7).alerts == ()
    assert budget_report(store, make_config(), now=clock.now(), min_runs=1) is None


def test_an_alert_is_raised_once_and_fires_the_alert_hooks(
    store: Store,
    clock: FakeClock,
    webhook: object,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    url = webhook.url  # type: ignore[attr-defined]
    config = make_config(
        {"stages": [{"share": 0.5, "minTasks": 3, "minBakeMinutes": 600}]},
        budget={"windowHours": 24},
        hooks={"onAlert": [{"webhook": url}]},
        waivers=WAIVE_TOKENS,
    )
    controller = started(config)
    webhook.bodies.clear()  # type: ignore[attr-defined]
    clock.advance(minutes=1)
    store.write_runs([make_run(f"i{i}", "incumbent", tokens=1000) for i in range(4)])
    store.write_runs([make_run(f"c{i}", "candidate", tokens=2000) for i in range(4)])
    first, second = evaluate(controller), evaluate(controller)
    controller.hooks.wait_all()
    assert first.action == second.action == "hold"
    assert controller.require_state().alerts == ("token drift 2.00x above 1.25x",)
    alerts = [e for e in store.audit("inc..cand") if e.action == "alert"]
    assert len(alerts) == 1 and alerts[0].evidence["lanes"]["candidate"]["tokens"] == 8000
    [body] = webhook.bodies  # type: ignore[attr-defined]
    assert body["event"] == "alert" and "token drift 2.00x" in body["reason"]


def test_a_spend_cap_with_auto_fallback_rolls_back(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    config = make_config(budget={"dailySpendCapUsd": 0.05, "autoFallback": True})
    controller = started(config)
    clock.advance(minutes=1)
    store.write_runs([make_run(f"c{i}", "candidate", tokens=2000) for i in range(3)])
    decision = evaluate(controller)
    assert decision.action == "rollback"
    assert decision.reasons == ("budget: daily spend cap reached: $0.06 of $0.05",)
    assert controller.require_state().share == 0.0
