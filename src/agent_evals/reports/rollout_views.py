"""Plain JSON-ready views of rollout values, and their text form, for the CLI and the API."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from agent_evals.analysis.live import LiveEvidence
from agent_evals.analysis.results import LaneMetrics
from agent_evals.rollout.assignment import AssignmentCheck
from agent_evals.rollout.budget import BudgetReport
from agent_evals.rollout.checklist import Checklist
from agent_evals.rollout.controller import RolloutDecision
from agent_evals.rollout.evaluation import StageReview
from agent_evals.rollout.health import metrics_evidence
from agent_evals.rollout.router import RouteDecision
from agent_evals.rollout.state import DrillRecord, RolloutState
from agent_evals.rollout.status import RolloutStatus, TaskExplanation
from agent_evals.store import AuditEntry, HookDelivery


def route_view(task_id: str, decision: RouteDecision) -> dict[str, Any]:
    """One routing decision."""
    return {
        "task_id": task_id,
        "lane": decision.lane,
        "model": decision.model,
        "bucket": round(decision.bucket, 6),
        "rule": decision.rule,
        "reason": decision.reason,
        "shadow": decision.shadow,
    }


def state_view(state: RolloutState | None) -> dict[str, Any]:
    """Where a release stands."""
    if state is None:
        return {"stage": "not registered", "share": 0.0}
    return {
        "stage": state.stage,
        "share": state.share,
        "frozen": state.frozen_reason if state.frozen else False,
        "rolled_back": state.rollback_reason if state.phase == "rolled-back" else False,
        "stage_started_at": state.stage_started_at.isoformat(timespec="seconds"),
        "trusted_slices": sorted(state.trusted_slices),
        "high_risk_trusted": "high" in state.trusted_risks,
        "alerts": list(state.alerts),
        "drill": drill_view(state.drill) if state.drill else "none; run agent-evals canary drill",
        "version": state.version,
    }


def decision_view(decision: RolloutDecision) -> dict[str, Any]:
    """What the controller did and why."""
    return {
        "action": decision.action,
        "release": decision.state.release,
        "stage": decision.state.stage,
        "share": decision.state.share,
        "reason": decision.reason,
        "reasons": list(decision.reasons),
        "evidence": decision.evidence,
    }


def hooks_view(release: str, deliveries: Sequence[HookDelivery]) -> dict[str, Any]:
    """A release's hook deliveries from the outbox, oldest first."""
    counts = {s: sum(d.status == s for d in deliveries) for s in ("pending", "delivered", "failed")}
    return {
        "release": release,
        **counts,
        "deliveries": [
            f"#{d.id} {d.event} {'webhook' if 'webhook' in d.hook else 'command'}: {d.status}"
            f" after {d.attempts} attempt(s)" + (f" ({d.detail})" if d.detail else "")
            for d in deliveries
        ],
    }


def drill_view(drill: DrillRecord) -> dict[str, Any]:
    """A fire drill's result."""
    return {
        "passed": drill.passed,
        "at": drill.at.isoformat(timespec="seconds"),
        "checks": [f"[{'ok' if c.passed else 'FAIL'}] {c.name}: {c.detail}" for c in drill.checks],
    }


def review_view(review: StageReview) -> dict[str, Any]:
    """How the current stage is doing."""
    health = review.health
    return {
        "health": "healthy" if health.healthy else f"unhealthy: {health.reason}",
        "finished_tasks": f"{review.finished}/{review.min_tasks}",
        "bake_minutes": f"{review.baked_minutes:.0f}/{review.min_bake_minutes:g}",
        "live_scorecard": f"{health.decision.status}: {health.decision.reason}",
        "live_evidence": _live_evidence(health.live),
        "waiting_for": list(review.waiting_for()),
        "lanes": {
            "incumbent": _metrics(health.incumbent),
            "candidate": _metrics(health.candidate),
        },
    }


