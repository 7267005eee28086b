"""The head office: one PostgreSQL for a chain of stations, fed by their outboxes (docs/protocols/hq_sync.md).

Its own floor under the ``station`` command: it knows money, configuration and the catalogue of words, never
the station's ledger, core or terminal. ``app`` is the ASGI service, ``ingest`` stores what stations send
(idempotent on station and number), ``cards`` keeps the company cards' balances of record and their holds,
``prices`` the schedules pushed to stations and their pull, ``reports`` the views across stations. Every
table is keyed by station code (cards by card number) and hash-partitioned by it: docs/scale.md says why.
"""
