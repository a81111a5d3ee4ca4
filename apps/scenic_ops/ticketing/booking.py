"""Booking: from any channel, one order of real-name tickets in one time slot.

`book()` checks everything it can before touching the database (`validation.prepare`: slot,
products, prices, ID numbers, eligibility, per-ID limits within the request), then writes the
order in ONE round trip, whoever calls it: a MariaDB compound statement (`sql.booking_block`)
that INSERTs the order, its tickets and the per-ID claims, takes every capacity bucket in one
conditional UPDATE — last, so the hot rows are locked only for the UPDATE and the COMMIT — and
writes the counter payment and the order's audit row. Any refusal rolls all of it back: a
failed booking changes nothing. Inside a caller's transaction (an Idempotency-Key request, a
counter sale that also sends an SMS, a test) the same statement is a savepoint of it
(`core.sqlblock`). See docs/adr/0007-inventory-locking.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from scenic_ops.core import audit, pii, sqlblock
from scenic_ops.core import sql as core_sql
from scenic_ops.core.audit import Actor
from scenic_ops.core.models import AuditEvent
from scenic_ops.core.sqlvalues import render, utc_naive
from scenic_ops.ticketing import inventory, remaining, sql, tokens
from scenic_ops.ticketing.errors import Code, TicketingError
from scenic_ops.ticketing.models import Order, Ticket
from scenic_ops.ticketing.validation import (  # noqa: F401  (the request shapes are booking's API)
    MAX_GROUP_TICKETS,
    MAX_TICKETS,
    PHONE,
    BookingRequest,
    ItemIn,
    Line,
    PartnerRef,
    VisitorIn,
    prepare,
)

log = logging.getLogger(__name__)

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
DEADLOCK, LOCK_WAIT, DUPLICATE, CHECK_FAILED = 1213, 1205, 1062, 4025
COUNTER_METHODS = ("cash", "card", "qr")


@dataclass
class BookedTicket:
    id: int
    code: str
    token: str
    product: str
    category: str
    price: Decimal
    name_masked: str
    id_number_masked: str
    check_document: str = ""


@dataclass
class Booking:
    order_id: int
    number: str
    status: str
    total: Decimal
    visit_date: dt.date
    slot_id: int
    start: dt.time
    end: dt.time
    hold_expires_at: dt.datetime | None
    tickets: list[BookedTicket]
    external_id: str | None = None
    replayed: bool = False


def random_code(length: int) -> str:
    raw = int.from_bytes(secrets.token_bytes(8), "big")
    return "".join(ALPHABET[(raw >> (5 * i)) & 31] for i in range(length))


class GuardRefused(Exception):
    """The request guard (replay nonce, rate limit) refused the request; nothing was written."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


def book(req: BookingRequest, *, now: dt.datetime | None = None, guard: remaining.Guard | None = None) -> Booking:
    """Create an order (held, or confirmed when `req.confirm`) drawing from the shared inventory.

    `guard` (a partner request's nonce and rate limit) is checked in the same Redis round trip
    that announces the pending places. With `req.notify_sms` the tickets' SMS goes into the
    outbox in the same transaction as the order.
    """
    now = now or timezone.now()
    slot, lines, allotted = prepare(req, now=now)
    if req.notify_sms and req.confirm and req.contact_phone:
        from scenic_ops.ticketing.notify import tickets_sms

        with transaction.atomic():
            booking = _book(req, slot, lines, allotted, now=now, guard=guard)
            if not booking.replayed:
                tickets_sms(booking.order_id)
            return booking
    return _book(req, slot, lines, allotted, now=now, guard=guard)


def _book(req, slot, lines, allotted, *, now, guard) -> Booking:
    if allotted:
        try:
            return _write(req, slot, allotted, now=now, guard=guard)
        except TicketingError as exc:
            if exc.code != Code.SOLD_OUT:
                raise
            # The channel's allotment is used up: sell from the public pool like everyone else.
    return _write(req, slot, lines, now=now, guard=guard)


# --- the rows ------------------------------------------------------------------------------------
def _hold_until(req: BookingRequest, lines: list[Line], now: dt.datetime) -> dt.datetime | None:
    return None if req.confirm else now + dt.timedelta(minutes=min(line.product.hold_minutes for line in lines))


