"""report indexes: the holds open at a shift's end, a shift's open event and drops, the shifts closed on a day

Revision ID: 0010_report_indexes
Revises: 0009_shift_indexes
"""

from __future__ import annotations

from alembic import op

revision = "0010_report_indexes"
down_revision = "0009_shift_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.create_index("ix_holds_resolved_at_created_at", ["resolved_at", "created_at"], unique=False)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_action_at", ["action", "at"], unique=False)
    with op.batch_alter_table("cash_drops", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cash_drops_shift_id"), ["shift_id"], unique=False)
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shifts_closed_at"), ["closed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shifts_closed_at"))
    with op.batch_alter_table("cash_drops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cash_drops_shift_id"))
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_action_at")
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.drop_index("ix_holds_resolved_at_created_at")
