"""hook outbox: deliveries written with the state change that fired them

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hook_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("release", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("hook", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hook_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_hook_outbox_due", ["status", "due_at"], unique=False)
        batch_op.create_index("ix_hook_outbox_release", ["release"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hook_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_hook_outbox_release")
        batch_op.drop_index("ix_hook_outbox_due")
    op.drop_table("hook_outbox")