def _order_row(req: BookingRequest, slot, lines: list[Line], number: str, now: dt.datetime) -> dict:
    status = Order.Status.CONFIRMED if req.confirm else Order.Status.HELD
    name = " ".join(req.contact_name.split())[:60]
    phone = req.contact_phone.strip()
    return {
        "number": number,
        "channel": req.channel,
        "partner_id": req.partner.id if req.partner else None,
        "external_id": req.external_id,
        "status": status,
        "visit_date": slot.date,
        "ticket_count": len(lines),
        "total": sum((line.price for line in lines), Decimal("0")),
        "refunded_amount": Decimal("0"),
        "payment_method": req.payment_method if req.confirm else "",
        "contact_name_enc": pii.encrypt(name, context="name") if name else None,
        "contact_name_masked": pii.mask_name(name) if name else "",
        "contact_phone_enc": pii.encrypt(phone, context="phone") if phone else None,
        "contact_phone_index": pii.blind_index(phone, kind="phone") if phone else "",
        "contact_phone_masked": pii.mask_phone(phone) if phone else "",
        "group_name": req.group_name[:120],
        "language": req.language[:8],
        "hold_expires_at": utc_naive(_hold_until(req, lines, now)),
        "created_at": utc_naive(now),
        "confirmed_at": utc_naive(now) if req.confirm else None,
        "created_by_id": req.created_by_id,
    }


def _ticket_row(line: Line, slot, code: str, status: str, now: dt.datetime) -> dict:
    info = line.info
    phone = (line.visitor.phone or "").strip()
    return {
        "code": code,
        "product_id": line.product.id,
        "category_id": line.category.id,
        "slot_id": slot.id,
        "date": slot.date,
        "price": line.price,
        "status": status,
        "id_type": info.id_type,
        "id_number_enc": pii.encrypt(info.number, context="id"),
        "id_number_index": pii.blind_index(info.number, kind="id"),
        "id_number_masked": pii.mask_id_number(info.number),
        "name_enc": pii.encrypt(line.name, context="name"),
        "name_masked": pii.mask_name(line.name),
        "phone_enc": pii.encrypt(phone, context="phone") if phone else None,
        "phone_masked": pii.mask_phone(phone) if phone else "",
        "region_code": info.region_code,
        "birth_year": info.birth_date.year if info.birth_date else None,
        "sex": info.sex,
        "check_document": line.check_document[:60],
        "takes": inventory.encode(inventory.merge(line.takes)),
        "claim_scope": ",".join(s for s, _m in line.scopes),
        "uses_allowed": line.product.uses,
        "used_count": 0,
        "created_at": utc_naive(now),
        "personal_data_purged": False,
    }


def _claims(tickets: list[dict], lines: list[Line], date: dt.date) -> list[dict]:
    counts: dict[tuple[str, str], list[int]] = {}
    for ticket, line in zip(tickets, lines, strict=True):
        for scope, most in line.scopes:
            entry = counts.setdefault((ticket["id_number_index"], scope), [0, most])
            entry[0] += 1
    return [
        {"id_index": index, "date": date, "scope": scope, "count": count, "max_count": most}
        for (index, scope), (count, most) in sorted(counts.items())
    ]


def _actor(req: BookingRequest) -> Actor | None:
    if req.partner is not None:
        return Actor(None, f"partner:{req.partner.code}")
    return audit.current_actor()


def _audit_row(req: BookingRequest, order: dict, tickets: list[dict], now: dt.datetime) -> dict:
    changes = {
        "status": [None, order["status"]],
        "channel": [None, order["channel"]],
        "visit_date": [None, order["visit_date"].isoformat()],
        "total": [None, str(order["total"])],
        "tickets": [None, [t["code"] for t in tickets]],
    }
    return audit.row_for(
        AuditEvent.Action.CREATE, Order, object_repr=order["number"], changes=changes, at=now, actor=_actor(req)
    )


