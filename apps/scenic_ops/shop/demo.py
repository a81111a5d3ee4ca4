"""The demo shop: a warehouse and two shops in the park, local specialties (one on pre-sale), souvenirs,
a ticket, a flash sale, a 满减 offer, a coupon, a group-buy deal and member levels (idempotent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from scenic_ops.shop.models import (
    Category,
    Coupon,
    FlashSale,
    GroupDeal,
    MemberLevel,
    Order,
    Product,
    ShippingRate,
    ShopPoint,
    Sku,
    Stock,
    ThresholdOffer,
)

# code, category, kind, name, English, origin, GI number, ships after (days), SKUs (code, spec, price, grams, presale quota)
PRODUCTS = [
    (
        "biluochun",
        "tea",
        "specialty",
        "洞庭山碧螺春",
        "Dongting Biluochun green tea",
        "苏州市吴中区洞庭东山",
        "AGI00011",
        None,
        [("blc-250", "250克礼盒", "288", 600, None), ("blc-100", "100克罐装", "128", 250, None)],
    ),
    (
        "blc-mingqian",
        "tea",
        "specialty",
        "明前碧螺春（预售）",
        "Pre-Qingming Biluochun (pre-sale)",
        "苏州市吴中区洞庭东山",
        "AGI00011",
        30,
        [("blc-mq-100", "100克", "398", 250, 200)],
    ),
    (
        "yangcheng-crab",
        "lake",
        "specialty",
        "阳澄湖大闸蟹提货卡",
        "Yangcheng Lake crab card",
        "苏州市阳澄湖",
        "AGI00117",
        None,
        [("crab-card-8", "4公4母", "598", 0, None)],
    ),
    (
        "fan",
        "gifts",
        "goods",
        "云岫山檀香折扇",
        "Sandalwood folding fan",
        "",
        "",
        None,
        [("fan-1", "", "39.90", 150, None)],
    ),
    (
        "postcards",
        "gifts",
        "goods",
        "云岫十景明信片",
        "Ten views postcards",
        "",
        "",
        None,
        [("cards-10", "10张", "25", 120, None)],
    ),
]
CATEGORIES = [
    ("tea", "茶叶", "Tea"),
    ("lake", "湖鲜", "Lake food"),
    ("gifts", "文创", "Souvenirs"),
    ("tickets", "门票", "Tickets"),
]


def build(stdout) -> None:
    now = timezone.now()
    warehouse, _ = ShopPoint.objects.update_or_create(
        code="wh-suzhou",
        defaults={"name": "苏州配送仓", "name_en": "Suzhou warehouse", "kind": "warehouse", "priority": 1},
    )
    south, _ = ShopPoint.objects.update_or_create(
        code="south-shop",
        defaults={"name": "南门特产店", "name_en": "South gate shop", "kind": "store", "address": "南门游客中心"},
    )
    ShopPoint.objects.update_or_create(
        code="summit-kiosk", defaults={"name": "山顶自助售货", "name_en": "Summit kiosk", "kind": "kiosk"}
    )
    cats = {}
    for i, (code, name, name_en) in enumerate(CATEGORIES):
        cats[code], _ = Category.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort": i}
        )
    skus = {}
    for code, cat, kind, name, name_en, origin, gi, ships_after, variants in PRODUCTS:
        product, _ = Product.objects.update_or_create(
            code=code,
            defaults={
                "category": cats[cat],
                "kind": "card" if code == "yangcheng-crab" else kind,
                "name": name,
                "name_en": name_en,
                "origin": origin,
                "gi_number": gi,
                "ships_from": timezone.localdate() + dt.timedelta(days=ships_after) if ships_after else None,
                "description": f"{name}，产地{origin}。" if origin else name,
            },
        )
        for sku_code, spec, price, grams, quota in variants:
            skus[sku_code], _ = Sku.objects.update_or_create(
                code=sku_code,
                defaults={
                    "product": product,
                    "spec": spec,
                    "price": Decimal(price),
                    "weight_g": grams,
                    "presale_quota": quota,
                },
            )
    Product.objects.update_or_create(
        code="entry-ticket",
        defaults={
            "category": cats["tickets"],
            "kind": "ticket",
            "name": "景区门票（成人）",
            "name_en": "Admission (adult)",
            "ticket_product": "entry",
            "ticket_category": "adult",
        },
    )
    for sku_code, point, amount in (
        ("blc-250", warehouse, 300),
        ("blc-100", warehouse, 500),
        ("fan-1", warehouse, 800),
        ("cards-10", warehouse, 1000),
        ("crab-card-8", warehouse, 200),
        ("fan-1", south, 60),
        ("blc-100", south, 40),
        ("cards-10", south, 80),
    ):
        Stock.objects.get_or_create(sku=skus[sku_code], point=point, defaults={"available": amount})
    for region, first, extra, free in (
        ("江苏省", "8", "2", "199"),
        ("浙江省", "8", "2", "199"),
        ("上海市", "8", "2", "199"),
        ("*", "12", "5", None),
    ):
        ShippingRate.objects.update_or_create(
            region=region,
            defaults={
                "first_kg": Decimal(first),
                "extra_kg": Decimal(extra),
                "free_over": Decimal(free) if free else None,
            },
        )
    for code, name, spent, pct, per in (
        ("regular", "普通会员", 0, 0, 1),
        ("silver", "银卡会员", 500, 2, 1),
        ("gold", "金卡会员", 2000, 5, 2),
    ):
        MemberLevel.objects.update_or_create(
            code=code, defaults={"name": name, "min_spent": spent, "discount_percent": pct, "points_per_yuan": per}
        )
    week = now + dt.timedelta(days=7)
    FlashSale.objects.get_or_create(
        name="折扇秒杀",
        defaults={"sku": skus["fan-1"], "price": Decimal("19.90"), "starts_at": now, "ends_at": week, "quota": 100},
    )
    ThresholdOffer.objects.get_or_create(
        name="满300减30",
        defaults={"min_amount": Decimal("300"), "off_amount": Decimal("30"), "starts_at": now, "ends_at": week},
    )
    Coupon.objects.get_or_create(
        code="WELCOME10",
        defaults={
            "name": "新客立减10元",
            "value": Decimal("10"),
            "min_spend": Decimal("50"),
            "total_limit": 1000,
            "valid_from": now,
            "valid_until": now + dt.timedelta(days=30),
        },
    )
    GroupDeal.objects.get_or_create(
        name="碧螺春三人团",
        defaults={
            "sku": skus["blc-100"],
            "price": Decimal("99"),
            "size": 3,
            "hours": 24,
            "starts_at": now,
            "ends_at": week,
        },
    )
    orders = _demo_orders()
    stdout.write(
        f"shop: {Product.objects.count()} products, {Stock.objects.count()} stock rows, 1 flash sale, 1 coupon,"
        f" 1 group deal, {orders} orders\n"
    )


def _demo_orders() -> int:
    """A few orders for the desk to show: one shipped with its tracking, one to pick up, one unpaid."""
    from scenic_ops.shop import services

    if Order.objects.exists():
        return Order.objects.count()
    address = {
        "contact_name": "王小明",
        "delivery": "ship",
        "region": "江苏省",
        "city": "苏州市",
        "address": "吴中区东山镇紫金路8号",
    }
    shipped = services.checkout(
        services.CheckoutRequest(phone="13800138000", items=[services.ItemIn("blc-250", 1)], **address)
    )
    picked = services.checkout(
        services.CheckoutRequest(
            phone="13900139000",
            items=[services.ItemIn("fan-1", 1), services.ItemIn("cards-10", 2)],
            delivery="pickup",
            pickup_point="south-shop",
        )
    )
    for order in (shipped, picked):
        payment = services.start_payment(order)
        services.handle_notification("sandbox", *services.notification_body(payment))
    services.update_tracking(shipped.number, carrier="顺丰速运", tracking_number="SF1000000001")
    services.checkout(services.CheckoutRequest(phone="13700137000", items=[services.ItemIn("cards-10", 1)], **address))
    return Order.objects.count()
