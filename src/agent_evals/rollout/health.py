"""Is the candidate healthy on live work? Anytime-valid evidence pooled over the release.

The rate rules are judged on confidence sequences (``analysis.live``), so the controller and
the router may look after every outcome without inflating the false-rollback rate, and the
evidence of every stage since the release started is pooled, never reset at a stage boundary.
After ``done`` the same sequences keep running: the incumbent's baseline is every live run it
finished since the start, growing while it still serves pinned slices and high-risk tasks, so
it is never a frozen sample re-read against a point threshold. Policy stays a hard rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from agent_evals.analysis import GATES, GateInput, decide, lane_metrics_from_runs
from agent_evals.analysis.live import LiveEvidence, live_evidence
from agent_evals.analysis.results import GateDecision, LaneMetrics
from agent_evals.analysis.table import run_table_from_records
from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord
from agent_evals.rollout.state import RolloutState, release_steps
from agent_evals.store import Store
from agent_evals.types import UNCOUNTED_STATUSES

FinalStepRule = Literal["exposure", "non-inferiority"]


@dataclass(frozen=True)
class LiveSettings:
    """How live evidence is judged: the release's false-rollback rate, the exposure the
    sequences are tuned for, and what the last step to 100% needs."""

    alpha: float
    planned: float
    final_step: FinalStepRule = "exposure"


def live_settings(config: ReleaseConfig) -> LiveSettings:
    """The live settings of a release: alpha is 1 - statistics.confidence; the sequences are
    tuned for the candidate tasks the stages plan before ``done``."""
    planned = sum(step.min_tasks for step in release_steps(config.release))
    return LiveSettings(
        alpha=1.0 - config.statistics.confidence,
        planned=float(max(planned, 1)),
        final_step=config.statistics.live.final_step,
    )


# A health built by hand (a drill's synthetic breach) carries no rate-rule evidence.
NO_LIVE_EVIDENCE = LiveEvidence((), alpha=0.05, planned=1.0)


@dataclass(frozen=True)
class LiveWindow:
    """Both lanes' live runs since the release (or a stage) began."""

    since: datetime
    incumbent: tuple[RunRecord, ...]
    candidate: tuple[RunRecord, ...]
    incumbent_scope: Literal["stage", "release"] = "release"

    def narrowed(self, since: datetime) -> LiveWindow:
        """The runs of this window that ended from ``since`` on (a later start), read again
        from memory instead of from the store."""
        return LiveWindow(
            since,
            tuple(r for r in self.incumbent if _since(r, since)),
            tuple(r for r in self.candidate if _since(r, since)),
            self.incumbent_scope,
        )


@dataclass(frozen=True)
class Health:
    """The candidate's live health: rules showing harm, with the evidence and scorecard."""

    reasons: tuple[str, ...]
    incumbent: LaneMetrics
    candidate: LaneMetrics
    decision: GateDecision
    live: LiveEvidence = NO_LIVE_EVIDENCE

    @property
    def healthy(self) -> bool:
        """True when no rollback rule is breached."""
        return not self.reasons

    @property
    def finished(self) -> int:
        """Candidate tasks counted (infra errors and missing runs left out)."""
        return self.candidate.n or 0

    @property
    def reason(self) -> str:
        """The breaches joined the SPEC way (empty when healthy)."""
        return " + ".join(self.reasons)

    def evidence(self) -> dict[str, Any]:
        """The numbers a decision rests on, for the audit log."""
        return {
            "incumbent": metrics_evidence(self.incumbent),
            "candidate": metrics_evidence(self.candidate),
            "decision": self.decision.status,
            "gates": {g.name: g.verdict for g in self.decision.gates},
            "sequential": {
                "alpha": self.live.alpha,
                "planned_tasks": self.live.planned,
                "rules": {r.name: _rule_evidence(r) for r in self.live.rules},
            },
        }


