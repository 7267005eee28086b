"""receipt jobs: a sale's receipt is written in the sale's own transaction, so a kill never loses it

Revision ID: 0007_receipt_jobs
Revises: 0006_lane_recovery
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_receipt_jobs"
down_revision = "0006_lane_recovery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receipt_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fill_id", sa.Integer(), nullable=False),
        sa.Column("receipt_no", sa.BigInteger(), nullable=False),
        sa.Column("payment", sa.String(length=8), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("spooled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["fill_id"], ["fills.id"], name=op.f("fk_receipt_jobs_fill_id_fills")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_jobs")),
        sa.UniqueConstraint("fill_id", name=op.f("uq_receipt_jobs_fill_id")),
        sa.UniqueConstraint("receipt_no", name=op.f("uq_receipt_jobs_receipt_no")),
    )


def downgrade() -> None:
    op.drop_table("receipt_jobs")
