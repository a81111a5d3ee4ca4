"""Signed ticket tokens: what the QR code carries and what a gate verifies offline.

Format (ASCII, fits a version-8 QR code)::

    SO1.<payload>.<signature>

`payload` is base64url (no padding) of ``code|yyyymmdd|hhmm-hhmm|product|category|uses|kid``;
`signature` is base64url of the 64-byte Ed25519 signature over the bytes ``SO1.<payload>``.
`kid` is the first 8 hex digits of SHA-256 of the raw public key, so gates can hold several
keys during a rotation. The private key is the site secret TICKET_SIGNING_KEY (a base64
32-byte Ed25519 seed); gates need only `public_key_b64()` (or `public_key_pem()`), which the
API serves at /api/v1/ticketing/keys.

Verifying needs no database: `verify(token, key=...)` checks the signature and
returns the claims; whether the ticket is still valid (not used, refunded) is the server's
answer at admission (`services.admit_ticket`), or the gate's offline whitelist.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

PREFIX = "SO1"


class InvalidToken(Exception):
    """The token is malformed, signed by an unknown key, or its signature does not match."""


@dataclass(frozen=True)
class Claims:
    code: str
    date: dt.date
    start: str  # "HH:MM"
    end: str
    product: str
    category: str
    uses: int
    kid: str


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=2)
def _private_key(seed_b64: str) -> Ed25519PrivateKey:
    seed = base64.b64decode(seed_b64, validate=True)
    if len(seed) != 32:
        raise ValueError("TICKET_SIGNING_KEY must be a base64 32-byte Ed25519 seed")
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key() -> Ed25519PrivateKey:
    return _private_key(settings.TICKET_SIGNING_KEY)


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@lru_cache(maxsize=2)
def _kid(seed_b64: str) -> str:
    return hashlib.sha256(_raw_public(_private_key(seed_b64).public_key())).hexdigest()[:8]


def key_id() -> str:
    return _kid(settings.TICKET_SIGNING_KEY)


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_b64() -> str:
    """The raw 32-byte public key, base64: what a gate stores."""
    return base64.b64encode(_raw_public(public_key())).decode("ascii")


def public_key_pem() -> str:
    return (
        public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def load_public_key(raw_b64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(raw_b64))


def sign(code: str, date: dt.date, start: dt.time, end: dt.time, product: str, category: str, uses: int = 1) -> str:
    payload = f"{code}|{date:%Y%m%d}|{start:%H%M}-{end:%H%M}|{product}|{category}|{uses}|{key_id()}"
    head = f"{PREFIX}.{_b64e(payload.encode())}"
    return f"{head}.{_b64e(private_key().sign(head.encode('ascii')))}"


def verify(token: str, *, key: Ed25519PublicKey | dict[str, Ed25519PublicKey] | None = None) -> Claims:
    """Check the signature (with this site's key, a given key, or a {kid: key} map) and parse."""
    try:
        prefix, body, signature = token.strip().split(".")
        if prefix != PREFIX:
            raise ValueError("prefix")
        fields = _b64d(body).decode("utf-8").split("|")
        code, day, window, product, category, uses, kid = fields
        start, end = window.split("-")
        claims = Claims(
            code=code,
            date=dt.date(int(day[:4]), int(day[4:6]), int(day[6:8])),
            start=f"{start[:2]}:{start[2:]}",
            end=f"{end[:2]}:{end[2:]}",
            product=product,
            category=category,
            uses=int(uses),
            kid=kid,
        )
        raw_signature = _b64d(signature)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken("malformed token") from exc
    if key is None:
        key = public_key() if kid == key_id() else None
    elif isinstance(key, dict):
        key = key.get(kid)
    if key is None:
        raise InvalidToken(f"unknown key id {kid}")
    try:
        key.verify(raw_signature, f"{prefix}.{body}".encode("ascii"))
    except InvalidSignature as exc:
        raise InvalidToken("bad signature") from exc
    return claims
