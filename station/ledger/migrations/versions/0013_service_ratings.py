"""service ratings: the driver's score on the kiosk's rating pad at farewell, or skipped

Revision ID: 0013_service_ratings
Revises: 0012_invoices
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_service_ratings"
down_revision = "0012_invoices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fill_id", sa.Integer(), nullable=True),
        sa.Column("attendant_id", sa.Integer(), nullable=True),
        sa.Column("lane", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("score IS NULL OR (score >= 1 AND score <= 5)", name=op.f("ck_service_ratings_score_range")),
        sa.ForeignKeyConstraint(["fill_id"], ["fills.id"], name=op.f("fk_service_ratings_fill_id_fills")),
        sa.ForeignKeyConstraint(
            ["attendant_id"], ["attendants.id"], name=op.f("fk_service_ratings_attendant_id_attendants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_ratings")),
        sa.UniqueConstraint("fill_id", name=op.f("uq_service_ratings_fill_id")),
    )
    op.create_index("ix_service_ratings_attendant_asked", "service_ratings", ["attendant_id", "asked_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_service_ratings_attendant_asked", table_name="service_ratings")
    op.drop_table("service_ratings")
