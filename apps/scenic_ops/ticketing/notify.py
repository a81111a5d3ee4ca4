"""Messages to visitors (SMS through the outbox) and the phone + code look-up of orders."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from scenic_ops.core import outbox, pii
from scenic_ops.ticketing.errors import Code, TicketingError
from scenic_ops.ticketing.remaining import redis_client

CODE_TTL = 300
CODE_ATTEMPTS = 5
SEND_INTERVAL = 60
SENDS_PER_HOUR = 5


def public_url(path: str) -> str:
    base = str(settings.SITE.get("web", "public_url", "http://127.0.0.1:8000")).rstrip("/")
    return f"{base}{path}"


def order_key(number: str) -> str:
    """The secret part of an order's link (so a link in an SMS opens it without logging in)."""
    return hmac.new(settings.SECRET_KEY.encode(), f"tk-order:{number}".encode(), hashlib.sha256).hexdigest()[:16]


def order_path(number: str) -> str:
    return f"/o/{number}/{order_key(number)}/"


def tickets_sms(order_id: int) -> None:
    """Tell the contact phone that the tickets are ready, with a link (call inside the transaction)."""
    from scenic_ops.ticketing.models import Order

    order = Order.objects.select_related().get(pk=order_id)
    if not order.contact_phone_enc:
        return
    phone = pii.decrypt(order.contact_phone_enc, context="phone")
    first = order.tickets.select_related("slot").first()
    with translation.override(order.language or "zh-hans"):
        body = _(
            "%(site)s: order %(number)s is confirmed, %(count)s ticket(s) for %(date)s %(start)s. Tickets: %(url)s"
        ) % {
            "site": settings.SITE.get("profile", "name", settings.SITE_NAME),
            "number": order.number,
            "count": order.ticket_count,
            "date": order.visit_date.isoformat(),
            "start": first.slot.start.strftime("%H:%M") if first else "",
            "url": public_url(order_path(order.number)),
        }
    outbox.enqueue("sms", phone, body=body, dedupe_key=f"tk:sms:{order.number}", source=f"ticketing:{order.number}")


def _key(kind: str, phone_index: str) -> str:
    return f"scenic:{settings.SITE_NAME}:tk:{kind}:{phone_index}"


def send_lookup_code(phone: str, *, language: str = "zh-hans") -> None:
    """Send a 6-digit code to look up this phone's orders (rate-limited per phone)."""
    from scenic_ops.ticketing.validation import PHONE

    phone = phone.strip()
    if not PHONE.match(phone):
        raise TicketingError(Code.INVALID_PHONE)
    index = pii.blind_index(phone, kind="phone")
    r = redis_client()
    if not r.set(_key("sent", index), 1, nx=True, ex=SEND_INTERVAL):
        raise TicketingError(Code.TOO_MANY_CODES)
    hour = _key(f"hour{int(timezone.now().timestamp()) // 3600}", index)
    if r.incr(hour) > SENDS_PER_HOUR:
        raise TicketingError(Code.TOO_MANY_CODES)
    r.expire(hour, 3600)
    code = f"{secrets.randbelow(1_000_000):06d}"
    r.set(_key("code", index), _hash(code, index), ex=CODE_TTL)
    r.delete(_key("tries", index))
    with translation.override(language):
        body = _("Your verification code is %(code)s (valid for 5 minutes). Do not share it.") % {"code": code}
    outbox.enqueue("sms", phone, body=body, source="ticketing:lookup")


def _hash(code: str, index: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{index}:{code}".encode(), hashlib.sha256).hexdigest()


def check_lookup_code(phone: str, code: str) -> str:
    """The phone's blind index when the code is right; raise otherwise (five tries per code)."""
    index = pii.blind_index(phone.strip(), kind="phone")
    r = redis_client()
    stored = r.get(_key("code", index))
    tries = r.incr(_key("tries", index))
    r.expire(_key("tries", index), CODE_TTL)
    if stored is None or tries > CODE_ATTEMPTS or not hmac.compare_digest(stored.decode(), _hash(code.strip(), index)):
        raise TicketingError(Code.BAD_CODE)
    r.delete(_key("code", index), _key("tries", index))
    return index
