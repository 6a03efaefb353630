"""From lane metrics to PROMOTE, BLOCKED or INCONCLUSIVE (SPEC section 5)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from agent_evals.analysis.gates import GATES, GateInput
from agent_evals.analysis.pairing import Pairs
from agent_evals.analysis.results import GateDecision, GateResult, LaneMetrics
from agent_evals.analysis.stability import STABLE, Stability, point_stability
from agent_evals.analysis.statistics import classify, tasks_needed
from agent_evals.config.models import ReleaseConfig, RollbackOn, Statistics
from agent_evals.types import BoundSide, Decision

_SEVERITY: dict[Decision, int] = {"PROMOTE": 0, "INCONCLUSIVE": 1, "BLOCKED": 2}


def decide(
    incumbent: LaneMetrics,
    candidate: LaneMetrics,
    config: ReleaseConfig | None = None,
    *,
    slice: str | None = None,
    waivers: Iterable[str] = (),
    evidence: bool | None = None,
    pairs: Pairs | None = None,
) -> GateDecision:
    """Run every gate on two lanes' metrics and decide; ``config`` None means the defaults."""
    rollback_on = config.release.rollback_on if config else RollbackOn()
    statistics = config.statistics if config else Statistics()
    use_evidence = statistics.mode == "evidence" if evidence is None else evidence
    sensitive = bool(slice and config and config.slice_spec(slice).policy_sensitive)
    waivers = frozenset(waivers)
    if incumbent.n == 0 or candidate.n == 0:
        missing = "no candidate runs" if candidate.n == 0 else "no incumbent runs"
        empty = GateDecision(
            "INCONCLUSIVE",
            (missing,),
            (),
            mode="evidence" if use_evidence else "point",
            seed=statistics.seed,
        )
        return _guard_infra(empty, incumbent, candidate, statistics)
    g = GateInput(
        incumbent,
        candidate,
        rollback_on,
        statistics,
        policy_sensitive=sensitive,
        waivers=frozenset(waivers),
        pairs=pairs,
        evidence=use_evidence,
    )
    gates = tuple(fn(g) for fn in GATES.values())
    gates, provenance = _guard_provenance(gates, incumbent, candidate, waivers)
    status, reasons = _verdict(gates)
    warnings = (*_warnings(incumbent, candidate, statistics, pairs), *provenance)
    stability = None
    if not use_evidence and pairs is not None:
        gates, stability = _with_stability(gates, pairs, rollback_on, statistics)
        if stability is not None and status != "INCONCLUSIVE":
            warnings = (*warnings, _stability_warning(status, stability))
    decision = GateDecision(
        status,
        reasons,
        gates,
        warnings=warnings,
        mode="evidence" if use_evidence else "point",
        seed=statistics.seed,
        stability=None if stability is None else stability.decision,
    )
    return _guard_infra(decision, incumbent, candidate, statistics)


# --- Plumbing guards: a verdict is about the model, never about the infrastructure. ---

PROVENANCE_WAIVER = "token-provenance"
_PROVENANCE_GATES = frozenset({"tokens", "cost"})


def _guard_infra(
    decision: GateDecision,
    incumbent: LaneMetrics,
    candidate: LaneMetrics,
    statistics: Statistics,
) -> GateDecision:
    """INCONCLUSIVE (exit 4), never BLOCKED, when a lane's infra errors exceed the share."""
    limit = statistics.max_infra_error_share
    over = [
        f"{name} infra errors {m.infra_errors} of {m.runs_total} runs "
        f"({m.infra_errors / m.runs_total:.0%}, over statistics.maxInfraErrorShare {limit:.0%})"
        for name, m in (("incumbent", incumbent), ("candidate", candidate))
        if m.runs_total and m.infra_errors / m.runs_total > limit
    ]
    if not over:
        return decision
    return replace(decision, status="INCONCLUSIVE", reasons=tuple(over), infra_bound=True)


def _guard_provenance(
    gates: tuple[GateResult, ...],
    incumbent: LaneMetrics,
    candidate: LaneMetrics,
    waivers: frozenset[str],
) -> tuple[tuple[GateResult, ...], tuple[str, ...]]:
    """Tokens and cost gates are inconclusive when the lanes' token counts come from
    different sources (metered vs reported vs estimated), unless that is waived."""
    inc, cand = set(incumbent.token_sources), set(candidate.token_sources)
    if not inc or not cand or (inc == cand and len(inc) == 1):
        return gates, ()
    mixed = f"incumbent {'+'.join(sorted(inc))}, candidate {'+'.join(sorted(cand))}"
    if PROVENANCE_WAIVER in waivers:
        return gates, (f"token counts of different provenance ({mixed}); compared as waived",)
    warning = (
        f"token counts of different provenance ({mixed}); the tokens and cost gates are "
        f"inconclusive (replay both lanes the same way, or 'agent-evals waive "
        f"{PROVENANCE_WAIVER}')"
    )
    reason = f"token provenance differs ({mixed})"
    guarded = tuple(
        replace(g, verdict="inconclusive", reason=f"{g.name}: {reason}")
        if g.name in _PROVENANCE_GATES and g.verdict in ("pass", "fail")
        else g
        for g in gates
    )
    return guarded, (warning,)


