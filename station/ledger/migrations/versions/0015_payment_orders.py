"""payment orders: scan-to-pay (付款码) orders written before the provider is asked, every state change kept

Revision ID: 0015_payment_orders
Revises: 0014_complaints
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_payment_orders"
down_revision = "0014_complaints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("fill_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=8), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("provider_txn", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("sale_entry_id", sa.Integer(), nullable=True),
        sa.Column("refund_no", sa.String(length=32), nullable=False),
        sa.Column("refund_reason", sa.String(length=200), nullable=False),
        sa.Column("refund_entry_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_payment_orders_amount_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["attendants.id"], name=op.f("fk_payment_orders_created_by_id_attendants")
        ),
        sa.ForeignKeyConstraint(["fill_id"], ["fills.id"], name=op.f("fk_payment_orders_fill_id_fills")),
        sa.ForeignKeyConstraint(
            ["refund_entry_id"], ["journal_entries.id"], name=op.f("fk_payment_orders_refund_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(
            ["sale_entry_id"], ["journal_entries.id"], name=op.f("fk_payment_orders_sale_entry_id_journal_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_orders")),
        sa.UniqueConstraint("fill_id", "attempt", name=op.f("uq_payment_orders_fill_id_attempt")),
        sa.UniqueConstraint("order_no", name=op.f("uq_payment_orders_order_no")),
        sa.UniqueConstraint("refund_entry_id", name=op.f("uq_payment_orders_refund_entry_id")),
        sa.UniqueConstraint("sale_entry_id", name=op.f("uq_payment_orders_sale_entry_id")),
    )
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_orders_fill_id"), ["fill_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_orders_state"), ["state"], unique=False)

    op.create_table(
        "payment_order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["attendants.id"], name=op.f("fk_payment_order_events_actor_id_attendants")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["payment_orders.id"], name=op.f("fk_payment_order_events_order_id_payment_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_order_events")),
    )
    with op.batch_alter_table("payment_order_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_order_events_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment_order_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_order_events_order_id"))

    op.drop_table("payment_order_events")
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_orders_state"))
        batch_op.drop_index(batch_op.f("ix_payment_orders_fill_id"))

    op.drop_table("payment_orders")
