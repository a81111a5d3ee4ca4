"""The catalogue as plain values, cached per process for the hot paths.

Products, price categories, prices and bundle components change a few times a day; a
booking reads them on every request. A change in the desk calls `invalidate()`: this process
reloads at once, every other process within a second (`core.versions`); `TTL` is only the
safety net for a Redis outage. Nothing
here decides whether a place is free: that is the buckets' job, always in MariaDB.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import get_language

from scenic_ops.core import calendar, versions

TTL = 60.0
VERSION = "ticketing:catalog"


@dataclass(frozen=True)
class ProductInfo:
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    draws_site: bool
    own_slots: bool
    per_slot_capacity: int
    id_limit: int
    scope: str
    uses: int
    hold_minutes: int
    refundable: bool
    refund_deadline_hours: int
    refund_fee_percent: Decimal
    active: bool
    sort_order: int
    components: tuple[int, ...] = ()
    zone_id: int | None = None  # the key spot the product belongs to (its internal gates admit it)

    @property
    def label(self) -> str:
        return self.name_en or self.name if _english() else self.name


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    code: str
    name: str
    name_en: str
    min_age: int | None
    max_age: int | None
    needs_document: bool
    document_label: str
    document_label_en: str
    group_only: bool
    active: bool
    sort_order: int

    @property
    def label(self) -> str:
        return self.name_en or self.name if _english() else self.name

    @property
    def age_based(self) -> bool:
        return self.min_age is not None or self.max_age is not None

    def accepts_age(self, age: int) -> bool:
        return (self.min_age is None or age >= self.min_age) and (self.max_age is None or age <= self.max_age)


def _english() -> bool:
    return (get_language() or "").lower().startswith("en")


FALLBACK = {
    "peak": ("peak", "holiday", "weekend", "workday"),
    "holiday": ("holiday", "weekend", "workday"),
    "weekend": ("weekend", "workday"),
    "workday": ("workday",),
}


@dataclass
class Catalog:
    products: dict[int, ProductInfo] = field(default_factory=dict)
    by_code: dict[str, ProductInfo] = field(default_factory=dict)
    categories: dict[int, CategoryInfo] = field(default_factory=dict)
    category_by_code: dict[str, CategoryInfo] = field(default_factory=dict)
    prices: dict[tuple[int, int, str], Decimal] = field(default_factory=dict)
    loaded: float = 0.0
    version: int = 0

    def product(self, key: int | str) -> ProductInfo | None:
        return self.products.get(key) if isinstance(key, int) else self.by_code.get(key)

    def category(self, key: int | str) -> CategoryInfo | None:
        return self.categories.get(key) if isinstance(key, int) else self.category_by_code.get(key)

    def parts(self, product: ProductInfo) -> list[ProductInfo]:
        """What a ticket of this product draws from: itself, or a bundle's components."""
        return [self.products[c] for c in product.components if c in self.products] or [product]

    def price(self, product: ProductInfo, category: CategoryInfo, day_type: str) -> Decimal | None:
        for kind in FALLBACK[day_type]:
            found = self.prices.get((product.id, category.id, kind))
            if found is not None:
                return found
        return None

    def categories_for(self, product: ProductInfo) -> list[CategoryInfo]:
        ids = {c for (p, c, _k) in self.prices if p == product.id}
        return sorted((self.categories[c] for c in ids if c in self.categories), key=lambda c: c.sort_order)


_snapshot: Catalog | None = None
_lock = threading.Lock()


def invalidate() -> None:
    """The catalogue changed: reload here at once, in every process within a second of the commit."""
    global _snapshot
    with _lock:
        _snapshot = None
    versions.bump(VERSION)


def get() -> Catalog:
    global _snapshot
    snap = _snapshot
    version = versions.current(VERSION)
    if snap is not None and snap.loaded > time.monotonic() and snap.version == version:
        return snap
    snap = _load(version)
    with _lock:
        _snapshot = snap
    return snap


def _load(version: int) -> Catalog:
    from scenic_ops.ticketing.models import BundleItem, Price, PriceCategory, Product

    cat = Catalog(loaded=time.monotonic() + TTL, version=version)
    components: dict[int, list[int]] = {}
    for bundle_id, component_id in BundleItem.objects.values_list("bundle_id", "component_id"):
        components.setdefault(bundle_id, []).append(component_id)
    for p in Product.objects.all():
        info = ProductInfo(
            id=p.id,
            code=p.code,
            name=p.name,
            name_en=p.name_en,
            kind=p.kind,
            draws_site=p.draws_site_capacity,
            own_slots=p.own_slots,
            per_slot_capacity=p.per_slot_capacity,
            id_limit=p.id_limit_per_day,
            scope=p.scope,
            uses=p.uses_allowed,
            hold_minutes=p.hold_minutes,
            refundable=p.refundable,
            refund_deadline_hours=p.refund_deadline_hours,
            refund_fee_percent=p.refund_fee_percent,
            active=p.active,
            sort_order=p.sort_order,
            components=tuple(sorted(components.get(p.id, ()))),
            zone_id=p.zone_id,
        )
        cat.products[p.id] = info
        cat.by_code[p.code] = info
    for c in PriceCategory.objects.all():
        info = CategoryInfo(
            c.id,
            c.code,
            c.name,
            c.name_en,
            c.min_age,
            c.max_age,
            c.needs_document,
            c.document_label,
            c.document_label_en,
            c.group_only,
            c.active,
            c.sort_order,
        )
        cat.categories[c.id] = info
        cat.category_by_code[c.code] = info
    for product_id, category_id, day_type, amount in Price.objects.values_list(
        "product_id", "category_id", "day_type", "amount"
    ):
        cat.prices[(product_id, category_id, day_type)] = amount
    return cat


def day_type(date: dt.date, *, peak: bool = False) -> str:
    """Price day type: peak (set on the sale day), holiday, weekend or workday (调休 aware)."""
    return "peak" if peak else calendar.day_type(date)
