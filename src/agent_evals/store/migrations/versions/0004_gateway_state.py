"""gateway state shared by replicas: live run meters, breaker counts, state change notices

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# PostgreSQL tells listening gateways at once when any process changes a release's state.
_NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION agent_evals_release_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('agent_evals_release', NEW.release);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""
_NOTIFY_TRIGGER = (
    "CREATE TRIGGER release_state_notify AFTER INSERT OR UPDATE ON release_state "
    "FOR EACH ROW EXECUTE FUNCTION agent_evals_release_notify()"
)


def upgrade() -> None:
    op.create_table(
        "live_meter",
        sa.Column("release", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("task_id", sa.String(length=300), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("lane", sa.String(length=20), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("slice", sa.String(length=200), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("fell_back", sa.Integer(), nullable=False),
        sa.Column("usage_missing", sa.Integer(), nullable=False),
        sa.Column("streams", sa.Integer(), nullable=False),
        sa.Column("tokens_seen", sa.Boolean(), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=True),
        sa.Column("output_tokens", sa.BigInteger(), nullable=True),
        sa.Column("cache_read_tokens", sa.BigInteger(), nullable=True),
        sa.Column("cache_write_tokens", sa.BigInteger(), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("model_seconds", sa.Float(), nullable=False),
        sa.Column("ttft_seconds", sa.Float(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("last_at", sa.Float(), nullable=False),
        sa.Column("review_comments", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("release", "source", "task_id", "epoch"),
    )
    op.create_table(
        "breaker_counts",
        sa.Column("release", sa.String(length=200), nullable=False),
        sa.Column("lane", sa.String(length=20), nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("release", "lane"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_NOTIFY_FUNCTION)
        op.execute(_NOTIFY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS release_state_notify ON release_state")
        op.execute("DROP FUNCTION IF EXISTS agent_evals_release_notify()")
    op.drop_table("breaker_counts")
    op.drop_table("live_meter")
