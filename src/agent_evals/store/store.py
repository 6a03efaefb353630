"""The run store: SQLAlchemy over SQLite (embedded default) or PostgreSQL (teams)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from agent_evals.errors import ConflictError, StoreError
from agent_evals.records import RunRecord
from agent_evals.store import schema
from agent_evals.store.bulk import RunUpsert, iter_batches
from agent_evals.store.runs import RUN_COLUMNS, record_to_row, row_to_record

DEFAULT_DB_DIR = ".agent-evals"
DEFAULT_DB_FILE = "agent-evals.db"
_MIGRATIONS = Path(__file__).parent / "migrations"


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class AuditEntry:
    """One line of the append-only decision log."""

    release: str
    at: datetime
    actor: str
    action: str
    stage: str | None
    share: float | None
    reasons: tuple[str, ...]
    evidence: dict[str, Any]


@dataclass(frozen=True)
class WaiverEntry:
    """A recorded justification waiving a gate."""

    release: str
    gate: str
    slice: str | None
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class ReleaseState:
    """Where a release stands; changed only by compare-and-set on ``version``."""

    release: str
    stage: str
    share: float
    frozen: bool
    data: dict[str, Any]
    version: int
    updated_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


class Store:
    """Reads and writes runs, tasks, waivers, the audit log and release state."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine = _make_engine(url)
            _migrate(self.engine)
        except SQLAlchemyError as exc:
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
        upsert = RunUpsert(self.engine.dialect, columns, constants or {})
        if atomic:
            with self.engine.begin() as conn:
                written = upsert.execute(conn, rows, batch_size)
                _apply_human_reviews(conn)
            return written
        written = 0
        for batch in iter_batches(rows, batch_size):
            with self.engine.begin() as conn:
                written += upsert.execute(conn, batch, batch_size)
                _apply_human_reviews(conn)
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
        query = select(schema.runs).where(schema.runs.c.release == release)
        if lane:
            query = query.where(schema.runs.c.lane == lane)
        if slice:
            query = query.where(schema.runs.c.slice == slice)
        if source:
            query = query.where(schema.runs.c.source == source)
        with self.engine.connect() as conn:
            return [row_to_record(r) for r in conn.execute(query.order_by(schema.runs.c.id))]

    def count_runs(self, release: str | None = None) -> int:
        """How many runs are stored (for one release, or all)."""
        query = select(func.count()).select_from(schema.runs)
        if release:
            query = query.where(schema.runs.c.release == release)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def releases(self) -> list[str]:
        """Every release that has stored runs."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.runs.c.release).distinct())
            return sorted(r[0] for r in rows)

    # tasks --------------------------------------------------------------------------------

    def upsert_tasks(self, rows: Iterable[tuple[str, str, str, str | None]]) -> None:
        """Record (slice, task id, content hash, risk) for each task."""
        now = _now()
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
        with self.engine.begin() as conn:
            conn.execute(stmt, values)

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
        with self.engine.begin() as conn:
            _insert_audit(conn, entry)

    def audit(self, release: str) -> list[AuditEntry]:
        """The audit log of a release, oldest first."""
        t = schema.audit_log
        query = select(t).where(t.c.release == release).order_by(t.c.id)
        with self.engine.connect() as conn:
            return [
                AuditEntry(
                    r.release,
                    _aware(r.at),
                    r.actor,
                    r.action,
                    r.stage,
                    r.share,
                    tuple(r.reasons),
                    dict(r.evidence),
                )
                for r in conn.execute(query)
            ]

    def add_waiver(self, waiver: WaiverEntry) -> None:
        """Record a waiver and its audit line in one transaction."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(schema.waivers).values(
                    release=waiver.release,
                    gate=waiver.gate,
                    slice=waiver.slice,
                    reason=waiver.reason,
                    by=waiver.by,
                    at=waiver.at,
                )
            )
            _insert_audit(
                conn,
                AuditEntry(
                    release=waiver.release,
                    at=waiver.at,
                    actor=waiver.by,
                    action="waiver",
                    stage=None,
                    share=None,
                    reasons=(f"{waiver.gate} gate waived: {waiver.reason}",),
                    evidence={"gate": waiver.gate, "slice": waiver.slice},
                ),
            )

    def waivers(self, release: str) -> list[WaiverEntry]:
        """Waivers recorded for a release, oldest first."""
        t = schema.waivers
        query = select(t).where(t.c.release == release).order_by(t.c.id)
        with self.engine.connect() as conn:
            return [
                WaiverEntry(r.release, r.gate, r.slice, r.reason, r.by, _aware(r.at))
                for r in conn.execute(query)
            ]

    # release state ------------------------------------------------------------------------

    def read_state(self, release: str) -> ReleaseState | None:
        """The stored state of a release, or ``None`` before it starts."""
        t = schema.release_state
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.release == release)).first()
        if row is None:
            return None
        return ReleaseState(
            row.release,
            row.stage,
            row.share,
            row.frozen,
            dict(row.data),
            row.version,
            _aware(row.updated_at),
        )

    def create_state(self, release: str, stage: str, share: float, data: dict[str, Any]) -> None:
        """Create a release's state at version 1; fails if it exists already."""
        t = schema.release_state
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(t).values(
                        release=release,
                        stage=stage,
                        share=share,
                        frozen=False,
                        data=data,
                        version=1,
                        updated_at=_now(),
                    )
                )
        except SQLAlchemyError as exc:
            raise ConflictError(f"release {release!r} was started already") from exc

    def compare_and_set_state(
        self,
        release: str,
        expected_version: int,
        *,
        audit: AuditEntry | None = None,
        **values: Any,
    ) -> ReleaseState:
        """Change the state only if nobody changed it since ``expected_version``."""
        t = schema.release_state
        with self.engine.begin() as conn:
            result = conn.execute(
                update(t)
                .where(t.c.release == release, t.c.version == expected_version)
                .values(**values, version=expected_version + 1, updated_at=_now())
            )
            if result.rowcount != 1:
                raise ConflictError(
                    f"release {release!r} changed since version {expected_version} "
                    "(another process acted first); check 'agent-evals canary status' and retry"
                )
            if audit is not None:
                _insert_audit(conn, audit)
        state = self.read_state(release)
        assert state is not None  # the update above just matched it
        return state


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


def _apply_human_reviews(conn: Connection) -> None:
    """Human counts take precedence over automatic ones, for runs written at any time."""
    if conn.execute(select(schema.reviews.c.id).limit(1)).first() is not None:
        conn.execute(_APPLY_HUMAN_REVIEWS)


def _insert_audit(conn: Connection, entry: AuditEntry) -> None:
    conn.execute(
        insert(schema.audit_log).values(
            release=entry.release,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            stage=entry.stage,
            share=entry.share,
            reasons=list(entry.reasons),
            evidence=entry.evidence,
        )
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _safe(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable url>"


def _make_engine(url: str) -> Engine:
    if url in ("sqlite://", "sqlite:///:memory:"):
        return create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Bulk writes touch index pages all over the file; a larger page cache keeps them in memory.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already)."""
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.begin() as conn:
        if inspect(conn).has_table("alembic_version"):
            current = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            if current == head:
                return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
