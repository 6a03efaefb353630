"""Is the candidate healthy on live work? The live scorecard of the current stage window."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from agent_evals.analysis import GATES, GateInput, decide, lane_metrics_from_runs
from agent_evals.analysis.results import GateDecision, LaneMetrics
from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord
from agent_evals.rollout.state import RolloutState, current_step
from agent_evals.store import Store

# A policy breach needs one run; the rate gates need a stage's worth of finished tasks.
_IMMEDIATE_GATES = frozenset({"policy"})
_CANDIDATE_SOURCES = frozenset({"live", "shadow"})


@dataclass(frozen=True)
class LiveWindow:
    """Both lanes' live runs since a stage began."""

    since: datetime
    incumbent: tuple[RunRecord, ...]
    candidate: tuple[RunRecord, ...]
    incumbent_scope: Literal["stage", "release"] = "stage"


@dataclass(frozen=True)
class Health:
    """The candidate's live health: breached ``rollbackOn`` rules, with the scorecard behind it."""

    reasons: tuple[str, ...]
    incumbent: LaneMetrics
    candidate: LaneMetrics
    decision: GateDecision

    @property
    def healthy(self) -> bool:
        """True when no rollback rule is breached."""
        return not self.reasons

    @property
    def finished(self) -> int:
        """Candidate tasks counted in the window (infra errors and missing runs left out)."""
        return self.candidate.n or 0

    @property
    def reason(self) -> str:
        """The breaches joined the SPEC way (empty when healthy)."""
        return " + ".join(self.reasons)

    def evidence(self) -> dict[str, Any]:
        """The numbers a rollback rests on, for the audit log."""
        return {
            "incumbent": metrics_evidence(self.incumbent),
            "candidate": metrics_evidence(self.candidate),
            "decision": self.decision.status,
            "gates": {g.name: g.verdict for g in self.decision.gates},
        }


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC time (SQLite hands back naive UTC times)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def live_window(
    store: Store, release: str, since: datetime, *, min_incumbent: int = 1
) -> LiveWindow:
    """Live runs (and the candidate's shadow runs) that ended at or after ``since``.

    When the incumbent finished fewer than ``min_incumbent`` tasks in the window (at a
    share of 1.0 it finishes none), its baseline is every live run of the release instead.
    """
    live = store.runs(release, source="live")
    shadow = store.runs(release, lane="candidate", source="shadow")
    candidate = tuple(r for r in (*live, *shadow) if r.lane == "candidate" and _since(r, since))
    incumbent_all = [r for r in live if r.lane == "incumbent"]
    incumbent = tuple(r for r in incumbent_all if _since(r, since))
    if len(incumbent) < min_incumbent:
        return LiveWindow(since, tuple(incumbent_all), candidate, "release")
    return LiveWindow(since, incumbent, candidate, "stage")


def _since(run: RunRecord, since: datetime) -> bool:
    when = run.ended_at or run.started_at
    return when is not None and as_utc(when) >= since


def assess_health(
    incumbent_runs: Sequence[RunRecord],
    candidate_runs: Sequence[RunRecord],
    config: ReleaseConfig,
    *,
    min_tasks: int,
    waivers: Iterable[str] = (),
) -> Health:
    """Which ``rollbackOn`` rules the candidate breaches on these live runs.

    A policy breach counts from the first candidate run, even before the incumbent has
    finished any; the rate rules (success, tokens, review, cost) count once the candidate
    has finished ``min_tasks`` tasks, so one unlucky task cannot roll a release back.
    """
    incumbent = lane_metrics_from_runs(incumbent_runs)
    candidate = lane_metrics_from_runs(candidate_runs)
    decision = decide(incumbent, candidate, config, waivers=waivers, evidence=False)
    rules = config.release.rollback_on
    gates = decision.gates or (
        GATES["policy"](GateInput(incumbent, candidate, rules, config.statistics)),
    )
    settled = (candidate.n or 0) >= min_tasks
    reasons = tuple(
        gate.reason or f"{gate.name} gate failed"
        for gate in gates
        if gate.verdict == "fail" and (settled or gate.name in _IMMEDIATE_GATES)
    )
    return Health(reasons, incumbent, candidate, decision)


def release_waivers(store: Store, config: ReleaseConfig) -> frozenset[str]:
    """Gates waived for the whole release, in the config or recorded in the store."""
    release = config.release.release_id
    recorded = {w.gate for w in store.waivers(release) if w.slice is None}
    return frozenset({w.gate for w in config.waivers if w.slice is None} | recorded)


def window_health(
    window: LiveWindow, config: ReleaseConfig, *, min_tasks: int, waivers: Iterable[str] = ()
) -> Health:
    """The health of the candidate over one live window."""
    return assess_health(
        window.incumbent, window.candidate, config, min_tasks=min_tasks, waivers=waivers
    )


def stage_window(store: Store, config: ReleaseConfig, state: RolloutState) -> LiveWindow:
    """The live runs the current stage is judged on."""
    step = current_step(config.release, state)
    return live_window(store, state.release, state.stage_started_at, min_incumbent=step.min_tasks)


def stage_health(
    store: Store, config: ReleaseConfig, state: RolloutState, window: LiveWindow | None = None
) -> Health:
    """The candidate's health over the live runs of the stage ``state`` is in."""
    step = current_step(config.release, state)
    window = window or stage_window(store, config, state)
    waivers = release_waivers(store, config)
    return window_health(window, config, min_tasks=step.min_tasks, waivers=waivers)


def metrics_evidence(metrics: LaneMetrics) -> dict[str, float | int | None]:
    """The SPEC section 5 numbers of one lane."""
    return {
        "n": metrics.n,
        "success_rate": metrics.success_rate,
        "median_tokens": metrics.median_tokens,
        "review_comment_avg": metrics.review_comment_avg,
        "policy_failures": metrics.policy_failures,
    }
