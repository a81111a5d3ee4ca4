"""Stock moves, each one conditional UPDATE: no oversell, each reservation closed exactly once.

A checkout takes units from `available` into `reserved` (`reserve`), only if enough are
available; the payment moves them to `sold` (`consume`); expiry or cancellation gives them
back (`release`). A reservation row changes state held → consumed | released by a conditional
UPDATE first, and the stock moves only if that UPDATE changed the row: a job and a payment
racing for the same reservation move the stock once. Pre-sale SKUs draw on their quota
(`Sku.presale_sold < presale_quota`) instead of a point's stock; a flash sale also draws on its
own quota (both taken in the checkout's block, `sql.place`). CHECK constraints back every rule in the database.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F

from scenic_ops.core import audit
from scenic_ops.shop.errors import Code, ShopError
from scenic_ops.shop.models import FlashSale, Reservation, ShopPoint, Sku, Stock


def take(quantity: int, stock_ids: list[int], *, label: str) -> int:
    """Take `quantity` from the first of `stock_ids` (in order of preference) that has enough; its id."""
    for stock_id in stock_ids:
        if Stock.objects.filter(pk=stock_id, available__gte=quantity).update(
            available=F("available") - quantity, reserved=F("reserved") + quantity
        ):
            return stock_id
    raise ShopError(Code.OUT_OF_STOCK, item=label)


def stock_ids(sku_id: int, point_ids: list[int]) -> list[int]:
    """The stock rows of a SKU at these points, in the points' order (the cached catalogue's map)."""
    from scenic_ops.shop import catalogue

    known = catalogue.get().stock_ids
    return [known[(sku_id, p)] for p in point_ids if (sku_id, p) in known]


def consume(reservation: Reservation, now: dt.datetime) -> bool:
    """The order is paid: held units become sold. True if this call did it."""
    if not Reservation.objects.filter(pk=reservation.pk, state=Reservation.State.HELD).update(
        state=Reservation.State.CONSUMED, closed_at=now
    ):
        return False
    if reservation.stock_id:
        Stock.objects.filter(pk=reservation.stock_id).update(
            reserved=F("reserved") - reservation.quantity, sold=F("sold") + reservation.quantity
        )
    return True


def release(reservation: Reservation, now: dt.datetime) -> bool:
    """The order will not be paid: the units go back on sale. True if this call did it."""
    if not Reservation.objects.filter(pk=reservation.pk, state=Reservation.State.HELD).update(
        state=Reservation.State.RELEASED, closed_at=now
    ):
        return False
    _give_back(reservation, from_field="reserved")
    return True


def restock_sold(reservation: Reservation, now: dt.datetime) -> bool:
    """A paid order refunded before it left: its sold units go back on sale."""
    if not Reservation.objects.filter(pk=reservation.pk, state=Reservation.State.CONSUMED).update(
        state=Reservation.State.RELEASED, closed_at=now
    ):
        return False
    _give_back(reservation, from_field="sold")
    return True


def _give_back(reservation: Reservation, *, from_field: str) -> None:
    quantity = reservation.quantity
    if reservation.stock_id:
        Stock.objects.filter(pk=reservation.stock_id).update(
            available=F("available") + quantity, **{from_field: F(from_field) - quantity}
        )
    if reservation.presale:
        Sku.objects.filter(pk=reservation.sku_id).update(presale_sold=F("presale_sold") - quantity)
    if reservation.flash_sale_id:
        FlashSale.objects.filter(pk=reservation.flash_sale_id).update(sold=F("sold") - quantity)


def points_for(delivery: str, pickup_point: ShopPoint | None, channel_point: ShopPoint | None) -> list[int]:
    """Where a line's units may come from: the warehouses for a delivery, the shop for a pick-up or a sale there."""
    from scenic_ops.shop import catalogue

    if channel_point is not None:
        return [channel_point.pk]
    if delivery == "pickup" and pickup_point is not None:
        return [pickup_point.pk]
    snap = catalogue.get()
    points = {p.pk: p for p in snap.points.values()}
    return sorted(snap.warehouses, key=lambda pk: (points[pk].priority, pk))


def adjust(stock: Stock, delta: int, *, reason: str, user=None) -> Stock:
    """A stock count in the desk: add (or, if enough are free, remove) units; written to the audit trail."""
    reason = " ".join(str(reason or "").split())[:200]
    if not reason:
        raise ShopError(Code.INVALID_REQUEST, reason="a reason is required")
    with transaction.atomic():
        if delta >= 0:
            Stock.objects.filter(pk=stock.pk).update(available=F("available") + delta, alerted_at=None)
        elif not Stock.objects.filter(pk=stock.pk, available__gte=-delta).update(available=F("available") + delta):
            raise ShopError(Code.OUT_OF_STOCK, item=str(stock.sku))
        after = Stock.objects.get(pk=stock.pk)
        audit.record(
            "action",
            after,
            changes={"available": [after.available - delta, after.available]},
            message=f"stock count {delta:+d}: {reason}",
            user=user,
        )
    return after
