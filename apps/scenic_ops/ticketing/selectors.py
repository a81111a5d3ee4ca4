"""Reads: remaining places, the price and inventory calendar, look-ups, reports."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from scenic_ops.core import pii
from scenic_ops.core.dbrouter import reporting_db
from scenic_ops.ticketing import catalog, halts, idcard, inventory, remaining
from scenic_ops.ticketing.models import Order, Ticket

OPEN, CLOSED, SOLD_OUT, PAST, UNAVAILABLE = "open", "closed", "sold_out", "past", "unavailable"
UNLIMITED = 10**9


def _product_remaining(
    product: catalog.ProductInfo,
    cat: catalog.Catalog,
    slot: inventory.SlotInfo,
    day: inventory.DayLayout,
    states: dict[int, remaining.BucketState],
    site_free: int,
) -> int | None:
    """Places left for this product in this slot; None when the slot does not sell it."""
    remaining = UNLIMITED
    for part in cat.parts(product):
        if part.own_slots:
            if slot.product_id != part.id:
                return None
            state = states.get(slot.bucket)
            remaining = min(remaining, state.free if state else 0)
            continue
        if slot.product_id is not None:
            return None
        if part.draws_site:
            remaining = min(remaining, site_free)
        if part.per_slot_capacity:
            bucket = day.product_buckets.get((slot.id, part.id))
            if bucket is None:
                return None
            state = states.get(bucket)
            remaining = min(remaining, state.free if state else 0)
    return remaining


_rendered: dict[dt.date, tuple[tuple, dt.datetime, bytes]] = {}


def availability_json(date: dt.date, *, now: dt.datetime | None = None) -> bytes:
    """`availability` as JSON bytes. The rendering is reused while the Redis state it came from,
    the catalogue and the layout are the same objects and no slot has ended since: the answer is
    a pure function of those, so reuse never shows a stale number."""
    now = now or timezone.now()
    day = inventory.layout(date)
    if not day.slots or not day.day_bucket:
        return json.dumps(availability(date, now=now), separators=(",", ":")).encode()
    raw = remaining.read_raw(date)
    cat = catalog.get()
    halted = halts.stopped(date)
    key = (raw, day.loaded, cat.loaded, halted)  # load stamps, not id(): a freed object's id can be reused
    hit = _rendered.get(date)
    if raw is not None and hit is not None and hit[0] == key and now < hit[1]:
        return hit[2]
    states, token = remaining.view_with_token(date, day.bucket_ids, raw)
    key = (token, day.loaded, cat.loaded, halted)
    body = json.dumps(_availability(date, now, day, states, cat, halted), separators=(",", ":")).encode()
    upcoming = [s.ends_at for s in day.slots if s.ends_at > now]
    if token is not None:
        _rendered[date] = (key, min(upcoming) if upcoming else now, body)
    return body


def availability(date: dt.date, *, now: dt.datetime | None = None) -> dict:
    """What visitors and partners poll: per time slot, places left (never more than really remain)."""
    now = now or timezone.now()
    day = inventory.layout(date)
    if not day.slots or not day.day_bucket:
        return {
            "date": date.isoformat(),
            "status": UNAVAILABLE,
            "remaining": 0,
            "note": day.note,
            "halted": False,
            "slots": [],
        }
    return _availability(date, now, day, remaining.view(date, day.bucket_ids), catalog.get(), halts.stopped(date))


def _availability(date, now, day, states, cat, halted=False) -> dict:
    day_state = states.get(day.day_bucket)
    # A sales halt (visitor flow at its limit) shows the day closed; the places come back when it ends.
    day_closed = bool(day_state and day_state.closed) or halted
    day_free = day_state.free if day_state else 0
    products = sorted((p for p in cat.products.values() if p.active), key=lambda p: (p.sort_order, p.code))
    slots = []
    total = 0
    for slot in day.slots:
        state = states.get(slot.bucket)
        if slot.product_id is None:
            free = min(day_free, state.free if state else 0)
        else:
            free = state.free if state else 0
        if slot.ends_at <= now:
            status = PAST
        elif day_closed or (state and state.closed):
            status = CLOSED
        elif free <= 0:
            status = SOLD_OUT
        else:
            status = OPEN
        remaining = free if status == OPEN else 0
        per_product = {}
        for product in products:
            left = _product_remaining(product, cat, slot, day, states, free)
            if left is not None:
                per_product[product.code] = min(left, UNLIMITED) if status == OPEN else 0
        entry = {
            "id": slot.id,
            "start": slot.start.strftime("%H:%M"),
            "end": slot.end.strftime("%H:%M"),
            "remaining": remaining,
            "status": status,
            "products": per_product,
        }
        if slot.product_id is not None:
            entry["product"] = cat.products[slot.product_id].code if slot.product_id in cat.products else ""
        else:
            total += remaining
        slots.append(entry)
    if day_closed:
        day_status = CLOSED
    elif all(s["status"] == PAST for s in slots):
        day_status = PAST
    elif min(total, day_free) <= 0:
        day_status = SOLD_OUT
    else:
        day_status = OPEN
    return {
        "date": date.isoformat(),
        "status": day_status,
        "remaining": min(total, day_free) if day_status == OPEN else 0,
        "note": day.note,
        "halted": halted,
        "slots": slots,
    }


def booked_per_day(start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """Tickets that admit to the scenic area (admission, or a bundle holding it), sold — held, valid
    or used — per visit day, `start` to `end` inclusive.

    Visitor flow's forecasts read this as the booked floor of each coming day.
    """
    cat = catalog.get()
    admitting = [p.id for p in cat.products.values() if any(part.kind == "admission" for part in cat.parts(p))]
    rows = (
        Ticket.objects.using(reporting_db())
        .filter(
            date__range=(start, end),
            status__in=(Ticket.Status.HELD, Ticket.Status.VALID, Ticket.Status.USED),
            product_id__in=admitting,
        )
        .values_list("date")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def price_calendar(start: dt.date, days: int, *, product_code: str | None = None) -> list[dict]:
    """Per day: status, places left per product, and prices per category (the OTA calendar)."""
    cat = catalog.get()
    out = []
    for offset in range(days):
        date = start + dt.timedelta(days=offset)
        info = availability(date)
        day = inventory.layout(date)
        day_type = catalog.day_type(date, peak=day.peak)
        products = {}
        for product in sorted(cat.products.values(), key=lambda p: (p.sort_order, p.code)):
            if not product.active or (product_code and product.code != product_code):
                continue
            left = sum(s["products"].get(product.code, 0) for s in info["slots"])
            prices = {}
            for category in cat.categories_for(product):
                amount = cat.price(product, category, day_type)
                if amount is not None and category.active:
                    prices[category.code] = str(amount)
            products[product.code] = {"remaining": min(left, info["remaining"] or left), "prices": prices}
        out.append({"date": date.isoformat(), "status": info["status"], "day_type": day_type, "products": products})
    return out


def sales_stopped(day: dt.date | None = None) -> bool:
    """Whether the sale of `day`'s remaining slots is stopped (a red visitor-flow level, an operator)."""
    return halts.stopped(day)


