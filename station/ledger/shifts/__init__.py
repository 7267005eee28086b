"""The manager's desk for shifts (交接班, SPEC §6).

Open a shift with its attendants, the opening float and every nozzle's opening totalizers; watch the drawer
against the cash-drop limit (seed 003: cash over 5,000 yuan goes to the safe); close with the closing
totalizers and a count by denomination; reconcile nozzles, cash and cards; sign off; close the day (日结).

Every action that changes something is manager-only, checked here, one transaction, audited. Reading a
reconciliation changes nothing. Money is integer fen, quantities integer 0.01 units.

Definitions the figures rely on:

* A fill belongs to the shift that was open when it was *recorded* (``fills.shift_id``): nozzle and timer
  figures use those fills. Money belongs to the shift that was open when it was *posted*
  (``journal_entries.shift_id``): the drawer and the card debits use those entries.
* Expected cash = opening float + cash sales + cash recharges + fees − refunds − drops + other drawer
  postings in the shift (reversals…). It always equals the books' drawer balance at the close. When the count
  differs, the close posts the difference (``cash_over_short``) so the books match the drawer handed over.
* A shift's business date is the local date (China Standard Time, UTC+8) of its close.

The shift books (every yuan and kilogram in exactly one shift):

* Money taken by choice (recharge, fee, refund, adjustment, reversal, drop) is refused with no shift open
  (``no_open_shift``). What cannot be refused — a fill the dispenser already delivered, its settlement in
  cash or by card, a hold of a running fill — is recorded with ``shift_id`` NULL and ``between_shifts`` set,
  audited (``between_shifts_fill``/``between_shifts_entry``): the between-shifts bucket.
* Opening a shift adopts the bucket: its rows get the new ``shift_id`` and keep ``between_shifts``, so the
  reconciliation counts their cash in the drawer expectation and lists them in their own section
  (交班间隙). Between-shift fills are not in the nozzle's delta (they happened before the opening reading);
  they explain the gap between the last closing and this opening totalizer instead.
* The drawer is carried: the opening float should equal the previous shift's count; any difference (money
  moved to or from the safe) needs an opening note and shows as ``float_variance_fen``. A totalizer gap not
  explained by between-shift fills needs the same note.
* A closed business day takes no new shift; work continues in the next business day's shift.
"""
