"""Where a release stands: one row per release, changed only by compare-and-set."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from agent_evals.errors import ConflictError
from agent_evals.store import schema
from agent_evals.store.audit_log import AuditEntry, aware, insert_audit
from agent_evals.store.engine import write
from agent_evals.store.outbox import NewHookDelivery, insert_deliveries


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


def read_state(engine: Engine, release: str) -> ReleaseState | None:
    """The stored state of a release, or ``None`` before it starts."""
    t = schema.release_state
    with engine.connect() as conn:
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
        aware(row.updated_at),
    )


def create_state(
    engine: Engine, release: str, stage: str, share: float, data: dict[str, Any]
) -> None:
    """Create a release's state at version 1; fails if it exists already."""
    t = schema.release_state
    statement = insert(t).values(
        release=release,
        stage=stage,
        share=share,
        frozen=False,
        data=data,
        version=1,
        updated_at=datetime.now(UTC),
    )
    try:
        write(engine, lambda conn: conn.execute(statement))
    except IntegrityError as exc:
        raise ConflictError(f"release {release!r} was started already") from exc


def compare_and_set_state(
    engine: Engine,
    release: str,
    expected_version: int,
    audit: AuditEntry | None,
    values: dict[str, Any],
    deliveries: Sequence[NewHookDelivery] = (),
) -> ReleaseState:
    """Change the state only if nobody changed it since ``expected_version``; the audit
    line and the hook deliveries the change owes are stored in the same transaction."""
    t = schema.release_state
    statement = (
        update(t)
        .where(t.c.release == release, t.c.version == expected_version)
        .values(**values, version=expected_version + 1, updated_at=datetime.now(UTC))
    )

    def change(conn: Connection) -> None:
        if conn.execute(statement).rowcount != 1:
            raise ConflictError(
                f"release {release!r} changed since version {expected_version} "
                "(another process acted first); nothing was changed; "
                "check 'agent-evals canary status' and retry"
            )
        if audit is not None:
            insert_audit(conn, audit)
        insert_deliveries(conn, deliveries)

    write(engine, change)
    state = read_state(engine, release)
    assert state is not None  # the update above just matched it
    return state
