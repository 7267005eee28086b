"""shift books: the between-shifts bucket (entries and fills taken with no shift open), the opening note

Revision ID: 0005_shift_books
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_shift_books"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("journal_entries", "fills"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("between_shifts", sa.Boolean(), nullable=False, server_default=sa.false()))
        # Whatever was taken with no shift open before this revision is in the bucket.
        op.execute(sa.text(f"UPDATE {table} SET between_shifts = :yes WHERE shift_id IS NULL").bindparams(yes=True))
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opening_note", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("carried_cash_fen", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.drop_column("carried_cash_fen")
        batch_op.drop_column("opening_note")
    for table in ("fills", "journal_entries"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("between_shifts")
