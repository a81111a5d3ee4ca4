"""Personal information (PIPL): encrypted at rest, found by blind index, shown masked.

Encryption is AES-256-GCM with a key held outside the database (site secret). A blind
index is an HMAC-SHA256 of the normalised value under a second key, so equal values can
be found and de-duplicated without decrypting anything. Unmasked views go through
`reveal`, which writes an audit event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

VERSION = b"\x01"


class PiiKeyError(Exception):
    pass


def _decode_key(raw: str, what: str) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise PiiKeyError(f"{what} is not valid base64") from exc
    if len(key) != 32:
        raise PiiKeyError(f"{what} must be 32 bytes, got {len(key)}")
    return key


@lru_cache(maxsize=4)
def _aead(raw: str) -> AESGCM:
    return AESGCM(_decode_key(raw, "PII key"))


@lru_cache(maxsize=4)
def _index_key(raw: str) -> bytes:
    return _decode_key(raw, "blind index key")


def normalise(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().upper().replace(" ", "")


def encrypt(value: str, *, context: str = "") -> bytes:
    nonce = os.urandom(12)
    data = _aead(settings.PII_KEY).encrypt(nonce, value.encode("utf-8"), context.encode() or None)
    return VERSION + nonce + data


def decrypt(blob: bytes | memoryview | None, *, context: str = "") -> str:
    if not blob:
        return ""
    blob = bytes(blob)
    if blob[:1] != VERSION:
        raise PiiKeyError("unknown ciphertext version")
    return _aead(settings.PII_KEY).decrypt(blob[1:13], blob[13:], context.encode() or None).decode("utf-8")


def blind_index(value: str, *, kind: str) -> str:
    digest = hmac.new(_index_key(settings.BLIND_INDEX_KEY), f"{kind}:{normalise(value)}".encode(), hashlib.sha256)
    return digest.hexdigest()


def mask_id_number(value: str) -> str:
    v = normalise(value)
    if len(v) >= 15:  # resident ID and residence permits: region and check digits stay readable
        return v[:4] + "*" * (len(v) - 8) + v[-4:]
    if len(v) > 5:  # passports and travel permits
        return v[:2] + "*" * (len(v) - 4) + v[-2:]
    return "*" * len(v)


def mask_phone(value: str) -> str:
    v = "".join(ch for ch in value if ch.isdigit() or ch == "+")
    if len(v) < 7:
        return "*" * len(v)
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def mask_name(value: str) -> str:
    v = value.strip()
    if not v:
        return ""
    if all(ord(ch) < 128 for ch in v):  # Latin names: keep initials
        return " ".join(part[0] + "*" * (len(part) - 1) for part in v.split())
    return v[0] + "*" * (len(v) - 1) if len(v) > 1 else "*"


MASKERS = {"id": mask_id_number, "phone": mask_phone, "name": mask_name}


def assign(instance: Any, field: str, value: str, *, kind: str) -> None:
    """Set `<field>_enc`, `<field>_index` and `<field>_masked` on a model instance."""
    value = value.strip()
    if not value:
        setattr(instance, f"{field}_enc", None)
        if hasattr(instance, f"{field}_index"):
            setattr(instance, f"{field}_index", "")
        setattr(instance, f"{field}_masked", "")
        return
    setattr(instance, f"{field}_enc", encrypt(value, context=kind))
    if hasattr(instance, f"{field}_index"):
        setattr(instance, f"{field}_index", blind_index(value, kind=kind))
    setattr(instance, f"{field}_masked", MASKERS[kind](value))


def reveal(instance: Any, field: str, *, kind: str, user: Any, purpose: str) -> str:
    """Decrypt a protected field for someone allowed to see it, and log that they did."""
    from scenic_ops.core import audit
    from scenic_ops.core.models import AuditEvent

    if not user.has_perm("core.reveal_pii"):
        raise PermissionError("not allowed to see unmasked personal data")
    value = decrypt(getattr(instance, f"{field}_enc"), context=kind)
    audit.record(AuditEvent.Action.PII_REVEAL, instance, user=user, message=f"{field}: {purpose}"[:500])
    return value
