"""company holds: a company card's hold as the station placed it (online at head office, or offline)

Revision ID: 0020_company_holds
Revises: 0018_hq_pull
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_company_holds"
down_revision = "0018_hq_pull"
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


def downgrade() -> None:
    op.drop_index("ix_company_holds_card_day", table_name="company_holds")
    op.drop_table("company_holds")
