"""Per-task values of both lanes, aligned on the tasks both lanes ran (paired comparisons)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agent_evals.analysis.table import INFRA_ERROR, MISSING, RESOLVED, RunTable


@dataclass(frozen=True)
class LaneTasks:
    """One lane's runs averaged per task over epochs; NaN where a task has no value."""

    keys: np.ndarray
    success: np.ndarray
    tokens: np.ndarray
    review: np.ndarray
    cost: np.ndarray


@dataclass(frozen=True)
class Pairs:
    """Both lanes on the same tasks, in the same order."""

    incumbent: LaneTasks
    candidate: LaneTasks
    incumbent_only: int
    candidate_only: int

    @property
    def n(self) -> int:
        """How many tasks both lanes have."""
        return len(self.incumbent.keys)


def per_task(table: RunTable) -> LaneTasks:
    """Average one lane's counted runs per task (epochs are repeats of the same task)."""
    counted = (table.status != INFRA_ERROR) & (table.status != MISSING)
    keys = _task_ids(table, counted)
    unique, inverse = np.unique(keys, return_inverse=True)
    resolved = (table.status[counted] == RESOLVED).astype(float)
    return LaneTasks(
        keys=unique,
        success=_group_mean(inverse, resolved, len(unique)),
        tokens=_group_mean(
            inverse, np.where(resolved > 0, table.tokens[counted], np.nan), len(unique)
        ),
        review=_group_mean(inverse, table.review[counted], len(unique)),
        cost=_group_mean(inverse, np.where(resolved > 0, table.cost[counted], np.nan), len(unique)),
    )


def _task_ids(table: RunTable, mask: np.ndarray) -> np.ndarray:
    """Task identity within a release: the task key mixed with its slice."""
    ids: np.ndarray = table.task[mask] ^ (table.slice_code[mask].astype(np.int64) << 52)
    return ids


def _group_mean(inverse: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    known = ~np.isnan(values)
    sums = np.bincount(inverse[known], weights=values[known], minlength=size)
    counts = np.bincount(inverse[known], minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        means: np.ndarray = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return means


def pair_lanes(incumbent: RunTable, candidate: RunTable) -> Pairs:
    """Align both lanes on the tasks they share; count the tasks only one lane has."""
    inc = per_task(incumbent)
    cand = per_task(candidate)
    _, inc_index, cand_index = np.intersect1d(
        inc.keys, cand.keys, assume_unique=True, return_indices=True
    )
    return Pairs(
        incumbent=_select(inc, inc_index),
        candidate=_select(cand, cand_index),
        incumbent_only=len(inc.keys) - len(inc_index),
        candidate_only=len(cand.keys) - len(cand_index),
    )


def _select(tasks: LaneTasks, index: np.ndarray) -> LaneTasks:
    return LaneTasks(
        tasks.keys[index],
        tasks.success[index],
        tasks.tokens[index],
        tasks.review[index],
        tasks.cost[index],
    )


def concat_pairs(parts: list[Pairs]) -> Pairs:
    """Pairs of several slices together (task identities already differ by slice)."""

    def lane(which: str) -> LaneTasks:
        tasks = [getattr(p, which) for p in parts]
        return LaneTasks(
            *(
                np.concatenate([getattr(t, f) for t in tasks])
                for f in LaneTasks.__dataclass_fields__
            )
        )

    return Pairs(
        incumbent=lane("incumbent"),
        candidate=lane("candidate"),
        incumbent_only=sum(p.incumbent_only for p in parts),
        candidate_only=sum(p.candidate_only for p in parts),
    )
