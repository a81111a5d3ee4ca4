"""Checkout: from a cart to one order, paid once, with every unit, seat and coupon held for it.

`checkout()` validates the request before it writes anything, then in ONE transaction:
finds (or makes) the member and locks their row (one member's checkouts run one after the
other, so per-member limits hold), books the cart's tickets through ticketing (held until the
payment, on ticketing's own inventory), prices the cart (`pricing`), refuses if the price is not
the one the buyer saw (`expected_total`), takes the coupon, the points and the group seat, and
takes the stock last (the hot rows are locked for the shortest time), then writes the order's
lines: a line's foreign key to its SKU takes a shared lock on the SKU row, which a pre-sale's
quota UPDATE of that row would then wait for in every other checkout holding one too (a
deadlock); written after the UPDATE, the line's check finds the row already locked by its own
transaction. Any refusal rolls everything back: a failed checkout changes nothing. The order then waits for its payment
until `pay_by` (the shop's hold, never longer than the tickets' hold); `orders.expire_due`
gives everything back once.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from scenic_ops.core import pii
from scenic_ops.shop import catalogue, pricing, sql, stock
from scenic_ops.shop.errors import Code, ShopError
from scenic_ops.shop.models import (
    Coupon,
    CouponRedemption,
    FlashSale,
    Group,
    GroupDeal,
    GroupSeat,
    Member,
    Order,
    OrderLine,
    PickupCard,
    PointsEntry,
    Product,
    Reservation,
    ShopPoint,
    Sku,
)

PHONE = re.compile(r"^1[3-9]\d{9}$")
TAX_ID = re.compile(r"^[0-9A-Z]{15,20}$")
MAX_QUANTITY = 99
DEADLOCK, LOCK_WAIT = 1213, 1205
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def hold_minutes() -> int:
    return int(settings.SITE.get("shop", "hold_minutes", 15))


@dataclass
class VisitorIn:
    name: str
    id_type: str
    id_number: str


@dataclass
class TicketIn:
    """Tickets of one shop ticket product for one time slot, one visitor each."""

    product: str
    slot_id: int
    visitors: list[VisitorIn]


@dataclass
class ItemIn:
    sku: str
    quantity: int
    group_deal: int | None = None  # buy at the deal's group price, in a group
    group: str = ""  # the group to join (its code); empty: open a new one


@dataclass
class CheckoutRequest:
    phone: str
    items: list[ItemIn] = field(default_factory=list)
    tickets: list[TicketIn] = field(default_factory=list)
    contact_name: str = ""
    delivery: str = "pickup"  # ship | pickup
    region: str = ""
    city: str = ""
    address: str = ""
    pickup_point: str = ""
    coupon: str = ""
    points: int = 0
    expected_total: Decimal | None = None
    invoice_title: str = ""
    invoice_tax_id: str = ""
    invoice_email: str = ""
    note: str = ""
    channel: str = Order.Channel.WEB
    channel_point: str = ""  # a kiosk's or counter's own shop point
    join_or_open: bool = False  # a full group: open a new one instead of refusing
    language: str = "zh-hans"


def _code(length: int) -> str:
    raw = int.from_bytes(secrets.token_bytes(10), "big")
    return "".join(ALPHABET[(raw >> (5 * i)) & 31] for i in range(length))


def _quantity(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ShopError(Code.INVALID_QUANTITY)
    try:
        number = int(value)
    except ValueError:
        raise ShopError(Code.INVALID_QUANTITY) from None
    if not 1 <= number <= MAX_QUANTITY:
        raise ShopError(Code.INVALID_QUANTITY)
    return number


@dataclass
class _Line:
    kind: str
    sku: Sku | None
    quantity: int
    label: str
    price_line: pricing.PriceLine
    flash: FlashSale | None = None
    deal: GroupDeal | None = None
    group_code: str = ""
    ships_from: dt.date | None = None


def _validate(req: CheckoutRequest, now: dt.datetime):
    """Everything that can be checked without writing: the lines, the delivery, the invoice."""
    phone = str(req.phone or "").strip()
    walk_in = not phone and req.channel in (Order.Channel.KIOSK, Order.Channel.POS) and bool(req.channel_point)
    if not walk_in and not PHONE.match(phone):
        raise ShopError(Code.INVALID_PHONE)
    if not req.items and not req.tickets:
        raise ShopError(Code.EMPTY_CART)
    if req.delivery not in (Order.Delivery.SHIP, Order.Delivery.PICKUP):
        raise ShopError(Code.INVALID_REQUEST, reason="delivery must be ship or pickup")
    wanted: dict[tuple, int] = {}
    for item in req.items:
        key = (str(item.sku), item.group_deal, item.group)
        wanted[key] = wanted.get(key, 0) + _quantity(item.quantity)
    snap = catalogue.get()
    skus = snap.skus
    today = timezone.localdate(now)
    lines: list[_Line] = []
    lang = "en" if req.language.startswith("en") else "zh"
    flashes = {}
    for sale in snap.flash_sales:  # cheapest first
        if sale.starts_at <= now < sale.ends_at:
            flashes.setdefault(sale.sku_id, sale)
    for (code, deal_id, group_code), quantity in wanted.items():
        sku = skus.get(code)
        if sku is None:
            raise ShopError(Code.UNKNOWN_SKU, sku=code[:40])
        product = sku.product
        label = f"{product.display_name(lang)} {sku.display_spec(lang)}".strip()
        if (
            not (sku.active and product.active)
            or product.kind == Product.Kind.TICKET
            or (product.sale_from and today < product.sale_from)
            or (product.sale_until and today > product.sale_until)
        ):
            raise ShopError(Code.NOT_ON_SALE, item=label)
        if quantity > sku.max_per_order:
            raise ShopError(Code.TOO_MANY_OF_ONE, item=label, limit=sku.max_per_order)
        kind = OrderLine.Kind.CARD if product.kind == Product.Kind.CARD else OrderLine.Kind.GOODS
        line = _Line(
            kind,
            sku,
            quantity,
            label,
            pricing.PriceLine(
                key=code,
                kind="card" if kind == OrderLine.Kind.CARD else "goods",
                unit_price=sku.price,
                quantity=quantity,
                weight_g=sku.weight_g,
                product_id=product.id,
                category_id=product.category_id,
                ships=kind == OrderLine.Kind.GOODS and req.delivery == Order.Delivery.SHIP,
            ),
            ships_from=product.ships_from if sku.presale_quota is not None else None,
        )
        if deal_id is not None:
            deal = GroupDeal.objects.filter(pk=deal_id, sku=sku).first()
            if deal is None:
                raise ShopError(Code.UNKNOWN_DEAL)
            if not deal.active or not deal.starts_at <= now < deal.ends_at:
                raise ShopError(Code.DEAL_NOT_ACTIVE)
            if quantity != 1:
                raise ShopError(Code.INVALID_QUANTITY)
            line.deal, line.group_code = deal, str(group_code or "")[:12]
            line.price_line.activity_price, line.price_line.activity = deal.price, "group"
        elif sku.pk in flashes:
            sale = flashes[sku.pk]
            if quantity > sale.per_member:
                raise ShopError(Code.FLASH_SALE_LIMIT, limit=sale.per_member)
            line.flash = sale
            line.price_line.activity_price, line.price_line.activity = sale.price, "flash"
        lines.append(line)
    if len([line for line in lines if line.deal]) > 1:
        raise ShopError(Code.INVALID_REQUEST, reason="one group-buy deal per order")
    ships = any(line.price_line.ships for line in lines)
    if req.delivery == Order.Delivery.SHIP and (
        not req.contact_name.strip() or not req.region.strip() or not req.city.strip() or len(req.address.strip()) < 4
    ):
        raise ShopError(Code.INVALID_ADDRESS)
    rate = None
    if ships:
        rate = snap.rates.get(req.region.strip()) or snap.rates.get("*")
        if rate is None or not rate.ships:
            raise ShopError(Code.NO_DELIVERY_THERE, region=req.region.strip()[:20])
    pickup_point = None
    needs_pickup = req.delivery == Order.Delivery.PICKUP and any(line.kind == OrderLine.Kind.GOODS for line in lines)
    if needs_pickup and not req.channel_point:
        pickup_point = snap.points.get(req.pickup_point)
        if pickup_point is None or not pickup_point.active or pickup_point.kind == ShopPoint.Kind.WAREHOUSE:
            raise ShopError(Code.UNKNOWN_PICKUP_POINT)
    channel_point = None
    if req.channel_point:
        channel_point = snap.points.get(req.channel_point)
        if channel_point is None or not channel_point.active:
            raise ShopError(Code.UNKNOWN_PICKUP_POINT)
    if (
        req.invoice_title.strip()
        and req.invoice_tax_id.strip()
        and not TAX_ID.match(req.invoice_tax_id.strip().upper())
    ):
        raise ShopError(Code.INVALID_INVOICE)
    if req.invoice_tax_id.strip() and not req.invoice_title.strip():
        raise ShopError(Code.INVALID_INVOICE)
    if isinstance(req.points, bool) or not isinstance(req.points, int) or req.points < 0:
        raise ShopError(Code.INVALID_POINTS)
    ticket_products = {}
    for group in req.tickets:
        product = snap.products.get(str(group.product))
        if product is None or product.kind != Product.Kind.TICKET or not product.active:
            raise ShopError(Code.UNKNOWN_SKU, sku=str(group.product)[:40])
        if not group.visitors or len(group.visitors) > 20:
            raise ShopError(Code.INVALID_QUANTITY)
        ticket_products[group.product] = product
    return phone, lines, rate, pickup_point, channel_point, ticket_products


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
    phone, lines, rate, _pickup, _channel_point, ticket_products = _validate(req, now)
    price_lines = [line.price_line for line in lines]
    for group in req.tickets:
        product = ticket_products[group.product]
        unit = ticketing.ticket_price(product.ticket_product, product.ticket_category, group.slot_id)
        price_lines.append(
            pricing.PriceLine(
                key=f"ticket:{product.code}", kind="ticket", unit_price=unit, quantity=len(group.visitors)
            )
        )
    member = Member.objects.select_related("level").filter(phone_index=pii.blind_index(phone, kind="phone")).first()
    return _price(req, price_lines, member, rate, now)


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
    phone, lines, rate, pickup_point, channel_point, ticket_products = _validate(req, now)
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
            number=f"S{timezone.localtime(now):%y%m%d}{_code(8)}",
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
            booking = _book_tickets(req, phone, ticket_products, now)
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
        order.save()

        by_key = {p.key: p for p in priced.lines}
        rows = []
        for line in lines:
            p = by_key[line.price_line.key]
            rows.append(
                OrderLine(
                    order=order,
                    kind=line.kind,
                    sku=line.sku,
                    description=line.label[:160],
                    quantity=line.quantity,
                    unit_price=line.sku.price,
                    activity=line.price_line.activity,
                    discount=p.discount,
                    total=p.total,
                    breakdown={k: str(v) for k, v in p.steps.items()},
                    presale=line.sku.presale_quota is not None,
                    ships_from=line.ships_from,
                )
            )
        for product, count, line in ticket_lines:
            p = by_key[line.key]
            rows.append(
                OrderLine(
                    order=order,
                    kind=OrderLine.Kind.TICKET,
                    description=product.name[:160],
                    quantity=count,
                    unit_price=line.unit_price,
                    total=p.total,
                    breakdown={},
                )
            )

        if coupon is not None:
            _redeem_coupon(coupon, member, order, priced.steps.get("coupon", Decimal("0")), now)
        if priced.points_used:
            _use_points(member, order, priced.points_used, now)
        for line in lines:
            if line.deal is not None:
                _take_seat(line.deal, line.group_code, member, order, now, join_or_open=req.join_or_open)
        _take_stock(order, lines, member, req, pickup_point, channel_point, now)
        OrderLine.objects.bulk_create(rows)  # after the stock: see the module docstring
        for line in lines:
            if line.kind == OrderLine.Kind.CARD:
                PickupCard.objects.bulk_create(
                    [
                        PickupCard(
                            code=_code(12),
                            sku=line.sku,
                            order=order,
                            redeem_from=line.sku.product.sale_from,
                            redeem_until=line.sku.product.sale_until,
                        )
                        for _ in range(line.quantity)
                    ]
                )
    return order


def _book_tickets(req: CheckoutRequest, phone: str, products: dict, now):
    from scenic_ops.ticketing import errors as ticketing_errors
    from scenic_ops.ticketing import services as ticketing

    slots = {group.slot_id for group in req.tickets}
    if len(slots) != 1:
        raise ShopError(Code.INVALID_REQUEST, reason="tickets of one order are for one time slot")
    items = [
        ticketing.ItemIn(
            product=products[g.product].ticket_product,
            category=products[g.product].ticket_category,
            visitors=[ticketing.VisitorIn(v.name, v.id_type, v.id_number) for v in g.visitors],
        )
        for g in req.tickets
    ]
    try:
        return ticketing.book(
            ticketing.BookingRequest(
                slot_id=req.tickets[0].slot_id,
                items=items,
                contact_name=req.contact_name or req.tickets[0].visitors[0].name,
                contact_phone=phone,
                language=req.language,
            ),
            now=now,
        )
    except ticketing_errors.TicketingError as exc:
        raise ShopError(Code.TICKET_REFUSED, reason=exc.detail, ticket_code=exc.code, status=exc.status) from exc


def _redeem_coupon(coupon: Coupon, member: Member, order: Order, amount: Decimal, now) -> None:
    """The total limit first (the UPDATE locks the coupon row, so the redemption's foreign-key check
    takes no shared lock that another checkout could be waiting to upgrade), then this member's use."""
    nth = CouponRedemption.objects.filter(coupon=coupon, member=member).count() + 1
    if nth > coupon.per_member:
        raise ShopError(Code.COUPON_ALREADY_USED)
    if not Coupon.objects.filter(pk=coupon.pk, used__lt=F("total_limit")).update(used=F("used") + 1):
        raise ShopError(Code.COUPON_USED_UP)
    try:
        with transaction.atomic():
            CouponRedemption.objects.create(
                coupon=coupon, member=member, nth=nth, order=order, amount=amount, created_at=now
            )
    except IntegrityError:
        raise ShopError(Code.COUPON_ALREADY_USED) from None


