"""invoices: digital invoices (数电发票) requested from a receipt, their state changes, recharge receipt numbers

Revision ID: 0012_invoices
Revises: 0010_report_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_invoices"
down_revision = "0010_report_indexes"
branch_labels = None
depends_on = None

_STATES = "state IN ('requested', 'issued', 'reversing', 'reversed', 'failed')"


def upgrade() -> None:
    op.create_table(
        "recharge_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_no", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("card_number", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_recharge_receipts_entry_id_journal_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recharge_receipts")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_recharge_receipts_entry_id")),
        sa.UniqueConstraint("receipt_no", name=op.f("uq_recharge_receipts_receipt_no")),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_no", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("fill_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("net_fen", sa.BigInteger(), nullable=False),
        sa.Column("tax_fen", sa.BigInteger(), nullable=False),
        sa.Column("rate_centi_percent", sa.Integer(), nullable=False),
        sa.Column("tax_code", sa.String(length=19), nullable=False),
        sa.Column("buyer_name", sa.String(length=100), nullable=False),
        sa.Column("buyer_tax_no", sa.String(length=20), nullable=False),
        sa.Column("buyer_email", sa.String(length=120), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("request_no", sa.String(length=48), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("provider_invoice_no", sa.String(length=40), nullable=True),
        sa.Column("red_invoice_no", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("amount_fen > 0 AND net_fen + tax_fen = amount_fen", name=op.f("ck_invoices_amounts")),
        sa.CheckConstraint(_STATES, name=op.f("ck_invoices_state")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_invoices_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(["fill_id"], ["fills.id"], name=op.f("fk_invoices_fill_id_fills")),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["attendants.id"], name=op.f("fk_invoices_requested_by_id_attendants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("receipt_no", name=op.f("uq_invoices_receipt_no")),
        sa.UniqueConstraint("request_no", name=op.f("uq_invoices_request_no")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_state"), ["state"], unique=False)
    op.create_table(
        "invoice_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("from_state", sa.String(length=12), nullable=False),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["attendants.id"], name=op.f("fk_invoice_events_actor_id_attendants")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_events_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_events")),
    )
    with op.batch_alter_table("invoice_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_events_invoice_id"), ["invoice_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("invoice_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_events_invoice_id"))
    op.drop_table("invoice_events")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_state"))
    op.drop_table("invoices")
    op.drop_table("recharge_receipts")
