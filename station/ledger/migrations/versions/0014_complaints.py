"""complaints: taken down, in hand, answered within the deadline, closed; every change an event, never deleted

Revision ID: 0014_complaints
Revises: 0013_service_ratings
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_complaints"
down_revision = "0013_service_ratings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("taken_by_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("customer", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("card_number", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("about_attendant_id", sa.Integer(), nullable=True),
        sa.Column("about_fill_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "state IN ('received', 'in_hand', 'answered', 'closed')", name=op.f("ck_complaints_state_known")
        ),
        sa.ForeignKeyConstraint(["taken_by_id"], ["attendants.id"], name=op.f("fk_complaints_taken_by_id_attendants")),
        sa.ForeignKeyConstraint(
            ["about_attendant_id"], ["attendants.id"], name=op.f("fk_complaints_about_attendant_id_attendants")
        ),
        sa.ForeignKeyConstraint(["about_fill_id"], ["fills.id"], name=op.f("fk_complaints_about_fill_id_fills")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    op.create_index("ix_complaints_state_due", "complaints", ["state", "due_at"], unique=False)
    op.create_table(
        "complaint_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name=op.f("fk_complaint_events_complaint_id_complaints")
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["attendants.id"], name=op.f("fk_complaint_events_actor_id_attendants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_events")),
    )
    op.create_index(op.f("ix_complaint_events_complaint_id"), "complaint_events", ["complaint_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_complaint_events_complaint_id"), table_name="complaint_events")
    op.drop_table("complaint_events")
    op.drop_index("ix_complaints_state_due", table_name="complaints")
    op.drop_table("complaints")
