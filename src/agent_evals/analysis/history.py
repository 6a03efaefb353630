"""The incumbent's own history of each task, used to shrink the paired comparison's noise.

Pairing already removes what is shared by both lanes (how hard a task is), so a covariate of
task difficulty, CUPED's usual one (Deng et al. 2013, "Improving the sensitivity of online
controlled experiments by utilizing pre-experiment data", WSDM), adds nothing to a paired
difference. What remains is each lane's run-to-run noise. The incumbent's earlier runs of the
same task version, by the same model, are draws of the very quantity its current runs
estimate, so they act as a control variate for the incumbent's per-task mean: the adjusted
mean weighs current and earlier runs by their counts (the variance-minimising coefficient
when the runs are exchangeable), and the gain is reported as an effective sample size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from agent_evals.analysis.pairing import Pairs
from agent_evals.analysis.table import INFRA_ERROR, MISSING, RunTable
from agent_evals.store.queries import TaskHistoryRow

# A task's identity in the pairs: its key mixed with its slice's code (as ``pairing`` does).
_SLICE_SHIFT = 52


@dataclass(frozen=True)
class TaskHistory:
    """The incumbent's earlier runs of the same task versions: per-task means and run counts."""

    keys: np.ndarray
    success: np.ndarray
    review: np.ndarray
    runs: np.ndarray


@dataclass(frozen=True)
class Pooled:
    """Pairs whose incumbent means draw on history, and the effective tasks that bought."""

    pairs: Pairs
    tasks_with_history: int
    effective_tasks: float

    def note(self) -> str:
        """One line for the report."""
        n, effective = self.pairs.n, self.effective_tasks
        return (
            f"incumbent history on {self.tasks_with_history} of {n} tasks: "
            f"effective sample {effective:.0f} paired tasks (x{effective / n:.2f})"
        )


def pool_history(pairs: Pairs, history: TaskHistory, current_runs: np.ndarray) -> Pooled:
    """Fold the incumbent's history into its per-task success and review means.

    ``current_runs`` counts the incumbent's current runs of each paired task (its epochs).
    The effective sample is n x var(difference before) / var(difference after), measured on
    the success differences.
    """
    _, in_pairs, in_history = np.intersect1d(
        pairs.incumbent.keys, history.keys, assume_unique=True, return_indices=True
    )
    weight = np.zeros(pairs.n)
    weight[in_pairs] = history.runs[in_history] / (
        history.runs[in_history] + current_runs[in_pairs]
    )
    incumbent = pairs.incumbent
    pooled = {}
    for column in ("success", "review"):
        current = getattr(incumbent, column).copy()
        past = np.full(pairs.n, np.nan)
        past[in_pairs] = getattr(history, column)[in_history]
        known = np.isfinite(past) & np.isfinite(current)
        current[known] = (1 - weight[known]) * current[known] + weight[known] * past[known]
        pooled[column] = current
    adjusted = replace(incumbent, success=pooled["success"], review=pooled["review"])
    before = np.var(pairs.candidate.success - incumbent.success)
    after = np.var(pairs.candidate.success - adjusted.success)
    gain = before / after if after > 0 else 1.0
    return Pooled(replace(pairs, incumbent=adjusted), len(in_pairs), pairs.n * gain)


def history_from_rows(rows: Sequence[TaskHistoryRow], slices: Sequence[str]) -> TaskHistory:
    """The stored history of the tasks of ``slices`` (a run table's), keyed as its pairs are."""
    code = {name: i for i, name in enumerate(slices)}
    known = [r for r in rows if r.slice in code and r.runs > 0]
    keys = np.array([r.task_key ^ (code[r.slice] << _SLICE_SHIFT) for r in known], dtype=np.int64)
    runs = np.array([r.runs for r in known], dtype=float)
    review_runs = np.array([r.review_runs for r in known], dtype=float)
    review_sum = np.array([r.review_sum for r in known], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        review = np.where(review_runs > 0, review_sum / np.maximum(review_runs, 1), np.nan)
    success = np.array([r.resolved for r in known], dtype=float) / np.maximum(runs, 1)
    return TaskHistory(keys, success, review, runs)


def current_runs(incumbent: RunTable, keys: np.ndarray) -> np.ndarray:
    """How many counted runs (epochs) the incumbent has of each task in ``keys``."""
    counted = (incumbent.status != INFRA_ERROR) & (incumbent.status != MISSING)
    ids = incumbent.task[counted] ^ (incumbent.slice_code[counted].astype(np.int64) << _SLICE_SHIFT)
    unique, counts = np.unique(ids, return_counts=True)
    if not len(unique):
        return np.zeros(len(keys))
    where = np.searchsorted(unique, keys)
    found = (where < len(unique)) & (unique[np.minimum(where, len(unique) - 1)] == keys)
    return np.where(found, counts[np.minimum(where, len(unique) - 1)], 0).astype(float)
