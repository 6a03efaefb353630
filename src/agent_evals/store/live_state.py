"""The gateway's shared state: live run meters merged by increments, breaker counts, and
notices of release state changes.

Several gateway replicas (and restarts of one) meter the same tasks. Each keeps only what
it added since its last write and adds it here with ``UPDATE ... SET n = n + :delta``: no
replica ever writes a total it computed alone, so nothing it did not see is overwritten.
A task's open meter row (at most one) takes the additions; a closed one is never reopened
(the next request starts the next epoch). The run the analysis reads is a projection of
the meter row, written in the same transaction.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Literal

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    case,
    delete,
    func,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from agent_evals.records import RunRecord
from agent_evals.store import schema
from agent_evals.store.bulk import RunUpsert
from agent_evals.store.runs import RUN_COLUMNS, record_to_row

log = logging.getLogger("agent_evals.store")
STATE_CHANNEL = "agent_evals_release"
_COUNTERS = ("requests", "failed", "fell_back", "usage_missing", "streams")
_AMOUNTS = ("cost_usd", "model_seconds", "ttft_seconds")
TOKEN_PARTS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")


@dataclass(frozen=True)
class MeterDelta:
    """What one gateway added to a task's live run since its last write."""

    source: str
    task_id: str
    lane: str
    model: str
    slice: str
    started: float
    last: float
    requests: int = 0
    failed: int = 0
    fell_back: int = 0
    usage_missing: int = 0
    streams: int = 0
    # ``tokens_seen`` False: no usage yet (parts are 0); a part ``None`` stays unknown for good.
    tokens_seen: bool = False
    tokens: tuple[int | None, int | None, int | None, int | None] = (0, 0, 0, 0)
    cost_usd: float = 0.0
    model_seconds: float = 0.0
    ttft_seconds: float = 0.0


ChangeKind = Literal["close", "resolve", "fail_open", "reviews_set", "reviews_add"]


@dataclass(frozen=True)
class MeterChange:
    """An outcome or a review count for a task's latest live run.

    ``close`` sets the outcome; ``resolve`` sets only its status (a merged pull request);
    ``fail_open`` closes the run only if it is still open; ``reviews_*`` set or add a human
    follow-up count. ``delta`` (the change's own gateway's unwritten requests) is added first.
    """

    kind: ChangeKind
    task_id: str
    lane: str
    model: str
    slice: str | None
    outcome: dict[str, Any] | None = None
    count: int = 0
    delta: MeterDelta | None = None


@dataclass(frozen=True)
class MeterRow:
    """A live run's meter as stored (the sum over every gateway)."""

    values: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


Project = Callable[[MeterRow], RunRecord]


@dataclass(frozen=True)
class MergeResult:
    """The meters a merge touched (by source and task) and the breaker's shared counts."""

    meters: dict[tuple[str, str], MeterRow]
    records: dict[tuple[str, str], RunRecord]
    breaker: dict[str, tuple[int, int]]


def merge(
    conn: Connection,
    release: str,
    deltas: Iterable[MeterDelta],
    changes: Sequence[MeterChange],
    breaker: Mapping[str, tuple[int, int]],
    project: Project,
) -> MergeResult:
    """Add ``deltas``, apply ``changes`` in order, add the breaker counts; write the runs."""
    sql = _statements(conn.dialect)
    touched = _add_many(conn, sql, release, list(deltas))
    for change in changes:
        touched[("live", change.task_id)] = _change(conn, sql, release, change)
    meters = _read_many(conn, sql, release, touched)
    records = {key: project(row) for key, row in meters.items()}
    if records:
        values = itemgetter(*RUN_COLUMNS)
        rows = [values(record_to_row(r)) for r in records.values()]
        sql.runs.execute(conn, rows, len(rows))
    return MergeResult(meters, records, _add_breaker(conn, release, breaker))


