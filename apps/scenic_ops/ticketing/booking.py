"""Booking: from any channel, one order of real-name tickets in one time slot.

`book()` checks everything it can before touching the database (slot, products, prices,
ID numbers, eligibility, per-ID limits within the request), then runs one short
transaction: INSERT the order, INSERT its tickets, count the per-ID claims, and take every
capacity bucket in one conditional UPDATE — last, so the hot rows are locked only for
the UPDATE and the COMMIT. Any refusal rolls everything back: a failed booking changes
nothing. Raw SQL on purpose: this is the path every channel's peak runs through.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from pymysql import converters
from pymysql.constants import SERVER_STATUS

from scenic_ops.core import pii
from scenic_ops.flow.selectors import sales_halted
from scenic_ops.ticketing import catalog, idcard, inventory, tokens
from scenic_ops.ticketing.errors import Code, TicketingError
from scenic_ops.ticketing.models import Bucket, Channel, Order, Ticket

log = logging.getLogger(__name__)

MAX_TICKETS = 50
MAX_GROUP_TICKETS = 300
PHONE = re.compile(r"^1[3-9]\d{9}$")
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
ALLOTMENT_OF_CHANNEL = {
    Channel.AGENCY: Bucket.Allotment.AGENCY,
    Channel.COUNTER: Bucket.Allotment.OFFLINE,
    Channel.STAFF: Bucket.Allotment.OFFLINE,
}
DEADLOCK, LOCK_WAIT, DUPLICATE, CHECK_FAILED = 1213, 1205, 1062, 4025


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


def utc_naive(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass
class _Line:
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


def prepare(req: BookingRequest, *, now: dt.datetime) -> tuple[inventory.SlotInfo, list[_Line], list[_Line]]:
    """Validate the request; nothing is written. Returns the slot and the lines (public, allotted)."""
    slot = inventory.slot(req.slot_id) if isinstance(req.slot_id, int) else None
    if slot is None:
        raise _fail(Code.UNKNOWN_SLOT)
    if slot.ends_at <= now:
        raise _fail(Code.SLOT_PAST)
    if sales_halted(slot.date):  # the visitor flow warning (or an operator) stopped today's sale
        raise _fail(Code.SALES_HALTED)
    if not req.items:
        raise _fail(Code.INVALID_QUANTITY, max=MAX_TICKETS)
    limit = MAX_GROUP_TICKETS if req.channel == Channel.AGENCY else MAX_TICKETS
    day = inventory.layout(slot.date)
    cat = catalog.get()
    price_day = catalog.day_type(slot.date, peak=day.peak)
    lines: list[_Line] = []
    allotted_lines: list[_Line] = []
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
            lines.append(_Line(**base, check_document=check, takes=public_takes, scopes=scopes))
            allotted_lines.append(_Line(**base, check_document=check, takes=allotment_takes or [], scopes=scopes))
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


class GuardRefused(Exception):
    """The request guard (replay nonce, rate limit) refused the request; nothing was written."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


def book(req: BookingRequest, *, now: dt.datetime | None = None, guard: inventory.Guard | None = None) -> Booking:
    """Create an order (held, or confirmed when `req.confirm`) drawing from the shared inventory.

    `guard` (a partner request's nonce and rate limit) is checked in the same Redis round trip
    that announces the pending places.
    """
    now = now or timezone.now()
    slot, lines, allotted = prepare(req, now=now)
    if allotted:
        try:
            return _write(req, slot, allotted, now=now, guard=guard)
        except TicketingError as exc:
            if exc.code != Code.SOLD_OUT:
                raise
            # The channel's allotment is used up: sell from the public pool like everyone else.
    return _write(req, slot, lines, now=now, guard=guard)


def _order_row(req: BookingRequest, slot, lines: list[_Line], number: str, now: dt.datetime):
    status = Order.Status.CONFIRMED if req.confirm else Order.Status.HELD
    hold = None if req.confirm else now + dt.timedelta(minutes=min(line.product.hold_minutes for line in lines))
    total = sum((line.price for line in lines), Decimal("0"))
    name = " ".join(req.contact_name.split())[:60]
    phone = req.contact_phone.strip()
    return (
        status,
        hold,
        total,
        [
            number,
            req.channel,
            req.partner.id if req.partner else None,
            req.external_id,
            status,
            slot.date,
            len(lines),
            total,
            Decimal("0"),
            req.payment_method if req.confirm else "",
            pii.encrypt(name, context="name") if name else None,
            pii.mask_name(name) if name else "",
            pii.encrypt(phone, context="phone") if phone else None,
            pii.blind_index(phone, kind="phone") if phone else "",
            pii.mask_phone(phone) if phone else "",
            req.group_name[:120],
            req.language[:8],
            utc_naive(hold),
            utc_naive(now),
            utc_naive(now) if req.confirm else None,
            req.created_by_id,
        ],
    )


