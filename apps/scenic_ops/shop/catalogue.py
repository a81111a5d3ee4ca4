"""The catalogue as every checkout reads it, cached per process.

SKUs with their products, flash sales, 满减 offers, shop points, the stock row of each SKU at
each point, shipping rates and member levels change a few times a day; a checkout reads them
all. Each process keeps them in memory and reloads when `core.versions` says they changed
(within a second of a desk edit, in every process), or after `TTL` seconds. Saving or deleting
one of these rows calls `invalidate()` (the models' `CatalogueRow`). Counts that change on
every sale (stock, quotas, coupon uses) are never cached: they move only by conditional UPDATEs.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from scenic_ops.core import versions

VERSION = "shop.catalogue"
TTL = 60.0


@dataclass
class Snapshot:
    version: int
    loaded: float
    skus: dict = field(default_factory=dict)  # code -> Sku (with .product)
    products: dict = field(default_factory=dict)  # code -> Product
    flash_sales: list = field(default_factory=list)  # active FlashSale rows
    offers: list = field(default_factory=list)  # active ThresholdOffer rows
    points: dict = field(default_factory=dict)  # code -> ShopPoint
    warehouses: list = field(default_factory=list)  # ShopPoint ids, in shipping order
    stock_ids: dict = field(default_factory=dict)  # (sku_id, point_id) -> Stock id
    rates: dict = field(default_factory=dict)  # region -> ShippingRate
    levels: dict = field(default_factory=dict)  # id -> MemberLevel


_snapshot: Snapshot | None = None
_lock = threading.Lock()


def get() -> Snapshot:
    global _snapshot
    version = versions.current(VERSION)
    snap = _snapshot
    if snap is None or snap.version != version or time.monotonic() - snap.loaded > TTL:
        with _lock:
            snap = _snapshot
            if snap is None or snap.version != version or time.monotonic() - snap.loaded > TTL:
                snap = _snapshot = _load(version)
    return snap


def invalidate() -> None:
    """A catalogue row changed: this process reloads now, the others when the commit is announced."""
    global _snapshot
    _snapshot = None
    versions.bump(VERSION)


def _load(version: int) -> Snapshot:
    from scenic_ops.shop.models import (
        FlashSale,
        MemberLevel,
        Product,
        ShippingRate,
        ShopPoint,
        Sku,
        Stock,
        ThresholdOffer,
    )

    snap = Snapshot(version=version, loaded=time.monotonic())
    snap.skus = {s.code: s for s in Sku.objects.select_related("product")}
    snap.products = {p.code: p for p in Product.objects.all()}
    snap.flash_sales = list(FlashSale.objects.filter(active=True).order_by("price"))
    snap.offers = list(ThresholdOffer.objects.filter(active=True))
    points = list(ShopPoint.objects.all())
    snap.points = {p.code: p for p in points}
    snap.warehouses = [p.pk for p in points if p.kind == ShopPoint.Kind.WAREHOUSE and p.active]
    snap.stock_ids = {(sku, point): pk for pk, sku, point in Stock.objects.values_list("id", "sku_id", "point_id")}
    snap.rates = {r.region: r for r in ShippingRate.objects.all()}
    snap.levels = {level.pk: level for level in MemberLevel.objects.all()}
    return snap


class CatalogueRow:
    """Mixed into the catalogue's models: a save or delete drops the cached catalogue."""

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        invalidate()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        invalidate()
        return result
