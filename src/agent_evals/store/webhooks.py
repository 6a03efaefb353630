"""Webhook deliveries already counted, kept in the store so replays count once.

A delivery is known by its ``X-GitHub-Delivery`` id and by the digest of its signed body;
claiming inserts both keys in one statement, ignoring the ones already there (so two gateway
replicas racing for the same delivery cannot both win). The delivery is new only when
every key was new: a replayed body under a fresh or missing delivery id is still a replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from agent_evals.errors import StoreError
from agent_evals.store import schema


def claim_delivery(engine: Engine, release: str, keys: Sequence[str]) -> bool:
    """Record ``keys`` for ``release``; ``True`` when none of them was recorded before."""
    now = datetime.now(UTC)
    rows = [{"release": release, "key": key, "at": now} for key in dict.fromkeys(keys)]
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    table = schema.webhook_deliveries
    # RETURNING names the rows really inserted (row counts are not reported by every driver).
    stmt = dialect.insert(table).values(rows).on_conflict_do_nothing().returning(table.c.key)
    try:
        with engine.begin() as conn:
            inserted = len(conn.execute(stmt).all())
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot record the webhook delivery: {exc}") from exc
    return inserted == len(rows)