ORDER_SQL = (
    "INSERT INTO ticketing_order (number, channel, partner_id, external_id, status, visit_date, ticket_count, "
    "total, refunded_amount, payment_method, contact_name_enc, contact_name_masked, contact_phone_enc, "
    "contact_phone_index, contact_phone_masked, group_name, language, hold_expires_at, created_at, confirmed_at, "
    "created_by_id) VALUES (" + ",".join(["%s"] * 21) + ")"
)
TICKET_COLUMNS = (
    "code, order_id, product_id, category_id, slot_id, date, price, status, id_type, id_number_enc, "
    "id_number_index, id_number_masked, name_enc, name_masked, phone_enc, phone_masked, region_code, birth_year, "
    "sex, check_document, takes, claim_scope, uses_allowed, used_count, created_at, personal_data_purged"
)
TICKET_MARKS = "(" + ",".join(["%s"] * 26) + ")"
TICKET_MARKS_IN_BLOCK = "(%s,@tk_order," + ",".join(["%s"] * 24) + ")"


def _write(
    req: BookingRequest,
    slot: inventory.SlotInfo,
    lines: list[_Line],
    *,
    now: dt.datetime,
    guard: inventory.Guard | None = None,
) -> Booking:
    number = f"{timezone.localtime(now):%y%m%d}{random_code(8)}"
    status, hold, total, order_params = _order_row(req, slot, lines, number, now)
    ticket_status = Ticket.Status.VALID if req.confirm else Ticket.Status.HELD
    booked: list[BookedTicket] = []
    ticket_rows: list = []
    claims: dict[tuple[str, str], list[int]] = {}
    takes: list[inventory.Take] = []
    created = utc_naive(now)
    for line in lines:
        code = random_code(12)
        info, product, category = line.info, line.product, line.category
        id_index = pii.blind_index(info.number, kind="id")
        id_masked = pii.mask_id_number(info.number)
        name_masked = pii.mask_name(line.name)
        phone = (line.visitor.phone or "").strip()
        for scope, most in line.scopes:
            entry = claims.setdefault((id_index, scope), [0, most])
            entry[0] += 1
        takes.extend(line.takes)
        ticket_rows += [
            code,
            None,  # order id, filled below
            product.id,
            category.id,
            slot.id,
            slot.date,
            line.price,
            ticket_status,
            info.id_type,
            pii.encrypt(info.number, context="id"),
            id_index,
            id_masked,
            pii.encrypt(line.name, context="name"),
            name_masked,
            pii.encrypt(phone, context="phone") if phone else None,
            pii.mask_phone(phone) if phone else "",
            info.region_code,
            info.birth_date.year if info.birth_date else None,
            info.sex,
            line.check_document[:60],
            inventory.encode(inventory.merge(line.takes)),
            ",".join(s for s, _m in line.scopes),
            product.uses,
            0,
            created,
            False,
        ]
        token = tokens.sign(code, slot.date, slot.start, slot.end, product.code, category.code, product.uses)
        booked.append(
            BookedTicket(
                0, code, token, product.code, category.code, line.price, name_masked, id_masked, line.check_document
            )
        )
    pending = inventory.pend(slot.date, takes, guard=guard if guard is not None and not guard.outcome else None)
    if guard is not None and guard.outcome in ("replayed", "rate_limited"):
        raise GuardRefused(guard.outcome)
    committed = False
    rows = None
    try:
        for attempt in range(4):
            try:
                order_id, ticket_ids, rows = _transaction(
                    req, order_params, ticket_rows, claims, takes, slot, lines, now
                )
                committed = True
                break
            except DatabaseError as exc:
                errno = exc.args[0] if exc.args else None
                if errno in (DEADLOCK, LOCK_WAIT) and attempt < 3:
                    continue
                if errno == DUPLICATE and req.external_id and "tk_order_partner_external" in str(exc):
                    return _replay(req, slot, lines)
                raise
    finally:
        if committed:  # after the outermost COMMIT (at once when there is no enclosing transaction)
            if rows is not None:
                inventory.publish_rows(rows, pending=pending)
            else:
                buckets = [t.bucket for t in takes]
                transaction.on_commit(lambda: inventory.publish(buckets, pending=pending))
        else:
            inventory.publish(None, pending=pending)
    for ticket, ticket_id in zip(booked, ticket_ids, strict=True):
        ticket.id = ticket_id
    return Booking(
        order_id=order_id,
        number=number,
        status=status,
        total=total,
        visit_date=slot.date,
        slot_id=slot.id,
        start=slot.start,
        end=slot.end,
        hold_expires_at=hold,
        tickets=booked,
        external_id=req.external_id,
    )