def _with_stability(
    gates: tuple[GateResult, ...], pairs: Pairs, rollback_on: RollbackOn, statistics: Statistics
) -> tuple[tuple[GateResult, ...], Stability | None]:
    """Each point verdict's share of agreeing resamples, in its note (seeded, reproducible)."""
    observed = {
        g.name: g.verdict == "pass"
        for g in gates
        if g.verdict in ("pass", "fail") and g.name in ("success", "tokens", "review", "cost")
    }
    policy_failed = any(g.name == "policy" and g.verdict == "fail" for g in gates)
    stability = point_stability(
        pairs,
        rollback_on,
        observed,
        policy_failed=policy_failed,
        resamples=statistics.bootstrap_resamples,
        seed=statistics.seed,
        confidence=statistics.confidence,
    )
    if stability is None:
        return gates, None
    noted = tuple(
        _stable(g, stability, pairs.n) if g.name in stability.intervals else g for g in gates
    )
    return noted, stability


def _stable(gate: GateResult, stability: Stability, n: int) -> GateResult:
    """A point gate with the interval of its own statistic and its stability in the note."""
    interval = stability.intervals[gate.name]
    side: BoundSide = "lower" if gate.name == "success" else "upper"
    needed = None
    if gate.threshold is not None and classify(interval, gate.threshold, side=side) == (
        "inconclusive"
    ):
        needed = tasks_needed(interval, n, gate.threshold, side=side)
    return replace(
        gate, interval=interval, more_tasks_needed=needed, note=stability.note(gate.name)
    )


def _stability_warning(status: Decision, stability: Stability) -> str:
    flag = "; within noise" if stability.decision < STABLE else ""
    return (
        f"{status} in {stability.decision:.0%} of {stability.resamples} resamples of the "
        f"paired tasks (seed {stability.seed}){flag}"
    )


def _verdict(gates: tuple[GateResult, ...]) -> tuple[Decision, tuple[str, ...]]:
    failed = tuple(g.reason or g.name for g in gates if g.verdict == "fail")
    if failed:
        return "BLOCKED", failed
    open_gates = tuple(
        g.reason or g.name for g in gates if g.verdict in ("no data", "inconclusive")
    )
    if open_gates:
        return "INCONCLUSIVE", open_gates
    return "PROMOTE", ()


def _warnings(
    incumbent: LaneMetrics, candidate: LaneMetrics, statistics: Statistics, pairs: Pairs | None
) -> tuple[str, ...]:
    found = []
    sizes = [m.n for m in (incumbent, candidate) if m.n is not None]
    smallest = pairs.n if pairs is not None else min(sizes, default=None)
    what = "paired tasks" if pairs is not None else "runs in a lane"
    if smallest is not None and smallest < statistics.min_samples:
        found.append(
            f"low sample: {smallest} {what}, under statistics.minSamples {statistics.min_samples}"
        )
    if pairs is not None and (pairs.incumbent_only or pairs.candidate_only):
        found.append(
            f"compared on {pairs.n} tasks both lanes ran; "
            f"{pairs.incumbent_only} only in incumbent, {pairs.candidate_only} only in candidate"
        )
    if incumbent.provider and candidate.provider and incumbent.provider != candidate.provider:
        found.append(
            f"token counts come from different tokenizers ({incumbent.provider} vs "
            f"{candidate.provider}); compare cost instead (release.rollbackOn.costMultiplier)"
        )
    if incumbent.infra_errors or candidate.infra_errors:
        found.append(
            f"infra errors not counted: incumbent {incumbent.infra_errors}, "
            f"candidate {candidate.infra_errors}"
        )
    return tuple(found)


def combine(decisions: Iterable[tuple[str | None, GateDecision]]) -> GateDecision:
    """One release decision from the overall one and each slice's: the most severe wins."""
    items = list(decisions)
    overall = items[0][1]
    worst = max((d.status for _, d in items), key=_SEVERITY.__getitem__)
    reasons = list(overall.reasons) if overall.status == worst else []
    for name, decision in items[1:]:
        if decision.status == worst and decision.status != "PROMOTE":
            # A slice's reason adds news only when the overall reasons do not say it already.
            reasons.extend(f"{name}: {r}" for r in decision.reasons if r not in reasons)
    return GateDecision(
        worst,
        tuple(dict.fromkeys(reasons)),
        overall.gates,
        overall.warnings,
        overall.mode,
        overall.seed,
        overall.stability,
        infra_bound=any(d.infra_bound and d.status == worst for _, d in items),
    )
