"""Request signatures: hex HMAC-SHA256 of the body (or of a GET's path and query) under the station's key."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path


def read_key(path: str | Path) -> bytes:
    """The key file's bytes, surrounding whitespace stripped (an editor's final newline is not part of it)."""
    key = Path(path).read_bytes().strip()
    if len(key) < 16:
        raise ValueError(f"key file {path} holds fewer than 16 bytes")
    return key


def sign(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def verify(key: bytes, message: bytes, signature: str) -> bool:
    # As bytes: a header may carry any character, and compare_digest refuses non-ASCII text.
    return hmac.compare_digest(sign(key, message).encode(), signature.strip().lower().encode("utf-8", "replace"))


def signed_message(method: str, path: str, query: str, body: bytes) -> bytes:
    """What a request's signature covers: the raw body, or for a GET the path with its query string."""
    if method.upper() == "GET":
        return (path + (f"?{query}" if query else "")).encode()
    return body
