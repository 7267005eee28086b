"""hq pull: head office's card blacklist, card rules and company card balances at the station, by version

Revision ID: 0018_hq_pull
Revises: 0017_outbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_hq_pull"
down_revision = "0017_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hq_blacklist",
        sa.Column("card_no", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("card_no", name=op.f("pk_hq_blacklist")),
    )
    op.create_table(
        "hq_card_rules",
        sa.Column("card_no", sa.String(length=32), nullable=False),
        sa.Column("daily_limit_fen", sa.BigInteger(), nullable=True),
        sa.Column("plates", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("card_no", name=op.f("pk_hq_card_rules")),
    )
    op.create_table(
        "hq_balances",
        sa.Column("card_no", sa.String(length=32), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("card_no", name=op.f("pk_hq_balances")),
    )
    op.create_table(
        "hq_pull",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("prices", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hq_pull")),
    )
    op.execute("INSERT INTO hq_pull (id, version, prices) VALUES (1, 0, '[]')")


def downgrade() -> None:
    for name in ("hq_pull", "hq_balances", "hq_card_rules", "hq_blacklist"):
        op.drop_table(name)
