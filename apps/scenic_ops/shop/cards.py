"""Pick-up cards (提货卡): sold now, redeemed later by code for a delivery date in the season.

A card is active once its order is paid. Redeeming it is one conditional UPDATE (active →
redeemed), so a code works once however many times it is typed; it makes a paid order of
nothing to pay, takes the goods from a warehouse's stock and books the shipment for the
chosen date. A card whose goods are out of stock stays active.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from scenic_ops.core import pii
from scenic_ops.shop import intake, stock
from scenic_ops.shop.errors import Code, ShopError
from scenic_ops.shop.models import Order, OrderLine, PickupCard, Reservation, Shipment


def redeem_card(
    code: str,
    *,
    delivery_date: dt.date,
    contact_name: str,
    phone: str,
    region: str,
    city: str,
    address: str,
    now: dt.datetime | None = None,
) -> Order:
    now = now or timezone.now()
    code = str(code or "").strip().upper()[:20]
    card = PickupCard.objects.select_related("sku", "sku__delivers", "sku__product", "order").filter(code=code).first()
    if card is None:
        raise ShopError(Code.UNKNOWN_CARD)
    if card.status != PickupCard.Status.ACTIVE:
        raise ShopError(Code.CARD_NOT_ACTIVE, status=card.get_status_display())
    start = max(card.redeem_from or timezone.localdate(now), timezone.localdate(now) + dt.timedelta(days=1))
    end = card.redeem_until or start + dt.timedelta(days=365)
    if not isinstance(delivery_date, dt.date) or not start <= delivery_date <= end:
        raise ShopError(Code.CARD_DATE_OUTSIDE, start=start.isoformat(), end=end.isoformat())
    phone = str(phone or "").strip()
    if not intake.PHONE.match(phone):
        raise ShopError(Code.INVALID_PHONE)
    if not contact_name.strip() or not region.strip() or not city.strip() or len(address.strip()) < 4:
        raise ShopError(Code.INVALID_ADDRESS)
    goods = card.sku.delivers or card.sku
    with transaction.atomic():
        if not PickupCard.objects.filter(pk=card.pk, status=PickupCard.Status.ACTIVE).update(
            status=PickupCard.Status.REDEEMED, redeemed_at=now, delivery_date=delivery_date
        ):
            raise ShopError(Code.CARD_NOT_ACTIVE, status=PickupCard.Status.REDEEMED.label)
        order = Order(
            number=f"S{timezone.localtime(now):%y%m%d}{intake.new_code(8)}",
            token=secrets.token_urlsafe(18)[:24],
            member=card.order.member,
            status=Order.Status.PAID,
            delivery=Order.Delivery.SHIP,
            region=region.strip()[:20],
            city=city.strip()[:30],
            created_at=now,
            paid_at=now,
            note=f"pick-up card {card.code}",
        )
        pii.assign(order, "contact_phone", phone, kind="phone")
        pii.assign(order, "contact_name", contact_name.strip()[:60], kind="name")
        order.address_enc = pii.encrypt(address.strip()[:200], context="address")
        order.address_masked = f"{order.region}{order.city}****"[:120]
        order.save()
        label = f"{goods.product.name} {goods.spec}".strip()
        OrderLine.objects.create(
            order=order,
            kind=OrderLine.Kind.GOODS,
            sku=goods,
            description=label[:160],
            quantity=card.quantity,
            unit_price=goods.price,
            discount=goods.price * card.quantity,
            total=0,
            activity="card",
            ships_from=delivery_date,
        )
        rows = stock.stock_ids(goods.pk, stock.points_for(Order.Delivery.SHIP, None, None))
        taken = stock.take(card.quantity, rows, label=label)
        reservation = Reservation.objects.create(
            order=order, stock_id=taken, sku=goods, quantity=card.quantity, expires_at=now
        )
        stock.consume(reservation, now)
        Shipment.objects.create(
            order=order,
            point=_warehouse(taken),
            ships_from=delivery_date,
            created_at=now,
        )
        PickupCard.objects.filter(pk=card.pk).update(redeemed_order=order)
    return order


def _warehouse(stock_id: int):
    from scenic_ops.shop.models import Stock

    return Stock.objects.select_related("point").get(pk=stock_id).point
