"""The run store: schema, migrations, reads and writes."""

from agent_evals.store.store import (
    DEFAULT_DB_DIR,
    DEFAULT_DB_FILE,
    AuditEntry,
    ReleaseState,
    Store,
    WaiverEntry,
    sqlite_url,
)

__all__ = [
    "DEFAULT_DB_DIR",
    "DEFAULT_DB_FILE",
    "AuditEntry",
    "ReleaseState",
    "Store",
    "WaiverEntry",
    "sqlite_url",
]
