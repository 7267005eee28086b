"""The station core: the fuelling sequence, timers and device events, with an async API the UI attaches to."""
