"""The promotion gates of SPEC section 5: one small function each, registered by name, in order."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from agent_evals.analysis import statistics as st
from agent_evals.analysis.pairing import Pairs
from agent_evals.analysis.results import GateResult, Interval, LaneMetrics
from agent_evals.config.models import RollbackOn, Statistics
from agent_evals.types import BoundSide, GateVerdict

# Threshold comparisons forgive float noise (0.91 - 0.02 is 0.8900000000000001).
EPSILON = 1e-9
# The quantity each gate's evidence-mode value and interval are both of.
ESTIMANDS = {
    "success": "mean per-task success difference",
    "tokens": "geometric-mean per-task token ratio (solved tasks)",
    "review": "mean per-task review-comment difference",
    "cost": "geometric-mean per-task cost ratio (solved tasks)",
}
# Above this many pairs the log-ratio interval uses the t approximation instead of resampling;
# at that size the bootstrap and the t interval agree to well under 1%.
BOOTSTRAP_MAX_PAIRS = 20_000


@dataclass(frozen=True)
class GateInput:
    """What every gate may look at."""

    incumbent: LaneMetrics
    candidate: LaneMetrics
    rollback_on: RollbackOn
    statistics: Statistics
    policy_sensitive: bool = False
    waivers: frozenset[str] = frozenset()
    pairs: Pairs | None = None
    evidence: bool = False


Gate = Callable[[GateInput], GateResult]
GATES: dict[str, Gate] = {}


def gate(name: str) -> Callable[[Gate], Gate]:
    """Register a gate under ``name``; gates run and report in registration order."""

    def register(fn: Gate) -> Gate:
        GATES[name] = fn
        return fn

    return register


@gate("policy")
def policy_gate(g: GateInput) -> GateResult:
    """Candidate policy failures below the limit; on sensitive slices never above the incumbent."""
    limit = g.rollback_on.policy_failure_count
    if limit is None:
        return GateResult("policy", "off")
    failures = g.candidate.policy_failures
    above_incumbent = g.policy_sensitive and failures > g.incumbent.policy_failures
    failed = failures >= limit or above_incumbent
    reason = "policy failure" if failures == 1 else f"policy failures {failures}"
    return GateResult(
        "policy",
        "fail" if failed else "pass",
        value=float(failures),
        threshold=float(limit),
        reason=reason if failed else None,
        evidence="count",
        note="policy-sensitive slice: never above the incumbent" if g.policy_sensitive else None,
    )


@gate("success")
def success_gate(g: GateInput) -> GateResult:
    """Candidate success rate at least the incumbent's minus ``successRateDrop``."""
    drop = g.rollback_on.success_rate_drop
    inc, cand = g.incumbent.success_rate, g.candidate.success_rate
    if drop is None:
        return GateResult("success", "off")
    interval = _success_interval(g)
    if inc is None or cand is None:
        return GateResult("success", "no data", reason="success data missing")
    passed = cand >= inc - drop - EPSILON
    point = _point(
        "success",
        passed,
        value=cand - inc,
        threshold=-drop,
        reason=f"success rate drop {inc - cand:.2f}",
    )
    return _with_evidence(
        point,
        g,
        interval,
        bound=-drop,
        side="lower",
        estimand=ESTIMANDS["success"],
        phrase=lambda v: f"success rate drop {-v:.2f}",
    )


@gate("tokens")
def tokens_gate(g: GateInput) -> GateResult:
    """Candidate median tokens per solved task at most the incumbent's x the multiplier."""
    inc, cand = g.incumbent.median_tokens, g.candidate.median_tokens
    return _ratio_gate(g, "tokens", "token", inc, cand, g.rollback_on.median_token_multiplier)


@gate("review")
def review_gate(g: GateInput) -> GateResult:
    """Candidate review comments per task at most the incumbent's plus the allowed increase."""
    increase = g.rollback_on.reviewer_comment_increase
    inc, cand = g.incumbent.review_comment_avg, g.candidate.review_comment_avg
    if increase is None:
        return GateResult("review", "off")
    if inc is None or cand is None:
        return GateResult("review", "no data", reason="review data missing")
    difference = cand - inc
    interval = _review_interval(g)
    point = _point(
        "review",
        difference <= increase + EPSILON,
        value=difference,
        threshold=increase,
        reason=f"review comments {difference:+.2f}",
    )
    evidenced = _with_evidence(
        point,
        g,
        interval,
        bound=increase,
        side="upper",
        estimand=ESTIMANDS["review"],
        phrase=lambda v: f"review comments {v:+.2f}",
    )
    return _waived(evidenced, g)


@gate("cost")
def cost_gate(g: GateInput) -> GateResult:
    """Candidate median cost per solved task at most the incumbent's x ``costMultiplier``."""
    inc, cand = g.incumbent.median_cost_per_success, g.candidate.median_cost_per_success
    return _ratio_gate(g, "cost", "cost", inc, cand, g.rollback_on.cost_multiplier)


