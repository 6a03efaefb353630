"""PostgreSQL under load: ingest 1,000,000 runs and read the scorecard, against SQLite.

The same stored runs (``_data.py``: 2 lanes x 5 slices x 100,000 tasks) are written through
``Store.write_columns`` into a fresh SQLite file and into a fresh PostgreSQL database (COPY),
then the scorecard is built from each; ratios are against SQLite in the same run. The row-by-
row ``executemany`` upsert PostgreSQL used before COPY is timed on the first 100,000 runs.

Needs a PostgreSQL server: ``AGENT_EVALS_BENCH_PG_URL`` (else ``AGENT_EVALS_TEST_PG_URL``);
the benchmark creates and drops its own database there. Run:
``.venv/bin/python bench/ingest_pg.py [--tasks-per-slice N] [--repeats R] [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from _data import build_runs_db
from agent_evals.analysis import build_scorecard
from agent_evals.store import Store, sqlite_url
from agent_evals.store.bulk import RunUpsert
from agent_evals.store.runs import RUN_COLUMNS
from scorecard import CONFIG, DATA_DIR

FETCH = 50_000
ROW_BY_ROW_RUNS = 100_000
TARGET_READ_RATIO = 2.0


def source_rows(path: Path, limit: int | None = None) -> Iterator[tuple[Any, ...]]:
    """The stored runs of the bench file as plain tuples of ``RUN_COLUMNS``, streamed."""
    conn = sqlite3.connect(path)
    query = f"SELECT {', '.join(RUN_COLUMNS)} FROM runs ORDER BY id"
    cursor = conn.execute(query + (f" LIMIT {limit}" if limit else ""))
    while rows := cursor.fetchmany(FETCH):
        yield from rows
    conn.close()


def timed_ingest(store: Store, source: Path) -> tuple[float, int]:
    """Seconds to write every run of ``source`` into ``store``, and the runs written."""
    started = time.perf_counter()
    written = store.write_columns(RUN_COLUMNS, source_rows(source), batch_size=FETCH)
    return time.perf_counter() - started, written


def timed_first_runs(server: str, source: Path, *, copy: bool) -> float:
    """Seconds to write the first 100,000 runs into an empty database: with COPY, or with
    the path PostgreSQL took before it (one upsert per run, ``executemany``)."""
    scratch = ScratchDatabase(server)
    store = Store(scratch.url)
    try:
        rows = source_rows(source, ROW_BY_ROW_RUNS)
        started = time.perf_counter()
        if copy:
            store.write_columns(RUN_COLUMNS, rows, batch_size=FETCH)
        else:
            upsert = RunUpsert(store.engine.dialect, RUN_COLUMNS, {})
            with store.engine.begin() as conn:
                upsert.execute(conn, rows, FETCH)
        return time.perf_counter() - started
    finally:
        store.close()
        scratch.drop()


def timed_scorecard(url: str, repeats: int) -> tuple[float, dict[tuple[str, str], Any]]:
    """Median seconds to open the store and build the scorecard, and its lane figures."""
    times, figures = [], {}
    for _ in range(repeats):
        started = time.perf_counter()
        store = Store(url)
        card = build_scorecard(store, CONFIG)
        store.close()
        times.append(time.perf_counter() - started)
        figures = {
            (c.slice, lane): (getattr(c, lane).success_rate, getattr(c, lane).median_tokens)
            for c in card.slices
            for lane in ("incumbent", "candidate")
        }
    return float(np.median(times)), figures


class ScratchDatabase:
    """A database of its own on the server, dropped when done."""

    def __init__(self, server_url: str) -> None:
        self.server = server_url
        self.name = f"agent_evals_bench_{uuid.uuid4().hex[:8]}"
        self._admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {self.name}")
        self.url = make_url(server_url).set(database=self.name).render_as_string(False)

    def drop(self) -> None:
        """Drop the database."""
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {self.name} WITH (FORCE)")
        self._admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks-per-slice", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10,000 tasks per slice, 1 repeat")
    args = parser.parse_args(argv)
    if args.quick or os.environ.get("AGENT_EVALS_BENCH_QUICK"):
        args.tasks_per_slice, args.repeats = min(args.tasks_per_slice, 10_000), 1
    server = os.environ.get("AGENT_EVALS_BENCH_PG_URL") or os.environ.get("AGENT_EVALS_TEST_PG_URL")
    if not server:
        print("skipped: set AGENT_EVALS_BENCH_PG_URL to a PostgreSQL server URL")
        return 0
    DATA_DIR.mkdir(exist_ok=True)
    source = DATA_DIR / f"runs-{args.tasks_per_slice}.db"
    if not source.exists():
        print(f"building {source} ...", flush=True)
        build_runs_db(source, args.tasks_per_slice)
    runs = 10 * args.tasks_per_slice
    scratch = ScratchDatabase(server)
    with tempfile.TemporaryDirectory(prefix="agent-evals-bench-") as folder:
        try:
            report(source, sqlite_url(Path(folder) / "runs.db"), scratch, runs, args.repeats)
        finally:
            scratch.drop()
    return 0


def report(source: Path, lite_url: str, scratch: ScratchDatabase, runs: int, repeats: int) -> None:
    """Run every measurement and print the figures."""
    started = time.perf_counter()
    sum(1 for _ in source_rows(source))
    read_s = time.perf_counter() - started
    lite, pg = Store(lite_url), Store(scratch.url)
    lite_s, lite_n = timed_ingest(lite, source)
    pg_s, pg_n = timed_ingest(pg, source)
    assert lite_n == pg_n == runs == pg.count_runs() == lite.count_runs(), (lite_n, pg_n)
    first = min(runs, ROW_BY_ROW_RUNS)
    row_by_row_s = timed_first_runs(scratch.server, source, copy=False)
    first_copy_s = timed_first_runs(scratch.server, source, copy=True)
    lite.close()
    pg.close()
    lite_read, lite_fig = timed_scorecard(lite_url, repeats)
    pg_read, pg_fig = timed_scorecard(scratch.url, repeats)
    assert lite_fig == pg_fig, "the two stores' scorecards differ"
    print(f"ingest of {runs:,} runs (reading the source alone: {read_s:.2f} s)")
    print(f"  SQLite:     {lite_s:6.2f} s  {runs / lite_s:10,.0f} runs/s")
    print(f"  PostgreSQL: {pg_s:6.2f} s  {runs / pg_s:10,.0f} runs/s (COPY)")
    print(f"  ratio PostgreSQL / SQLite records/s: {lite_s / pg_s:.2f}")
    print(f"  PostgreSQL, first {first:,} runs into an empty database: row by row (the path")
    print(f"    before COPY) {first / row_by_row_s:,.0f} runs/s, COPY {first / first_copy_s:,.0f}")
    print(f"    runs/s: COPY is {row_by_row_s / first_copy_s:.1f}x faster")
    print(f"scorecard over the same {runs:,} runs (median of {repeats})")
    print(f"  SQLite:     {lite_read:6.2f} s")
    print(f"  PostgreSQL: {pg_read:6.2f} s")
    print(f"  ratio PostgreSQL / SQLite: {pg_read / lite_read:.2f} (target <= {TARGET_READ_RATIO})")


if __name__ == "__main__":
    sys.exit(main())
