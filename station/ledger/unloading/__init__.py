"""The tube-trailer unloading log (卸气记录, SPEC §7) and the gas-stock reconciliation, one module per noun.

:class:`~station.ledger.unloading.log.UnloadingLog` enforces the unloading checklist in its safe order (seed 002:
the attendant guides the trailer to the post and stands at its left side until it is parked safely; then the
engine is off, the handbrake on, the wheels chocked, the key handed to the operator, the static ground connected
before any hose ...). A step out of order is refused with a specific code and nothing is written. Ending an
unloading posts a ``delivery`` to the gas-stock quantity ledger in the same transaction. Corrections are manager
amendments that keep the original value visible. Every method commits all its effects or raises a
:class:`~station.ledger.errors.LedgerError` with nothing changed.

Where things happen: the steps, value types and input checks in ``values.py``; the row, its events, the order
check and the view in ``core.py``; a trailer's arrival and the confirmed steps in ``checklist.py``; the
unloading itself (start, interrupt, resume, end, sign-off) in ``running.py``; a manager's corrections in
``amendments.py``; finding unloadings in ``lookup.py``; stock counts and the stock report in ``stock.py``.
``log.py`` assembles them into the log.
"""
