"""Reading many runs out of a SQLite file on two cores.

Turning SQLite rows into Python values is the slow part of a large scorecard and it holds the
GIL, so threads cannot share it. Above ``PARALLEL_MIN_ROWS`` a forked child reads the upper
half of the rowid range into a temporary file while this process reads the lower half.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from collections.abc import Mapping

import numpy as np

from agent_evals.errors import StoreError

PARALLEL_MIN_ROWS = 200_000


def fetch_rows(
    path: str, sql: str, params: Mapping[str, object], dtype: np.dtype, expected_rows: int
) -> np.ndarray:
    """The rows of ``sql`` (which ends in a WHERE clause) as a structured array."""
    if not _can_split(expected_rows):
        return _fetch(path, sql, params, dtype)
    with sqlite3.connect(path) as conn:
        low, high = conn.execute("SELECT min(rowid), max(rowid) FROM runs").fetchone()
    if low is None:
        return _fetch(path, sql, params, dtype)
    middle = (low + high) // 2
    with tempfile.NamedTemporaryFile(prefix="agent-evals-", suffix=".rows") as spill:
        pid = os.fork()
        if pid == 0:  # the child: read the upper half, write it, leave without cleanup
            code = 1
            try:
                _fetch(path, f"{sql} AND rowid > {middle}", params, dtype).tofile(spill.name)
                code = 0
            finally:
                os._exit(code)
        try:
            mine = _fetch(path, f"{sql} AND rowid <= {middle}", params, dtype)
        finally:
            _, status = os.waitpid(pid, 0)
        if status != 0:
            raise StoreError(f"reading runs from {path} failed in the helper process")
        theirs = np.fromfile(spill.name, dtype=dtype)
    return np.concatenate([mine, theirs])


def _can_split(expected_rows: int) -> bool:
    # Forking a process that runs other threads can copy a held lock into the child.
    return (
        expected_rows >= PARALLEL_MIN_ROWS
        and (os.cpu_count() or 1) >= 2
        and hasattr(os, "fork")
        and threading.active_count() == 1
    )


def _fetch(path: str, sql: str, params: Mapping[str, object], dtype: np.dtype) -> np.ndarray:
    conn = sqlite3.connect(path)
    try:
        return np.fromiter(conn.execute(sql, dict(params)), dtype=dtype)
    finally:
        conn.close()
