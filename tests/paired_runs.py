"""Seeded paired replay runs of both lanes, shared by the analysis and store tests."""

from __future__ import annotations

import numpy as np

from agent_evals.records import RunRecord, TokenUsage

RELEASE = "gpt-5.3-coder..gpt-5.4-coder"


def paired_runs(
    n: int,
    inc_success: float,
    cand_success: float,
    *,
    seed: int,
    token_ratio: float = 1.0,
    slice: str = "bugfix-small",
) -> list[RunRecord]:
    """``n`` tasks run by both lanes with the given true success rates."""
    rng = np.random.default_rng(seed)
    runs = []
    for lane, rate, ratio in (
        ("incumbent", inc_success, 1.0),
        ("candidate", cand_success, token_ratio),
    ):
        ok = rng.random(n) < rate
        tokens = rng.lognormal(9.5, 0.4, n) * ratio
        review = rng.poisson(1.0, n)
        for i in range(n):
            runs.append(
                RunRecord(
                    release=RELEASE,
                    task_id=f"task-{i:04d}",
                    slice=slice,
                    lane=lane,  # type: ignore[arg-type]
                    model=f"model-{lane}",
                    status="resolved" if ok[i] else "unresolved",
                    tokens=TokenUsage(total=int(tokens[i]), source="metered"),
                    review_comments=int(review[i]),
                    review_source="auto",
                    latency_s=30.0,
                )
            )
    return runs
