"""Seeded replays: both lanes on the same tasks, decided by ``analysis.decide`` per release.

Task difficulty is shared by both lanes (a Beta(0.6, 0.4) solve probability: mean 0.6, half
the success variance between tasks); a worse candidate solves each task with probability
scaled down so its mean drops by exactly the row's points. Tokens are lognormal per task with
run-to-run noise, review comments Poisson(1). History is the incumbent's earlier runs of the
same tasks, drawn the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agent_evals.analysis import LaneMetrics, decide
from agent_evals.analysis.history import TaskHistory, pool_history
from agent_evals.analysis.pairing import LaneTasks, Pairs
from agent_evals.config.models import ReleaseConfig

SUCCESS = 0.6
LOG_TOKENS_MEAN, LOG_TOKENS_SD, LOG_TOKENS_RUN_SD = 10.0, 0.6, 0.35
REVIEW_MEAN = 1.0


@dataclass(frozen=True)
class Replay:
    """One replay's inputs to ``decide``."""

    incumbent: LaneMetrics
    candidate: LaneMetrics
    pairs: Pairs
    history: TaskHistory


def replay(rng: np.random.Generator, tasks: int, epochs: int, drop: float) -> Replay:
    """Both lanes on ``tasks`` tasks, ``epochs`` runs each, the candidate ``drop`` worse."""
    theta = rng.beta(0.6, 0.4, tasks)
    base = rng.normal(LOG_TOKENS_MEAN, LOG_TOKENS_SD, tasks)
    incumbent, inc_tasks = _lane(rng, theta, base, epochs)
    candidate, cand_tasks = _lane(rng, theta * (1.0 - drop / SUCCESS), base, epochs)
    _, past = _lane(rng, theta, base, 4)
    history = TaskHistory(past.keys, past.success, past.review, np.full(tasks, 4.0))
    return Replay(incumbent, candidate, Pairs(inc_tasks, cand_tasks, 0, 0), history)


def _lane(
    rng: np.random.Generator, theta: np.ndarray, base: np.ndarray, epochs: int
) -> tuple[LaneMetrics, LaneTasks]:
    tasks = theta.size
    ok = rng.random((tasks, epochs)) < theta[:, None]
    tokens = np.exp(base[:, None] + rng.normal(0.0, LOG_TOKENS_RUN_SD, (tasks, epochs)))
    tokens = np.where(ok, tokens, np.nan)
    review = rng.poisson(REVIEW_MEAN, (tasks, epochs)).astype(float)
    solved = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        task_tokens = np.where(solved > 0, np.nansum(tokens, axis=1) / solved, np.nan)
    per_task = LaneTasks(
        np.arange(tasks), ok.mean(axis=1), task_tokens, review.mean(axis=1), np.full(tasks, np.nan)
    )
    metrics = LaneMetrics(
        n=tasks * epochs,
        success_rate=float(ok.mean()),
        median_tokens=float(np.median(tokens[ok])) if ok.any() else None,
        review_comment_avg=float(review.mean()),
        policy_failures=0,
    )
    return metrics, per_task


def replay_config(resamples: int) -> ReleaseConfig:
    """The SPEC default release with ``resamples`` bootstrap resamples."""
    return ReleaseConfig.model_validate(
        {
            "release": {"incumbent": "inc-1", "candidate": "cand-2", "evalSlices": ["bugfix"]},
            "statistics": {"bootstrapResamples": resamples},
        }
    )


def shares(
    config: ReleaseConfig,
    *,
    tasks: int,
    epochs: int,
    drop: float,
    releases: int,
    seed: int,
    evidence: bool,
    history: bool = False,
) -> dict[str, float]:
    """Shares of each decision over seeded replays, and how unstable point verdicts print."""
    rng = np.random.default_rng(seed)
    counts = dict.fromkeys(("PROMOTE", "BLOCKED", "INCONCLUSIVE", "unstable", "flagged"), 0.0)
    gain = 0.0
    for _ in range(releases):
        r = replay(rng, tasks, epochs, drop)
        pairs = r.pairs
        if history:
            pooled = pool_history(pairs, r.history, np.full(tasks, float(epochs)))
            pairs, gain = pooled.pairs, gain + pooled.effective_tasks / tasks
        decision = decide(r.incumbent, r.candidate, config, pairs=pairs, evidence=evidence)
        counts[decision.status] += 1
        if decision.stability is not None and decision.stability < 0.8:
            counts["unstable"] += 1
            counts["flagged"] += any("within noise" in w for w in decision.warnings)
    result = {k: v / releases for k, v in counts.items()}
    result["gain"] = gain / releases if history else 1.0
    return result
