"""Anytime-valid live rules: checked after every outcome, they still roll back only on harm."""

from __future__ import annotations

import numpy as np

from agent_evals.analysis.live import RuleName, check_rules, live_evidence
from agent_evals.analysis.sequential import MIN_PER_LANE, Moments
from agent_evals.analysis.table import run_table_from_records
from agent_evals.config.models import RollbackOn
from agent_evals.records import RunRecord, TokenUsage

ALPHA = 0.05


def running_lanes(
    releases: int, steps: int, *, success: float, seed: int, tokens: float = 1.0
) -> dict[RuleName, Moments]:
    """Each rule's moments after every outcome, for ``releases`` seeded lanes (rows)."""
    rng = np.random.default_rng(seed)
    ok = rng.random((releases, steps)) < success
    log_tokens = rng.normal(10.0, 0.6, (releases, steps)) + np.log(tokens)
    review = rng.poisson(1.0, (releases, steps)).astype(float)
    every = np.ones_like(ok)
    return {
        "success": Moments.running(ok.astype(float), every),
        "tokens": Moments.running(log_tokens, ok),
        "review": Moments.running(review, every),
        "cost": Moments.running(log_tokens, ok),
    }


def ever_harmed(
    incumbent: dict[RuleName, Moments], candidate: dict[RuleName, Moments], planned: float
) -> np.ndarray:
    """Per release: did any rule show harm at any look?"""
    checks = check_rules(incumbent, candidate, RollbackOn(), alpha=ALPHA, planned=planned)
    harm = np.zeros(incumbent["success"].n.shape, dtype=bool)
    for check in checks:
        harm |= check.harm
    return np.asarray(harm.any(axis=-1))


def test_identical_lanes_checked_after_every_outcome_never_breach_at_a_small_count() -> None:
    steps = MIN_PER_LANE + 10
    incumbent = running_lanes(2000, steps, success=0.6, seed=1)
    candidate = running_lanes(2000, steps, success=0.6, seed=2)
    assert not ever_harmed(incumbent, candidate, planned=500).any()


def test_identical_lanes_over_a_long_release_breach_far_below_alpha() -> None:
    incumbent = running_lanes(400, 3000, success=0.6, seed=3)
    candidate = running_lanes(400, 3000, success=0.6, seed=4)
    assert ever_harmed(incumbent, candidate, planned=1000).mean() <= 0.01


def test_a_candidate_sitting_exactly_at_the_threshold_breaches_at_most_alpha() -> None:
    incumbent = running_lanes(400, 3000, success=0.6, seed=5)
    candidate = running_lanes(400, 3000, success=0.58, seed=6)
    checks = check_rules(
        incumbent, candidate, RollbackOn(), alpha=ALPHA, planned=1000, waivers={"tokens", "review"}
    )
    [success] = checks
    assert success.harm.any(axis=-1).mean() <= ALPHA


def test_a_clearly_worse_candidate_breaches_in_every_release() -> None:
    incumbent = running_lanes(200, 800, success=0.6, seed=7)
    candidate = running_lanes(200, 800, success=0.4, seed=8)
    assert ever_harmed(incumbent, candidate, planned=800).all()


def test_one_and_a_half_times_the_tokens_breaches_the_token_rule() -> None:
    incumbent = running_lanes(200, 800, success=0.6, seed=9)
    candidate = running_lanes(200, 800, success=0.6, seed=10, tokens=1.5)
    checks = check_rules(incumbent, candidate, RollbackOn(), alpha=ALPHA, planned=800)
    tokens = next(c for c in checks if c.rule.name == "tokens")
    assert tokens.harm.any(axis=-1).mean() >= 0.95


def run(lane: str, i: int, ok: bool, tokens: int) -> RunRecord:
    return RunRecord(
        release="r",
        task_id=f"{lane}-{i}",
        slice="s",
        lane=lane,  # type: ignore[arg-type]
        model=lane,
        status="resolved" if ok else "unresolved",
        source="live",
        tokens=TokenUsage(total=tokens, source="metered"),
        review_comments=1,
        review_source="human",
    )


def test_the_live_verdict_names_its_estimand_and_shows_a_ratio_for_tokens() -> None:
    incumbent = [run("incumbent", i, i % 2 == 0, 1000 + i) for i in range(200)]
    candidate = [run("candidate", i, i % 2 == 0, 3000 + i) for i in range(200)]
    evidence = live_evidence(
        run_table_from_records(incumbent),
        run_table_from_records(candidate),
        RollbackOn(),
        alpha=ALPHA,
        planned=200,
    )
    tokens = next(r for r in evidence.rules if r.name == "tokens")
    assert tokens.verdict == "harm" and tokens.estimand.startswith("geometric-mean tokens")
    assert tokens.low is not None and tokens.high is not None
    assert 1.25 < tokens.low <= tokens.estimate <= tokens.high  # type: ignore[operator]
    assert evidence.harm == ("token multiplier 2.82x",)