def _live_evidence(live: LiveEvidence) -> list[str]:
    """Each rate rule's anytime-valid verdict: what it rolls back on, not the point scorecard."""
    lines = [
        f"{r.name}: {r.verdict}, {_num(r.estimate)} [{_num(r.low)}, {_num(r.high)}] "
        f"against {_num(r.threshold)} ({r.estimand})"
        for r in live.rules
    ]
    return [f"confidence sequences at alpha {live.alpha:.2f}, pooled since start", *lines]


def _metrics(metrics: LaneMetrics) -> str:
    return ", ".join(f"{k} {_num(v)}" for k, v in metrics_evidence(metrics).items())


def _num(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return "n/a" if value is None else str(value)


def assignment_view(check: AssignmentCheck) -> dict[str, Any]:
    """The sample-ratio test of live assignments."""
    return {
        "alarm": check.alarm,
        "candidate": check.candidate,
        "incumbent": check.incumbent,
        "p_value": check.p_value,
        "detail": check.detail,
    }


def budget_view(report: BudgetReport) -> dict[str, Any]:
    """The budget guard's totals and alerts."""
    return {
        "window_hours": report.window_hours,
        "incumbent": asdict(report.incumbent),
        "candidate": asdict(report.candidate),
        "alerts": list(report.alerts) or "none",
        "auto_fallback": report.auto_fallback,
    }


def status_view(status: RolloutStatus) -> dict[str, Any]:
    """Everything ``agent-evals canary status`` shows."""
    view: dict[str, Any] = {
        "release": status.release,
        "strategy": status.strategy,
        **state_view(status.state),
        "routing": status.plan.blocked or "open",
        "stages": [
            f"share {s.share:g}: {s.min_tasks} tasks, {s.min_bake_minutes:g} min"
            + (", manual approval" if s.manual_approval else "")
            for s in status.steps
        ],
    }
    if status.review is not None:
        view["stage_review"] = review_view(status.review)
        view["stage_review"]["waiting_for"] += list(status.stops)
    if status.assignment is not None:
        view["assignment"] = assignment_view(status.assignment)
    view["budget"] = budget_view(status.budget) if status.budget else "not configured"
    if status.replay is not None:
        view["replay"] = status.replay.summary()
        if status.replay.override is not None:
            override = status.replay.override
            view["replay_override"] = f"by {override.actor}: {override.reason}"
    return view


def explanation_view(explanation: TaskExplanation) -> dict[str, Any]:
    """Why a task is routed as it is, and how its lane changed over the rollout."""
    return {
        **route_view(explanation.task_id, explanation.decision),
        "stage": explanation.plan.stage,
        "live_share": explanation.plan.live_share,
        "salt": explanation.plan.salt,
        "timeline": [
            f"{entry.at.isoformat(timespec='seconds')} {entry.action} -> {entry.stage} "
            f"share {entry.share:g}: {lane}"
            for entry, lane in explanation.timeline
        ],
    }


def checklist_view(checklist: Checklist) -> dict[str, Any]:
    """The release checklist."""
    return {
        "release": checklist.release,
        "passed": checklist.passed,
        "items": [asdict(item) for item in checklist.items],
    }


def audit_view(entry: AuditEntry) -> dict[str, Any]:
    """One audit log line."""
    return {
        "at": entry.at.isoformat(timespec="seconds"),
        "actor": entry.actor,
        "action": entry.action,
        "stage": entry.stage,
        "share": entry.share,
        "reasons": list(entry.reasons),
        "evidence": entry.evidence,
    }


def view_text(view: Mapping[str, Any], indent: int = 0) -> str:
    """A view as indented ``key: value`` lines, for people reading a terminal."""
    pad = "  " * indent
    lines: list[str] = []
    for key, value in view.items():
        if isinstance(value, Mapping) and value:
            lines.append(f"{pad}{key}:")
            lines.append(view_text(value, indent + 1))
        elif isinstance(value, list) and value:
            lines.append(f"{pad}{key}:")
            lines.extend(f"{pad}  - {_scalar(item)}" for item in value)
        else:
            lines.append(f"{pad}{key}: {_scalar(value)}")
    return "\n".join(line for line in lines if line)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if value is None or value == [] or value == {}:
        return "-"
    if isinstance(value, Mapping):
        return json.dumps(value, default=str)
    return str(value)
