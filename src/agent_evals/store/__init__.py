"""The run store: schema, migrations, and every read and write of the package."""

from agent_evals.store.audit_log import AuditEntry, WaiverEntry
from agent_evals.store.columnar import PackedRuns
from agent_evals.store.outbox import DeliveryResult, HookDelivery, NewHookDelivery
from agent_evals.store.queries import LaneOverlap
from agent_evals.store.release_state import ReleaseState
from agent_evals.store.store import DEFAULT_DB_DIR, DEFAULT_DB_FILE, Store, sqlite_url

__all__ = [
    "DEFAULT_DB_DIR",
    "DEFAULT_DB_FILE",
    "AuditEntry",
    "DeliveryResult",
    "HookDelivery",
    "LaneOverlap",
    "NewHookDelivery",
    "PackedRuns",
    "ReleaseState",
    "Store",
    "WaiverEntry",
    "sqlite_url",
]