class _Statements:
    """The merge's statements for one dialect, built once (building them per call cost more
    than running them)."""

    def __init__(self, dialect: Dialect) -> None:
        t, r_ = schema.live_meter, schema.runs
        key = and_(
            t.c.release == bindparam("k_release"),
            t.c.source == bindparam("k_source"),
            t.c.task_id == bindparam("k_task_id"),
        )
        adds: dict[str, Any] = {n: t.c[n] + bindparam("d_" + n) for n in (*_COUNTERS, *_AMOUNTS)}
        adds["last_at"] = case(
            (t.c.last_at < bindparam("last"), bindparam("last")), else_=t.c.last_at
        )
        # NULL + n stays NULL: a part once unknown stays unknown, as in the ledger.
        tokens = {n: t.c[n] + bindparam("d_" + n) for n in TOKEN_PARTS} | {"tokens_seen": True}
        self.read = select(t).where(key, t.c.epoch == bindparam("k_epoch"))
        # The batch path: one statement per batch of tasks, not per task.
        ids = t.c.task_id.in_(bindparam("ids", expanding=True))
        mine = and_(t.c.release == bindparam("k_release"), ids)
        self.open_of = select(t.c.source, t.c.task_id, t.c.epoch).where(mine, t.c.closed.is_(False))
        self.rows_of = select(t).where(mine)
        last_metered = select(t.c.source, t.c.task_id, t.c.epoch).where(mine)
        last_stored = select(r_.c.source, r_.c.task_id, r_.c.epoch).where(
            r_.c.release == bindparam("k_release"),
            r_.c.task_id.in_(bindparam("ids", expanding=True)),
        )
        every = union_all(last_metered, last_stored).subquery()
        self.last_epochs = select(
            every.c.source, every.c.task_id, func.max(every.c.epoch)
        ).group_by(every.c.source, every.c.task_id)
        by_pk = and_(key, t.c.epoch == bindparam("k_epoch"))
        self.add_at = update(t).where(by_pk).values(adds)
        self.add_at_tokens = update(t).where(by_pk).values(adds | tokens)
        self.latest = select(t).where(key).order_by(t.c.epoch.desc()).limit(1)
        insert = (postgresql if dialect.name == "postgresql" else sqlite).insert(t)
        merged = {n: t.c[n] + insert.excluded[n] for n in (*_COUNTERS, *_AMOUNTS)}
        merged_tokens = {n: t.c[n] + insert.excluded[n] for n in TOKEN_PARTS}
        merged_tokens["tokens_seen"] = True
        self.insert = insert.on_conflict_do_update(index_elements=_PK, set_=merged)
        self.insert_tokens = insert.on_conflict_do_update(
            index_elements=_PK, set_=merged | merged_tokens
        )
        self.runs = RunUpsert(dialect, RUN_COLUMNS, {})


_BUILT: dict[str, _Statements] = {}


def _statements(dialect: Dialect) -> _Statements:
    if dialect.name not in _BUILT:
        _BUILT[dialect.name] = _Statements(dialect)
    return _BUILT[dialect.name]


def _key(release: str, source: str, task_id: str, **more: Any) -> dict[str, Any]:
    """The bound values of a meter's key in the prebuilt statements."""
    return {"k_release": release, "k_source": source, "k_task_id": task_id, **more}


def _amounts(delta: MeterDelta) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(delta, name) for name in (*_COUNTERS, *_AMOUNTS)}
    return values | dict(zip(TOKEN_PARTS, delta.tokens, strict=True))


_CHUNK = 500


def _add_many(
    conn: Connection, sql: _Statements, release: str, deltas: list[MeterDelta]
) -> dict[tuple[str, str], int]:
    """Add a batch of deltas with a few statements per 500 tasks: to each task's open meter,
    else to a new one at the next epoch (executemany throughout; a statement per task held the
    interpreter long enough to halve a busy gateway's throughput)."""
    touched: dict[tuple[str, str], int] = {}
    for start in range(0, len(deltas), _CHUNK):
        chunk = deltas[start : start + _CHUNK]
        params = {"k_release": release, "ids": sorted({d.task_id for d in chunk})}
        opened = {(s, t): e for s, t, e in conn.execute(sql.open_of, params)}
        adds = [d for d in chunk if (d.source, d.task_id) in opened]
        for tokens in (True, False):
            batch = [
                _add_params(release, d, opened[(d.source, d.task_id)])
                for d in adds
                if d.tokens_seen is tokens
            ]
            if batch:
                conn.execute(sql.add_at_tokens if tokens else sql.add_at, batch)
        touched |= {(d.source, d.task_id): opened[(d.source, d.task_id)] for d in adds}
        new = [d for d in chunk if (d.source, d.task_id) not in opened]
        if new:
            last = {(s, t): e for s, t, e in conn.execute(sql.last_epochs, params)}
            epochs = {(d.source, d.task_id): _after(last.get((d.source, d.task_id))) for d in new}
            _insert_many(conn, sql, release, epochs, new)
            touched |= epochs
    return touched


def _add_params(release: str, delta: MeterDelta, epoch: int) -> dict[str, Any]:
    params = _key(release, delta.source, delta.task_id, last=delta.last, k_epoch=epoch)
    return params | {"d_" + name: value for name, value in _amounts(delta).items()}


def _read_many(
    conn: Connection, sql: _Statements, release: str, touched: Mapping[tuple[str, str], int]
) -> dict[tuple[str, str], MeterRow]:
    """The touched meters, read back in batches."""
    ids = sorted({task_id for _, task_id in touched})
    found: dict[tuple[str, str], MeterRow] = {}
    for start in range(0, len(ids), _CHUNK):
        params = {"k_release": release, "ids": ids[start : start + _CHUNK]}
        for row in conn.execute(sql.rows_of, params):
            key = (row.source, row.task_id)
            if touched.get(key) == row.epoch:
                found[key] = MeterRow(dict(row._mapping))
    return found


def _after(epoch: int | None) -> int:
    return 0 if epoch is None else int(epoch) + 1