def find_tickets(query: str, *, limit: int = 20) -> list[Ticket]:
    """Tickets by code, by a scanned QR token, or by ID number (blind index: nothing decrypted)."""
    from scenic_ops.ticketing import tokens

    query = (query or "").strip()
    if not query:
        return []
    qs = Ticket.objects.select_related("product", "category", "slot", "order").order_by("-date", "-id")
    if query.startswith("SO1."):
        try:
            claims = tokens.verify(query)
        except tokens.InvalidToken:
            return []
        return list(qs.filter(code=claims.code)[:1])
    by_code = list(qs.filter(code=query.upper())[:1])
    if by_code:
        return by_code
    number = idcard.normalise(query)
    if not number:
        return []
    return list(qs.filter(id_number_index=pii.blind_index(number, kind="id"))[:limit])


def channel_labels() -> dict[str, str]:
    """{channel code: its label} of the sales channels (web, counter, partner …)."""
    from scenic_ops.ticketing.models import Channel

    return {code: str(label) for code, label in Channel.choices}


def orders_for_phone_index(index: str, *, limit: int = 50):
    return (
        Order.objects.filter(contact_phone_index=index)
        .order_by("-created_at")
        .prefetch_related("tickets__product", "tickets__slot", "tickets__category")[:limit]
    )