def _rule_evidence(rule: Any) -> dict[str, Any]:
    return {
        "verdict": rule.verdict,
        "estimand": rule.estimand,
        "estimate": rule.estimate,
        "interval": [rule.low, rule.high],
        "threshold": rule.threshold,
    }


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC time (SQLite hands back naive UTC times)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def live_window(store: Store, release: str, since: datetime) -> LiveWindow:
    """Live runs (and the candidate's shadow runs) of both lanes that ended from ``since`` on."""
    live = store.runs(release, source="live")
    shadow = store.runs(release, lane="candidate", source="shadow")
    candidate = tuple(r for r in (*live, *shadow) if r.lane == "candidate" and _since(r, since))
    incumbent = tuple(r for r in live if r.lane == "incumbent" and _since(r, since))
    return LiveWindow(since, incumbent, candidate)


def _since(run: RunRecord, since: datetime) -> bool:
    when = run.ended_at or run.started_at
    return when is not None and as_utc(when) >= since


def assess_health(
    incumbent_runs: Sequence[RunRecord],
    candidate_runs: Sequence[RunRecord],
    config: ReleaseConfig,
    *,
    waivers: Iterable[str] = (),
    settings: LiveSettings | None = None,
) -> Health:
    """Which ``rollbackOn`` rules the candidate breaches on these live runs.

    A policy breach counts from the first candidate run, even before the incumbent has
    finished any. A rate rule (success, tokens, review, cost) breaches only when its
    confidence sequence lies wholly beyond the threshold: evidence that holds however often
    it is looked at, so one unlucky task, or a thousand looks, cannot roll a release back.
    """
    settings = settings or live_settings(config)
    incumbent = lane_metrics_from_runs(incumbent_runs)
    candidate = lane_metrics_from_runs(candidate_runs)
    decision = decide(incumbent, candidate, config, waivers=waivers, evidence=False)
    rules = config.release.rollback_on
    policy = GATES["policy"](GateInput(incumbent, candidate, rules, config.statistics))
    evidence = live_evidence(
        run_table_from_records(incumbent_runs),
        run_table_from_records(candidate_runs),
        rules,
        alpha=settings.alpha,
        planned=settings.planned,
        waivers=waivers,
    )
    breached = (policy.reason,) if policy.verdict == "fail" and policy.reason else ()
    return Health((*breached, *evidence.harm), incumbent, candidate, decision, evidence)


def release_waivers(store: Store, config: ReleaseConfig) -> frozenset[str]:
    """Gates waived for the whole release, in the config or recorded in the store."""
    release = config.release.release_id
    recorded = {w.gate for w in store.waivers(release) if w.slice is None}
    return frozenset({w.gate for w in config.waivers if w.slice is None} | recorded)


def release_started_at(state: RolloutState) -> datetime:
    """When the release last (re)started: evidence pools from there across every stage."""
    starts = [entry.at for entry in state.history if entry.action == "start"]
    return starts[-1] if starts else state.stage_started_at


def release_window(store: Store, state: RolloutState) -> LiveWindow:
    """The live runs the release is judged on: every run since it last started."""
    return live_window(store, state.release, release_started_at(state))


def stage_health(
    store: Store, config: ReleaseConfig, state: RolloutState, window: LiveWindow | None = None
) -> Health:
    """The candidate's health over the live runs since the release started."""
    window = window or release_window(store, state)
    waivers = release_waivers(store, config)
    return assess_health(window.incumbent, window.candidate, config, waivers=waivers)


def stage_finished(window: LiveWindow, state: RolloutState) -> int:
    """Candidate tasks finished (and counted) since the current stage began."""
    since = state.stage_started_at
    return sum(
        1 for r in window.candidate if _since(r, since) and r.status not in UNCOUNTED_STATUSES
    )


def metrics_evidence(metrics: LaneMetrics) -> dict[str, float | int | None]:
    """The SPEC section 5 numbers of one lane."""
    return {
        "n": metrics.n,
        "success_rate": metrics.success_rate,
        "median_tokens": metrics.median_tokens,
        "review_comment_avg": metrics.review_comment_avg,
        "policy_failures": metrics.policy_failures,
    }
