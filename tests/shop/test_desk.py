"""The shop's desk as the shop operator (商城运营) uses it: every list and document page, stock
counts that never go below what is free, the xlsx tracking import (all or nothing), a return
through the workflow, campaign results, exports, and the dashboard cards."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from scenic_ops.core.models import AuditEvent
from scenic_ops.shop import services
from scenic_ops.shop.models import Coupon, Order, Refund, Shipment
from tests.shop.conftest import PHONE, cart, pay, stock_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(make_user):
    client = Client()
    client.force_login(make_user("shop_operator"))
    return client


@pytest.fixture
def paid_order(shop):
    order = services.checkout(cart(("blc-250", 1), ("fan-1", 2)))
    pay(order)
    order.refresh_from_db()
    return order


def _xlsx(*rows) -> io.BytesIO:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "tracking.xlsx"
    return upload


def test_every_shop_desk_page_opens_for_the_operator(operator, paid_order):
    shop_models = [m for m in admin.site._registry if m._meta.app_label == "shop"]
    assert len(shop_models) >= 17
    for model in shop_models:
        info = model._meta.app_label, model._meta.model_name
        response = operator.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code == 200, (model, response.status_code)
        first = model._default_manager.first()
        if first is not None:
            page = operator.get(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
            assert page.status_code == 200, (model, page.status_code)


def test_the_order_page_shows_lines_and_masked_contact_only(operator, paid_order):
    html = operator.get(reverse("admin:shop_order_change", args=[paid_order.pk])).content.decode()
    assert paid_order.number in html and "洞庭山碧螺春" in html
    assert PHONE not in html and paid_order.contact_phone_masked in html
    assert "吴中区东山镇紫金路8号" not in html  # the address is shown masked
    found = operator.get(reverse("admin:shop_order_changelist"), {"q": PHONE}).content.decode()
    assert paid_order.number in found  # searched through the blind index, never decrypted


def test_a_stock_count_adds_units_and_cannot_remove_held_ones(operator, shop):
    stock = shop.stock["fan_store"]
    url = reverse("admin:shop_stock_adjust", args=[stock.pk])
    assert operator.post(url, {"delta": "5", "reason": "盘点"}).status_code == 302
    assert stock_of(stock) == (25, 0, 0)
    services.checkout(cart(("fan-1", 20), delivery="pickup", pickup_point="gate-shop"))
    assert stock_of(stock) == (5, 20, 0)
    refused = operator.post(url, {"delta": "-6", "reason": "损耗"})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert stock_of(stock) == (5, 20, 0)
    no_reason = operator.post(url, {"delta": "-1", "reason": ""})
    assert no_reason.status_code == 200 and stock_of(stock) == (5, 20, 0)
    assert AuditEvent.objects.filter(object_id=str(stock.pk), message__contains="盘点").count() == 1


def test_the_tracking_import_is_all_or_nothing(operator, shop, paid_order):
    url = reverse("admin:shop_shipment_import")
    bad = _xlsx(["订单号", "快递公司", "运单号"], [paid_order.number, "顺丰速运", "SF1"], ["SO-NOPE", "EMS", "E1"])
    page = operator.post(url, {"file": bad})
    assert page.status_code == 200 and 'id="bad-rows"' in page.content.decode()
    assert Shipment.objects.get(order=paid_order).tracking_number == ""
    missing = operator.post(url, {"file": _xlsx(["订单号", "运单号"], [paid_order.number, "SF1"])})
    assert 'data-code="bad_tracking_file"' in missing.content.decode()
    good = _xlsx(["订单号", "快递公司", "运单号", "状态"], [paid_order.number, "顺丰速运", "SF1234567890", "已发货"])
    page = operator.post(url, {"file": good})
    assert 'id="imported"' in page.content.decode()
    shipment = Shipment.objects.get(order=paid_order)
    assert (shipment.carrier, shipment.tracking_number, shipment.status) == ("顺丰速运", "SF1234567890", "shipped")


def test_a_tracking_number_typed_in_the_desk_moves_the_shipment(operator, paid_order):
    shipment = Shipment.objects.get(order=paid_order)
    url = reverse("admin:shop_shipment_change", args=[shipment.pk])
    response = operator.post(url, {"carrier": "中国邮政", "tracking_number": "EMS778", "status": "delivered"})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == "delivered" and shipment.delivered_at and shipment.events[-1]["status"] == "delivered"


def test_a_return_from_the_desk_goes_through_the_workflow(operator, make_user, paid_order):
    from scenic_ops.workflow import services as workflow
    from scenic_ops.workflow import setup

    setup.load()
    url = reverse("admin:shop_order_refund", args=[paid_order.pk])
    assert operator.post(url, {"reason": ""}).status_code == 200  # a reason is required
    assert not Refund.objects.exists()
    assert operator.post(url, {"reason": "礼盒破损"}).status_code == 302
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.AWAITING and refund.amount == paid_order.total
    again = operator.post(url, {"reason": "再退一次"})
    assert again.status_code == 200 and Refund.objects.count() == 1
    workflow.apply(refund, "approve", make_user("shop_operator"))  # under 500: one approval
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.REFUNDED


def test_cancel_action_closes_only_unpaid_orders(operator, shop, paid_order):
    unpaid = services.checkout(cart(("fan-1", 3), phone_number="13900001111"))
    response = operator.post(
        reverse("admin:shop_order_changelist"),
        {"action": "cancel_unpaid", "_selected_action": [unpaid.pk, paid_order.pk]},
    )
    assert response.status_code == 302
    unpaid.refresh_from_db()
    paid_order.refresh_from_db()
    assert unpaid.status == Order.Status.CANCELLED and paid_order.status == Order.Status.PAID
    assert stock_of(shop.stock["fan_wh"]) == (98, 0, 2)


def test_campaign_results_show_coupon_uses_and_discount(operator, shop):
    from django.utils import timezone

    now = timezone.now()
    coupon = Coupon.objects.create(
        code="SPRING20",
        name="春季九折",
        kind="percent",
        value=Decimal("10"),
        total_limit=10,
        valid_from=now - timezone.timedelta(days=1),
        valid_until=now + timezone.timedelta(days=1),
    )
    pay(services.checkout(cart(("fan-1", 2), coupon="SPRING20")))
    html = operator.get(reverse("admin:shop_coupon_changelist")).content.decode()
    coupon.refresh_from_db()
    assert coupon.used == 1 and "1 / 10" in html and "7.98" in html  # 10 % of 2 × 39.90


def test_orders_export_as_xlsx_with_masked_phones(operator, paid_order):
    response = operator.get(reverse("admin:shop_order_xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "订单号" and rows[1][0] == paid_order.number
    assert rows[1][10] == float(paid_order.total) and rows[1][13] == "138****8000"
    assert PHONE not in str(rows)


def test_the_dashboard_shows_sales_today_and_low_stock(operator, paid_order):
    home = operator.get("/admin/").content.decode()
    assert "/admin/shop/order/" in home and f"{paid_order.total:,.2f}" in home
    assert "/admin/shop/stock/?level=low" in home


def test_a_ticket_clerk_sees_no_shop_desk(make_user, paid_order):
    client = Client()
    client.force_login(make_user("ticket_clerk"))
    assert client.get(reverse("admin:shop_order_changelist")).status_code == 403
    assert client.get(reverse("admin:shop_shipment_import")).status_code == 403
