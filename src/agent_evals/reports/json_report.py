"""The one JSON document that ``--format json`` prints (SPEC section 6)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from agent_evals.analysis.results import (
    GateDecision,
    GateResult,
    LaneMetrics,
    Scorecard,
    SliceComparison,
)
from agent_evals.reports.details import ReportDetails
from agent_evals.reports.gate_tasks import gate_tasks


def decision_document(decision: GateDecision) -> dict[str, Any]:
    """The decision part: status, reason(s), gates, warnings, mode, seed and, in point mode
    over paired tasks, the share of resamples that repeat the decision (its stability)."""
    return {
        "promotion_status": decision.status,
        "reason": decision.reason,
        "reasons": list(decision.reasons),
        "gates": [gate_document(g) for g in decision.gates],
        "warnings": list(decision.warnings),
        "mode": decision.mode,
        "seed": decision.seed,
        "stability": decision.stability,
    }


def gate_document(gate: GateResult) -> dict[str, Any]:
    """One gate: name, passed, value, threshold, interval, evidence and the rest."""
    return {
        "name": gate.name,
        "verdict": gate.verdict,
        "passed": gate.passed,
        "value": gate.value,
        "threshold": gate.threshold,
        "interval": asdict(gate.interval) if gate.interval else None,
        "evidence": gate.evidence,
        "reason": gate.reason,
        "more_tasks_needed": gate.more_tasks_needed,
        "note": gate.note,
    }


def metrics_document(metrics: LaneMetrics) -> dict[str, Any]:
    """Every lane metric of SPEC section 4."""
    return asdict(metrics)


def comparison_document(comparison: SliceComparison) -> dict[str, Any]:
    """One slice with both lanes and its own decision."""
    return {
        "slice": comparison.slice,
        "incumbent": metrics_document(comparison.incumbent),
        "candidate": metrics_document(comparison.candidate),
        "paired_tasks": comparison.paired_tasks,
        "incumbent_only_tasks": comparison.incumbent_only,
        "candidate_only_tasks": comparison.candidate_only,
        **decision_document(comparison.decision),
    }


def scorecard_document(
    scorecard: Scorecard, details: ReportDetails | None = None
) -> dict[str, Any]:
    """The whole scorecard: the release decision first, then overall and per-slice entries,
    and (with ``details``) the tasks behind each failing gate."""
    document = {
        "release": scorecard.release,
        **decision_document(scorecard.decision),
        "overall": comparison_document(scorecard.overall),
        "slices": [comparison_document(c) for c in scorecard.slices],
    }
    if scorecard.notes:  # evidence mode's notes, e.g. what the incumbent's history bought
        document["notes"] = list(scorecard.notes)
    if details is not None:
        document["gate_tasks"] = [found.document() for found in gate_tasks(scorecard, details)]
    return document


def dumps(document: dict[str, Any]) -> str:
    """Serialise a report document (stable key order, NaN never emitted)."""
    return json.dumps(document, indent=2, allow_nan=False, default=str)
