"""hq prices: head office's price schedules kept at the station until applied and read back from the dispensers

Revision ID: 0019_hq_prices
Revises: 0018_hq_pull
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_hq_prices"
down_revision = "0018_hq_pull"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hq_schedules",
        sa.Column("schedule_version", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("pulled_at", sa.DateTime(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.Column("read_back_at", sa.DateTime(), nullable=True),
        sa.Column("pushes", sa.Integer(), nullable=False),
        sa.Column("told_not_read", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("schedule_version", name=op.f("pk_hq_schedules")),
    )
    op.create_index(op.f("ix_hq_schedules_state"), "hq_schedules", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_hq_schedules_state"), table_name="hq_schedules")
    op.drop_table("hq_schedules")
