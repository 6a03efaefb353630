"""The plots of a report as plain data; the page's script draws them with the vendored library.

Each chart is a JSON-ready dict with a ``kind`` the script knows: ``bars`` (a value per slice
and lane with an interval), ``strip`` (every run's value per slice and lane, with medians),
``paired`` (one point per task, incumbent against candidate) and ``running`` (an estimate and
its interval as tasks accumulate, against a threshold).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from agent_evals.analysis.results import LaneMetrics, Scorecard
from agent_evals.records import RunRecord
from agent_evals.reports.details import ReportDetails, TaskPair
from agent_evals.reports.evidence_trace import GateTrace
from agent_evals.types import LANES, UNCOUNTED_STATUSES

Chart = dict[str, Any]
# Strip plots keep at most this many points per slice and lane, evenly spread over the sorted
# values, so a release of a million runs still gives a page a browser opens quickly.
MAX_POINTS = 300
_LANE_OFFSET = {"incumbent": -0.2, "candidate": 0.2}
_JITTER = 0.14
_Z95 = 1.959963984540054


def charts(scorecard: Scorecard, details: ReportDetails | None) -> list[Chart]:
    """Every plot the report shows, in page order."""
    found = [success_chart(scorecard)]
    if details is None:
        return found
    categories = [c.slice for c in scorecard.slices]
    found += [
        strip_chart(
            "tokens",
            "Tokens per successful run (log scale)",
            details.runs,
            categories,
            _tokens,
            log=True,
        ),
        strip_chart(
            "diff",
            "Diff size (lines added + removed)",
            details.runs,
            categories,
            lambda r: r.diff.lines,
        ),
        strip_chart(
            "review",
            "Reviewer follow-up comments",
            details.runs,
            categories,
            lambda r: r.review_comments,
        ),
        strip_chart(
            "latency", "End-to-end latency (s)", details.runs, categories, lambda r: r.latency_s
        ),
        paired_tokens_chart(details.tasks, _multiplier(scorecard)),
        *(running_chart(trace) for trace in details.traces),
    ]
    return [c for c in found if c["has_data"]]


def success_chart(scorecard: Scorecard) -> Chart:
    """Success rate per slice and lane, with 95% Wilson intervals."""
    comparisons = [*scorecard.slices, scorecard.overall]
    series = []
    for lane in LANES:
        bounds = [wilson(getattr(c, lane)) for c in comparisons]
        series.append(
            {
                "lane": lane,
                "values": [getattr(c, lane).success_rate for c in comparisons],
                "low": [b[0] if b else None for b in bounds],
                "high": [b[1] if b else None for b in bounds],
            }
        )
    return {
        "id": "chart-success",
        "kind": "bars",
        "title": "Success rate per slice (95% interval)",
        "categories": [c.slice for c in comparisons],
        "series": series,
        "has_data": any(v is not None for s in series for v in s["values"]),
    }


def wilson(metrics: LaneMetrics) -> tuple[float, float] | None:
    """The 95% Wilson score interval of a lane's success rate."""
    n, rate = metrics.n, metrics.success_rate
    if not n or rate is None:
        return None
    centre = (rate + _Z95**2 / (2 * n)) / (1 + _Z95**2 / n)
    half = _Z95 * math.sqrt(rate * (1 - rate) / n + _Z95**2 / (4 * n * n)) / (1 + _Z95**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def strip_chart(
    name: str,
    title: str,
    runs: Sequence[RunRecord],
    categories: Sequence[str],
    value: Callable[[RunRecord], float | int | None],
    *,
    log: bool = False,
) -> Chart:
    """Every counted run's value, one column per slice and lane, with each column's median."""
    index = {s: i for i, s in enumerate(categories)}
    columns: dict[tuple[str, int], list[float]] = {}
    for run in runs:
        v = value(run)
        if run.status in UNCOUNTED_STATUSES or v is None or run.slice not in index:
            continue
        if log and v <= 0:
            continue
        columns.setdefault((run.lane, index[run.slice]), []).append(float(v))
    series = [
        {
            "lane": lane,
            "points": [
                p
                for (ln, i), vs in sorted(columns.items())
                if ln == lane
                for p in _spread(i + _LANE_OFFSET[lane], vs)
            ],
            "medians": [
                [i + _LANE_OFFSET[lane], _median(vs)]
                for (ln, i), vs in sorted(columns.items())
                if ln == lane
            ],
        }
        for lane in LANES
    ]
    return {
        "id": f"chart-{name}",
        "kind": "strip",
        "title": title,
        "log": log,
        "categories": list(categories),
        "series": series,
        "has_data": bool(columns),
    }


def paired_tokens_chart(tasks: Sequence[TaskPair], multiplier: float | None) -> Chart:
    """One point per task both lanes solved: incumbent tokens against candidate tokens."""
    points = []
    for task in tasks:
        if task.incumbent is None or task.candidate is None:
            continue
        inc, cand = task.incumbent.mean(_tokens), task.candidate.mean(_tokens)
        if inc and cand:
            points.append({"x": inc, "y": cand, "task": f"{task.slice}/{task.task_id}"})
    lines = [{"label": "same tokens", "slope": 1.0}]
    if multiplier is not None:
        lines.append({"label": f"gate: {multiplier:g}x", "slope": multiplier})
    return {
        "id": "chart-paired",
        "kind": "paired",
        "title": "Tokens per task: incumbent (x) against candidate (y), log scale",
        "points": points,
        "lines": lines,
        "has_data": bool(points),
    }


def running_chart(trace: GateTrace) -> Chart:
    """A gate's overall estimate and interval after each number of paired tasks."""
    allowed = "at or above" if trace.side == "lower" else "at or below"
    return {
        "id": f"chart-running-{trace.gate}",
        "kind": "running",
        "title": f"Evidence for {trace.gate}: passes when the interval lies {allowed} "
        f"{trace.threshold:g}",
        "x": [p.tasks for p in trace.points],
        "estimate": [p.estimate for p in trace.points],
        "low": [p.low for p in trace.points],
        "high": [p.high for p in trace.points],
        "threshold": trace.threshold,
        "has_data": bool(trace.points),
    }


def _tokens(run: RunRecord) -> int | None:
    return run.tokens.with_total().total if run.succeeded else None


def _multiplier(scorecard: Scorecard) -> float | None:
    """The tokens gate's allowed ratio (its threshold), when the gate is on."""
    for result in scorecard.overall.decision.gates:
        if result.name == "tokens" and result.verdict != "off":
            return result.threshold
    return None


def _spread(x: float, values: list[float]) -> list[list[float]]:
    """The column's points with a deterministic sideways jitter, thinned to ``MAX_POINTS``."""
    ordered = sorted(values)
    if len(ordered) > MAX_POINTS:
        step = (len(ordered) - 1) / (MAX_POINTS - 1)
        ordered = [ordered[round(i * step)] for i in range(MAX_POINTS)]
    # The golden-ratio sequence spreads points evenly across the column without randomness.
    return [
        [round(x + _JITTER * (2 * ((i * 0.6180339887) % 1) - 1), 4), v]
        for i, v in enumerate(ordered)
    ]


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
