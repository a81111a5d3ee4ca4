"""Checking a booking request before anything is written: slot, products, prices, people, limits.

`prepare()` is the one validation every channel's booking goes through (web, counter, partner
API, agency upload, staff-assisted). It reads only the cached catalogue and day layout, and
whether ticketing's sale of the day is stopped (`halts`), and returns the lines to write with
the buckets each takes. A refusal raises `TicketingError` with a stable code; nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from scenic_ops.ticketing import catalog, halts, idcard, inventory
from scenic_ops.ticketing.errors import Code, TicketingError
from scenic_ops.ticketing.models import Bucket, Channel

MAX_TICKETS = 50
MAX_GROUP_TICKETS = 300
PHONE = re.compile(r"^1[3-9]\d{9}$")
ALLOTMENT_OF_CHANNEL = {
    Channel.AGENCY: Bucket.Allotment.AGENCY,
    Channel.COUNTER: Bucket.Allotment.OFFLINE,
    Channel.STAFF: Bucket.Allotment.OFFLINE,
}


# --- a booking request, as every channel gives it ------------------------------------------------
@dataclass
class VisitorIn:
    name: str
    id_type: str
    id_number: str
    phone: str = ""


@dataclass
class ItemIn:
    product: str | int
    category: str | int
    visitors: list[VisitorIn] = field(default_factory=list)
    quantity: int | None = None


@dataclass
class PartnerRef:
    id: int
    code: str
    prepaid: bool = True
    products: frozenset[int] = frozenset()  # empty: every product


@dataclass
class BookingRequest:
    slot_id: int
    items: list[ItemIn]
    channel: str = Channel.WEB
    contact_name: str = ""
    contact_phone: str = ""
    partner: PartnerRef | None = None
    external_id: str | None = None
    confirm: bool = False  # paid at once (counter, prepaid partner); otherwise a hold
    payment_method: str = ""
    created_by_id: int | None = None
    group_name: str = ""
    language: str = "zh-hans"
    notify_sms: bool = False


@dataclass
class Line:
    """One ticket to write: what it is, for whom, at which price, taking which buckets."""

    product: catalog.ProductInfo
    category: catalog.CategoryInfo
    price: Decimal
    visitor: VisitorIn
    info: idcard.IdInfo
    name: str
    check_document: str
    takes: list[inventory.Take]
    scopes: list[tuple[str, int]]  # (scope, limit)


def _fail(code: Code, **context) -> TicketingError:
    return TicketingError(code, **context)


def _int(value, *, low: int, high: int) -> int | None:
    """A whole number within bounds (ints, or strings of digits from forms), else None."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if low <= number <= high else None


def _takes_for(
    parts: list[catalog.ProductInfo], slot: inventory.SlotInfo, day: inventory.DayLayout, channel: str
) -> tuple[list[inventory.Take], list[inventory.Take] | None]:
    """The takes of one ticket: (from the channel's allotment if it has one, public fallback)."""
    public: dict[int, inventory.Take] = {}
    site = False
    for part in parts:
        if part.own_slots:
            if slot.product_id != part.id or not slot.bucket:
                raise _fail(Code.PRODUCT_NOT_IN_SLOT)
            public[slot.bucket] = inventory.Take(slot.bucket, 1)
        elif slot.product_id is not None:
            raise _fail(Code.PRODUCT_NOT_IN_SLOT)
        if part.draws_site:
            if not day.day_bucket or not slot.bucket or slot.product_id is not None:
                raise _fail(Code.PRODUCT_NOT_IN_SLOT)
            site = True
        if part.per_slot_capacity:
            bucket = day.product_buckets.get((slot.id, part.id))
            if not bucket:
                raise _fail(Code.PRODUCT_NOT_IN_SLOT)
            public[bucket] = inventory.Take(bucket, 1)
    allotted = None
    if site:
        public[day.day_bucket] = inventory.Take(day.day_bucket, 1)
        public[slot.bucket] = inventory.Take(slot.bucket, 1)
        key = ALLOTMENT_OF_CHANNEL.get(channel)
        allotment = day.allotments.get((slot.id, key)) if key else None
        if allotment:
            allotted = [t for b, t in public.items() if b not in (day.day_bucket, slot.bucket)]
            allotted += [
                inventory.Take(day.day_bucket, 1, -1),
                inventory.Take(slot.bucket, 1, -1),
                inventory.Take(allotment, 1, 0, allotment=True),
            ]
    return list(public.values()), allotted


