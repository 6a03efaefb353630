"""Importing 1,000,000 generic JSONL run records into SQLite, end to end.

Measures records per second and peak memory (RSS) of ``agent-evals import runs``'s library
call, and compares with a bare ``sqlite3`` ``executemany`` of the same stored rows into the
same schema, in the same run (the ratio). Run:
``.venv/bin/python bench/import.py [--records N]``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from agent_evals.importers import ImportOptions, ImportRequest, run_import
from agent_evals.store import Store, sqlite_url
from agent_evals.store.runs import RUN_COLUMNS

TARGET_RATE = 100_000
TARGET_RSS_MB = 300
SLICES = ("repo-onboarding", "bugfix-small", "refactor-medium", "test-generation")
FETCH = 50_000


def write_records(path: Path, count: int, seed: int = 11) -> None:
    """A JSONL table of ``count`` runs, written as it is generated (memory stays flat)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            record = {
                "task_id": f"{SLICES[i % 4]}/task-{i:07d}",
                "slice": SLICES[i % 4],
                "resolved": rng.random() < 0.6,
                "cost": round(rng.uniform(0.01, 2.0), 4),
                "input_tokens": rng.randint(2_000, 200_000),
                "output_tokens": rng.randint(100, 20_000),
                "api_calls": rng.randint(1, 120),
                "latency_s": round(rng.uniform(5, 900), 2),
                "review_comments": rng.randint(0, 5),
            }
            out.write(json.dumps(record) + "\n")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_import(table: Path, db: Path) -> tuple[float, int]:
    """Seconds to import the table into a fresh store, and the runs written."""
    store = Store(sqlite_url(db))
    options = ImportOptions(release="bench", lane="candidate", model="bench-model-2026-01-01")
    started = time.perf_counter()
    summary = run_import(store, ImportRequest("runs", (table,), options))
    seconds = time.perf_counter() - started
    store.close()
    return seconds, summary.written


def timed_bare_executemany(source: Path, target: Path) -> float:
    """Seconds spent in bare ``executemany`` calls writing the imported rows again."""
    Store(sqlite_url(target)).close()  # the same schema and indexes
    reader = sqlite3.connect(source)
    writer = sqlite3.connect(target)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA synchronous=NORMAL")
    names = ", ".join(RUN_COLUMNS)
    insert = f"INSERT INTO runs ({names}) VALUES ({', '.join('?' * len(RUN_COLUMNS))})"
    cursor = reader.execute(f"SELECT {names} FROM runs ORDER BY id")
    seconds = 0.0
    with writer:
        while rows := cursor.fetchmany(FETCH):
            started = time.perf_counter()
            writer.executemany(insert, rows)
            seconds += time.perf_counter() - started
    reader.close()
    writer.close()
    return seconds


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="agent-evals-import-") as folder:
        table, db = Path(folder) / "runs.jsonl", Path(folder) / "import.db"
        write_records(table, args.records)
        size_mb = table.stat().st_size / 2**20
        rss_before = peak_rss_mb()
        seconds, written = timed_import(table, db)
        rss_peak = peak_rss_mb()
        child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        bare = timed_bare_executemany(db, Path(folder) / "bare.db")
    rate, bare_rate = written / seconds, written / bare
    print(f"records: {written:,} ({size_mb:.0f} MB of JSONL)")
    print(f"import:  {seconds:.2f} s = {rate:,.0f} records/s (target >= {TARGET_RATE:,})")
    print(
        f"peak RSS: {rss_peak:.0f} MB (before the import {rss_before:.0f} MB; reader process"
        f" {child_rss:.0f} MB; target < {TARGET_RSS_MB} MB)"
    )
    print(f"bare sqlite3 executemany of the same rows: {bare:.2f} s = {bare_rate:,.0f} rows/s")
    print(f"ratio import / bare executemany: {rate / bare_rate:.2f}x")
    met = rate >= TARGET_RATE and max(rss_peak, child_rss) < TARGET_RSS_MB
    print("targets met" if met else "targets NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
