"""Typed refusals from the ledger services. Each carries a stable code the UI turns into words."""

from __future__ import annotations

from typing import Any


class LedgerError(Exception):
    """A service refused: nothing was changed. ``code`` keys the message catalogue (station.i18n)."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        detail = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()))
        super().__init__(f"{code}({detail})" if detail else code)


class Refused(LedgerError):
    """The request is understood but not allowed in the current state (lost card, low balance…)."""


class InvalidInput(LedgerError):
    """The request itself is malformed (negative amount, unknown card number…)."""


class PermissionDenied(LedgerError):
    """The actor's role does not allow this service."""


class NotFound(LedgerError):
    """The thing named does not exist."""
