"""What the live dashboard shows, read from the store: status, evidence, audit, lanes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent_evals.analysis.metrics import lane_metrics_from_runs
from agent_evals.records import RunRecord
from agent_evals.rollout import CanaryController
from agent_evals.rollout.status import RolloutStatus, rollout_status
from agent_evals.store import AuditEntry
from agent_evals.types import LANES

# Points on the lane plots: cumulative metrics after evenly spaced numbers of live runs.
SERIES_POINTS = 40
# The timeline shows the latest entries; the CLI (`canary audit`) has the full log.
AUDIT_LIMIT = 50


@dataclass(frozen=True)
class Breach:
    """Something wrong now: a rollback, an unhealthy candidate, an alarm or a budget alert."""

    kind: str
    detail: str


@dataclass(frozen=True)
class DashboardSnapshot:
    """One reading of the release for the dashboard."""

    status: RolloutStatus
    audit: tuple[AuditEntry, ...]
    breaches: tuple[Breach, ...]
    lanes: dict[str, Any]
    read_at: datetime

    @property
    def version(self) -> int:
        """The stored state's version (changes with every stage move, freeze or rollback)."""
        return self.status.state.version if self.status.state else -1


def read_snapshot(controller: CanaryController) -> DashboardSnapshot:
    """Status, the newest audit entries, current breaches and the live lanes over time."""
    status = rollout_status(controller)
    audit = controller.store.audit(controller.release)
    live = controller.store.runs(controller.release, source="live")
    return DashboardSnapshot(
        status=status,
        audit=tuple(reversed(audit[-AUDIT_LIMIT:])),
        breaches=breaches(status),
        lanes=lane_series(live),
        read_at=controller.clock.now(),
    )


def breaches(status: RolloutStatus) -> tuple[Breach, ...]:
    """Every reason the release is not running normally right now."""
    found = []
    state = status.state
    if state is not None and state.rollback_reason and state.phase == "rolled-back":
        found.append(Breach("rolled back", state.rollback_reason))
    if state is not None and state.frozen:
        found.append(Breach("frozen", state.frozen_reason or "frozen"))
    if status.review is not None:
        found += [Breach("rollback rule", r) for r in status.review.health.reasons]
    if status.assignment is not None and status.assignment.alarm:
        found.append(Breach("assignment alarm", status.assignment.detail))
    if status.budget is not None:
        found += [Breach("budget", a) for a in status.budget.alerts]
    if state is not None:
        found += [Breach("alert", a) for a in state.alerts]
    return tuple(found)


def lane_series(runs: Sequence[RunRecord]) -> dict[str, Any]:
    """Each lane's cumulative success rate and median tokens as live runs came in."""
    ordered = sorted(runs, key=_order)
    cuts = _cuts(len(ordered))
    series: dict[str, Any] = {"at": [_label(ordered[c - 1]) for c in cuts]}
    for lane in LANES:
        points = [lane_metrics_from_runs([r for r in ordered[:c] if r.lane == lane]) for c in cuts]
        series[lane] = {
            "runs": [m.n for m in points],
            "success": [m.success_rate for m in points],
            "tokens": [m.median_tokens for m in points],
        }
    return series


def _order(run: RunRecord) -> tuple[int, float]:
    # Runs without a time keep their stored order, after the timed ones.
    at = run.ended_at or run.started_at
    return (0, at.timestamp()) if at else (1, 0.0)


def _label(run: RunRecord) -> str:
    at = run.ended_at or run.started_at
    return at.strftime("%H:%M:%S") if at else ""


def _cuts(total: int) -> list[int]:
    if total <= SERIES_POINTS:
        return list(range(1, total + 1))
    return sorted({round(total * (i + 1) / SERIES_POINTS) for i in range(SERIES_POINTS)})
