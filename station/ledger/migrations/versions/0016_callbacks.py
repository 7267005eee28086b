"""callbacks: a day's callback list (回访) drawn once, each sale called back once, scores 1-10, never deleted

Revision ID: 0016_callbacks
Revises: 0015_payment_orders
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_callbacks"
down_revision = "0015_payment_orders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=False),
        sa.Column("drawn_by_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("window_end", sa.DateTime(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["drawn_by_id"], ["attendants.id"], name=op.f("fk_callback_draws_drawn_by_id_attendants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_draws")),
        sa.UniqueConstraint("day", name=op.f("uq_callback_draws_day")),
    )
    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("fill_id", sa.Integer(), nullable=False),
        sa.Column("receipt_no", sa.BigInteger(), nullable=True),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("attendant_id", sa.Integer(), nullable=False),
        sa.Column("sale_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=True),
        sa.Column("attitude", sa.Integer(), nullable=True),
        sa.Column("ability", sa.Integer(), nullable=True),
        sa.Column("environment", sa.String(length=12), nullable=False),
        sa.Column("speed", sa.String(length=12), nullable=False),
        sa.Column("follow_up", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint("state IN ('pending', 'done', 'not_reached')", name=op.f("ck_callbacks_state_known")),
        sa.CheckConstraint(
            "ability IS NULL OR (ability >= 1 AND ability <= 10)", name=op.f("ck_callbacks_ability_range")
        ),
        sa.CheckConstraint(
            "attitude IS NULL OR (attitude >= 1 AND attitude <= 10)", name=op.f("ck_callbacks_attitude_range")
        ),
        sa.ForeignKeyConstraint(["attendant_id"], ["attendants.id"], name=op.f("fk_callbacks_attendant_id_attendants")),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name=op.f("fk_callbacks_card_id_cards")),
        sa.ForeignKeyConstraint(["draw_id"], ["callback_draws.id"], name=op.f("fk_callbacks_draw_id_callback_draws")),
        sa.ForeignKeyConstraint(["fill_id"], ["fills.id"], name=op.f("fk_callbacks_fill_id_fills")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["attendants.id"], name=op.f("fk_callbacks_recorded_by_id_attendants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callbacks")),
        sa.UniqueConstraint("fill_id", name=op.f("uq_callbacks_fill_id")),
    )
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.create_index("ix_callbacks_attendant_sale", ["attendant_id", "sale_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_callbacks_draw_id"), ["draw_id"], unique=False)
        batch_op.create_index("ix_callbacks_state_due", ["state", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index("ix_callbacks_state_due")
        batch_op.drop_index(batch_op.f("ix_callbacks_draw_id"))
        batch_op.drop_index("ix_callbacks_attendant_sale")

    op.drop_table("callbacks")
    op.drop_table("callback_draws")
