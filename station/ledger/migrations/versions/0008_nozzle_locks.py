"""nozzle locks: a leak locks its nozzle until a manager clears it, across restarts

Revision ID: 0008_nozzle_locks
Revises: 0007_receipt_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_nozzle_locks"
down_revision = "0007_receipt_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nozzle_locks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispenser", sa.Integer(), nullable=False),
        sa.Column("nozzle", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("cause", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("locked_at", sa.DateTime(), nullable=False),
        sa.Column("locked_by_id", sa.Integer(), nullable=True),
        sa.Column("cleared_at", sa.DateTime(), nullable=True),
        sa.Column("cleared_by_id", sa.Integer(), nullable=True),
        sa.Column("clear_note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["locked_by_id"], ["attendants.id"], name=op.f("fk_nozzle_locks_locked_by_id_attendants")
        ),
        sa.ForeignKeyConstraint(
            ["cleared_by_id"], ["attendants.id"], name=op.f("fk_nozzle_locks_cleared_by_id_attendants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nozzle_locks")),
    )
    op.create_index("ix_nozzle_locks_lane", "nozzle_locks", ["dispenser", "nozzle"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_nozzle_locks_lane", table_name="nozzle_locks")
    op.drop_table("nozzle_locks")
