"""PINs: keyed hashes with a secret kept outside the database, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_BYTES = 32


def load_or_create_key(path: Path) -> bytes:
    """Read the PIN key, creating it owner-only on first run. The key never enters the database."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) != KEY_BYTES:
            raise ValueError(f"{path}: PIN key must be {KEY_BYTES} bytes, found {len(key)}") from None
        return key
    key = secrets.token_bytes(KEY_BYTES)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


def valid_pin(pin: str) -> bool:
    return 4 <= len(pin) <= 8 and pin.isascii() and pin.isdigit()


def hash_pin(key: bytes, pin: str) -> str:
    salt = secrets.token_hex(16)
    digest = hmac.new(key, f"{salt}:{pin}".encode(), hashlib.sha256).hexdigest()
    return f"v1${salt}${digest}"


def check_pin(key: bytes, pin: str, stored: str) -> bool:
    try:
        version, salt, digest = stored.split("$")
    except ValueError:
        return False
    if version != "v1":
        return False
    candidate = hmac.new(key, f"{salt}:{pin}".encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(candidate, digest)
