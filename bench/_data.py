"""Synthetic stored runs for the benchmarks: 2 lanes x 5 slices x N tasks, seeded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from agent_evals.store import Store, sqlite_url
from agent_evals.store.runs import RUN_COLUMNS, task_key

RELEASE = "bench-release"
SLICES = (
    "repo-onboarding",
    "bugfix-small",
    "refactor-medium",
    "test-generation",
    "migration-risky",
)
STATUSES = np.array(["resolved", "unresolved", "infra_error", "timeout"])


def build_runs_db(path: Path, tasks_per_slice: int, seed: int = 7) -> Path:
    """Write 2 x 5 x ``tasks_per_slice`` runs into a fresh SQLite store at ``path``."""
    if path.exists():
        path.unlink()
    Store(sqlite_url(path)).close()
    rng = np.random.default_rng(seed)
    conn = sqlite3.connect(path)
    placeholders = ",".join("?" * len(RUN_COLUMNS))
    sql = f"INSERT INTO runs ({','.join(RUN_COLUMNS)}) VALUES ({placeholders})"
    for lane_index, lane in enumerate(("incumbent", "candidate")):
        for slice_name in SLICES:
            conn.executemany(sql, _rows(rng, lane, lane_index, slice_name, tasks_per_slice))
    conn.commit()
    conn.close()
    return path


def _rows(rng: np.random.Generator, lane: str, lane_index: int, slice_name: str, n: int):  # type: ignore[no-untyped-def]
    status = STATUSES[
        rng.choice(4, size=n, p=[0.85 + 0.02 * lane_index, 0.12 - 0.02 * lane_index, 0.02, 0.01])
    ]
    tokens = rng.lognormal(10 + 0.1 * lane_index, 0.5, size=n).astype(int)
    review = rng.poisson(1.2 + 0.2 * lane_index, size=n)
    policy = (rng.random(n) < 0.001).astype(int)
    latency = rng.gamma(2.0, 30.0, size=n)
    diff = rng.poisson(40, size=n)
    cost = tokens * 2e-6
    for i in range(n):
        yield (
            RELEASE,
            f"{slice_name}-{i:06d}",
            task_key(f"{slice_name}-{i:06d}"),
            slice_name,
            lane,
            f"model-{lane}",
            0,
            "replay",
            str(status[i]),
            None,
            None,
            None,
            None,
            int(tokens[i]),
            "metered",
            float(cost[i]),
            "metered",
            float(latency[i]),
            1,
            int(diff[i]),
            0,
            int(diff[i]),
            0,
            "[]",
            int(policy[i]),
            "[]",
            int(review[i]),
            "auto",
            5,
            None,
            None,
            "h",
            "builtin",
            "1",
            "1",
            None,
        )
