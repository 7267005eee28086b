"""sequence steps: every step of the fuelling sequence with time and attendant

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sequence_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence_id", sa.String(length=32), nullable=False),
        sa.Column("dispenser", sa.Integer(), nullable=False),
        sa.Column("nozzle", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("attendant_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("fill_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attendant_id"], ["attendants.id"], name=op.f("fk_sequence_steps_attendant_id_attendants")
        ),
        sa.ForeignKeyConstraint(["fill_id"], ["fills.id"], name=op.f("fk_sequence_steps_fill_id_fills")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sequence_steps")),
    )
    with op.batch_alter_table("sequence_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sequence_steps_sequence_id"), ["sequence_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sequence_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sequence_steps_sequence_id"))
    op.drop_table("sequence_steps")
