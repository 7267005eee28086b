"""company holds: a company card's hold as the station placed it (online at head office, or offline), the
station's moves on company cards not yet taken in by head office, and the pull's high-water mark

Revision ID: 0020_company_holds
Revises: 0019_hq_prices
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_company_holds"
down_revision = "0019_hq_prices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "company_holds",
        sa.Column("hold_id", sa.Integer(), nullable=False),
        sa.Column("card_no", sa.String(length=32), nullable=False),
        sa.Column("hold_key", sa.String(length=96), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("settled_fen", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["hold_id"], ["holds.id"], name=op.f("fk_company_holds_hold_id_holds")),
        sa.PrimaryKeyConstraint("hold_id", name=op.f("pk_company_holds")),
        sa.UniqueConstraint("hold_key", name=op.f("uq_company_holds_hold_key")),
    )
    op.create_index("ix_company_holds_card_day", "company_holds", ["card_no", "day"])
    op.create_table(
        "company_moves",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("card_no", sa.String(length=32), nullable=False),
        sa.Column("delta_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq", "card_no", name=op.f("pk_company_moves")),
    )
    with op.batch_alter_table("hq_pull") as batch:
        batch.add_column(sa.Column("high_water", sa.BigInteger(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("hq_pull") as batch:
        batch.drop_column("high_water")
    op.drop_table("company_moves")
    op.drop_index("ix_company_holds_card_day", table_name="company_holds")
    op.drop_table("company_holds")