def prepare(req: BookingRequest, *, now: dt.datetime) -> tuple[inventory.SlotInfo, list[Line], list[Line]]:
    """Validate the request; nothing is written. Returns the slot and the lines (public, allotted)."""
    slot = inventory.slot(req.slot_id) if isinstance(req.slot_id, int) else None
    if slot is None:
        raise _fail(Code.UNKNOWN_SLOT)
    if slot.ends_at <= now:
        raise _fail(Code.SLOT_PAST)
    if halts.stopped(slot.date):  # a visitor-flow warning (or an operator) stopped the day's sale
        raise _fail(Code.SALES_HALTED)
    if not req.items:
        raise _fail(Code.INVALID_QUANTITY, max=MAX_TICKETS)
    limit = MAX_GROUP_TICKETS if req.channel == Channel.AGENCY else MAX_TICKETS
    day = inventory.layout(slot.date)
    cat = catalog.get()
    price_day = catalog.day_type(slot.date, peak=day.peak)
    lines: list[Line] = []
    allotted_lines: list[Line] = []
    use_allotment = True
    for item in req.items:
        quantity = len(item.visitors) if item.quantity is None else _int(item.quantity, low=1, high=limit)
        if quantity is None or quantity < 1:
            raise _fail(Code.INVALID_QUANTITY, max=limit)
        if quantity != len(item.visitors):
            raise _fail(Code.VISITORS_MISMATCH)
        product = cat.product(item.product)
        if product is None or not product.active:
            raise _fail(Code.UNKNOWN_PRODUCT, product=str(item.product)[:40])
        if req.partner is not None and req.partner.products and product.id not in req.partner.products:
            raise _fail(Code.PRODUCT_NOT_ALLOWED)
        category = cat.category(item.category)
        if category is None or not category.active:
            raise _fail(Code.UNKNOWN_CATEGORY, category=str(item.category)[:40])
        if category.group_only and req.channel != Channel.AGENCY:
            raise _fail(Code.GROUP_ONLY, category=category.label)
        price = cat.price(product, category, price_day)
        if price is None:
            raise _fail(Code.NO_PRICE, product=product.label, category=category.label)
        parts = cat.parts(product)
        public_takes, allotment_takes = _takes_for(parts, slot, day, req.channel)
        if allotment_takes is None:
            use_allotment = False
        scopes = sorted({(p.scope, p.id_limit) for p in parts if p.id_limit})
        for visitor in item.visitors:
            name = " ".join((visitor.name or "").split())
            if not 1 <= len(name) <= 40:
                raise _fail(Code.INVALID_NAME)
            info = idcard.validate(visitor.id_type, visitor.id_number, today=timezone.localdate(now))
            phone = (visitor.phone or "").strip()
            if phone and not PHONE.match(phone):
                raise _fail(Code.INVALID_PHONE)
            check = ""
            if category.age_based:
                age = info.age_on(slot.date)
                if age is None:
                    check = category.document_label or category.label
                elif not category.accepts_age(age):
                    raise _fail(Code.NOT_ELIGIBLE, category=category.label)
            if category.needs_document:
                check = category.document_label or category.label
            base = {
                "product": product,
                "category": category,
                "price": price,
                "visitor": visitor,
                "info": info,
                "name": name,
            }
            lines.append(Line(**base, check_document=check, takes=public_takes, scopes=scopes))
            allotted_lines.append(Line(**base, check_document=check, takes=allotment_takes or [], scopes=scopes))
    if len(lines) > limit:
        raise _fail(Code.TOO_MANY_TICKETS, max=limit)
    if req.contact_phone and not PHONE.match(req.contact_phone.strip()):
        raise _fail(Code.INVALID_PHONE)
    claims: dict[tuple[str, str], int] = {}
    for line in lines:
        for scope, most in line.scopes:
            key = (line.info.number, scope)
            claims[key] = claims.get(key, 0) + 1
            if claims[key] > most:
                raise _fail(Code.ID_LIMIT_REACHED)
    return slot, lines, (allotted_lines if use_allotment else [])
