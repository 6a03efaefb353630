"""The run store's façade: SQLAlchemy over SQLite (embedded default) or PostgreSQL (teams).

The package's queries all live in this folder; the rooms above call ``Store`` and never see
its engine. Release state and the audit log have their own modules, as do the scorecard's
columnar read and the record reads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from agent_evals.errors import StoreError
from agent_evals.records import RunRecord
from agent_evals.store import (
    audit_log,
    columnar,
    live_state,
    outbox,
    queries,
    release_state,
    schema,
    webhooks,
)
from agent_evals.store.audit_log import AuditEntry, WaiverEntry
from agent_evals.store.bulk import RunUpsert, iter_batches
from agent_evals.store.columnar import PackedRuns
from agent_evals.store.engine import (
    busy_error,
    is_contention,
    make_engine,
    migrate,
    store_timeout,
    write,
)
from agent_evals.store.outbox import DeliveryResult, HookDelivery, NewHookDelivery
from agent_evals.store.pg_copy import CopyUpsert
from agent_evals.store.queries import LaneOverlap, TaskHistoryRow
from agent_evals.store.release_state import ReleaseState
from agent_evals.store.runs import RUN_COLUMNS, record_to_row
from agent_evals.types import RunSource

DEFAULT_DB_DIR = ".agent-evals"
DEFAULT_DB_FILE = "agent-evals.db"
_MIGRATIONS = Path(__file__).parent / "migrations"


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


class Store:
    """Reads and writes runs, tasks, waivers, the audit log and release state."""

    def __init__(self, url: str) -> None:
        self.url = url
        timeout = store_timeout()
        try:
            self.engine = make_engine(url, timeout)
            migrate(self.engine, _MIGRATIONS)
        except SQLAlchemyError as exc:
            if isinstance(exc, DBAPIError) and is_contention(exc):
                raise busy_error(self.engine, timeout) from exc
            raise StoreError(f"cannot open the run store {_safe(url)}: {exc}") from exc

    @property
    def sqlite_path(self) -> str | None:
        """The file of a SQLite store (``None`` for other databases and in-memory stores)."""
        url = self.engine.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return str(url.database)

    @classmethod
    def memory(cls) -> Store:
        """A private in-memory store, for tests and dry runs."""
        return cls("sqlite://")

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    # runs ---------------------------------------------------------------------------------

    def write_runs(
        self, runs: Iterable[RunRecord], batch_size: int = 1000, *, atomic: bool = False
    ) -> int:
        """Store runs in transactional batches; the same key replaces the stored run."""
        return self.write_rows((record_to_row(r) for r in runs), batch_size, atomic=atomic)

    def write_rows(
        self, rows: Iterable[dict[str, Any]], batch_size: int = 1000, *, atomic: bool = False
    ) -> int:
        """Store run rows (see ``record_to_row``) in batches; each batch commits or not at all.

        With ``atomic`` every batch goes into one transaction: if ``rows`` raises part way,
        nothing of this call is stored.
        """
        values = itemgetter(*RUN_COLUMNS)
        return self.write_columns(
            RUN_COLUMNS, map(values, rows), batch_size=batch_size, atomic=atomic
        )

    def write_columns(
        self,
        columns: Sequence[str],
        rows: Iterable[tuple[Any, ...]],
        *,
        constants: Mapping[str, Any] | None = None,
        batch_size: int = 5000,
        atomic: bool = False,
    ) -> int:
        """Store runs given as tuples of ``columns``, plus ``constants`` shared by every row.

        The fast path of bulk imports: values are plain (str, int, float, None; lists for the
        JSON columns), the same key replaces the stored run, and ``atomic`` works as in
        ``write_rows``. Columns and constants together must name every run column once.
        """
        bulk = CopyUpsert if self.engine.dialect.name == "postgresql" else RunUpsert
        upsert = bulk(self.engine.dialect, columns, constants or {})
        if atomic:
            # ``rows`` may be a one-pass iterator, so this transaction is never run again.
            try:
                with self.engine.begin() as conn:
                    written = upsert.execute(conn, rows, batch_size)
                    _apply_human_reviews(conn)
            except DBAPIError as exc:
                if is_contention(exc):
                    raise busy_error(self.engine, store_timeout()) from exc
                raise
            return written
        written = 0
        for batch in iter_batches(rows, batch_size):
            written += write(self.engine, partial(_write_batch, upsert, batch))
        return written

    def runs(
        self,
        release: str,
        *,
        lane: str | None = None,
        slice: str | None = None,
        source: str | None = None,
    ) -> list[RunRecord]:
        """Stored runs of a release, optionally of one lane, slice or source."""
        return queries.read_runs(self.engine, release, lane=lane, slice=slice, source=source)

    def count_runs(self, release: str | None = None) -> int:
        """How many runs are stored (for one release, or all)."""
        return queries.count_runs(self.engine, release)

    def releases(self) -> list[str]:
        """Every release that has stored runs."""
        return queries.releases(self.engine)

    def latest_run(self, release: str, task_id: str, *, source: RunSource) -> RunRecord | None:
        """A task's stored run of ``source`` with the highest epoch, or ``None``."""
        return queries.latest_run(self.engine, release, task_id, source)

    def lane_overlap(self, release: str) -> LaneOverlap:
        """Count the release's tasks by which lanes have runs of them."""
        return queries.lane_overlap(self.engine, release)

    def incumbent_history(
        self,
        release: str,
        model: str,
        *,
        slices: Sequence[str] | None = None,
        sources: Sequence[RunSource] | None = None,
    ) -> list[TaskHistoryRow]:
        """``model``'s runs in other releases of the task versions the release's incumbent
        lane ran, per current task (see ``queries.incumbent_history``)."""
        return queries.incumbent_history(
            self.engine, release, model, slices=slices, sources=sources
        )

    def packed_runs(
        self,
        release: str,
        *,
        slices: Sequence[str] | None = None,
        sources: Sequence[RunSource] | None = None,
        order: Sequence[str] = (),
    ) -> PackedRuns:
        """A release's runs as packed rows for the scorecard (see ``columnar``); without
        ``slices``, every stored slice, ``order`` first."""
        return columnar.fetch_packed_runs(
            self.engine, self.sqlite_path, release, slices=slices, sources=sources, order=order
        )

    # tasks --------------------------------------------------------------------------------

    def upsert_tasks(self, rows: Iterable[tuple[str, str, str, str | None]]) -> None:
        """Record (slice, task id, content hash, risk) for each task."""
        now = datetime.now(UTC)
        values = [
            {"slice": s, "task_id": t, "content_hash": h, "risk": r, "updated_at": now}
            for s, t, h, r in rows
        ]
        if not values:
            return
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(schema.tasks)
        stmt = stmt.on_conflict_do_update(
            index_elements=["slice", "task_id"],
            set_={c: stmt.excluded[c] for c in ("content_hash", "risk", "updated_at")},
        )
        write(self.engine, lambda conn: conn.execute(stmt, values))

    def task_hashes(self, slice: str) -> dict[str, str]:
        """Stored content hash of each task of a slice."""
        query = select(schema.tasks.c.task_id, schema.tasks.c.content_hash).where(
            schema.tasks.c.slice == slice
        )
        with self.engine.connect() as conn:
            return {t: h for t, h in conn.execute(query)}

    # audit log and waivers --------------------------------------------------------------------

    def append_audit(self, entry: AuditEntry) -> None:
        """Append one decision to the audit log (never updated or deleted)."""
        audit_log.append_audit(self.engine, entry)

    def audit(self, release: str) -> list[AuditEntry]:
        """The audit log of a release, oldest first."""
        return audit_log.read_audit(self.engine, release)

    def add_waiver(self, waiver: WaiverEntry) -> None:
        """Record a waiver and its audit line in one transaction."""
        audit_log.add_waiver(self.engine, waiver)

    def waivers(self, release: str) -> list[WaiverEntry]:
        """Waivers recorded for a release, oldest first."""
        return audit_log.read_waivers(self.engine, release)

    # release state ------------------------------------------------------------------------

    def read_state(self, release: str) -> ReleaseState | None:
        """The stored state of a release, or ``None`` before it starts."""
        return release_state.read_state(self.engine, release)

    def create_state(self, release: str, stage: str, share: float, data: dict[str, Any]) -> None:
        """Create a release's state at version 1; fails if it exists already."""
        release_state.create_state(self.engine, release, stage, share, data)

    def compare_and_set_state(
        self,
        release: str,
        expected_version: int,
        *,
        audit: AuditEntry | None = None,
        deliveries: Sequence[NewHookDelivery] = (),
        **values: Any,
    ) -> ReleaseState:
        """Change the state only if nobody changed it since ``expected_version``; ``audit``
        and the hook ``deliveries`` the change owes commit with it."""
        return release_state.compare_and_set_state(
            self.engine, release, expected_version, audit, values, deliveries
        )

    # hook outbox (see ``outbox``) ----------------------------------------------------------

    def enqueue_hooks(self, deliveries: Sequence[NewHookDelivery]) -> None:
        """Store hook deliveries owed by something that changes no state (an alert)."""
        outbox.enqueue(self.engine, deliveries)

    def due_hooks(self, release: str | None, now: datetime, limit: int = 100) -> list[HookDelivery]:
        """Pending hook deliveries due at ``now``, oldest first (one release's, or all)."""
        return outbox.due(self.engine, release, now, limit)

    def claim_hook(self, delivery_id: int, now: datetime, until: datetime) -> bool:
        """Take a due delivery until ``until``; ``False`` when another deliverer has it."""
        return outbox.claim(self.engine, delivery_id, now, until)

    def finish_hook(self, delivery_id: int, result: DeliveryResult) -> None:
        """Record a delivery round's end and its audit line together."""
        outbox.finish(self.engine, delivery_id, result)

    def hook_deliveries(self, release: str) -> list[HookDelivery]:
        """Every hook delivery of a release, oldest first."""
        return outbox.deliveries(self.engine, release)

    # gateway state shared by replicas (see ``live_state``) ------------------------------------

    def merge_live(
        self,
        release: str,
        deltas: Iterable[live_state.MeterDelta],
        changes: Sequence[live_state.MeterChange],
        breaker: Mapping[str, tuple[int, int]],
        project: live_state.Project,
    ) -> live_state.MergeResult:
        """Add gateway meters and breaker counts, apply outcomes; one transaction."""
        deltas = list(deltas)

        def work(conn: Connection) -> live_state.MergeResult:
            merged = live_state.merge(conn, release, deltas, changes, breaker, project)
            _apply_human_reviews(conn)
            return merged

        return write(self.engine, work)

    def reset_breaker(self, release: str) -> None:
        """Forget the gateway breaker's shared counts of a release."""
        live_state.reset_breaker(self.engine, release)

    def state_version(self, release: str) -> int | None:
        """The release state's version, or ``None`` before the release is registered."""
        return live_state.state_version(self.engine, release)

    @property
    def notifies(self) -> bool:
        """Whether state changes are pushed (PostgreSQL ``NOTIFY``) rather than polled."""
        return self.engine.dialect.name == "postgresql"

    def listen_state(self, stop: threading.Event, notice: Callable[[str], None]) -> None:
        """Call ``notice(release)`` on each state change until ``stop`` (PostgreSQL only)."""
        live_state.listen_state(self.engine, stop, notice)

    # webhook deliveries -------------------------------------------------------------------

    def claim_delivery(self, release: str, keys: Sequence[str]) -> bool:
        """Record a webhook delivery's keys; ``True`` when it was never seen before."""
        return webhooks.claim_delivery(self.engine, release, keys)


