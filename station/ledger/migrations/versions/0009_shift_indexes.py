"""shift indexes: a shift's fills and journal entries are read by shift, so the cost follows the shift, not history

Revision ID: 0009_shift_indexes
Revises: 0008_nozzle_locks
"""

from __future__ import annotations

from alembic import op

revision = "0009_shift_indexes"
down_revision = "0008_nozzle_locks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fills_shift_id"), ["shift_id"], unique=False)
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_entries_shift_id"), ["shift_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_entries_shift_id"))
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fills_shift_id"))
