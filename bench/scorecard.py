"""Scorecard over 1,000,000 stored runs (2 lanes x 5 slices x 100,000 tasks), end to end.

Compares against the same lane metrics computed with pandas from the same SQLite file in the
same run. Run: ``.venv/bin/python bench/scorecard.py [--tasks-per-slice N] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

import numpy as np

from _data import RELEASE, build_runs_db
from agent_evals.analysis import build_scorecard
from agent_evals.config import parse_config
from agent_evals.store import Store, sqlite_fetch, sqlite_url

DATA_DIR = Path(__file__).parent / ".data"
TARGET_SECONDS = 2.0
CONFIG = parse_config(
    f"""
release:
  name: {RELEASE}
  incumbent: model-incumbent-2026-01-01
  candidate: model-candidate-2026-02-01
  evalSlices: [repo-onboarding, bugfix-small, refactor-medium, test-generation, migration-risky]
"""
).config


def ours(path: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """The product's path: open the store, read the runs, score every slice and overall."""
    store = Store(sqlite_url(path))
    card = build_scorecard(store, CONFIG)
    store.close()
    return {
        (c.slice, lane): (getattr(c, lane).success_rate, getattr(c, lane).median_tokens)
        for c in card.slices
        for lane in ("incumbent", "candidate")
    }


def with_pandas(path: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """The same lane metrics, computed the usual pandas way from the same file."""
    import pandas as pd

    conn = sqlite3.connect(path)
    frame = pd.read_sql(
        "SELECT slice, lane, task_id, status, total_tokens, cost_usd, review_comments, latency_s,"
        " diff_lines, policy_violation_count, out_of_scope_count FROM runs WHERE release = ?",
        conn,
        params=(RELEASE,),
    )
    conn.close()
    counted = frame[~frame.status.isin(["infra_error", "missing"])]
    counted = counted.assign(
        ok=counted.status.eq("resolved"), policy=counted.policy_violation_count.gt(0)
    )
    resolved = counted[counted.ok]
    grouped = counted.groupby(["slice", "lane"])
    metrics = grouped.agg(
        n=("ok", "size"),
        success=("ok", "mean"),
        review=("review_comments", "mean"),
        policy=("policy", "sum"),
        p50=("latency_s", "median"),
        p95=("latency_s", lambda s: s.quantile(0.95)),
        diff=("diff_lines", "median"),
        oos=("out_of_scope_count", "sum"),
        cost=("cost_usd", "sum"),
    )
    tokens = resolved.groupby(["slice", "lane"]).total_tokens.median()
    return {key: (row.success, tokens[key]) for key, row in metrics.iterrows()}


def timed(fn, path: Path, repeats: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn(path)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks-per-slice", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"runs-{args.tasks_per_slice}.db"
    if not path.exists():
        print(f"building {path} ...", flush=True)
        build_runs_db(path, args.tasks_per_slice)
    runs = 10 * args.tasks_per_slice
    ours_s, ours_result = timed(ours, path, args.repeats)
    minimum = sqlite_fetch.PARALLEL_MIN_ROWS
    sqlite_fetch.PARALLEL_MIN_ROWS = 10**12  # the same, read by one process only
    single_s, _ = timed(ours, path, args.repeats)
    sqlite_fetch.PARALLEL_MIN_ROWS = minimum
    pandas_s, pandas_result = timed(with_pandas, path, args.repeats)
    for key, (success, tokens) in pandas_result.items():  # type: ignore[attr-defined]
        mine = ours_result[key]  # type: ignore[index]
        assert abs(mine[0] - success) < 1e-12 and mine[1] == tokens, (key, mine, success, tokens)
    print(f"scorecard over {runs:,} stored runs: {ours_s:.2f} s (target <= {TARGET_SECONDS} s)")
    print(f"  (read by one process instead of two: {single_s:.2f} s)")
    print(f"pandas, same metrics, same file:    {pandas_s:.2f} s")
    print(f"ratio ours / pandas: {ours_s / pandas_s:.2f} (target <= 1.00)")
    print(f"ratio one process / pandas: {single_s / pandas_s:.2f}")
    return {"scorecard_s": ours_s, "pandas_s": pandas_s, "ratio": ours_s / pandas_s}


if __name__ == "__main__":
    main()
