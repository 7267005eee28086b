"""head office schema: stations, events, company cards and holds, price schedules; hash-partitioned

Revision ID: hq_0001_schema
Revises:
"""

from __future__ import annotations

from alembic import op

revision = "hq_0001_schema"
down_revision = None
branch_labels = None
depends_on = None

# Fixed hash partitions: no DDL when a station registers (docs/scale.md, "Partitions").
PARTITIONS = 8

TABLES = {
    # One row per station: its key file and the high-water mark that ingest advances under a row lock.
    "hq_stations": (
        """station text NOT NULL, key_file text NOT NULL, high_water bigint NOT NULL DEFAULT 0,
        registered_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (station)""",
        "station",
    ),
    # Every event a station sent, as it sent it: idempotent on (station, seq).
    "hq_events": (
        """station text NOT NULL, seq bigint NOT NULL, key text NOT NULL, kind text NOT NULL,
        at timestamptz NOT NULL, payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (station, seq)""",
        "station",
    ),
    # A price schedule addressed to a station, and when the station read it back from its dispensers.
    "hq_price_targets": (
        """station text NOT NULL, schedule_version bigint NOT NULL, version bigint NOT NULL,
        confirmed_at timestamptz, PRIMARY KEY (station, schedule_version)""",
        "station",
    ),
    # Company cards (一卡通): the balance of record. Keyed by card, not station: any station spends it.
    "hq_cards": (
        """card_no text NOT NULL, balance_fen bigint NOT NULL DEFAULT 0, held_fen bigint NOT NULL DEFAULT 0,
        status text NOT NULL DEFAULT 'active', reason text, daily_limit_fen bigint,
        plates jsonb NOT NULL DEFAULT '[]'::jsonb, version bigint NOT NULL, PRIMARY KEY (card_no),
        CHECK (held_fen >= 0)""",
        "card_no",
    ),
    # Holds placed online and offline uses settled on sync, once per hold_key; beside their card.
    "hq_card_holds": (
        """card_no text NOT NULL, hold_key text NOT NULL, station text NOT NULL, amount_fen bigint NOT NULL,
        state text NOT NULL, settled_fen bigint, created_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz, PRIMARY KEY (card_no, hold_key), CHECK (amount_fen > 0)""",
        "card_no",
    ),
}


def upgrade() -> None:
    op.execute("CREATE SEQUENCE hq_version")
    for name, (columns, key) in TABLES.items():
        op.execute(f"CREATE TABLE {name} ({columns}) PARTITION BY HASH ({key})")
        for i in range(PARTITIONS):
            op.execute(
                f"CREATE TABLE {name}_p{i} PARTITION OF {name} FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {i})"
            )
    # Reports reduce events by kind and join a fill to its shift's close through the shift id.
    op.execute("CREATE INDEX ix_hq_events_kind_shift ON hq_events (station, kind, (payload->>'shift_id'))")
    # Company-wide, small, read with every pull: a reference table on Citus.
    op.execute(
        """CREATE TABLE hq_price_schedules (schedule_version bigint PRIMARY KEY, effective_at timestamptz NOT NULL,
        items jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"""
    )
    op.execute("CREATE INDEX ix_hq_cards_version ON hq_cards (version)")
    op.execute("CREATE INDEX ix_hq_price_targets_version ON hq_price_targets (station, version)")


def downgrade() -> None:
    op.execute("DROP TABLE hq_price_schedules")
    for name in reversed(TABLES):
        op.execute(f"DROP TABLE {name}")
    op.execute("DROP SEQUENCE hq_version")
