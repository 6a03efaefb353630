"""Tables of the run store; portable between SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

RUN_KEY = ("release", "lane", "task_id", "epoch", "source")

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("release", String(200), nullable=False),
    Column("task_id", String(300), nullable=False),
    # A stable 63-bit hash of task_id, so the analysis pairs lanes on integers, not strings.
    Column("task_key", BigInteger, nullable=False),
    Column("slice", String(200), nullable=False),
    Column("lane", String(20), nullable=False),
    Column("model", String(200), nullable=False),
    Column("epoch", Integer, nullable=False, default=0),
    Column("source", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    Column("input_tokens", Integer),
    Column("output_tokens", Integer),
    Column("cache_read_tokens", Integer),
    Column("cache_write_tokens", Integer),
    Column("total_tokens", Integer),
    Column("token_source", String(10), nullable=False),
    Column("cost_usd", Float),
    Column("cost_source", String(10), nullable=False),
    Column("latency_s", Float),
    Column("files_changed", Integer),
    Column("lines_added", Integer),
    Column("lines_removed", Integer),
    Column("diff_lines", Integer),
    Column("out_of_scope_count", Integer, nullable=False, default=0),
    Column("out_of_scope_files", JSON),
    Column("policy_violation_count", Integer, nullable=False, default=0),
    Column("policy_violations", JSON),
    Column("review_comments", Integer),
    Column("review_source", String(10)),
    Column("api_calls", Integer),
    Column("started_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True)),
    Column("task_hash", String(80)),
    Column("agent", String(100)),
    Column("agent_version", String(100)),
    Column("harness_version", String(40)),
    Column("detail", Text),
    UniqueConstraint(*RUN_KEY, name="uq_runs_key"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("slice", String(200), primary_key=True),
    Column("task_id", String(300), primary_key=True),
    Column("content_hash", String(80), nullable=False),
    Column("risk", String(10)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("release", String(200), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(50), nullable=False),
    Column("stage", String(50)),
    Column("share", Float),
    Column("reasons", JSON, nullable=False),
    Column("evidence", JSON, nullable=False),
)

waivers = Table(
    "waivers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("release", String(200), nullable=False, index=True),
    Column("gate", String(20), nullable=False),
    Column("slice", String(200)),
    Column("reason", Text, nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

release_state = Table(
    "release_state",
    metadata,
    Column("release", String(200), primary_key=True),
    Column("stage", String(50), nullable=False),
    Column("share", Float, nullable=False),
    Column("frozen", Boolean, nullable=False, default=False),
    Column("data", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Human reviewer follow-up counts; they take precedence over automatic counts on matching runs.
reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("release", String(200), nullable=False),
    Column("lane", String(20), nullable=False),
    Column("task_id", String(300), nullable=False),
    Column("epoch", Integer),
    Column("count", Integer, nullable=False),
    Column("by", String(200)),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_reviews_release_lane", "release", "lane"),
)

# Webhook deliveries already counted, by delivery id and by body digest (see ``store.webhooks``).
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("release", String(200), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

# The gateway's meter of each live run, summed over every replica by increments (the run
# in ``runs`` is its projection); at most one row per task is open.
live_meter = Table(
    "live_meter",
    metadata,
    Column("release", String(200), primary_key=True),
    Column("source", String(10), primary_key=True),
    Column("task_id", String(300), primary_key=True),
    Column("epoch", Integer, primary_key=True),
    Column("lane", String(20), nullable=False),
    Column("model", String(200), nullable=False),
    Column("slice", String(200), nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("requests", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("fell_back", Integer, nullable=False),
    Column("usage_missing", Integer, nullable=False),
    Column("streams", Integer, nullable=False),
    Column("tokens_seen", Boolean, nullable=False),
    Column("input_tokens", BigInteger),
    Column("output_tokens", BigInteger),
    Column("cache_read_tokens", BigInteger),
    Column("cache_write_tokens", BigInteger),
    Column("cost_usd", Float, nullable=False),
    Column("model_seconds", Float, nullable=False),
    Column("ttft_seconds", Float, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("last_at", Float, nullable=False),
    Column("review_comments", Integer),
    Column("outcome", JSON),
)

# The gateway breaker's upstream counts per lane, shared by every replica.
breaker_counts = Table(
    "breaker_counts",
    metadata,
    Column("release", String(200), primary_key=True),
    Column("lane", String(20), primary_key=True),
    Column("requests", BigInteger, nullable=False),
    Column("errors", BigInteger, nullable=False),
)

# Hook deliveries owed (the outbox): written in the transaction of the state change that
# fired them, marked when delivered, so a crash between the two loses none.
hook_outbox = Table(
    "hook_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("release", String(200), nullable=False),
    Column("event", String(20), nullable=False),
    Column("hook", JSON, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(10), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Not before this time: the next try after a failed round, or a deliverer's lease.
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("rounds", Integer, nullable=False),
    Column("detail", Text),
    Column("finished_at", DateTime(timezone=True)),
    Index("ix_hook_outbox_due", "status", "due_at"),
    Index("ix_hook_outbox_release", "release"),
)
