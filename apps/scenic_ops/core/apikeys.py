"""API keys: `sk_<prefix>_<secret>`, stored as a SHA-256 hash, scoped, revocable.

A key carries 256 random bits, so a fast hash is enough (no password stretching); the
secret is shown once, when the key is issued.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from rest_framework import authentication, exceptions

from scenic_ops.core import versions
from scenic_ops.core.errors import CORE_MESSAGES, CoreCode
from scenic_ops.core.models import ApiKey

_CACHE_SECONDS = 60.0  # a safety net: a revocation reaches every process through `versions` at once
VERSION = "core:apikeys"
_local: dict[str, tuple[float, ApiKey | None, int]] = {}


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(
    name: str,
    *,
    kind: str,
    scopes: list[str],
    subject: str = "",
    rate_limit_per_minute: int = 0,
    expires_at=None,
) -> IssuedKey:
    prefix = secrets.token_hex(6)
    secret = f"sk_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name,
        kind=kind,
        prefix=prefix,
        key_hash=_hash(secret),
        scopes=sorted(set(scopes)),
        subject=subject,
        rate_limit_per_minute=rate_limit_per_minute,
        expires_at=expires_at,
    )
    versions.bump(VERSION)  # a process that saw the prefix as unknown a moment ago looks again
    return IssuedKey(key, secret)


def revoke(key: ApiKey, *, now=None) -> None:
    key.revoked_at = now or timezone.now()
    key.save(update_fields=["revoked_at"])
    _local.pop(key.prefix, None)
    versions.bump(VERSION)


def changed() -> None:
    """A key's scopes or limits changed: every process reads it again within a second."""
    _local.clear()
    versions.bump(VERSION)


def _lookup(prefix: str) -> ApiKey | None:
    hit = _local.get(prefix)
    mono = time.monotonic()
    version = versions.current(VERSION)
    if hit and hit[0] > mono and hit[2] == version:
        return hit[1]
    key = ApiKey.objects.filter(prefix=prefix).first()
    _local[prefix] = (mono + _CACHE_SECONDS, key, version)
    return key


def verify(secret: str, *, now=None) -> ApiKey | None:
    """The active key for this secret, or None. Costs one indexed query at most every few seconds."""
    parts = secret.split("_")
    if len(parts) < 3 or parts[0] != "sk" or len(parts[1]) != 12:
        return None
    key = _lookup(parts[1])
    if key is None or not hmac.compare_digest(key.key_hash, _hash(secret)):
        return None
    now = now or timezone.now()
    if key.revoked_at and key.revoked_at <= now:
        return None
    if key.expires_at and key.expires_at <= now:
        return None
    _touch(key, now)
    return key


def _touch(key: ApiKey, now) -> None:
    # At most one write a minute per key, and only if the value really is older.
    if key.last_used_at and now - key.last_used_at < timedelta(seconds=60):
        return
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - timedelta(seconds=60))
    ).update(last_used_at=now)
    key.last_used_at = now


def over_rate_limit(key: ApiKey) -> int:
    """Seconds to wait when the key used up its requests for this minute, else 0."""
    if not key.rate_limit_per_minute:
        return 0
    window = int(time.time() // 60)
    counter = f"ratelimit:{key.prefix}:{window}"
    count = cache.get_or_set(counter, 0, timeout=70)
    try:
        count = cache.incr(counter)
    except ValueError:
        cache.set(counter, 1, timeout=70)
        count = 1
    if count > key.rate_limit_per_minute:
        return 60 - int(time.time() % 60)
    return 0


def _failed(code: CoreCode) -> exceptions.AuthenticationFailed:
    exc = exceptions.AuthenticationFailed(str(CORE_MESSAGES[code]))
    exc.scenic_code = code
    return exc


class ApiKeyUser:
    """The caller of a request authenticated by an API key."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, key: ApiKey) -> None:
        self.key = key

    def get_username(self) -> str:
        return f"apikey:{self.key.name}"

    def has_perm(self, perm: str, obj=None) -> bool:
        return False

    def __str__(self) -> str:
        return self.get_username()


def secret_from_request(request) -> str | None:
    header = request.META.get("HTTP_X_API_KEY")
    if header:
        return header.strip()
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if auth.lower().startswith("apikey "):
        return auth[7:].strip()
    return None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        secret = secret_from_request(request)
        if secret is None:
            return None
        key = verify(secret)
        if key is None:
            raise _failed(CoreCode.INVALID_API_KEY)
        wait = over_rate_limit(key)
        if wait:
            raise exceptions.Throttled(wait=wait)
        return ApiKeyUser(key), key

    def authenticate_header(self, request) -> str:
        return "ApiKey"
