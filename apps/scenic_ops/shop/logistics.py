"""Shipments and pick-ups: tracking by push or xlsx import, delivery confirmation, the 核销 of a pick-up.

A shipment's status only moves forward (being packed → shipped → in transit → delivered); a
tracking update that would move it back is recorded as an event and leaves the status. The
xlsx import checks every row before it changes any: one bad row and nothing is imported,
with each bad row's number and code listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from scenic_ops.core import audit
from scenic_ops.shop.errors import Code, ShopError
from scenic_ops.shop.models import Order, Shipment, ShopPoint

ORDER = [Shipment.Status.WAITING, Shipment.Status.SHIPPED, Shipment.Status.IN_TRANSIT, Shipment.Status.DELIVERED]
STATUS_WORDS = {
    "shipped": Shipment.Status.SHIPPED,
    "已发货": Shipment.Status.SHIPPED,
    "发货": Shipment.Status.SHIPPED,
    "in_transit": Shipment.Status.IN_TRANSIT,
    "运输中": Shipment.Status.IN_TRANSIT,
    "delivered": Shipment.Status.DELIVERED,
    "已签收": Shipment.Status.DELIVERED,
    "签收": Shipment.Status.DELIVERED,
    "returned": Shipment.Status.RETURNED,
    "退回": Shipment.Status.RETURNED,
}
HEADERS = {
    "order": ("订单号", "order", "order number"),
    "carrier": ("快递公司", "carrier"),
    "tracking": ("运单号", "tracking", "tracking number"),
    "status": ("状态", "status"),
    "note": ("说明", "note"),
}


def status_of(word: str) -> str:
    value = STATUS_WORDS.get(str(word or "").strip().lower()) or STATUS_WORDS.get(str(word or "").strip())
    if value is None:
        raise ShopError(Code.INVALID_STATUS, status=str(word)[:20])
    return value


def update_tracking(
    order_number: str,
    *,
    carrier: str,
    tracking_number: str,
    status: str = Shipment.Status.SHIPPED,
    note: str = "",
    at: dt.datetime | None = None,
) -> Shipment:
    at = at or timezone.now()
    if status not in dict(Shipment.Status.choices):
        raise ShopError(Code.INVALID_STATUS, status=str(status)[:20])
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update().filter(order__number=str(order_number).strip()).order_by("id").first()
        )
        if shipment is None:
            raise ShopError(Code.UNKNOWN_SHIPMENT, order=str(order_number)[:20])
        event = {"at": at.isoformat(), "status": status, "note": note[:200], "carrier": carrier[:30]}
        if event not in shipment.events:
            shipment.events = [*shipment.events, event]
        shipment.carrier = carrier.strip()[:30] or shipment.carrier
        shipment.tracking_number = tracking_number.strip()[:40] or shipment.tracking_number
        if _forward(shipment.status, status):
            shipment.status = status
            if status == Shipment.Status.SHIPPED and not shipment.shipped_at:
                shipment.shipped_at = at
            if status == Shipment.Status.DELIVERED:
                shipment.shipped_at = shipment.shipped_at or at
                shipment.delivered_at = at
        shipment.save()
        if shipment.status == Shipment.Status.DELIVERED:
            Order.objects.filter(pk=shipment.order_id, status=Order.Status.PAID).update(status=Order.Status.COMPLETED)
    return shipment


def _forward(current: str, new: str) -> bool:
    if new == Shipment.Status.RETURNED:
        return current != Shipment.Status.RETURNED
    if current not in ORDER or new not in ORDER:
        return False
    return ORDER.index(new) > ORDER.index(current)


@dataclass
class ImportResult:
    updated: int = 0
    errors: list[dict] = field(default_factory=list)


def import_tracking(upload) -> ImportResult:
    """Rows of 订单号 / 快递公司 / 运单号 / 状态 (optional) / 说明 (optional) from an xlsx file."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - anything openpyxl cannot read is a bad file
        raise ShopError(Code.BAD_TRACKING_FILE, reason=type(exc).__name__) from exc
    rows = list(book.active.iter_rows(values_only=True))
    if not rows:
        raise ShopError(Code.BAD_TRACKING_FILE, reason="empty")
    header = [str(c or "").strip().lower() for c in rows[0]]
    columns = {}
    for key, names in HEADERS.items():
        for i, name in enumerate(header):
            if name in names:
                columns[key] = i
    missing = [k for k in ("order", "carrier", "tracking") if k not in columns]
    if missing:
        raise ShopError(Code.BAD_TRACKING_FILE, reason="missing columns: " + ", ".join(missing))
    result = ImportResult()
    planned = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue

        def cell(key, row=row):
            i = columns.get(key)
            return str(row[i]).strip() if i is not None and i < len(row) and row[i] is not None else ""

        order, carrier, tracking = cell("order"), cell("carrier"), cell("tracking")
        try:
            if not order or not carrier or not tracking:
                raise ShopError(Code.BAD_TRACKING_FILE, reason="order, carrier and tracking number are required")
            status = status_of(cell("status")) if cell("status") else Shipment.Status.SHIPPED
            if not Shipment.objects.filter(order__number=order).exists():
                raise ShopError(Code.UNKNOWN_SHIPMENT, order=order[:20])
        except ShopError as exc:
            result.errors.append({"row": number, "code": exc.code, "detail": exc.detail})
            continue
        planned.append((order, carrier, tracking, status, cell("note")))
    if result.errors:
        return result
    with transaction.atomic():
        for order, carrier, tracking, status, note in planned:
            update_tracking(order, carrier=carrier, tracking_number=tracking, status=status, note=note)
            result.updated += 1
    return result


def confirm_delivered(order: Order, *, now=None) -> None:
    """The buyer confirms the parcel arrived."""
    for shipment in order.shipments.exclude(status__in=(Shipment.Status.DELIVERED, Shipment.Status.RETURNED)):
        update_tracking(
            order.number,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            status=Shipment.Status.DELIVERED,
            note="confirmed by the buyer",
            at=now,
        )


def redeem_pickup(code: str, *, point: ShopPoint | None = None, user=None, now=None) -> Order:
    """核销: staff scan (or type) the buyer's pick-up code at the shop; each code works once."""
    now = now or timezone.now()
    code = "".join(ch for ch in str(code or "") if ch.isdigit())[:16]
    order = Order.objects.select_related("pickup_point").filter(pickup_code=code).first() if code else None
    if order is None:
        raise ShopError(Code.UNKNOWN_PICKUP_CODE)
    if point is not None and order.pickup_point_id and order.pickup_point_id != point.pk:
        raise ShopError(Code.WRONG_PICKUP_POINT, point=order.pickup_point.name)
    with transaction.atomic():
        if not Order.objects.filter(pk=order.pk, status=Order.Status.PAID, picked_up_at__isnull=True).update(
            picked_up_at=now, status=Order.Status.COMPLETED
        ):
            order.refresh_from_db()
            if order.picked_up_at:
                at = timezone.localtime(order.picked_up_at).strftime("%Y-%m-%d %H:%M")
                raise ShopError(Code.ALREADY_PICKED_UP, at=at)
            raise ShopError(Code.NOT_PAID)
        order.refresh_from_db()
        audit.record(
            "transition", order, changes={"picked_up_at": [None, now.isoformat()]}, message="picked up", user=user
        )
    return order
