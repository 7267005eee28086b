"""shifts: attendants, totalizers, cash counts, closings and sign-off, day closes (SPEC §6)

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
        "shift_attendants",
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("attendant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attendant_id"], ["attendants.id"], name=op.f("fk_shift_attendants_attendant_id_attendants")
        ),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_shift_attendants_shift_id_shifts")),
        sa.PrimaryKeyConstraint("shift_id", "attendant_id", name=op.f("pk_shift_attendants")),
    )
    op.create_table(
        "shift_totalizers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("dispenser", sa.Integer(), nullable=False),
        sa.Column("nozzle", sa.Integer(), nullable=False),
        sa.Column("opening_quantity_centi", sa.BigInteger(), nullable=False),
        sa.Column("opening_amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("opening_typed", sa.Boolean(), nullable=False),
        sa.Column("closing_quantity_centi", sa.BigInteger(), nullable=True),
        sa.Column("closing_amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("closing_typed", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "opening_quantity_centi >= 0 AND opening_amount_fen >= 0",
            name=op.f("ck_shift_totalizers_opening_non_negative"),
        ),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_shift_totalizers_shift_id_shifts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_totalizers")),
        sa.UniqueConstraint(
            "shift_id", "dispenser", "nozzle", name=op.f("uq_shift_totalizers_shift_id_dispenser_nozzle")
        ),
    )
    with op.batch_alter_table("shift_totalizers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shift_totalizers_shift_id"), ["shift_id"], unique=False)

    op.create_table(
        "shift_cash_counts",
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("denomination_fen", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_shift_cash_counts_count_non_negative")),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_shift_cash_counts_shift_id_shifts")),
        sa.PrimaryKeyConstraint("shift_id", "denomination_fen", name=op.f("pk_shift_cash_counts")),
    )
    op.create_table(
        "day_closes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("shift_count", sa.Integer(), nullable=False),
        sa.Column("fill_count", sa.Integer(), nullable=False),
        sa.Column("quantity_centi", sa.BigInteger(), nullable=False),
        sa.Column("sales_fen", sa.BigInteger(), nullable=False),
        sa.Column("cash_sales_fen", sa.BigInteger(), nullable=False),
        sa.Column("card_sales_fen", sa.BigInteger(), nullable=False),
        sa.Column("recharges_fen", sa.BigInteger(), nullable=False),
        sa.Column("drops_fen", sa.BigInteger(), nullable=False),
        sa.Column("expected_cash_fen", sa.BigInteger(), nullable=False),
        sa.Column("counted_cash_fen", sa.BigInteger(), nullable=False),
        sa.Column("over_short_fen", sa.BigInteger(), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["attendants.id"], name=op.f("fk_day_closes_closed_by_id_attendants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_closes")),
        sa.UniqueConstraint("business_date", name=op.f("uq_day_closes_business_date")),
    )
    op.create_table(
        "shift_closings",
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("expected_cash_fen", sa.BigInteger(), nullable=False),
        sa.Column("counted_cash_fen", sa.BigInteger(), nullable=False),
        sa.Column("over_short_fen", sa.BigInteger(), nullable=False),
        sa.Column("flagged_nozzles", sa.Integer(), nullable=False),
        sa.Column("variance_note", sa.Text(), nullable=False),
        sa.Column("close_audit_id", sa.Integer(), nullable=True),
        sa.Column("audit_head", sa.String(length=64), nullable=False),
        sa.Column("signed_off_at", sa.DateTime(), nullable=True),
        sa.Column("signed_off_by_id", sa.Integer(), nullable=True),
        sa.Column("day_close_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["close_audit_id"], ["audit_events.id"], name=op.f("fk_shift_closings_close_audit_id_audit_events")
        ),
        sa.ForeignKeyConstraint(
            ["day_close_id"], ["day_closes.id"], name=op.f("fk_shift_closings_day_close_id_day_closes")
        ),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_shift_closings_shift_id_shifts")),
        sa.ForeignKeyConstraint(
            ["signed_off_by_id"], ["attendants.id"], name=op.f("fk_shift_closings_signed_off_by_id_attendants")
        ),
        sa.PrimaryKeyConstraint("shift_id", name=op.f("pk_shift_closings")),
    )
    with op.batch_alter_table("shift_closings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shift_closings_day_close_id"), ["day_close_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shift_closings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shift_closings_day_close_id"))
    op.drop_table("shift_closings")
    op.drop_table("day_closes")
    op.drop_table("shift_cash_counts")
    with op.batch_alter_table("shift_totalizers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shift_totalizers_shift_id"))
    op.drop_table("shift_totalizers")
    op.drop_table("shift_attendants")
