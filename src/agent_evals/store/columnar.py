"""Stored runs as packed numpy rows: one query, no Python loop over rows, on either dialect.

Fewer columns make a faster fetch, so the small integers of a run travel packed into one
64-bit column (``PACKED``); the measured amounts follow as floats, -1 standing for unknown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from sqlalchemy import Engine, text

from agent_evals.store.pg_copy import fetch_binary
from agent_evals.store.sqlite_fetch import fetch_rows
from agent_evals.types import RUN_STATUSES, USAGE_SOURCES, RunSource

STATUS_CODE = {s: i for i, s in enumerate(RUN_STATUSES)}
TOKEN_SOURCE_CODE = {s: i for i, s in enumerate(USAGE_SOURCES)}


class PackedField(NamedTuple):
    """Where a small integer sits in the packed column: its lowest bit and its width."""

    shift: int
    bits: int

    @property
    def unit(self) -> int:
        """The packed value of 1 in this field."""
        return 1 << self.shift

    @property
    def mask(self) -> int:
        """The field's largest value."""
        return (1 << self.bits) - 1


STATUS = PackedField(0, 4)
CANDIDATE = PackedField(4, 1)
TOKEN_SOURCE = PackedField(5, 3)  # where the tokens came from (``TOKEN_SOURCE_CODE``)
SLICE = PackedField(8, 12)
POLICY = PackedField(20, 1)  # any policy failure
REVIEW = PackedField(21, 16)  # review comments plus one; 0 stands for unknown
OUT_OF_SCOPE = PackedField(37, 26)
# Counts beyond a field's range saturate.
REVIEW_CAP = REVIEW.mask - 1
OUT_OF_SCOPE_CAP = OUT_OF_SCOPE.mask

PACKED_DTYPE = np.dtype(
    [
        ("packed", "i8"),
        ("task", "i8"),
        ("tokens", "f8"),
        ("cost", "f8"),
        ("latency", "f8"),
        ("diff", "f8"),
    ]
)


@dataclass(frozen=True)
class PackedRuns:
    """Runs as rows of ``PACKED_DTYPE``; a run's slice code indexes ``slices``."""

    slices: tuple[str, ...]
    rows: np.ndarray


def fetch_packed_runs(
    engine: Engine,
    sqlite_path: str | None,
    release: str,
    *,
    slices: Sequence[str] | None = None,
    sources: Sequence[RunSource] | None = None,
    order: Sequence[str] = (),
) -> PackedRuns:
    """A release's runs; without ``slices``, every stored slice, ``order`` first."""
    release_column, expected = _release_column(engine, release)
    stored = _stored_slices(engine, release, order, release_column)
    known = tuple(slices) if slices else tuple(stored)
    if not known:
        return PackedRuns(known, np.zeros(0, dtype=PACKED_DTYPE))
    sql, params = _packed_query(release, release_column, known, sources)
    if sqlite_path is not None:
        # Plain sqlite3 tuples, no per-row wrapper objects; large reads use both cores.
        return PackedRuns(known, fetch_rows(sqlite_path, sql, params, PACKED_DTYPE, expected))
    if engine.dialect.name == "postgresql":
        return PackedRuns(known, fetch_binary(engine, _portable(sql), params, PACKED_DTYPE))
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            rows = np.fromiter(cursor.execute(sql, params), dtype=PACKED_DTYPE)
        else:
            result = conn.execute(text(_portable(sql)), params)
            rows = np.fromiter((tuple(r) for r in result), dtype=PACKED_DTYPE)
    return PackedRuns(known, rows)


def _packed_query(
    release: str,
    release_column: str,
    known: tuple[str, ...],
    sources: Sequence[RunSource] | None,
) -> tuple[str, dict[str, object]]:
    """The SQLite query of the packed rows of ``known`` slices, and its parameters."""
    params: dict[str, object] = {"release": release}
    slice_case = " ".join(f"WHEN :s{i} THEN {i}" for i in range(len(known)))
    params.update({f"s{i}": name for i, name in enumerate(known)})
    status_case = " ".join(f"WHEN '{s}' THEN {c}" for s, c in STATUS_CODE.items())
    source_case = " ".join(f"WHEN '{s}' THEN {c}" for s, c in TOKEN_SOURCE_CODE.items())
    missing = TOKEN_SOURCE_CODE["missing"]
    where = f"{release_column} = :release"
    where += f" AND slice IN ({', '.join(f':s{i}' for i in range(len(known)))})"
    if sources:
        params.update({f"src{i}": s for i, s in enumerate(sources)})
        where += f" AND source IN ({', '.join(f':src{i}' for i in range(len(sources)))})"
    # -1 stands for NULL: every measured value is >= 0, and numbers convert faster than text.
    sql = (
        f"SELECT (CASE slice {slice_case} ELSE 0 END) * {SLICE.unit}"
        f" + (lane = 'candidate') * {CANDIDATE.unit} + (CASE status {status_case} ELSE 0 END)"
        f" + (CASE token_source {source_case} ELSE {missing} END) * {TOKEN_SOURCE.unit}"
        f" + (policy_violation_count > 0) * {POLICY.unit}"
        f" + (min(ifnull(review_comments, -1), {REVIEW_CAP}) + 1) * {REVIEW.unit}"
        f" + min(out_of_scope_count, {OUT_OF_SCOPE_CAP}) * {OUT_OF_SCOPE.unit},"
        " task_key, ifnull(total_tokens, -1), ifnull(cost_usd, -1),"
        " ifnull(latency_s, -1), ifnull(diff_lines, -1)"
        f" FROM runs WHERE {where}"
    )
    return sql, params


def _portable(sql: str) -> str:
    """The query in standard SQL (PostgreSQL has no ifnull, two-value min, or bool math)."""
    for flag in ("lane = 'candidate'", "policy_violation_count > 0"):
        sql = sql.replace(f"({flag}) *", f"(CASE WHEN {flag} THEN 1 ELSE 0 END) *")
    sql = re.sub(r"\* (\d+)", r"* \1::bigint", sql)
    return sql.replace("min(", "least(").replace("ifnull(", "coalesce(")


def _release_column(engine: Engine, release: str) -> tuple[str, int]:
    """How to filter on the release, and how many runs it has. SQLite reads a release that
    fills most of the table faster in file order (``+release`` turns the index off)."""
    with engine.connect() as conn:
        mine = conn.execute(
            text("SELECT count(*) FROM runs WHERE release = :r"), {"r": release}
        ).scalar_one()
        if engine.dialect.name != "sqlite":
            return "release", mine
        total = conn.execute(text("SELECT count(*) FROM runs")).scalar_one()
    return ("+release" if 2 * mine >= total else "release"), mine


def _stored_slices(
    engine: Engine, release: str, order: Sequence[str], release_column: str
) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT DISTINCT slice FROM runs WHERE {release_column} = :r"), {"r": release}
        )
        stored = {r[0] for r in rows}
    return [s for s in order if s in stored] + sorted(stored - set(order))
