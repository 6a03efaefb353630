"""Lane metrics of SPEC section 4, computed on numpy columns."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agent_evals.analysis.results import LaneMetrics
from agent_evals.analysis.table import (
    INFRA_ERROR,
    MISSING,
    RESOLVED,
    RunTable,
    run_table_from_records,
)
from agent_evals.records import RunRecord
from agent_evals.store.columnar import TOKEN_SOURCE_CODE
from agent_evals.types import USAGE_SOURCES


def lane_metrics(table: RunTable) -> LaneMetrics:
    """Metrics of the runs in ``table`` (all of one lane); infra errors and missing not counted."""
    status = table.status
    counted = (status != INFRA_ERROR) & (status != MISSING)
    resolved = status == RESOLVED
    n = int(counted.sum())
    successes = int(resolved.sum())
    cost_counted = table.cost[counted]
    latency_p50, latency_p95 = _percentiles(table.latency[counted], (50, 95))
    return LaneMetrics(
        n=n,
        success_rate=successes / n if n else None,
        median_tokens=_median(table.tokens[resolved]),
        review_comment_avg=_mean(table.review[counted]),
        policy_failures=int((table.policy[counted] > 0).sum()),
        latency_p50_s=latency_p50,
        latency_p95_s=latency_p95,
        median_diff_lines=_median(table.diff[counted]),
        out_of_scope_files=int(table.oos[counted].sum()),
        cost_per_success=_cost_per_success(cost_counted, successes),
        median_cost_per_success=_median(table.cost[resolved]),
        infra_errors=int((status == INFRA_ERROR).sum()),
        missing=int((status == MISSING).sum()),
        runs_total=len(status),
        token_sources=_token_sources(table.token_source[counted]),
    )


def _token_sources(codes: np.ndarray) -> tuple[str, ...]:
    """The known sources among ``codes``; runs without token counts say nothing."""
    missing = TOKEN_SOURCE_CODE["missing"]
    return tuple(sorted(USAGE_SOURCES[int(c)] for c in np.unique(codes) if c != missing))


def lane_metrics_from_runs(runs: Sequence[RunRecord]) -> LaneMetrics:
    """Metrics of in-memory runs of one lane."""
    return lane_metrics(run_table_from_records(runs))


def _known(values: np.ndarray) -> np.ndarray:
    known: np.ndarray = values[~np.isnan(values)]
    return known


def _median(values: np.ndarray) -> float | None:
    known = _known(values)
    return float(np.median(known)) if known.size else None


def _mean(values: np.ndarray) -> float | None:
    known = _known(values)
    return float(known.mean()) if known.size else None


def _percentiles(values: np.ndarray, qs: tuple[float, float]) -> tuple[float | None, float | None]:
    known = _known(values)
    if not known.size:
        return None, None
    low, high = np.percentile(known, qs)
    return float(low), float(high)


def _cost_per_success(costs: np.ndarray, successes: int) -> float | None:
    known = _known(costs)
    if not known.size or not successes:
        return None
    return float(known.sum()) / successes
