"""Reports built from the database (SPEC §6, issue 5), one module per subject.

The builders only read the books and fill a :class:`~station.printouts.report.Report`, plain values. Its layout —
text lines, CSV, the receipt printer's shift report — is in :mod:`station.printouts.report`, shared with the
printer; import ``render_text``, ``to_csv``, ``to_printable``, ``Report``… from there.

Where things are: the cells and sections several reports share (fills, timers, overrides and voids) in
``sections.py``; a shift's report in ``shift.py``; the day (日结) and the shifts of a business date in ``day.py``;
per attendant in ``attendants.py``; a card's statement in ``cards.py``; unpaid and cleared fills, overrides and
voids in ``unpaid.py``.
"""