# A human review covers a run of its own epoch first, else every epoch; the newest one wins.
_COVERING_REVIEW = (
    "FROM reviews r WHERE r.release = runs.release AND r.lane = runs.lane"
    " AND r.task_id = runs.task_id AND (r.epoch = runs.epoch OR r.epoch IS NULL)"
)
_APPLY_HUMAN_REVIEWS = text(
    "UPDATE runs SET review_source = 'human', review_comments = (SELECT r.count "
    f"{_COVERING_REVIEW} ORDER BY CASE WHEN r.epoch IS NULL THEN 1 ELSE 0 END, r.id DESC"
    " LIMIT 1) WHERE (release, lane, task_id) IN (SELECT release, lane, task_id FROM reviews)"
    f" AND EXISTS (SELECT 1 {_COVERING_REVIEW})"
)


def _write_batch(upsert: RunUpsert, batch: list[tuple[Any, ...]], conn: Connection) -> int:
    written = upsert.execute(conn, batch, len(batch))
    _apply_human_reviews(conn)
    return written


def _apply_human_reviews(conn: Connection) -> None:
    """Human counts take precedence over automatic ones, for runs written at any time."""
    if conn.execute(select(schema.reviews.c.id).limit(1)).first() is not None:
        conn.execute(_APPLY_HUMAN_REVIEWS)


def _safe(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable url>"
