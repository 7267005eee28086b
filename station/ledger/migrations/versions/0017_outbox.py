"""outbox: every business event numbered per station without a gap, for head office (总部)

Revision ID: 0017_outbox
Revises: 0016_callbacks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_outbox"
down_revision = "0016_callbacks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=96), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )


def downgrade() -> None:
    op.drop_table("outbox")
