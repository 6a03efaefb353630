"""Engines, migrations and write transactions that survive other writers.

Several processes share one store (the CLI, ``serve`` replicas, imports), so every write
waits its turn instead of failing: SQLite waits on its busy handler, PostgreSQL on its lock
timeout, both bounded by ``AGENT_EVALS_STORE_TIMEOUT`` seconds; a transaction that loses a
deadlock or a serialization check is run again after an exponential backoff with jitter
(the AWS Architecture Blog's "Exponential Backoff And Jitter"). When the time is up the
writer gets one clear ``StoreError`` (exit 4).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

from agent_evals.errors import StoreError, UsageError

TIMEOUT_ENV = "AGENT_EVALS_STORE_TIMEOUT"
DEFAULT_TIMEOUT_S = 60.0
# Deadlock, serialization failure, lock timeout (PostgreSQL's SQLSTATE codes).
_PG_CONTENTION = frozenset({"40P01", "40001", "55P03"})
_SQLITE_CONTENTION = ("database is locked", "database table is locked", "database schema is locked")
# Any fixed number identifies the migration lock among PostgreSQL's advisory locks.
_MIGRATION_LOCK = 0x61676576616C73
# A gateway replica runs a store thread, a flusher and a hook deliverer; imports one writer.
_POOL_SIZE = 4
_POOL_OVERFLOW = 8
_FIRST_BACKOFF_S = 0.02
_MAX_BACKOFF_S = 1.0

T = TypeVar("T")


def store_timeout() -> float:
    """How long a write may wait for other writers (``AGENT_EVALS_STORE_TIMEOUT``, seconds)."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 < value < 86_400.0:
        raise UsageError(
            f"{TIMEOUT_ENV}={raw!r} is not a number of seconds; "
            f"set it between 0 and 86400 (default {DEFAULT_TIMEOUT_S:g})"
        )
    return value


def make_engine(url: str, timeout_s: float) -> Engine:
    """An engine whose connections wait up to ``timeout_s`` for locks held by others."""
    if url in ("sqlite://", "sqlite:///:memory:"):
        return create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": timeout_s})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    if make_url(url).get_backend_name() == "postgresql":
        connect_args["options"] = f"-c lock_timeout={int(timeout_s * 1000)}"
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=_POOL_SIZE,
        max_overflow=_POOL_OVERFLOW,
        pool_timeout=timeout_s,
        # Connections older than this are replaced, so a proxy or a failover never hands us
        # one the server has forgotten.
        pool_recycle=1800,
        connect_args=connect_args,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Bulk writes touch index pages all over the file; a larger page cache keeps them in memory.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def write(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run ``work`` in one transaction, again after a lost lock race, until the timeout.

    ``work`` must be safe to run again: it sees a fresh transaction each time.
    """
    timeout = store_timeout()
    deadline = time.monotonic() + timeout
    delay = _FIRST_BACKOFF_S
    while True:
        try:
            with engine.begin() as conn:
                return work(conn)
        except DBAPIError as exc:
            if not is_contention(exc):
                raise
            if time.monotonic() + delay > deadline:
                raise busy_error(engine, timeout) from exc
        time.sleep(random.uniform(0.0, delay))
        delay = min(2 * delay, _MAX_BACKOFF_S)


def is_contention(exc: DBAPIError) -> bool:
    """Whether ``exc`` means another writer held a lock (so trying again may succeed)."""
    code = getattr(exc.orig, "sqlstate", None)
    if code is not None:
        return code in _PG_CONTENTION
    return any(text in str(exc.orig) for text in _SQLITE_CONTENTION)


def busy_error(engine: Engine, timeout: float) -> StoreError:
    """The one line a writer gets when other writers held the store for too long."""
    where = engine.url.render_as_string(hide_password=True)
    return StoreError(
        f"the run store {where} stayed locked by another writer for {timeout:g} s; "
        f"try again when it is done, or wait longer with {TIMEOUT_ENV}=SECONDS"
    )


def migrate(engine: Engine, script_location: Path) -> None:
    """Bring the schema to the newest migration; concurrent first uses take turns.

    The version is read once without a lock (the usual case: nothing to do), then again
    under an exclusive lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped
    advisory lock), so only the first of several new processes creates the tables.
    """
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        if _version(conn) == head:
            return
    with engine.begin() as conn:
        _lock_for_migration(conn)
        if _version(conn) == head:
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _version(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    value = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return None if value is None else str(value)


def _lock_for_migration(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        # pysqlite opens no transaction before DDL; this one takes the write lock at once.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
