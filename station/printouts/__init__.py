"""Printouts laid out in one place: receipts (:mod:`.receipt`) and reports (:mod:`.report`) as plain values and
their text layout on 58 mm paper (:mod:`.paper`).

Below both the ledger and the devices: the ledger's reports fill these values, the receipt printer prints them,
and nothing here imports either (an import-linter contract keeps it so).
"""