def _insert_many(
    conn: Connection,
    sql: _Statements,
    release: str,
    epochs: Mapping[tuple[str, str], int],
    deltas: Sequence[MeterDelta],
) -> None:
    for tokens in (True, False):
        batch = [
            _row(release, epochs[(d.source, d.task_id)], d)
            for d in deltas
            if d.tokens_seen is tokens
        ]
        if batch:
            conn.execute(sql.insert_tokens if tokens else sql.insert, batch)


def _row(release: str, epoch: int, delta: MeterDelta) -> dict[str, Any]:
    return {
        **_amounts(delta),
        "release": release,
        "source": delta.source,
        "task_id": delta.task_id,
        "epoch": epoch,
        "lane": delta.lane,
        "model": delta.model,
        "slice": delta.slice,
        "closed": False,
        "started_at": delta.started,
        "last_at": delta.last,
        "tokens_seen": delta.tokens_seen,
        "review_comments": None,
        "outcome": None,
    }


_PK = ["release", "source", "task_id", "epoch"]


def _latest(conn: Connection, sql: _Statements, release: str, task_id: str) -> MeterRow | None:
    row = conn.execute(sql.latest, _key(release, "live", task_id)).first()
    return None if row is None else MeterRow(dict(row._mapping))


def _change(conn: Connection, sql: _Statements, release: str, change: MeterChange) -> int:
    """Apply an outcome or review count to the task's latest run (a new one if none)."""
    if change.delta is not None:
        _add_many(conn, sql, release, [change.delta])
    latest = _latest(conn, sql, release, change.task_id)
    if latest is None:
        now = time.time()
        slice = change.slice or "live"
        empty = MeterDelta("live", change.task_id, change.lane, change.model, slice, now, now)
        epoch = _add_many(conn, sql, release, [empty])[("live", change.task_id)]
        latest = _read(conn, sql, release, "live", change.task_id, epoch)
    epoch = int(latest["epoch"])
    values = _change_values(change, latest)
    if values:
        t = schema.live_meter
        conn.execute(
            update(t)
            .where(
                t.c.release == release,
                t.c.source == "live",
                t.c.task_id == change.task_id,
                t.c.epoch == epoch,
            )
            .values(**values)
        )
    return epoch


def _change_values(change: MeterChange, latest: MeterRow) -> dict[str, Any]:
    t = schema.live_meter
    now = time.time()
    t_last = t.c.last_at
    values: dict[str, Any] = {"last_at": case((t_last < now, now), else_=t_last)}
    if change.slice and latest["slice"] == "live":
        values["slice"] = change.slice
    if change.kind == "close":
        values |= {"outcome": change.outcome, "closed": True}
    elif change.kind == "resolve":
        stored = dict(latest["outcome"] or change.outcome or {})
        values |= {"outcome": {**stored, "status": "resolved"}, "closed": True}
    elif change.kind == "fail_open":
        if latest["closed"]:
            return {}
        values |= {"outcome": change.outcome, "closed": True}
    elif change.kind == "reviews_set":
        values["review_comments"] = change.count
    else:
        values["review_comments"] = func.coalesce(t.c.review_comments, 0) + change.count
    return values


def _read(
    conn: Connection, sql: _Statements, release: str, source: str, task_id: str, epoch: int
) -> MeterRow:
    params = _key(release, source, task_id, k_epoch=epoch)
    return MeterRow(dict(conn.execute(sql.read, params).one()._mapping))


def _add_breaker(
    conn: Connection, release: str, counts: Mapping[str, tuple[int, int]]
) -> dict[str, tuple[int, int]]:
    t = schema.breaker_counts
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for lane, (requests, errors) in counts.items():
        if not requests:
            continue
        stmt = dialect.insert(t).values(
            release=release, lane=lane, requests=requests, errors=errors
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["release", "lane"],
                set_={
                    "requests": t.c.requests + stmt.excluded.requests,
                    "errors": t.c.errors + stmt.excluded.errors,
                },
            )
        )
    rows = conn.execute(select(t.c.lane, t.c.requests, t.c.errors).where(t.c.release == release))
    return {lane: (int(n), int(e)) for lane, n, e in rows}


def reset_breaker(engine: Engine, release: str) -> None:
    """Forget the breaker's counts of a release (after a fallback)."""
    t = schema.breaker_counts
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.release == release))


def state_version(engine: Engine, release: str) -> int | None:
    """The release state's version (cheap: one indexed row), for replicas that poll it."""
    t = schema.release_state
    with engine.connect() as conn:
        found = conn.execute(select(t.c.version).where(t.c.release == release)).scalar()
    return None if found is None else int(found)


def listen_state(engine: Engine, stop: threading.Event, notice: Callable[[str], None]) -> None:
    """Call ``notice(release)`` on every release state change, until ``stop`` is set.

    PostgreSQL only: a trigger on ``release_state`` sends ``NOTIFY`` (migration 0004), read
    here with psycopg's ``notifies`` on a connection of its own.
    """
    raw = engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        driver.autocommit = True
        driver.execute(f"LISTEN {STATE_CHANNEL}")
        while not stop.is_set():
            for note in driver.notifies(timeout=0.5, stop_after=1):
                notice(str(note.payload))
    finally:
        raw.invalidate()
