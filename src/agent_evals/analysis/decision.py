"""From lane metrics to PROMOTE, BLOCKED or INCONCLUSIVE (SPEC section 5)."""

from __future__ import annotations

from collections.abc import Iterable

from agent_evals.analysis.gates import GATES, GateInput
from agent_evals.analysis.pairing import Pairs
from agent_evals.analysis.results import GateDecision, GateResult, LaneMetrics
from agent_evals.config.models import ReleaseConfig, RollbackOn, Statistics
from agent_evals.types import Decision

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
    if incumbent.n == 0 or candidate.n == 0:
        missing = "no candidate runs" if candidate.n == 0 else "no incumbent runs"
        return GateDecision(
            "INCONCLUSIVE",
            (missing,),
            (),
            mode="evidence" if use_evidence else "point",
            seed=statistics.seed,
        )
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
    status, reasons = _verdict(gates)
    return GateDecision(
        status,
        reasons,
        gates,
        warnings=_warnings(incumbent, candidate, statistics, pairs),
        mode="evidence" if use_evidence else "point",
        seed=statistics.seed,
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
    )
