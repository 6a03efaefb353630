"""The append-only decision log and the waivers recorded in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from agent_evals.store import schema
from agent_evals.store.engine import write


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


def insert_audit(conn: Connection, entry: AuditEntry) -> None:
    """Append ``entry`` within the caller's transaction."""
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


def append_audit(engine: Engine, entry: AuditEntry) -> None:
    """Append one decision to the audit log (never updated or deleted)."""
    write(engine, lambda conn: insert_audit(conn, entry))


def read_audit(engine: Engine, release: str) -> list[AuditEntry]:
    """The audit log of a release, oldest first."""
    t = schema.audit_log
    query = select(t).where(t.c.release == release).order_by(t.c.id)
    with engine.connect() as conn:
        return [
            AuditEntry(
                r.release,
                aware(r.at),
                r.actor,
                r.action,
                r.stage,
                r.share,
                tuple(r.reasons),
                dict(r.evidence),
            )
            for r in conn.execute(query)
        ]


def add_waiver(engine: Engine, waiver: WaiverEntry) -> None:
    """Record a waiver and its audit line in one transaction."""
    write(engine, lambda conn: _insert_waiver(conn, waiver))


def _insert_waiver(conn: Connection, waiver: WaiverEntry) -> None:
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
    insert_audit(
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


def read_waivers(engine: Engine, release: str) -> list[WaiverEntry]:
    """Waivers recorded for a release, oldest first."""
    t = schema.waivers
    query = select(t).where(t.c.release == release).order_by(t.c.id)
    with engine.connect() as conn:
        return [
            WaiverEntry(r.release, r.gate, r.slice, r.reason, r.by, aware(r.at))
            for r in conn.execute(query)
        ]


def aware(value: datetime) -> datetime:
    """A stored time in UTC (SQLite hands times back without their zone)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
