"""A checkout request as the buyer sends it, and its validation: everything that can be checked
before anything is written (lines, quantities, sale windows, activities, delivery, invoice, tickets).
A refusal is a coded `ShopError`; the checkout (`shop.checkout`) starts writing only after it."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from scenic_ops.shop import catalogue, pricing
from scenic_ops.shop.errors import Code, ShopError
from scenic_ops.shop.models import FlashSale, GroupDeal, Order, OrderLine, Product, ShippingRate, ShopPoint, Sku

PHONE = re.compile(r"^1[3-9]\d{9}$")
TAX_ID = re.compile(r"^[0-9A-Z]{15,20}$")
MAX_QUANTITY = 99
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


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


def new_code(length: int) -> str:
    """A random code of unambiguous letters and digits (order numbers, groups, cards)."""
    raw = int.from_bytes(secrets.token_bytes(10), "big")
    return "".join(ALPHABET[(raw >> (5 * i)) & 31] for i in range(length))


def quantity_of(value) -> int:
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
class Line:
    """A cart line as validated: what it is, what it costs before the chain, what it draws on."""

    kind: str
    sku: Sku | None
    quantity: int
    label: str
    price_line: pricing.PriceLine
    flash: FlashSale | None = None
    deal: GroupDeal | None = None
    group_code: str = ""
    ships_from: dt.date | None = None


@dataclass
class Validated:
    phone: str  # empty for a kiosk's or counter's walk-in buyer
    lines: list[Line]
    rate: ShippingRate | None
    pickup_point: ShopPoint | None
    channel_point: ShopPoint | None
    ticket_products: dict[str, Product]


def validate(req: CheckoutRequest, now: dt.datetime) -> Validated:
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
        wanted[key] = wanted.get(key, 0) + quantity_of(item.quantity)
    snap = catalogue.get()
    skus = snap.skus
    today = timezone.localdate(now)
    lines: list[Line] = []
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
        line = Line(
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
    return Validated(phone, lines, rate, pickup_point, channel_point, ticket_products)
