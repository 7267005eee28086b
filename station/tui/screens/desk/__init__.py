"""The manager's desk (站长台): shift open and close, cash drops, the reconciliation, prices, reports;
one module an area, on the shared pieces in base.py.

Every screen is a client of :class:`station.core.desk.ManagerDesk`; manager-only is enforced by the ledger
services, the screens only ask for a manager's credentials when the logged-in actor is not one. Forms are
one field per line: Enter moves to the next field, Enter on the last one goes on; Esc goes back.
"""
