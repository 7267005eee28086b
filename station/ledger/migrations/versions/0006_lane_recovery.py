"""lane authorizations: what a sequence knew before authorizing, so a restart settles the fill against its hold

Revision ID: 0006_lane_recovery
Revises: 0005_shift_books
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_lane_recovery"
down_revision = "0005_shift_books"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lane_authorizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence_id", sa.String(length=64), nullable=False),
        sa.Column("dispenser", sa.Integer(), nullable=False),
        sa.Column("nozzle", sa.Integer(), nullable=False),
        sa.Column("attendant_id", sa.Integer(), nullable=True),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fill_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attendant_id"], ["attendants.id"], name=op.f("fk_lane_authorizations_attendant_id_attendants")
        ),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name=op.f("fk_lane_authorizations_card_id_cards")),
        sa.ForeignKeyConstraint(["fill_id"], ["fills.id"], name=op.f("fk_lane_authorizations_fill_id_fills")),
        sa.ForeignKeyConstraint(["hold_id"], ["holds.id"], name=op.f("fk_lane_authorizations_hold_id_holds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lane_authorizations")),
        sa.UniqueConstraint("fill_id", name=op.f("uq_lane_authorizations_fill_id")),
        sa.UniqueConstraint("hold_id", name=op.f("uq_lane_authorizations_hold_id")),
    )


def downgrade() -> None:
    op.drop_table("lane_authorizations")
