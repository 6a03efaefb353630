"""A verdict is about the model: mixed token provenance and infra errors never block a release."""

from __future__ import annotations

from agent_evals.analysis.decision import decide
from agent_evals.analysis.metrics import lane_metrics_from_runs
from agent_evals.cli.output import exit_for
from agent_evals.errors import EXIT_RUNTIME
from agent_evals.records import RunRecord, TokenUsage
from agent_evals.types import Lane, RunStatus, UsageSource


def runs(
    lane: Lane,
    total: int,
    source: UsageSource,
    *,
    n: int = 40,
    infra: int = 0,
    status: RunStatus = "resolved",
) -> list[RunRecord]:
    made = [
        RunRecord(
            release="r",
            task_id=f"t{i}",
            slice="bugfix-small",
            lane=lane,
            model=lane,
            status=status,
            tokens=TokenUsage(total - 100, 100, None, None, total, source),
            cost_usd=total / 1e6,
            review_comments=1,
        )
        for i in range(n)
    ]
    made += [
        RunRecord(
            release="r",
            task_id=f"t{n + i}",
            slice="bugfix-small",
            lane=lane,
            model=lane,
            status="infra_error",
        )
        for i in range(infra)
    ]
    return made


def test_a_direct_lane_against_a_metered_lane_warns_and_leaves_the_tokens_gate_inconclusive():
    incumbent = lane_metrics_from_runs(runs("incumbent", 1000, "reported"))
    candidate = lane_metrics_from_runs(runs("candidate", 2320, "metered"))

    decision = decide(incumbent, candidate)

    tokens = next(g for g in decision.gates if g.name == "tokens")
    assert tokens.verdict == "inconclusive"
    assert decision.status == "INCONCLUSIVE"
    assert "token multiplier" not in decision.reason
    assert any(
        w.startswith("token counts of different provenance (incumbent reported, candidate metered)")
        for w in decision.warnings
    )


def test_the_same_provenance_on_both_lanes_still_blocks_a_token_blowup():
    incumbent = lane_metrics_from_runs(runs("incumbent", 1000, "metered"))
    candidate = lane_metrics_from_runs(runs("candidate", 2320, "metered"))

    decision = decide(incumbent, candidate)

    assert decision.status == "BLOCKED"
    assert decision.reason == "token multiplier 2.32x"


def test_a_provenance_waiver_compares_anyway_and_says_so():
    incumbent = lane_metrics_from_runs(runs("incumbent", 1000, "reported"))
    candidate = lane_metrics_from_runs(runs("candidate", 2320, "metered"))

    decision = decide(incumbent, candidate, waivers={"token-provenance"})

    assert decision.status == "BLOCKED"
    assert any("compared as waived" in w for w in decision.warnings)


def test_infra_errors_over_the_share_make_it_inconclusive_with_the_count_and_exit_4():
    incumbent = lane_metrics_from_runs(runs("incumbent", 1000, "reported"))
    candidate = lane_metrics_from_runs(
        runs("candidate", 1000, "reported", n=20, infra=20, status="unresolved")
    )

    decision = decide(incumbent, candidate)

    assert decision.status == "INCONCLUSIVE"
    assert decision.reason == (
        "candidate infra errors 20 of 40 runs (50%, over statistics.maxInfraErrorShare 10%)"
    )
    assert exit_for(decision.status, infra_bound=decision.infra_bound) == EXIT_RUNTIME


def test_a_lane_of_nothing_but_infra_errors_is_inconclusive_not_blocked():
    incumbent = lane_metrics_from_runs(runs("incumbent", 1000, "reported"))
    candidate = lane_metrics_from_runs(runs("candidate", 1000, "reported", n=0, infra=4))

    decision = decide(incumbent, candidate)

    assert decision.status == "INCONCLUSIVE"
    assert decision.infra_bound
    assert "candidate infra errors 4 of 4 runs" in decision.reason


def test_a_few_infra_errors_under_the_share_are_only_reported():
    incumbent = lane_metrics_from_runs(runs("incumbent", 1000, "reported"))
    candidate = lane_metrics_from_runs(runs("candidate", 1000, "reported", n=40, infra=2))

    decision = decide(incumbent, candidate)

    assert not decision.infra_bound
    assert decision.status == "PROMOTE"
