"""Request signing for the invoicing API: HMAC-SHA256 over method, path, timestamp, nonce and body.

The key is a file named in the configuration (``[invoices] provider_key_file``), never in the database or the
repository; the platform holds the same key for the station's app id.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_BYTES = 32
HEADER_APP = "X-App-Id"
HEADER_TIME = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"


class KeyFileError(Exception):
    """The signing key file is missing or not a key."""


def signature(key: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    material = b"\n".join([method.upper().encode(), path.encode(), timestamp.encode(), nonce.encode(), body])
    return hmac.new(key, material, hashlib.sha256).hexdigest()


def signed_headers(key: bytes, app_id: str, method: str, path: str, timestamp: int, body: bytes) -> dict[str, str]:
    nonce = secrets.token_hex(12)
    return {
        HEADER_APP: app_id,
        HEADER_TIME: str(timestamp),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature(key, method, path, str(timestamp), nonce, body),
        "Content-Type": "application/json; charset=utf-8",
    }


def load_key(path: Path) -> bytes:
    """The key as hex text in the file (64 hex digits)."""
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"{path}: not a signing key file ({exc})") from exc
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{path}: a signing key is {KEY_BYTES} bytes, found {len(key)}")
    return key


def create_key(path: Path) -> bytes:
    """A new key, written owner-only; an existing file is read instead (never overwritten)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_key(path)
    key = secrets.token_bytes(KEY_BYTES)
    try:
        os.write(fd, key.hex().encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    return key