# --- reports -------------------------------------------------------------------------------
def daily_sales(start: dt.date, end: dt.date) -> list[dict]:
    """Per sale day, channel and product: tickets sold, gross, refunded, net (CNY), by confirmation date."""
    tz = timezone.get_current_timezone()
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz)
    finish = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), tz)
    db = reporting_db()
    rows = (
        Ticket.objects.using(db)
        .filter(order__confirmed_at__gte=begin, order__confirmed_at__lt=finish)
        .values("order__confirmed_at", "order__channel", "product__code", "product__name", "status", "price")
    )
    table: dict[tuple, dict] = defaultdict(
        lambda: {"tickets": 0, "gross": Decimal("0"), "refunded_tickets": 0, "refunded": Decimal("0")}
    )
    for row in rows.iterator(chunk_size=5000):
        day = timezone.localtime(row["order__confirmed_at"], tz).date()
        key = (day, row["order__channel"], row["product__code"], row["product__name"])
        entry = table[key]
        entry["tickets"] += 1
        entry["gross"] += row["price"]
        if row["status"] == Ticket.Status.REFUNDED:
            entry["refunded_tickets"] += 1
    refunds = (
        Ticket.objects.using(db)
        .filter(refund__created_at__gte=begin, refund__created_at__lt=finish)
        .values(
            "order__confirmed_at",
            "order__channel",
            "product__code",
            "product__name",
            "price",
            "product__refund_fee_percent",
        )
    )
    for row in refunds.iterator(chunk_size=5000):
        day = timezone.localtime(row["order__confirmed_at"], tz).date()
        key = (day, row["order__channel"], row["product__code"], row["product__name"])
        fee = (row["price"] * row["product__refund_fee_percent"] / 100).quantize(Decimal("0.01"))
        table[key]["refunded"] += row["price"] - fee
    out = []
    for (day, channel, code, name), entry in sorted(table.items()):
        out.append(
            {
                "date": day,
                "channel": channel,
                "product": code,
                "product_name": name,
                **entry,
                "net": entry["gross"] - entry["refunded"],
            }
        )
    return out


def today_summary(now: dt.datetime | None = None) -> dict:
    """Dashboard numbers: bookings made today, visitors booked for today vs capacity, revenue by channel."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    db = reporting_db()
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min), tz)
    made = (
        Order.objects.using(db)
        .filter(created_at__gte=start)
        .aggregate(orders=Count("id"), confirmed=Count("id", filter=Q(status="confirmed")))
    )
    by_channel = dict(
        Order.objects.using(db)
        .filter(confirmed_at__gte=start)
        .values_list("channel")
        .annotate(total=Sum("total"))
        .values_list("channel", "total")
    )
    from scenic_ops.ticketing.models import Bucket

    day = Bucket.objects.using(db).filter(kind=Bucket.Kind.DAY, date=today).values("used", "capacity").first()
    return {
        "orders_today": made["orders"] or 0,
        "confirmed_today": made["confirmed"] or 0,
        "sold_today": day["used"] if day else 0,
        "capacity_today": day["capacity"] if day else 0,
        "revenue_by_channel": {k: v or Decimal("0") for k, v in by_channel.items()},
    }


# --- for demos and simulators -------------------------------------------------------------------------
def started_tickets(now: dt.datetime, *, limit: int = 400) -> list[dict]:
    """Today's valid tickets whose slot has begun, earliest first: {token, starts_at, ends_at}."""
    from scenic_ops.ticketing.booking import token_of

    tickets = (
        Ticket.objects.filter(date=timezone.localdate(now), status="valid", slot__starts_at__lte=now)
        .select_related("slot", "product", "category")
        .order_by("slot__start", "id")[:limit]
    )
    return [{"token": token_of(t), "starts_at": t.slot.starts_at, "ends_at": t.slot.ends_at} for t in tickets]


def next_bookable_slot(now: dt.datetime) -> int | None:
    """The id of today's next site-wide time slot that has not ended."""
    from scenic_ops.ticketing.models import TimeSlot

    return (
        TimeSlot.objects.filter(date=timezone.localdate(now), owner_key=0, ends_at__gt=now)
        .order_by("start")
        .values_list("id", flat=True)
        .first()
    )


def ticket_price(product_code: str, category_code: str, slot_id: int) -> Decimal:
    """The price of one ticket of `product_code` × `category_code` in a slot (what `book` will charge).

    Raises TicketingError (unknown_slot, unknown_product, unknown_category, no_price) like booking does.
    """
    from scenic_ops.ticketing.errors import Code, TicketingError

    slot = inventory.slot(int(slot_id)) if str(slot_id).isdigit() else None
    if slot is None:
        raise TicketingError(Code.UNKNOWN_SLOT)
    cat = catalog.get()
    product, category = cat.product(product_code), cat.category(category_code)
    if product is None or not product.active:
        raise TicketingError(Code.UNKNOWN_PRODUCT, product=str(product_code)[:40])
    if category is None or not category.active:
        raise TicketingError(Code.UNKNOWN_CATEGORY, category=str(category_code)[:40])
    day = inventory.layout(slot.date)
    price = cat.price(product, category, catalog.day_type(slot.date, peak=day.peak))
    if price is None:
        raise TicketingError(Code.NO_PRICE, product=product.label, category=category.label)
    return price


def order_by_number(number: str) -> Order | None:
    return Order.objects.filter(number=number).first()