def _use_points(member: Member, order: Order, points: int, now) -> None:
    if not Member.objects.filter(pk=member.pk, points__gte=points).update(points=F("points") - points):
        raise ShopError(Code.NOT_ENOUGH_POINTS, points=member.points)
    PointsEntry.objects.create(
        member=member,
        delta=-points,
        reason="redeemed",
        order=order,
        state=PointsEntry.State.CREDITED,
        key=f"use:{order.number}",
        created_at=now,
        available_at=now,
    )


def _take_seat(deal: GroupDeal, code: str, member: Member, order: Order, now, *, join_or_open: bool) -> Group:
    group = None
    if code:
        group = Group.objects.filter(code=code, deal=deal).first()
        if group is None:
            raise ShopError(Code.GROUP_NOT_FOUND)
        if GroupSeat.objects.filter(group=group, member=member).exists():
            raise ShopError(Code.ALREADY_IN_GROUP)
        joined = Group.objects.filter(
            pk=group.pk, status=Group.Status.OPEN, deadline__gt=now, seats__lt=F("size")
        ).update(seats=F("seats") + 1)
        if not joined:
            group.refresh_from_db()
            if not join_or_open:
                raise ShopError(Code.GROUP_FULL if group.seats >= group.size else Code.GROUP_CLOSED)
            group = None
    leader = group is None
    if leader:
        group = Group.objects.create(
            deal=deal,
            code=_code(10),
            size=deal.size,
            seats=1,
            deadline=min(now + dt.timedelta(hours=deal.hours), deal.ends_at),
            created_at=now,
        )
    try:
        with transaction.atomic():
            GroupSeat.objects.create(group=group, member=member, order=order, leader=leader, created_at=now)
    except IntegrityError:
        raise ShopError(Code.ALREADY_IN_GROUP) from None
    return group


