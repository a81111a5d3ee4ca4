"""Checkout: from a cart to one order, paid once, with every unit, seat and coupon held for it.

`checkout()` validates the request before it writes anything (`intake.validate`), then in ONE
transaction: finds (or makes) the member and locks their row (one member's checkouts run one
after the other, so per-member limits hold), books the cart's tickets through ticketing (held
until the payment, on ticketing's own inventory), prices the cart (`pricing`), refuses if the
price is not the one the buyer saw (`expected_total`), INSERTs the order, claims the coupon, the
points and the group seat (`claims`), and, last, sends one compound statement (`sql.place`):
the order's audit row, lines and reservations, then the quotas and stock rows, each by a
conditional UPDATE. The hot rows are locked from their UPDATE to the COMMIT, with nothing in
between. The rows written before them (lines, reservations) carry no database foreign key to a
hot row: its check would take a shared lock that two checkouts then both try to upgrade (a
deadlock). Any refusal rolls everything back: a failed checkout changes nothing. The order then
waits for its payment until `pay_by` (the shop's hold, never longer than the tickets' hold);
`orders.expire_due` gives everything back once.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone

from scenic_ops.core import audit, pii
from scenic_ops.core import sql as core_sql
from scenic_ops.core.models import AuditEvent
from scenic_ops.shop import catalogue, claims, intake, pricing, sql
from scenic_ops.shop.errors import Code, ShopError
from scenic_ops.shop.intake import CheckoutRequest
from scenic_ops.shop.models import Coupon, Member, Order, OrderLine, PickupCard

DEADLOCK, LOCK_WAIT = 1213, 1205


def hold_minutes() -> int:
    return int(settings.SITE.get("shop", "hold_minutes", 15))


def _member(phone: str, now: dt.datetime, *, point: str = "") -> Member:
    """The buyer's member row, made on their first order and locked for this checkout (one upsert).

    A kiosk or counter buyer who gives no phone buys as the point's walk-in customer.
    """
    if phone:
        index, masked, encrypted = (
            pii.blind_index(phone, kind="phone"),
            pii.mask_phone(phone),
            pii.encrypt(phone, context="phone"),
        )
    else:
        index, masked, encrypted = f"walk-in:{point}"[:64], "walk-in", None
    member_id, level_id, points = sql.lock_member(index, masked, encrypted, now)
    return Member(
        id=member_id, phone_index=index, phone_masked=masked, level_id=level_id, points=points, created_at=now
    )


def _coupon_terms(code: str, now: dt.datetime) -> tuple[Coupon, pricing.CouponTerms]:
    coupon = Coupon.objects.filter(code=code.strip().upper()[:30]).first() if code.strip() else None
    if coupon is None:
        raise ShopError(Code.UNKNOWN_COUPON)
    if not coupon.active or not coupon.valid_from <= now < coupon.valid_until:
        raise ShopError(Code.COUPON_NOT_VALID_NOW)
    terms = pricing.CouponTerms(
        code=coupon.code,
        kind=coupon.kind,
        value=coupon.value,
        min_spend=coupon.min_spend,
        product_ids=frozenset(coupon.products.values_list("id", flat=True)),
        category_ids=frozenset(coupon.categories.values_list("id", flat=True)),
        stacks_with_offers=coupon.stacks_with_offers,
    )
    return coupon, terms


def quote(req: CheckoutRequest, *, now: dt.datetime | None = None) -> pricing.Priced:
    """What the cart costs now (tickets at ticketing's price), without holding anything."""
    from scenic_ops.ticketing import selectors as ticketing

    now = now or timezone.now()
    valid = intake.validate(req, now)
    price_lines = [line.price_line for line in valid.lines]
    for group in req.tickets:
        product = valid.ticket_products[group.product]
        unit = ticketing.ticket_price(product.ticket_product, product.ticket_category, group.slot_id)
        price_lines.append(
            pricing.PriceLine(
                key=f"ticket:{product.code}", kind="ticket", unit_price=unit, quantity=len(group.visitors)
            )
        )
    member = (
        Member.objects.select_related("level").filter(phone_index=pii.blind_index(valid.phone, kind="phone")).first()
    )
    return _price(req, price_lines, member, valid.rate, now)


def _price(req, price_lines, member, rate, now, coupon_terms=None) -> pricing.Priced:
    offers = [
        pricing.Offer(o.name, o.min_amount, o.off_amount)
        for o in catalogue.get().offers
        if o.starts_at <= now < o.ends_at
    ]
    if req.coupon.strip() and coupon_terms is None:
        coupon_terms = _coupon_terms(req.coupon, now)[1]
    return pricing.price(
        price_lines,
        member_percent=_level_percent(member),
        offers=offers,
        coupon=coupon_terms,
        points=req.points,
        shipping=pricing.ShippingTerms(rate.first_kg, rate.extra_kg, rate.free_over) if rate else None,
    )


def _level_percent(member: Member | None) -> int:
    level = catalogue.get().levels.get(member.level_id) if member is not None and member.level_id else None
    return level.discount_percent if level else 0


def checkout(req: CheckoutRequest, *, now: dt.datetime | None = None) -> Order:
    """Place the order (see the module docstring). A deadlock between checkouts is retried."""
    for attempt in range(3):
        try:
            return _checkout(req, now=now)
        except OperationalError as exc:
            if exc.args[0] not in (DEADLOCK, LOCK_WAIT) or attempt == 2 or transaction.get_connection().in_atomic_block:
                raise
    raise AssertionError("unreachable")


def _checkout(req: CheckoutRequest, *, now: dt.datetime | None = None) -> Order:
    now = now or timezone.now()
    valid = intake.validate(req, now)
    phone, lines, rate = valid.phone, valid.lines, valid.rate
    pickup_point, channel_point, ticket_products = valid.pickup_point, valid.channel_point, valid.ticket_products
    expected = None
    if req.expected_total is not None:
        try:
            expected = Decimal(str(req.expected_total))
        except (InvalidOperation, ValueError):
            raise ShopError(Code.INVALID_REQUEST, reason="expected_total is not an amount") from None
    coupon = None
    coupon_terms = None
    if req.coupon.strip():
        coupon, coupon_terms = _coupon_terms(req.coupon, now)
    with transaction.atomic():
        member = _member(phone, now, point=req.channel_point)
        order = Order(
            number=f"S{timezone.localtime(now):%y%m%d}{intake.new_code(8)}",
            token=secrets.token_urlsafe(18)[:24],
            channel=req.channel,
            member=member,
            delivery=req.delivery if lines else Order.Delivery.NONE,
            pickup_point=pickup_point or (channel_point if channel_point else None),
            language=req.language,
            created_at=now,
            note=req.note.strip()[:200],
            invoice_title=req.invoice_title.strip()[:100],
            invoice_tax_id=req.invoice_tax_id.strip().upper()[:20],
            invoice_email=req.invoice_email.strip()[:100],
            region=req.region.strip()[:20] if req.delivery == Order.Delivery.SHIP else "",
            city=req.city.strip()[:30] if req.delivery == Order.Delivery.SHIP else "",
        )
        if phone:
            pii.assign(order, "contact_phone", phone, kind="phone")
        if req.contact_name.strip():
            pii.assign(order, "contact_name", " ".join(req.contact_name.split())[:60], kind="name")
        if req.delivery == Order.Delivery.SHIP:
            order.address_enc = pii.encrypt(req.address.strip()[:200], context="address")
            order.address_masked = f"{order.region}{order.city}****"[:120]
        pay_by = now + dt.timedelta(minutes=hold_minutes())

        # tickets: booked (held) on ticketing's inventory, confirmed by this order's payment
        price_lines = [line.price_line for line in lines]
        ticket_lines = []
        if req.tickets:
            booking = claims.book_tickets(req, phone, ticket_products, now)
            order.ticket_order = booking.number
            order.ticket_order_id = booking.order_id
            if booking.hold_expires_at:
                pay_by = min(pay_by, booking.hold_expires_at)
            by_product: dict[str, list] = {}
            for group, product in ((g, ticket_products[g.product]) for g in req.tickets):
                by_product.setdefault(product.code, [product, 0])[1] += len(group.visitors)
            prices = [t.price for t in booking.tickets]
            start = 0
            for code, (product, count) in by_product.items():
                unit = prices[start] if prices else Decimal("0")
                share_total = sum(prices[start : start + count], Decimal("0"))
                start += count
                unit = (share_total / count).quantize(pricing.CENT) if count else unit
                line = pricing.PriceLine(key=f"ticket:{code}", kind="ticket", unit_price=unit, quantity=count)
                price_lines.append(line)
                ticket_lines.append((product, count, line))
        order.pay_by = pay_by

        priced = _price(req, price_lines, member, rate, now, coupon_terms)
        if expected is not None and priced.total != expected:
            raise ShopError(Code.PRICE_CHANGED, total=str(priced.total))
        order.subtotal, order.discount, order.total = priced.subtotal, priced.discount, priced.total
        order.shipping_fee, order.points_used, order.breakdown = priced.shipping, priced.points_used, priced.as_dict()
        order.id = sql.insert_order(order)
        audit.mark_saved(order)

        if coupon is not None:
            claims.redeem_coupon(coupon, member, order, priced.steps.get("coupon", Decimal("0")), now)
        if priced.points_used:
            claims.use_points(member, order, priced.points_used, now)
        for line in lines:
            if line.deal is not None:
                claims.take_seat(line.deal, line.group_code, member, order, now, join_or_open=req.join_or_open)
        plan = claims.plan_stock(lines, member, req, pickup_point, channel_point, pay_by)
        fail = sql.place(
            order_id=order.id,
            lines=_line_rows(lines, ticket_lines, priced),
            reservations=plan.reservations,
            quotas=plan.quotas,
            takes=plan.takes,
            audit=_audit_insert(order, lines, now),
        )
        if fail is not None:
            raise plan.refusal(fail)
        # Pick-up cards last: their foreign key to the SKU would lock the row a pre-sale quota updates.
        for line in lines:
            if line.kind == OrderLine.Kind.CARD:
                PickupCard.objects.bulk_create(
                    [
                        PickupCard(
                            code=intake.new_code(12),
                            sku=line.sku,
                            order=order,
                            redeem_from=line.sku.product.sale_from,
                            redeem_until=line.sku.product.sale_until,
                        )
                        for _ in range(line.quantity)
                    ]
                )
    return order


def _line_rows(lines: list[intake.Line], ticket_lines: list, priced: pricing.Priced) -> list[dict]:
    by_key = {p.key: p for p in priced.lines}
    rows = []
    for line in lines:
        p = by_key[line.price_line.key]
        rows.append(
            {
                "kind": line.kind,
                "sku_id": line.sku.pk,
                "description": line.label[:160],
                "quantity": line.quantity,
                "unit_price": line.sku.price,
                "activity": line.price_line.activity,
                "discount": p.discount,
                "total": p.total,
                "breakdown": {k: str(v) for k, v in p.steps.items()},
                "presale": line.sku.presale_quota is not None,
                "ships_from": line.ships_from,
            }
        )
    for product, count, line in ticket_lines:
        rows.append(
            {
                "kind": OrderLine.Kind.TICKET,
                "sku_id": None,
                "description": product.name[:160],
                "quantity": count,
                "unit_price": line.unit_price,
                "activity": "",
                "discount": Decimal("0"),
                "total": by_key[line.key].total,
                "breakdown": {},
                "presale": False,
                "ships_from": None,
            }
        )
    return rows


def _audit_insert(order: Order, lines: list[intake.Line], now: dt.datetime) -> tuple[str, list]:
    """The order's audit row (written by the block, with the order), its id the last parameter."""
    changes = {
        "number": [None, order.number],
        "status": [None, order.status],
        "channel": [None, order.channel],
        "delivery": [None, order.delivery],
        "member": [None, order.member_id],
        "total": [None, str(order.total)],
        "items": [None, [f"{line.sku.code}x{line.quantity}" for line in lines]],
    }
    if order.ticket_order:
        changes["ticket_order"] = [None, order.ticket_order]
    row = audit.row_for(AuditEvent.Action.CREATE, Order, object_repr=order.number, changes=changes, at=now)
    statement, params = core_sql.audit_insert(row, object_id_sql="%s")
    return statement, [*params, order.id]
