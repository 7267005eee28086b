"""Request signatures of both providers, RSA with SHA-256 (the ``cryptography`` package).

WeChat Pay API v3: the merchant signs ``METHOD\\nURL\\nTIMESTAMP\\nNONCE\\nBODY\\n`` (URL = path and query) and
sends ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",
signature="…"``. Alipay (RSA2): the merchant signs the request's parameters but ``sign``, sorted by name,
empty ones left out, joined as ``k=v&k=v``. Keys are PEM files named in the configuration, never in the
database or the repository; :func:`create_key` makes a test key pair for the simulator. The providers sign
their replies with their platform key: WeChat over ``TIMESTAMP\nNONCE\nBODY\n`` in ``Wechatpay-*`` headers,
Alipay over the raw JSON text of the ``…_response`` object; an adapter given the platform's public key trusts
no unsigned "paid".
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

WECHAT_SCHEMA = "WECHATPAY2-SHA256-RSA2048"
_AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')


class KeyFileError(Exception):
    """A key file is missing or holds no RSA key of the expected kind."""


def create_key(path: Path) -> rsa.RSAPrivateKey:
    """The private key in ``path`` (PEM), made (2048 bits, mode 0600) when the file does not exist yet."""
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
    return load_private_key(path)


def load_private_key(path: Path) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyFileError(f"{path}: not a readable PEM private key ({exc})") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFileError(f"{path}: not an RSA key")
    return key


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(path: Path) -> rsa.RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"{path}: not a readable PEM public key ({exc})") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise KeyFileError(f"{path}: not an RSA public key")
    return key


def sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def verify(key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def wechat_message(method: str, url: str, timestamp: str, nonce: str, body: str) -> bytes:
    return f"{method.upper()}\n{url}\n{timestamp}\n{nonce}\n{body}\n".encode()


def wechat_authorization(
    key: rsa.RSAPrivateKey, *, mchid: str, serial_no: str, method: str, url: str, timestamp: str, nonce: str, body: str
) -> str:
    signature = sign(key, wechat_message(method, url, timestamp, nonce, body))
    return (
        f'{WECHAT_SCHEMA} mchid="{mchid}",nonce_str="{nonce}",timestamp="{timestamp}",'
        f'serial_no="{serial_no}",signature="{signature}"'
    )


def parse_wechat_authorization(header: str) -> dict[str, str] | None:
    """The fields of a v3 Authorization header, or None when it is not one."""
    schema, _, rest = header.partition(" ")
    if schema != WECHAT_SCHEMA:
        return None
    return dict(_AUTH_FIELD.findall(rest))


def alipay_content(params: Mapping[str, str]) -> bytes:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != "").encode("utf-8")


WECHAT_REPLY_TIMESTAMP = "Wechatpay-Timestamp"
WECHAT_REPLY_NONCE = "Wechatpay-Nonce"
WECHAT_REPLY_SIGNATURE = "Wechatpay-Signature"


def wechat_reply_message(timestamp: str, nonce: str, body: str) -> bytes:
    return f"{timestamp}\n{nonce}\n{body}\n".encode()


def alipay_response_text(raw: str, key: str) -> str | None:
    """The exact text of the ``key`` object in an Alipay reply, as signed (re-serialising would change it)."""
    found = re.search(rf'"{re.escape(key)}"\s*:\s*', raw)
    if found is None:
        return None
    try:
        _, end = json.JSONDecoder().raw_decode(raw, found.end())
    except ValueError:
        return None
    return raw[found.end() : end]
