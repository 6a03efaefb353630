"""Stored runs as numpy columns: one query, no Python loop over rows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text

from agent_evals.analysis.sqlite_fetch import fetch_rows
from agent_evals.records import RunRecord
from agent_evals.store import Store
from agent_evals.store.runs import task_key
from agent_evals.types import RUN_STATUSES, RunSource

STATUS_CODE = {s: i for i, s in enumerate(RUN_STATUSES)}
RESOLVED = STATUS_CODE["resolved"]
INFRA_ERROR = STATUS_CODE["infra_error"]
MISSING = STATUS_CODE["missing"]

# Fewer columns make a faster fetch, so the small integers travel packed into one: bits 0-3
# status, bit 4 candidate, bits 8-19 slice, bit 20 policy failure, bits 21-36 review comments
# plus one (0: unknown), bits 37-62 out-of-scope files. Counts beyond a field's range saturate.
_DTYPE = np.dtype(
    [
        ("packed", "i8"),
        ("task", "i8"),
        ("tokens", "f8"),
        ("cost", "f8"),
        ("latency", "f8"),
        ("diff", "f8"),
    ]
)
_REVIEW_CAP = (1 << 16) - 2
_OOS_CAP = (1 << 26) - 1


@dataclass(frozen=True)
class RunTable:
    """Columns of a set of runs; NaN marks a value nobody measured."""

    slices: tuple[str, ...]
    slice_code: np.ndarray
    candidate: np.ndarray
    status: np.ndarray
    task: np.ndarray
    tokens: np.ndarray
    cost: np.ndarray
    review: np.ndarray
    latency: np.ndarray
    diff: np.ndarray
    policy: np.ndarray
    oos: np.ndarray

    def __len__(self) -> int:
        return len(self.status)

    def take(self, selector: np.ndarray) -> RunTable:
        """The runs a boolean mask or an index array selects (a copy)."""
        return RunTable(self.slices, *(getattr(self, name)[selector] for name in _ARRAY_FIELDS))

    def view(self, start: int, stop: int) -> RunTable:
        """The runs from ``start`` to ``stop`` (no copy)."""
        return RunTable(self.slices, *(getattr(self, name)[start:stop] for name in _ARRAY_FIELDS))


_ARRAY_FIELDS = (
    "slice_code",
    "candidate",
    "status",
    "task",
    "tokens",
    "cost",
    "review",
    "latency",
    "diff",
    "policy",
    "oos",
)


def load_run_table(
    store: Store,
    release: str,
    *,
    slices: Sequence[str] | None = None,
    sources: Sequence[RunSource] | None = None,
    order: Sequence[str] = (),
) -> RunTable:
    """A release's runs as columns; without ``slices``, every stored slice, ``order`` first."""
    release_column, expected = _release_column(store, release)
    stored = _stored_slices(store, release, order, release_column)
    known = tuple(slices) if slices else tuple(stored)
    params: dict[str, object] = {"release": release}
    slice_case = " ".join(f"WHEN :s{i} THEN {i}" for i in range(len(known)))
    params.update({f"s{i}": name for i, name in enumerate(known)})
    status_case = " ".join(f"WHEN '{s}' THEN {c}" for s, c in STATUS_CODE.items())
    where = f"{release_column} = :release"
    if known:
        where += f" AND slice IN ({', '.join(f':s{i}' for i in range(len(known)))})"
    if sources:
        params.update({f"src{i}": s for i, s in enumerate(sources)})
        where += f" AND source IN ({', '.join(f':src{i}' for i in range(len(sources)))})"
    # -1 stands for NULL: every measured value is >= 0, and numbers convert faster than text.
    sql = (
        f"SELECT (CASE slice {slice_case} ELSE 0 END) * 256"
        f" + (lane = 'candidate') * 16 + (CASE status {status_case} ELSE 0 END)"
        " + (policy_violation_count > 0) * 1048576"
        f" + (min(ifnull(review_comments, -1), {_REVIEW_CAP}) + 1) * 2097152"
        f" + min(out_of_scope_count, {_OOS_CAP}) * 137438953472,"
        " task_key, ifnull(total_tokens, -1), ifnull(cost_usd, -1),"
        " ifnull(latency_s, -1), ifnull(diff_lines, -1)"
        f" FROM runs WHERE {where}"
    )
    if not known:
        return _from_rows(known, np.zeros(0, dtype=_DTYPE))
    path = store.sqlite_path
    if path is not None:
        # Plain sqlite3 tuples, no per-row wrapper objects; large reads use both cores.
        return _from_rows(known, fetch_rows(path, sql, params, _DTYPE, expected))
    with store.engine.connect() as conn:
        if store.engine.dialect.name == "sqlite":
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            rows = np.fromiter(cursor.execute(sql, params), dtype=_DTYPE)
        else:
            result = conn.execute(text(_portable(sql)), params)
            rows = np.fromiter((tuple(r) for r in result), dtype=_DTYPE)
    return _from_rows(known, rows)