# --- the write -----------------------------------------------------------------------------------
def _write(req: BookingRequest, slot: inventory.SlotInfo, lines: list[Line], *, now, guard) -> Booking:
    number = f"{timezone.localtime(now):%y%m%d}{random_code(8)}"
    order = _order_row(req, slot, lines, number, now)
    ticket_status = Ticket.Status.VALID if req.confirm else Ticket.Status.HELD
    tickets = [_ticket_row(line, slot, random_code(12), ticket_status, now) for line in lines]
    takes = [t for line in lines for t in line.takes]
    pending = remaining.pend(slot.date, takes, guard=guard if guard is not None and not guard.outcome else None)
    if guard is not None and guard.outcome in ("replayed", "rate_limited"):
        raise GuardRefused(guard.outcome)
    payment = None
    if req.confirm and req.payment_method in COUNTER_METHODS:
        from scenic_ops.ticketing.payments import counter_payment_row

        payment = counter_payment_row(order["total"], req.payment_method, req.created_by_id, now)
    merged = inventory.bucket_takes(takes)
    block, params = sql.booking_block(
        order=order,
        tickets=tickets,
        claims=_claims(tickets, lines, slot.date),
        takes=merged,
        payment=payment,
        audit=core_sql.audit_insert(_audit_row(req, order, tickets, now), object_id_sql="@tk_order"),
    )
    connection.ensure_connection()
    text = render(block, params, connection.connection)
    written = None
    try:
        for attempt in range(4):
            try:
                with connection.cursor() as cur:
                    written = sql.booked_rows(sqlblock.run(cur, text), slot.date)
                break
            except DatabaseError as exc:
                errno = exc.args[0] if exc.args else None
                if errno == CHECK_FAILED and sql.CLAIM_CHECK in str(exc):
                    raise TicketingError(Code.ID_LIMIT_REACHED) from None
                if errno == DUPLICATE and req.external_id and sql.EXTERNAL_ID_UNIQUE in str(exc):
                    return _replay(req, slot, lines)
                # A deadlock victim's transaction is gone; inside a caller's transaction, that is theirs to retry.
                if errno in (DEADLOCK, LOCK_WAIT) and attempt < 3 and not connection.in_atomic_block:
                    continue
                raise
        if written is None:
            raise inventory.diagnose([t.bucket for t in merged])
    finally:
        if written is not None:  # published once the outermost transaction commits (at once without one)
            rows = written.buckets
            transaction.on_commit(lambda: remaining.publish_rows(rows, pending=pending))
        else:
            remaining.publish(None, pending=pending)
    booked = []
    for row, line, ticket_id in zip(tickets, lines, written.ticket_ids, strict=True):
        token = tokens.sign(
            row["code"], slot.date, slot.start, slot.end, line.product.code, line.category.code, line.product.uses
        )
        booked.append(
            BookedTicket(
                ticket_id,
                row["code"],
                token,
                line.product.code,
                line.category.code,
                line.price,
                row["name_masked"],
                row["id_number_masked"],
                line.check_document,
            )
        )
    return Booking(
        order_id=written.order_id,
        number=number,
        status=order["status"],
        total=order["total"],
        visit_date=slot.date,
        slot_id=slot.id,
        start=slot.start,
        end=slot.end,
        hold_expires_at=_hold_until(req, lines, now),
        tickets=booked,
        external_id=req.external_id,
    )


# --- a partner's retry ----------------------------------------------------------------------------
def _replay(req: BookingRequest, slot, lines: list[Line]) -> Booking:
    """The partner sent a create for an order id it already used: the first answer if it is the same
    order (a retry), refused with `external_id_conflict` if it is a different one."""
    order = Order.objects.filter(partner_id=req.partner.id, external_id=req.external_id).first()
    if order is None or not _same_order(order, req, slot, lines):
        raise TicketingError(Code.EXTERNAL_ID_CONFLICT)
    booking = describe(order)
    booking.replayed = True
    return booking


def _same_order(order: Order, req: BookingRequest, slot, lines: list[Line]) -> bool:
    """Does this request describe the order already stored (same slot, tickets, visitors, contact)?"""
    stored = list(order.tickets.values_list("slot_id", "product_id", "category_id", "id_number_index", "name_enc"))
    if order.ticket_count != len(lines) or any(row[0] != slot.id for row in stored):
        return False
    phone = req.contact_phone.strip()
    if (pii.blind_index(phone, kind="phone") if phone else "") != order.contact_phone_index:
        return False
    asked = sorted(
        (line.product.id, line.category.id, pii.blind_index(line.info.number, kind="id"), line.name) for line in lines
    )
    have = sorted((p, c, index, pii.decrypt(name, context="name")) for _s, p, c, index, name in stored)
    return asked == have


def describe(order: Order) -> Booking:
    """A Booking (with signed tokens) for an existing order."""
    tickets = list(order.tickets.select_related("product", "category", "slot").order_by("id"))
    slot = tickets[0].slot if tickets else None
    return Booking(
        order_id=order.id,
        number=order.number,
        status=order.status,
        total=order.total,
        visit_date=order.visit_date,
        slot_id=slot.id if slot else 0,
        start=slot.start if slot else dt.time(0),
        end=slot.end if slot else dt.time(0),
        hold_expires_at=order.hold_expires_at,
        external_id=order.external_id,
        tickets=[
            BookedTicket(
                t.id,
                t.code,
                token_of(t),
                t.product.code,
                t.category.code,
                t.price,
                t.name_masked,
                t.id_number_masked,
                t.check_document,
            )
            for t in tickets
        ],
    )


def token_of(ticket: Ticket) -> str:
    slot = ticket.slot
    return tokens.sign(
        ticket.code, ticket.date, slot.start, slot.end, ticket.product.code, ticket.category.code, ticket.uses_allowed
    )
