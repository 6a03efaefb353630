"""The assignment check: does live routing deliver the configured share? (sample ratio test)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# scipy.stats is imported where it is used: importing it takes about a second, which every
# command would pay at start-up.
from agent_evals.records import RunRecord
from agent_evals.rollout.router import RoutingPlan

ALARM_P = 0.001
MIN_ASSIGNMENTS = 20


@dataclass(frozen=True)
class AssignmentCheck:
    """Observed live assignments against the share they should follow."""

    share: float
    candidate: int
    incumbent: int
    p_value: float | None
    alarm: bool
    detail: str

    @property
    def total(self) -> int:
        """Assignments counted."""
        return self.candidate + self.incumbent


def check_assignment(
    runs: Sequence[RunRecord], plan: RoutingPlan, share: float, *, alpha: float = ALARM_P
) -> AssignmentCheck:
    """A chi-square test of live runs left to the bucket rule against ``share``.

    Runs of pinned or high-risk slices are left out: the router keeps those on the
    incumbent on purpose. An alarm (p below ``alpha``) means routing is not delivering
    the share: a stale router, a second router with another salt, or a caller that
    ignores the decision.
    """
    eligible = [r for r in runs if r.source == "live" and _bucket_routed(r.slice, plan)]
    candidate = sum(1 for r in eligible if r.lane == "candidate")
    incumbent = len(eligible) - candidate
    if len(eligible) < MIN_ASSIGNMENTS:
        detail = f"{len(eligible)} live assignments; the test needs {MIN_ASSIGNMENTS}"
        return AssignmentCheck(share, candidate, incumbent, None, False, detail)
    if share <= 0.0 or share >= 1.0:
        return _degenerate(share, candidate, incumbent)
    expected = [len(eligible) * share, len(eligible) * (1.0 - share)]
    from scipy.stats import chisquare

    p_value = float(chisquare([candidate, incumbent], expected).pvalue)
    observed = candidate / len(eligible)
    alarm = p_value < alpha
    verdict = "does not match" if alarm else "matches"
    detail = (
        f"candidate took {observed:.3f} of {len(eligible)} live tasks; "
        f"{verdict} share {share:g} (chi-square p={p_value:.3g}, alarm below {alpha:g})"
    )
    return AssignmentCheck(share, candidate, incumbent, p_value, alarm, detail)


def _bucket_routed(slice: str, plan: RoutingPlan) -> bool:
    if slice in plan.pinned_slices:
        return False
    return plan.high_risk_trusted or plan.slice_risks.get(slice) != "high"


def _degenerate(share: float, candidate: int, incumbent: int) -> AssignmentCheck:
    wrong = candidate if share <= 0.0 else incumbent
    lane = "candidate" if share <= 0.0 else "incumbent"
    alarm = wrong > 0
    detail = (
        f"{wrong} live tasks went to the {lane} at share {share:g}"
        if alarm
        else f"all {candidate + incumbent} live tasks follow share {share:g}"
    )
    return AssignmentCheck(share, candidate, incumbent, 0.0 if alarm else 1.0, alarm, detail)