def _portable(sql: str) -> str:
    """The query in standard SQL (PostgreSQL has no ifnull, two-value min, or bool math)."""
    for flag in ("lane = 'candidate'", "policy_violation_count > 0"):
        sql = sql.replace(f"({flag}) *", f"(CASE WHEN {flag} THEN 1 ELSE 0 END) *")
    sql = re.sub(r"\* (\d+)", r"* \1::bigint", sql)
    return sql.replace("min(", "least(").replace("ifnull(", "coalesce(")


def _release_column(store: Store, release: str) -> tuple[str, int]:
    """How to filter on the release, and how many runs it has. SQLite reads a release that
    fills most of the table faster in file order (``+release`` turns the index off)."""
    with store.engine.connect() as conn:
        mine = conn.execute(
            text("SELECT count(*) FROM runs WHERE release = :r"), {"r": release}
        ).scalar_one()
        if store.engine.dialect.name != "sqlite":
            return "release", mine
        total = conn.execute(text("SELECT count(*) FROM runs")).scalar_one()
    return ("+release" if 2 * mine >= total else "release"), mine


def _stored_slices(
    store: Store, release: str, order: Sequence[str], release_column: str
) -> list[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT DISTINCT slice FROM runs WHERE {release_column} = :r"), {"r": release}
        )
        stored = {r[0] for r in rows}
    return [s for s in order if s in stored] + sorted(stored - set(order))


def _from_rows(slices: tuple[str, ...], rows: np.ndarray) -> RunTable:
    packed = rows["packed"]
    return RunTable(
        slices=slices,
        slice_code=((packed >> 8) & 0xFFF).astype(np.int32),
        candidate=((packed >> 4) & 1).astype(bool),
        status=(packed & 15).astype(np.int8),
        task=np.ascontiguousarray(rows["task"]),
        tokens=_unknown_as_nan(rows["tokens"]),
        cost=_unknown_as_nan(rows["cost"]),
        review=_count_or_nan((packed >> 21) & 0xFFFF),
        latency=_unknown_as_nan(rows["latency"]),
        diff=_unknown_as_nan(rows["diff"]),
        policy=((packed >> 20) & 1).astype(np.int32),
        oos=(packed >> 37).astype(np.int64),
    )


def _count_or_nan(stored: np.ndarray) -> np.ndarray:
    """Packed counts are stored plus one, with 0 for unknown."""
    out: np.ndarray = np.where(stored == 0, np.nan, stored - 1.0)
    return out


def _minus_one(value: int | None) -> int:
    return -1 if value is None else value


def _unknown_as_nan(values: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.where(values < 0, np.nan, values)
    return out


def run_table_from_records(runs: Sequence[RunRecord]) -> RunTable:
    """Columns of in-memory run records (live windows, tests, the Python API)."""
    slices = tuple(sorted({r.slice for r in runs}))
    index = {name: i for i, name in enumerate(slices)}
    rows = np.array(
        [
            (
                index[r.slice] * 256
                + (r.lane == "candidate") * 16
                + STATUS_CODE[r.status]
                + bool(r.policy_violations) * (1 << 20)
                + (min(_minus_one(r.review_comments), _REVIEW_CAP) + 1) * (1 << 21)
                + min(len(r.out_of_scope_files), _OOS_CAP) * (1 << 37),
                task_key(r.task_id),
                _unknown(r.tokens.with_total().total),
                _unknown(r.cost_usd),
                _unknown(r.latency_s),
                _unknown(r.diff.lines),
            )
            for r in runs
        ],
        dtype=_DTYPE,
    )
    return _from_rows(slices, rows)


def _unknown(value: float | int | None) -> float:
    return -1.0 if value is None else float(value)
