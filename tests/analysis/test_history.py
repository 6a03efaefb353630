"""The incumbent's own history of each task shrinks the paired noise, and says by how much."""

from __future__ import annotations

import numpy as np

from agent_evals.analysis.history import TaskHistory, pool_history
from agent_evals.analysis.pairing import LaneTasks, Pairs
from agent_evals.analysis.statistics import paired_success


def lanes(tasks: int, seed: int) -> tuple[Pairs, TaskHistory]:
    rng = np.random.default_rng(seed)
    theta = rng.beta(0.6, 0.4, tasks)

    def runs(epochs: int) -> np.ndarray:
        return (rng.random((tasks, epochs)) < theta[:, None]).mean(axis=1)

    def lane(success: np.ndarray) -> LaneTasks:
        none = np.full(tasks, np.nan)
        return LaneTasks(np.arange(tasks), success, none, np.ones(tasks), none)

    history = TaskHistory(np.arange(tasks), runs(4), np.ones(tasks), np.full(tasks, 4.0))
    return Pairs(lane(runs(1)), lane(runs(1)), 0, 0), history


def test_history_narrows_the_success_interval_and_reports_the_effective_sample() -> None:
    pairs, history = lanes(500, seed=3)
    pooled = pool_history(pairs, history, np.ones(500))
    before = paired_success(pairs.incumbent.success, pairs.candidate.success, confidence=0.95)
    after = paired_success(
        pooled.pairs.incumbent.success, pooled.pairs.candidate.success, confidence=0.95
    )
    width = [i.interval.high - i.interval.low for i in (before, after)]
    assert width[1] < 0.85 * width[0]
    assert pooled.tasks_with_history == 500 and pooled.effective_tasks > 650
    assert pooled.note().startswith("incumbent history on 500 of 500 tasks: effective sample")


def test_tasks_without_history_keep_their_own_values() -> None:
    pairs, history = lanes(100, seed=4)
    partial = TaskHistory(
        history.keys[:10], history.success[:10], history.review[:10], history.runs[:10]
    )
    pooled = pool_history(pairs, partial, np.ones(100))
    assert pooled.tasks_with_history == 10
    assert np.array_equal(pooled.pairs.incumbent.success[10:], pairs.incumbent.success[10:])