def _ratio_gate(
    g: GateInput,
    name: str,
    word: str,
    inc: float | None,
    cand: float | None,
    multiplier: float | None,
) -> GateResult:
    """A gate on candidate / incumbent, passing at or below ``multiplier``; waivable."""
    if multiplier is None:
        return GateResult(name, "off")
    if inc is None or cand is None or inc <= 0:
        return GateResult(name, "no data", reason=f"{word} data missing")
    ratio = cand / inc
    point = _point(
        name,
        ratio <= multiplier + EPSILON,
        value=ratio,
        threshold=multiplier,
        reason=f"{word} multiplier {ratio:.2f}x",
    )
    interval = _ratio_interval(g, name)
    evidenced = _with_evidence(
        point,
        g,
        interval,
        bound=multiplier,
        side="upper",
        estimand=ESTIMANDS[name],
        phrase=lambda v: f"{word} multiplier {v:.2f}x",
    )
    return _waived(evidenced, g)


@gate("latency")
def latency_gate(g: GateInput) -> GateResult:
    """End-to-end latency p50 ratio: reported only, never a reason to promote."""
    inc, cand = g.incumbent.latency_p50_s, g.candidate.latency_p50_s
    if inc is None or cand is None or inc <= 0:
        return GateResult("latency", "reported", note="no latency data")
    return GateResult("latency", "reported", value=cand / inc, note="reported only")


def _point(name: str, passed: bool, *, value: float, threshold: float, reason: str) -> GateResult:
    verdict: GateVerdict = "pass" if passed else "fail"
    return GateResult(
        name,
        verdict,
        value=value,
        threshold=threshold,
        reason=None if passed else reason,
        evidence="point",
    )


def _waived(result: GateResult, g: GateInput) -> GateResult:
    if result.verdict in ("fail", "inconclusive") and result.name in g.waivers:
        return _replace(
            result, verdict="waived", reason=None, note="waived by a recorded justification"
        )
    return result


def _with_evidence(
    point: GateResult,
    g: GateInput,
    interval: Interval | None,
    *,
    bound: float,
    side: BoundSide,
    estimand: str,
    phrase: Callable[[float], str],
) -> GateResult:
    """Attach the paired interval; in evidence mode it decides, in point mode it flags noise.

    In evidence mode the value shown is the interval's own estimate, so value and interval
    are always of the one quantity the output names (``estimand``).
    """
    if interval is None:
        if g.evidence:
            return _replace(
                point,
                verdict="inconclusive",
                evidence="no paired tasks",
                reason=f"{point.name} has no paired tasks",
            )
        return point
    verdict = st.classify(interval, bound, side=side)
    n = g.pairs.n if g.pairs else 0
    needed = st.tasks_needed(interval, n, bound, side=side) if verdict == "inconclusive" else None
    if not g.evidence:
        noise = verdict == "inconclusive"
        return _replace(
            point,
            interval=interval,
            more_tasks_needed=needed,
            note="within noise: the interval straddles the threshold" if noise else point.note,
        )
    reason = _evidence_reason(point.name, verdict, needed, phrase(interval.estimate))
    return _replace(
        point,
        verdict=verdict,
        value=interval.estimate,
        interval=interval,
        evidence=f"paired n={n}: {estimand}",
        reason=reason,
        more_tasks_needed=needed,
    )


def _evidence_reason(name: str, verdict: str, needed: int | None, failed: str) -> str | None:
    if verdict == "pass":
        return None
    if verdict == "fail":
        return failed
    if needed is None:
        return (
            f"{name} inconclusive: the estimate sits at the threshold; more tasks will not "
            "settle it (move the threshold or record a waiver)"
        )
    return f"{name} inconclusive (about {needed} more paired tasks)"


def _replace(result: GateResult, **changes: object) -> GateResult:
    return replace(result, **changes)  # type: ignore[arg-type]


def _success_interval(g: GateInput) -> Interval | None:
    pairs = g.pairs
    if pairs is None or pairs.n == 0:
        return None
    conf = g.statistics.confidence
    return st.paired_success(
        pairs.incumbent.success, pairs.candidate.success, confidence=conf
    ).interval


def _review_interval(g: GateInput) -> Interval | None:
    pairs = g.pairs
    if pairs is None:
        return None
    inc, cand = pairs.incumbent.review, pairs.candidate.review
    both = ~np.isnan(inc) & ~np.isnan(cand)
    if not both.any():
        return None
    return st.paired_difference(inc[both], cand[both], confidence=g.statistics.confidence)


def _ratio_interval(g: GateInput, what: str) -> Interval | None:
    pairs = g.pairs
    if pairs is None:
        return None
    inc = getattr(pairs.incumbent, what)
    cand = getattr(pairs.candidate, what)
    both = np.isfinite(inc) & np.isfinite(cand) & (inc > 0) & (cand > 0)
    if not both.any():
        return None
    inc, cand = inc[both], cand[both]
    if both.sum() > BOOTSTRAP_MAX_PAIRS:
        logs = st.paired_difference(np.log(inc), np.log(cand), confidence=g.statistics.confidence)
        return Interval(
            math.exp(logs.low),
            math.exp(logs.high),
            math.exp(logs.estimate),
            "t-interval-log-ratio (large n)",
        )
    s = g.statistics
    return st.token_log_ratio(
        inc, cand, confidence=s.confidence, resamples=s.bootstrap_resamples, seed=s.seed
    )
