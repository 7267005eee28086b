"""unloading log: trailer unloadings, their step events and amendments, measured stock counts (SPEC §7)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stock_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_code", sa.String(length=16), nullable=False),
        sa.Column("measured_centi", sa.BigInteger(), nullable=False),
        sa.Column("measured_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("measured_centi >= 0", name=op.f("ck_stock_counts_measured_non_negative")),
        sa.ForeignKeyConstraint(["manager_id"], ["attendants.id"], name=op.f("fk_stock_counts_manager_id_attendants")),
        sa.ForeignKeyConstraint(
            ["product_code"], ["products.code"], name=op.f("fk_stock_counts_product_code_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_counts")),
    )
    with op.batch_alter_table("stock_counts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stock_counts_measured_at"), ["measured_at"], unique=False)

    op.create_table(
        "unloadings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trailer_plate", sa.String(length=16), nullable=False),
        sa.Column("tractor_plate", sa.String(length=16), nullable=False),
        sa.Column("driver_name", sa.String(length=64), nullable=False),
        sa.Column("supplier", sa.String(length=64), nullable=False),
        sa.Column("note_number", sa.String(length=32), nullable=False),
        sa.Column("product_code", sa.String(length=16), nullable=False),
        sa.Column("declared_centi", sa.BigInteger(), nullable=False),
        sa.Column("water_volume_l", sa.Integer(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("departed_at", sa.DateTime(), nullable=True),
        sa.Column("trailer_pressure_start_centi_mpa", sa.Integer(), nullable=True),
        sa.Column("trailer_temp_start_deci_c", sa.Integer(), nullable=True),
        sa.Column("storage_pressure_start_centi_mpa", sa.Integer(), nullable=True),
        sa.Column("storage_temp_start_deci_c", sa.Integer(), nullable=True),
        sa.Column("trailer_pressure_end_centi_mpa", sa.Integer(), nullable=True),
        sa.Column("trailer_temp_end_deci_c", sa.Integer(), nullable=True),
        sa.Column("storage_pressure_end_centi_mpa", sa.Integer(), nullable=True),
        sa.Column("storage_temp_end_deci_c", sa.Integer(), nullable=True),
        sa.Column("received_centi", sa.BigInteger(), nullable=True),
        sa.Column("measured_by", sa.String(length=8), nullable=False),
        sa.Column("meter_record_number", sa.BigInteger(), nullable=True),
        sa.Column("difference_centi", sa.BigInteger(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_step", sa.String(length=24), nullable=False),
        sa.Column("attendant_id", sa.Integer(), nullable=False),
        sa.Column("stock_movement_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("declared_centi >= 0", name=op.f("ck_unloadings_declared_non_negative")),
        sa.CheckConstraint(
            "received_centi IS NULL OR received_centi >= 0", name=op.f("ck_unloadings_received_non_negative")
        ),
        sa.CheckConstraint("water_volume_l > 0", name=op.f("ck_unloadings_water_volume_positive")),
        sa.ForeignKeyConstraint(
            ["attendant_id"], ["attendants.id"], name=op.f("fk_unloadings_attendant_id_attendants")
        ),
        sa.ForeignKeyConstraint(["product_code"], ["products.code"], name=op.f("fk_unloadings_product_code_products")),
        sa.ForeignKeyConstraint(
            ["stock_movement_id"], ["stock_movements.id"], name=op.f("fk_unloadings_stock_movement_id_stock_movements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unloadings")),
        sa.UniqueConstraint("stock_movement_id", name=op.f("uq_unloadings_stock_movement_id")),
    )
    with op.batch_alter_table("unloadings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unloadings_arrived_at"), ["arrived_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_unloadings_note_number"), ["note_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_unloadings_supplier"), ["supplier"], unique=False)
        batch_op.create_index(batch_op.f("ix_unloadings_trailer_plate"), ["trailer_plate"], unique=False)

    op.create_table(
        "unloading_amendments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unloading_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.String(length=64), nullable=False),
        sa.Column("new_value", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("stock_movement_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["attendants.id"], name=op.f("fk_unloading_amendments_manager_id_attendants")
        ),
        sa.ForeignKeyConstraint(
            ["stock_movement_id"],
            ["stock_movements.id"],
            name=op.f("fk_unloading_amendments_stock_movement_id_stock_movements"),
        ),
        sa.ForeignKeyConstraint(
            ["unloading_id"], ["unloadings.id"], name=op.f("fk_unloading_amendments_unloading_id_unloadings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unloading_amendments")),
        sa.UniqueConstraint("stock_movement_id", name=op.f("uq_unloading_amendments_stock_movement_id")),
    )
    with op.batch_alter_table("unloading_amendments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unloading_amendments_unloading_id"), ["unloading_id"], unique=False)

    op.create_table(
        "unloading_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unloading_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("attendant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attendant_id"], ["attendants.id"], name=op.f("fk_unloading_events_attendant_id_attendants")
        ),
        sa.ForeignKeyConstraint(
            ["unloading_id"], ["unloadings.id"], name=op.f("fk_unloading_events_unloading_id_unloadings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unloading_events")),
        sa.UniqueConstraint("unloading_id", "seq", name=op.f("uq_unloading_events_unloading_id_seq")),
    )
    with op.batch_alter_table("unloading_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unloading_events_unloading_id"), ["unloading_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("unloading_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unloading_events_unloading_id"))

    op.drop_table("unloading_events")
    with op.batch_alter_table("unloading_amendments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unloading_amendments_unloading_id"))

    op.drop_table("unloading_amendments")
    with op.batch_alter_table("unloadings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unloadings_trailer_plate"))
        batch_op.drop_index(batch_op.f("ix_unloadings_supplier"))
        batch_op.drop_index(batch_op.f("ix_unloadings_note_number"))
        batch_op.drop_index(batch_op.f("ix_unloadings_arrived_at"))

    op.drop_table("unloadings")
    with op.batch_alter_table("stock_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_counts_measured_at"))

    op.drop_table("stock_counts")
