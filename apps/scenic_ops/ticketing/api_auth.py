"""Partner authentication: API key + request signature + replay and rate limits.

A partner sends, on every call::

    X-Api-Key:   sk_…                  (issued in the desk, scopes ticketing:read / ticketing:book)
    X-Timestamp: 1767225600            (unix seconds; refused if more than 5 minutes off)
    X-Nonce:     any 8–64 visible characters, never reused within 10 minutes
    X-Signature: hex(HMAC-SHA256(signing secret, "<ts>\\n<nonce>\\n<METHOD>\\n<path with query>\\n<body>"))

The signing secret is shown once when the partner is created (stored encrypted). The nonce
check and the per-partner rate limit share one Redis round trip; for a booking, the same
round trip also announces the places about to be taken (see `remaining.Guard`).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from rest_framework import authentication, exceptions

from scenic_ops.core import apikeys, pii, versions
from scenic_ops.core.errors import CORE_MESSAGES, CoreCode
from scenic_ops.ticketing import remaining
from scenic_ops.ticketing.booking import PartnerRef
from scenic_ops.ticketing.errors import Code, TicketingError

CLOCK_SKEW = 300
NONCE_TTL = 600
PARTNER_TTL = 60.0  # a safety net: a change reaches every process through `core.versions` within a second
PARTNER_VERSION = "ticketing:partners"


@dataclass(frozen=True)
class PartnerInfo:
    id: int
    code: str
    secret: bytes
    active: bool
    prepaid: bool
    products: frozenset[int]

    @property
    def ref(self) -> PartnerRef:
        return PartnerRef(self.id, self.code, self.prepaid, self.products)


_partners: dict[int, tuple[float, PartnerInfo | None, int]] = {}
_lock = threading.Lock()


def forget(key_id: int | None = None) -> None:
    """A partner changed (secret, products, active): every process reads it again within a second."""
    with _lock:
        if key_id is None:
            _partners.clear()
        else:
            _partners.pop(key_id, None)
    versions.bump(PARTNER_VERSION)


def partner_for_key(key_id: int) -> PartnerInfo | None:
    hit = _partners.get(key_id)
    now = time.monotonic()
    version = versions.current(PARTNER_VERSION)
    if hit and hit[0] > now and hit[2] == version:
        return hit[1]
    from scenic_ops.ticketing.models import Partner

    partner = Partner.objects.filter(api_key_id=key_id).first()
    info = None
    if partner is not None:
        info = PartnerInfo(
            partner.id,
            partner.code,
            pii.decrypt(partner.signing_secret_enc, context="partner").encode() if partner.signing_secret_enc else b"",
            partner.active,
            partner.prepaid,
            frozenset(partner.products.values_list("id", flat=True)),
        )
    with _lock:
        _partners[key_id] = (now + PARTNER_TTL, info, version)
    return info


def signature(secret: bytes | str, timestamp: str, nonce: str, method: str, path: str, body: bytes) -> str:
    if isinstance(secret, str):
        secret = secret.encode()
    message = f"{timestamp}\n{nonce}\n{method.upper()}\n{path}\n".encode() + body
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def guard_for(key, partner: PartnerInfo, nonce: str) -> remaining.Guard:
    prefix = f"scenic:{settings.SITE_NAME}:tk"
    return remaining.Guard(
        nonce_key=f"{prefix}:nonce:{partner.id}:{nonce}",
        nonce_ttl=NONCE_TTL,
        rate_key=f"{prefix}:rate:{partner.id}:{int(time.time() // 60)}" if key.rate_limit_per_minute else "",
        rate_limit=key.rate_limit_per_minute,
    )


def refusal(outcome: str) -> Exception:
    if outcome == "replayed":
        return TicketingError(Code.REPLAYED_REQUEST)
    return exceptions.Throttled(wait=60 - int(time.time() % 60))


def verify_request(request, *, defer_guard: bool = False):
    """Check a partner request (a Django HttpRequest): key, signature, timestamp; then the guard.

    Returns (api key, partner, guard). With `defer_guard` the guard (nonce, rate limit) is not run
    here: the booking runs it in its own Redis round trip. Raises TicketingError, or DRF's
    AuthenticationFailed / NotAuthenticated / Throttled (the API maps them to JSON errors).
    """
    secret = apikeys.secret_from_request(request)
    if secret is None:
        raise exceptions.NotAuthenticated()
    key = apikeys.verify(secret)
    if key is None:
        exc = exceptions.AuthenticationFailed(str(CORE_MESSAGES[CoreCode.INVALID_API_KEY]))
        exc.scenic_code = CoreCode.INVALID_API_KEY
        raise exc
    partner = partner_for_key(key.pk)
    if partner is None or not partner.active:
        raise TicketingError(Code.PARTNER_INACTIVE)
    meta = request.META
    timestamp = meta.get("HTTP_X_TIMESTAMP", "")
    nonce = meta.get("HTTP_X_NONCE", "")
    given = meta.get("HTTP_X_SIGNATURE", "")
    if not (timestamp and nonce and given) or not 8 <= len(nonce) <= 64:
        raise TicketingError(Code.BAD_SIGNATURE)
    try:
        skew = abs(time.time() - int(timestamp))
    except ValueError:
        raise TicketingError(Code.STALE_REQUEST) from None
    if skew > CLOCK_SKEW:
        raise TicketingError(Code.STALE_REQUEST)
    expected = signature(partner.secret, timestamp, nonce, request.method, request.get_full_path(), request.body)
    if not hmac.compare_digest(expected, given.strip().lower()):
        raise TicketingError(Code.BAD_SIGNATURE)
    guard = guard_for(key, partner, nonce)
    if not defer_guard and remaining.check(guard) in ("replayed", "rate_limited"):
        raise refusal(guard.outcome)
    return key, partner, guard


class PartnerAuthentication(authentication.BaseAuthentication):
    """DRF authentication for the partner views (see `verify_request`)."""

    def authenticate(self, request):
        if apikeys.secret_from_request(request) is None:
            return None
        view = (request.parser_context or {}).get("view")
        defer = getattr(view, "defer_guard", False)
        key, partner, guard = verify_request(request._request, defer_guard=defer)
        if defer:
            request.partner_guard = guard  # the view runs it with the booking's own Redis call
        request.partner = partner
        return apikeys.ApiKeyUser(key), key

    def authenticate_header(self, request) -> str:
        return "ApiKey"
