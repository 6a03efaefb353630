"""Runs as numpy columns, unpacked from the store's packed rows or built from run records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agent_evals.records import RunRecord
from agent_evals.store import Store
from agent_evals.store.columnar import (
    CANDIDATE,
    OUT_OF_SCOPE,
    OUT_OF_SCOPE_CAP,
    PACKED_DTYPE,
    POLICY,
    REVIEW,
    REVIEW_CAP,
    SLICE,
    STATUS,
    STATUS_CODE,
    TOKEN_SOURCE,
    TOKEN_SOURCE_CODE,
    PackedField,
)
from agent_evals.store.runs import task_key
from agent_evals.types import RunSource

RESOLVED = STATUS_CODE["resolved"]
INFRA_ERROR = STATUS_CODE["infra_error"]
MISSING = STATUS_CODE["missing"]


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
    token_source: np.ndarray

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
    "token_source",
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
    packed = store.packed_runs(release, slices=slices, sources=sources, order=order)
    return _from_rows(packed.slices, packed.rows)


def _from_rows(slices: tuple[str, ...], rows: np.ndarray) -> RunTable:
    packed = rows["packed"]
    return RunTable(
        slices=slices,
        slice_code=_unpack(packed, SLICE).astype(np.int32),
        candidate=_unpack(packed, CANDIDATE).astype(bool),
        status=_unpack(packed, STATUS).astype(np.int8),
        task=np.ascontiguousarray(rows["task"]),
        tokens=_unknown_as_nan(rows["tokens"]),
        cost=_unknown_as_nan(rows["cost"]),
        review=_count_or_nan(_unpack(packed, REVIEW)),
        latency=_unknown_as_nan(rows["latency"]),
        diff=_unknown_as_nan(rows["diff"]),
        policy=_unpack(packed, POLICY).astype(np.int32),
        oos=_unpack(packed, OUT_OF_SCOPE).astype(np.int64),
        token_source=_unpack(packed, TOKEN_SOURCE).astype(np.int8),
    )


def _unpack(packed: np.ndarray, field: PackedField) -> np.ndarray:
    out: np.ndarray = (packed >> field.shift) & field.mask
    return out


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
                index[r.slice] * SLICE.unit
                + (r.lane == "candidate") * CANDIDATE.unit
                + STATUS_CODE[r.status] * STATUS.unit
                + TOKEN_SOURCE_CODE[r.tokens.source] * TOKEN_SOURCE.unit
                + bool(r.policy_violations) * POLICY.unit
                + (min(_minus_one(r.review_comments), REVIEW_CAP) + 1) * REVIEW.unit
                + min(len(r.out_of_scope_files), OUT_OF_SCOPE_CAP) * OUT_OF_SCOPE.unit,
                task_key(r.task_id),
                _unknown(r.tokens.with_total().total),
                _unknown(r.cost_usd),
                _unknown(r.latency_s),
                _unknown(r.diff.lines),
            )
            for r in runs
        ],
        dtype=PACKED_DTYPE,
    )
    return _from_rows(slices, rows)


def _unknown(value: float | int | None) -> float:
    return -1.0 if value is None else float(value)
