"""The terminal's screens, one module a screen or a family of screens: login, forecourt, the fuelling sequence and
settling an unpaid fill, card services, the manager's desk, the unloading log."""
