"""Builders for shop tests: a warehouse and a shop in the park, tea (a pre-sale specialty), goods, rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.ticketing.conftest import tk, valid_id  # noqa: F401  (the ticketing fixture, for carts with tickets)

PHONE = "13800138000"


def phone(n: int) -> str:
    return f"139{n:08d}"


@pytest.fixture
def shop(db):
    from scenic_ops.shop.models import Category, MemberLevel, Product, ShippingRate, ShopPoint, Sku, Stock

    now = timezone.now()
    warehouse = ShopPoint.objects.create(code="wh", name="苏州仓", kind="warehouse", priority=1)
    store = ShopPoint.objects.create(code="gate-shop", name="南门特产店", name_en="South gate shop", kind="store")
    tea_cat = Category.objects.create(code="tea", name="茶叶", name_en="Tea")
    gifts = Category.objects.create(code="gifts", name="文创", name_en="Souvenirs")
    tickets = Category.objects.create(code="tickets", name="门票", name_en="Tickets")
    tea = Product.objects.create(
        code="biluochun",
        category=tea_cat,
        kind="specialty",
        name="洞庭山碧螺春",
        name_en="Dongting Biluochun tea",
        origin="苏州市吴中区洞庭山",
        gi_number="AGI00011",
    )
    tea_250 = Sku.objects.create(
        product=tea, code="blc-250", spec="250克礼盒", price=Decimal("288"), weight_g=600, gift_box=True
    )
    presale = Product.objects.create(
        code="blc-new",
        category=tea_cat,
        kind="specialty",
        name="明前碧螺春（预售）",
        ships_from=timezone.localdate() + dt.timedelta(days=20),
    )
    tea_new = Sku.objects.create(
        product=presale,
        code="blc-new-100",
        spec="100克",
        price=Decimal("198"),
        weight_g=300,
        presale_quota=30,
        max_per_order=30,
    )
    fan = Product.objects.create(code="fan", category=gifts, name="云岫山折扇", name_en="Folding fan")
    fan_sku = Sku.objects.create(product=fan, code="fan-1", spec="", price=Decimal("39.90"), weight_g=150)
    ticket = Product.objects.create(
        code="entry-ticket",
        category=tickets,
        kind="ticket",
        name="门票（成人）",
        ticket_product="entry",
        ticket_category="adult",
    )
    stock = {
        "tea_wh": Stock.objects.create(sku=tea_250, point=warehouse, available=50),
        "fan_wh": Stock.objects.create(sku=fan_sku, point=warehouse, available=100),
        "fan_store": Stock.objects.create(sku=fan_sku, point=store, available=20),
        "tea_store": Stock.objects.create(sku=tea_250, point=store, available=5),
    }
    ShippingRate.objects.create(region="江苏省", first_kg=Decimal("8"), extra_kg=Decimal("2"), free_over=Decimal("199"))
    ShippingRate.objects.create(region="*", first_kg=Decimal("12"), extra_kg=Decimal("5"))
    ShippingRate.objects.create(region="西藏自治区", first_kg=Decimal("30"), extra_kg=Decimal("15"), ships=False)
    MemberLevel.objects.create(code="regular", name="普通会员", min_spent=0, discount_percent=0)
    MemberLevel.objects.create(
        code="gold", name="金卡会员", min_spent=Decimal("1000"), discount_percent=5, points_per_yuan=2
    )
    return type(
        "Shop",
        (),
        {
            "now": now,
            "warehouse": warehouse,
            "store": store,
            "tea": tea_250,
            "tea_new": tea_new,
            "fan": fan_sku,
            "ticket": ticket,
            "stock": stock,
            "tea_cat": tea_cat,
        },
    )


def cart(*items, phone_number: str = PHONE, **kw):
    """A checkout request: items as (sku code, quantity); delivered to Suzhou unless told otherwise."""
    from scenic_ops.shop.services import CheckoutRequest, ItemIn

    defaults = {
        "contact_name": "王小明",
        "delivery": "ship",
        "region": "江苏省",
        "city": "苏州市",
        "address": "吴中区东山镇紫金路8号",
    }
    defaults.update(kw)
    return CheckoutRequest(phone=phone_number, items=[ItemIn(sku, qty) for sku, qty in items], **defaults)


def pay(order, rq_worker=None):
    """Pay an order through the sandbox provider's signed notification."""
    from scenic_ops.shop import services

    payment = services.start_payment(order)
    body, headers = services.notification_body(payment)
    return services.handle_notification("sandbox", body, headers)


def stock_of(stock):
    stock.refresh_from_db()
    return stock.available, stock.reserved, stock.sold
