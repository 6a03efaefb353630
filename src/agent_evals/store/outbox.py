"""The hook outbox: deliveries owed, stored with the state change that fired them.

The transactional outbox pattern (Richardson, *Microservices Patterns*, ch. 3): a rollback
and the webhook it owes commit together, and a deliverer marks each row done once the hook
answered, so a crash between commit and delivery loses nothing (delivery is at least once).
Deliverers in several processes take turns through a lease on ``due_at``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Engine, insert, select, update

from agent_evals.store import schema
from agent_evals.store.audit_log import AuditEntry, aware, insert_audit
from agent_evals.store.engine import write

DeliveryStatus = Literal["pending", "delivered", "failed"]


@dataclass(frozen=True)
class NewHookDelivery:
    """A hook delivery to store: which hook (as configured) gets which event document."""

    release: str
    event: str
    hook: dict[str, Any]
    payload: dict[str, Any]
    at: datetime


@dataclass(frozen=True)
class HookDelivery:
    """A stored hook delivery and how it has fared so far."""

    id: int
    release: str
    event: str
    hook: dict[str, Any]
    payload: dict[str, Any]
    status: DeliveryStatus
    created_at: datetime
    due_at: datetime
    attempts: int
    rounds: int
    detail: str | None
    finished_at: datetime | None


@dataclass(frozen=True)
class DeliveryResult:
    """The end of one delivery round; ``retry_at`` keeps a failed delivery pending."""

    delivered: bool
    attempts: int
    detail: str
    at: datetime
    retry_at: datetime | None
    audit: AuditEntry


def insert_deliveries(conn: Connection, items: Sequence[NewHookDelivery]) -> None:
    """Store deliveries within the caller's transaction, due at once."""
    if not items:
        return
    conn.execute(
        insert(schema.hook_outbox),
        [
            {
                "release": item.release,
                "event": item.event,
                "hook": item.hook,
                "payload": item.payload,
                "status": "pending",
                "created_at": item.at,
                "due_at": item.at,
                "attempts": 0,
                "rounds": 0,
            }
            for item in items
        ],
    )


def enqueue(engine: Engine, items: Sequence[NewHookDelivery]) -> None:
    """Store deliveries in their own transaction (an alert that changes no state)."""
    write(engine, lambda conn: insert_deliveries(conn, items))


def due(engine: Engine, release: str | None, now: datetime, limit: int) -> list[HookDelivery]:
    """Pending deliveries whose time has come, oldest first (of one release, or all)."""
    t = schema.hook_outbox
    query = select(t).where(t.c.status == "pending", t.c.due_at <= now)
    if release is not None:
        query = query.where(t.c.release == release)
    with engine.connect() as conn:
        return [_delivery(row) for row in conn.execute(query.order_by(t.c.id).limit(limit))]


def claim(engine: Engine, delivery_id: int, now: datetime, until: datetime) -> bool:
    """Take a due delivery until ``until``; ``False`` when another deliverer has it."""
    t = schema.hook_outbox
    statement = (
        update(t)
        .where(t.c.id == delivery_id, t.c.status == "pending", t.c.due_at <= now)
        .values(due_at=until)
    )
    return bool(write(engine, lambda conn: conn.execute(statement).rowcount == 1))


def finish(engine: Engine, delivery_id: int, result: DeliveryResult) -> None:
    """Record how a round ended, with its audit line, in one transaction."""
    t = schema.hook_outbox
    values: dict[str, Any] = {
        "attempts": t.c.attempts + result.attempts,
        "rounds": t.c.rounds + 1,
        "detail": result.detail,
    }
    if result.delivered:
        values |= {"status": "delivered", "finished_at": result.at}
    elif result.retry_at is not None:
        values |= {"due_at": result.retry_at}
    else:
        values |= {"status": "failed", "finished_at": result.at}
    statement = update(t).where(t.c.id == delivery_id).values(**values)

    def run(conn: Connection) -> None:
        conn.execute(statement)
        insert_audit(conn, result.audit)

    write(engine, run)


def deliveries(engine: Engine, release: str) -> list[HookDelivery]:
    """Every delivery of a release, oldest first."""
    t = schema.hook_outbox
    query = select(t).where(t.c.release == release).order_by(t.c.id)
    with engine.connect() as conn:
        return [_delivery(row) for row in conn.execute(query)]


def _delivery(row: Any) -> HookDelivery:
    return HookDelivery(
        id=row.id,
        release=row.release,
        event=row.event,
        hook=dict(row.hook),
        payload=dict(row.payload),
        status=row.status,
        created_at=aware(row.created_at),
        due_at=aware(row.due_at),
        attempts=row.attempts,
        rounds=row.rounds,
        detail=row.detail,
        finished_at=None if row.finished_at is None else aware(row.finished_at),
    )
