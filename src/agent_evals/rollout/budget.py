"""The budget guard: token and spend totals per lane over rolling windows, and their alerts."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord
from agent_evals.rollout.health import as_utc
from agent_evals.store import Store
from agent_evals.types import Lane

_DAY = timedelta(hours=24)
_LIVE_SOURCES = {"incumbent": ("live",), "candidate": ("live", "shadow")}


@dataclass(frozen=True)
class LaneSpend:
    """One lane's live usage in the budget window."""

    runs: int
    tokens: int
    spend_usd: float
    spend_last_day_usd: float
    median_tokens: float | None


@dataclass(frozen=True)
class BudgetReport:
    """Per-lane totals over the window and the alerts they raise."""

    window_hours: float
    since: datetime
    incumbent: LaneSpend
    candidate: LaneSpend
    alerts: tuple[str, ...]
    auto_fallback: bool

    @property
    def breached(self) -> bool:
        """Whether any budget alert is raised."""
        return bool(self.alerts)


def budget_report(
    store: Store, config: ReleaseConfig, *, now: datetime, min_runs: int
) -> BudgetReport | None:
    """The budget guard's view of the last ``budget.windowHours``; ``None`` when not configured.

    Token drift compares median tokens per successful live task (and per shadow run of the
    candidate) once both lanes have ``min_runs`` runs; the daily cap applies to the
    candidate's spend in the last 24 hours.
    """
    budget = config.budget
    if budget is None:
        return None
    since = now - timedelta(hours=budget.window_hours)
    runs = _recent(store.runs(config.release.release_id), min(since, now - _DAY))
    incumbent = _lane_spend(runs, "incumbent", since, now)
    candidate = _lane_spend(runs, "candidate", since, now)
    alerts = _drift_alert(incumbent, candidate, config, min_runs) + _cap_alert(
        candidate, budget.daily_spend_cap_usd
    )
    return BudgetReport(
        budget.window_hours, since, incumbent, candidate, alerts, budget.auto_fallback
    )


def _recent(runs: Sequence[RunRecord], since: datetime) -> list[tuple[datetime, RunRecord]]:
    found = []
    for run in runs:
        when = run.ended_at or run.started_at
        if when is not None and as_utc(when) >= since:
            found.append((as_utc(when), run))
    return found


def _lane_spend(
    runs: Sequence[tuple[datetime, RunRecord]], lane: Lane, since: datetime, now: datetime
) -> LaneSpend:
    sources = _LIVE_SOURCES[lane]
    mine = [(w, r) for w, r in runs if r.lane == lane and r.source in sources]
    window = [r for w, r in mine if w >= since]
    solved = [r.tokens.total for r in window if _counted(r) and r.tokens.total is not None]
    return LaneSpend(
        runs=len(window),
        tokens=sum(r.tokens.total or 0 for r in window),
        spend_usd=sum(r.cost_usd or 0.0 for r in window),
        spend_last_day_usd=sum(r.cost_usd or 0.0 for w, r in mine if w >= now - _DAY),
        median_tokens=statistics.median(solved) if solved else None,
    )


def _counted(run: RunRecord) -> bool:
    """Whether a run's tokens enter its lane's median: a solved task, or a shadow run (whose
    answer is discarded, so it never has an outcome, only the tokens it took)."""
    return run.succeeded or run.source == "shadow"


def _drift_alert(
    incumbent: LaneSpend, candidate: LaneSpend, config: ReleaseConfig, min_runs: int
) -> tuple[str, ...]:
    multiplier = config.release.rollback_on.median_token_multiplier
    if multiplier is None or incumbent.median_tokens is None or candidate.median_tokens is None:
        return ()
    if min(incumbent.runs, candidate.runs) < min_runs or incumbent.median_tokens <= 0:
        return ()
    ratio = candidate.median_tokens / incumbent.median_tokens
    if ratio <= multiplier:
        return ()
    return (f"token drift {ratio:.2f}x above {multiplier:g}x",)


def _cap_alert(candidate: LaneSpend, cap: float | None) -> tuple[str, ...]:
    if cap is None or candidate.spend_last_day_usd < cap:
        return ()
    return (f"daily spend cap reached: ${candidate.spend_last_day_usd:.2f} of ${cap:.2f}",)