def _take_stock(order, lines: list[_Line], member, req, pickup_point, channel_point, now) -> None:
    """The hot rows last. The reservations are written first (naming each line's first-choice stock
    row), then the flash-sale and pre-sale quotas, then the stock rows (by id): a stock row is locked
    from its conditional UPDATE to the commit and nothing else runs in between."""
    for line in lines:
        if line.flash is not None:
            bought = (
                Reservation.objects.filter(
                    order__member=member,
                    flash_sale=line.flash,
                    state__in=(Reservation.State.HELD, Reservation.State.CONSUMED),
                ).aggregate(n=Sum("quantity"))["n"]
                or 0
            )
            if bought + line.quantity > line.flash.per_member:
                raise ShopError(Code.FLASH_SALE_LIMIT, limit=line.flash.per_member)
    goods = sorted(
        (line for line in lines if line.kind in (OrderLine.Kind.GOODS, OrderLine.Kind.CARD)), key=lambda g: g.sku.pk
    )
    points = stock.points_for(req.delivery, pickup_point, channel_point)
    plans = []  # (line, reservation, candidate stock rows)
    for line in goods:
        presale = line.sku.presale_quota is not None
        if line.kind == OrderLine.Kind.CARD and not presale:
            continue  # a pick-up card takes its goods when it is redeemed
        candidates = [] if presale else stock.stock_ids(line.sku.pk, points)
        if not presale and not candidates:
            raise ShopError(Code.OUT_OF_STOCK, item=line.label)
        reservation = Reservation(
            order=order,
            sku=line.sku,
            stock_id=candidates[0] if candidates else None,
            presale=presale,
            flash_sale=line.flash,
            quantity=line.quantity,
            expires_at=order.pay_by,
        )
        plans.append((line, reservation, candidates))
    Reservation.objects.bulk_create([r for _line, r, _c in plans])
    for line, _r, _c in plans:
        if line.flash is not None:
            stock.take_flash(line.flash, line.quantity, label=line.label)
    for line, _r, candidates in plans:
        if not candidates:
            stock.take_presale(line.sku, line.quantity, label=line.label)
    for line, reservation, candidates in plans:
        if candidates:
            taken = stock.take(line.quantity, candidates, label=line.label)
            if taken != reservation.stock_id:  # the first choice was short: another warehouse had it
                Reservation.objects.filter(pk=reservation.pk).update(stock_id=taken)