def _transaction(req, order_params, ticket_rows, claims, takes, slot, lines, now) -> tuple[int, list[int], list | None]:
    """The booking's one short transaction.

    On its own it is ONE round trip: a MariaDB compound statement (`BEGIN NOT ATOMIC … END`)
    runs START TRANSACTION, the INSERTs, the claims, the conditional bucket UPDATE and the
    COMMIT (or ROLLBACK) in the server. Inside an enclosing atomic block (an Idempotency-Key
    request, a desk action sending an SMS) the same statements join that block instead.
    """
    if connection.in_atomic_block or req.notify_sms or not inventory.merge(takes):
        # (a product drawing no capacity bucket, e.g. an audio guide, also takes the plain path)
        with transaction.atomic(), connection.cursor() as cur:
            return (*_statements(cur, req, order_params, ticket_rows, claims, takes, slot, lines, now), None)
    with connection.cursor() as cur:
        return _block(cur, req, order_params, ticket_rows, claims, takes, slot, lines, now)


def _block(cur, req, order_params, ticket_rows, claims, takes, slot, lines, now) -> tuple[int, list[int], list]:
    sql: list[str] = [
        "BEGIN NOT ATOMIC",
        "DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;",
        "START TRANSACTION;",
        ORDER_SQL + ";",
        "SET @tk_order = LAST_INSERT_ID();",
        f"INSERT INTO ticketing_ticket ({TICKET_COLUMNS}) VALUES "
        + ",".join([TICKET_MARKS_IN_BLOCK] * len(lines))
        + ";",
    ]
    params: list = list(order_params)
    for i in range(0, len(ticket_rows), 26):
        params += ticket_rows[i : i + 1] + ticket_rows[i + 2 : i + 26]  # order_id is @tk_order
    if claims:
        claim_sql, claim_params = _claim_sql(claims, slot.date)
        sql.append(claim_sql + ";")
        params += claim_params
    merged = inventory.merge(takes)
    update_sql, update_params = inventory.take_sql(merged)
    sql.append(update_sql + ";")
    params += update_params
    sql.append(f"IF ROW_COUNT() = {len(merged)} THEN")
    if req.confirm and req.payment_method in ("cash", "card", "qr"):
        from scenic_ops.ticketing.payments import COUNTER_PAYMENT_SQL, counter_payment_params

        sql.append(COUNTER_PAYMENT_SQL.replace("%s", "@tk_order", 1) + ";")
        params += counter_payment_params(order_params[7], req.payment_method, req.created_by_id, now)[1:]
    ids = [t.bucket for t in merged]
    sql.append(
        "COMMIT; SELECT @tk_order, (SELECT GROUP_CONCAT(id ORDER BY id) FROM ticketing_ticket WHERE order_id = "
        "@tk_order), GROUP_CONCAT(CONCAT_WS(':', id, seq, capacity, used, reserved, closed) SEPARATOR ';') "
        f"FROM ticketing_bucket WHERE id IN ({','.join(['%s'] * len(ids))});"
    )
    params += ids
    sql.append("ELSE ROLLBACK; SELECT 0 FROM DUAL WHERE FALSE; END IF;")
    sql.append("END")
    try:
        cur.execute(render_sql("\n".join(sql), params, connection.connection))
        rows = cur.fetchall()
    except DatabaseError as exc:
        if claim_refused(exc):
            raise _fail(Code.ID_LIMIT_REACHED) from None
        raise
    finally:
        while cur.nextset():
            pass
    if not rows:
        raise inventory.diagnose(cur, ids)
    order_id, ticket_ids, packed = rows[0]
    state = []
    for item in packed.split(";"):
        bid, seq, cap, used, res, closed = (int(v) for v in item.split(":"))
        state.append((bid, slot.date, seq, cap, used, res, closed))
    return order_id, [int(i) for i in ticket_ids.split(",")], state


