"""Reads of the shop for its pages, the desk, the dashboard and other domains."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from scenic_ops.core.dbrouter import reporting_db
from scenic_ops.shop.models import (
    Category,
    FlashSale,
    GroupDeal,
    Order,
    OrderLine,
    Product,
    ShopPoint,
    Sku,
    Stock,
)


def order_url(order: Order) -> str:
    base = str(settings.SITE.get("web", "base_url", "")).rstrip("/")
    return base + reverse("shop:order", args=[order.token])


def catalogue(*, category: str = "", now: dt.datetime | None = None) -> list[dict]:
    """Products on sale, with their SKUs, the lowest price and a running activity price."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    products = (
        Product.objects.filter(active=True)
        .filter(Q(sale_until__isnull=True) | Q(sale_until__gte=today))
        .select_related("category")
        .prefetch_related("skus")
        .order_by("category__sort", "sort", "code")
    )
    if category:
        products = products.filter(category__code=category)
    flashes = {f.sku_id: f for f in FlashSale.objects.filter(active=True, starts_at__lte=now, ends_at__gt=now)}
    deals = {d.sku_id: d for d in GroupDeal.objects.filter(active=True, starts_at__lte=now, ends_at__gt=now)}
    available = available_by_sku()
    rows = []
    for product in products:
        skus = [s for s in product.skus.all() if s.active]
        if not skus and product.kind != Product.Kind.TICKET:
            continue
        rows.append(
            {
                "product": product,
                "skus": [
                    {
                        "sku": s,
                        "flash": flashes.get(s.pk),
                        "deal": deals.get(s.pk),
                        "available": available.get(s.pk, 0)
                        if s.presale_quota is None
                        else s.presale_quota - s.presale_sold,
                    }
                    for s in skus
                ],
                "from_price": min((flashes[s.pk].price if s.pk in flashes else s.price for s in skus), default=None),
                "not_yet": bool(product.sale_from and today < product.sale_from),
            }
        )
    return rows


def available_by_sku() -> dict[int, int]:
    return {
        row["sku_id"]: row["n"]
        for row in Stock.objects.filter(point__active=True).values("sku_id").annotate(n=Sum("available"))
    }


def categories() -> list[Category]:
    return list(Category.objects.all())


def pickup_points() -> list[ShopPoint]:
    return list(ShopPoint.objects.filter(active=True).exclude(kind=ShopPoint.Kind.WAREHOUSE))


def sku(code: str) -> Sku | None:
    return Sku.objects.select_related("product").filter(code=code).first()


def order_for_token(token: str) -> Order | None:
    return (
        Order.objects.select_related("pickup_point", "member")
        .prefetch_related("lines", "shipments", "cards")
        .filter(token=str(token)[:32])
        .first()
    )


def tickets_of(order: Order) -> list[dict]:
    """The order's tickets as ticketing shows them (with their QR links), once it is paid."""
    if not order.ticket_order:
        return []
    from scenic_ops.ticketing import selectors as ticketing
    from scenic_ops.ticketing import services

    ticket_order = ticketing.order_by_number(order.ticket_order)
    if ticket_order is None:
        return []
    booking = services.describe(ticket_order)
    return [
        {
            "code": t.code,
            "token": t.token,
            "product": t.product,
            "name": t.name_masked,
            "status": ticket_order.status,
            "date": booking.visit_date,
            "start": booking.start,
            "end": booking.end,
        }
        for t in booking.tickets
    ]


def orders_of_member(member_id: int, *, limit: int = 50) -> list[Order]:
    return list(
        Order.objects.filter(member_id=member_id).prefetch_related("lines", "shipments").order_by("-id")[:limit]
    )


def sales_today(now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    db = reporting_db()
    paid = Order.objects.using(db).filter(paid_at__gte=start, paid_at__lte=now)
    totals = paid.aggregate(n=Count("id"), amount=Sum("total"))
    top = (
        OrderLine.objects.using(db)
        .filter(order__paid_at__gte=start, order__paid_at__lte=now, kind=OrderLine.Kind.GOODS)
        .values("description")
        .annotate(quantity=Sum("quantity"), amount=Sum("total"))
        .order_by("-quantity")[:5]
    )
    return {"orders": totals["n"] or 0, "amount": totals["amount"] or Decimal("0"), "top": list(top)}


def low_stock() -> list[Stock]:
    from django.db.models import F

    return list(
        Stock.objects.select_related("sku", "sku__product", "point")
        .filter(available__lte=F("low_alert"), sku__active=True, point__active=True)
        .order_by("available")
    )


def coupons_of_member(member_id: int) -> dict:
    """The coupons this member used, and the public coupons valid now they may still use."""
    from scenic_ops.shop.models import Coupon, CouponRedemption

    now = timezone.now()
    used = list(
        CouponRedemption.objects.filter(member_id=member_id).select_related("coupon", "order").order_by("-id")[:50]
    )
    counts: dict[int, int] = {}
    for redemption in used:
        counts[redemption.coupon_id] = counts.get(redemption.coupon_id, 0) + 1
    open_now = [
        c
        for c in Coupon.objects.filter(active=True, valid_from__lte=now, valid_until__gt=now).order_by("valid_until")[
            :50
        ]
        if c.used < c.total_limit and counts.get(c.pk, 0) < c.per_member
    ]
    return {"used": used, "available": open_now}