def render_sql(sql: str, params: list, conn) -> str:
    """Put literal values into `sql` (its `%s` markers) — what PyMySQL's mogrify does, at a third
    of the cost for the booking block's ~70 values. Strings are escaped exactly as PyMySQL does
    (honouring NO_BACKSLASH_ESCAPES); bytes become hex literals, as PyMySQL writes them too."""
    if conn.server_status & SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES:

        def escape_string(text: str) -> str:
            return text.replace("'", "''")

    else:
        escape_string = converters.escape_string
    out: list[str] = []
    for value in params:
        kind = type(value)
        if value is None:
            out.append("NULL")
        elif kind is int:
            out.append(str(value))
        elif kind is bool:
            out.append("1" if value else "0")
        elif isinstance(value, str):
            out.append("'" + escape_string(value) + "'")
        elif kind is bytes:
            out.append("x'" + value.hex() + "'")
        elif kind is Decimal:
            out.append(format(value, "f"))
        elif kind is dt.datetime:
            out.append("'" + value.isoformat(sep=" ") + "'")
        elif kind is dt.date:
            out.append("'" + value.isoformat() + "'")
        else:
            out.append(conn.escape(value))
    return sql % tuple(out)


def _statements(cur, req, order_params, ticket_rows, claims, takes, slot, lines, now) -> tuple[int, list[int]]:
    cur.execute(ORDER_SQL, order_params)
    order_id = cur.lastrowid
    rows = list(ticket_rows)
    for i in range(1, len(rows), 26):
        rows[i] = order_id
    cur.execute(
        f"INSERT INTO ticketing_ticket ({TICKET_COLUMNS}) VALUES " + ",".join([TICKET_MARKS] * len(lines)), rows
    )
    cur.execute("SELECT id FROM ticketing_ticket WHERE order_id = %s ORDER BY id", [order_id])
    ticket_ids = [r[0] for r in cur.fetchall()]
    if claims:
        _claim(cur, claims, slot.date)
    if not inventory.take(cur, takes):
        raise inventory.diagnose(cur, [t.bucket for t in takes])
    if req.confirm and req.payment_method in ("cash", "card", "qr"):
        from scenic_ops.ticketing.payments import record_counter_payment

        record_counter_payment(cur, order_id, order_params[7], req.payment_method, req.created_by_id, now)
    if req.confirm and req.notify_sms and req.contact_phone:
        from scenic_ops.ticketing.notify import tickets_sms

        tickets_sms(order_id)
    return order_id, ticket_ids


def _claim_sql(claims: dict[tuple[str, str], list[int]], date: dt.date) -> tuple[str, list]:
    rows: list = []
    for (id_index, scope), (count, most) in sorted(claims.items()):
        rows += [id_index, date, scope, count, most]
    return (
        "INSERT INTO ticketing_idclaim (id_index, date, scope, count, max_count) VALUES "
        + ",".join(["(%s,%s,%s,%s,%s)"] * len(claims))
        + " ON DUPLICATE KEY UPDATE count = count + VALUES(count), max_count = VALUES(max_count)",
        rows,
    )


def _claim(cur, claims: dict[tuple[str, str], list[int]], date: dt.date) -> None:
    """Count the per-ID claims; the CHECK (count <= max_count) refuses one over the limit."""
    sql, rows = _claim_sql(claims, date)
    try:
        cur.execute(sql, rows)
    except DatabaseError as exc:
        if claim_refused(exc):
            raise _fail(Code.ID_LIMIT_REACHED) from None
        raise


def claim_refused(exc: DatabaseError) -> bool:
    """The per-ID CHECK refused a claim (any other CHECK failure is a bug and propagates)."""
    return bool(exc.args) and exc.args[0] == CHECK_FAILED and "tk_idclaim_limit" in str(exc)


def _replay(req: BookingRequest, slot, lines: list[_Line]) -> Booking:
    """The partner retried a create it already made: answer with the first result."""
    order = Order.objects.filter(partner_id=req.partner.id, external_id=req.external_id).first()
    if order is None:
        raise _fail(Code.EXTERNAL_ID_CONFLICT)
    booking = describe(order)
    same_slot = all(t.slot_id == slot.id for t in order.tickets.all())
    if not same_slot or order.ticket_count != len(lines):
        raise _fail(Code.EXTERNAL_ID_CONFLICT)
    booking.replayed = True
    return booking


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
