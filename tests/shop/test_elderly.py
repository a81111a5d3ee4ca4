"""Elderly mode on the shop's visitor pages (390×844): the MIIT 适老化 figures, measured in Chromium."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from scenic_ops.shop import services
from scenic_ops.shop.models import GroupDeal
from tests.portal.test_elderly_mode import _check, phone_page  # noqa: F401  (the fixture)
from tests.shop.conftest import cart, pay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_shop_pages_meet_the_elderly_figures(live_server, phone_page, tk, shop):  # noqa: F811
    page = phone_page
    now = timezone.now()
    deal = GroupDeal.objects.create(
        name="碧螺春三人团", sku=shop.tea, price=238, size=3, starts_at=now, ends_at=now + dt.timedelta(days=3)
    )
    leader = services.checkout(cart(("blc-250", 1), phone_number="13900000001"))
    group_order = services.checkout(
        services.CheckoutRequest(
            phone="13900000002",
            items=[services.ItemIn("blc-250", 1, deal.pk)],
            delivery="pickup",
            pickup_point="gate-shop",
        )
    )
    paid = services.checkout(
        cart(("fan-1", 1), delivery="pickup", pickup_point="gate-shop", phone_number="13900000003")
    )
    pay(paid)
    payment = services.start_payment(leader)
    group = group_order.group_seat.group
    base = live_server.url
    report: dict[str, list[str]] = {}
    page.goto(f"{base}/shop/?elder=1")
    page.wait_for_selector("body.elder")
    _check(page, "shop-home", report)
    for name, url in [
        ("shop-product", "/shop/p/biluochun/"),
        ("shop-ticket", "/shop/p/entry-ticket/"),
        ("shop-order-pending", f"/shop/o/{leader.token}/"),
        ("shop-order-paid", f"/shop/o/{paid.token}/"),
        ("shop-cashier", f"/shop/pay/sandbox/{payment.reference}/"),
        ("shop-group", f"/shop/g/{group.code}/"),
        ("shop-member", "/shop/me/"),
    ]:
        page.goto(base + url)
        _check(page, name, report)
    page.goto(f"{base}/shop/p/fan/")
    page.get_by_test_id("add-to-cart").click()
    page.wait_for_selector('[data-testid="cart-item"]')
    _check(page, "shop-cart", report)
    page.get_by_test_id("to-checkout").click()
    page.fill('[data-testid="phone"]', "13800138000")
    page.check('[data-testid="delivery-pickup"]')
    page.select_option('[data-testid="pickup-point"]', "gate-shop")
    page.get_by_test_id("see-total").click()
    page.wait_for_selector('[data-testid="place-order"]')
    _check(page, "shop-checkout", report)
    assert page.dialogs == []
    failing = {name: problems for name, problems in report.items() if problems}
    summary = "\n".join(f"{name}: " + "\n    ".join(problems[:12]) for name, problems in failing.items())
    assert not failing, f"elderly-mode figures not met on {len(failing)} of {len(report)} pages:\n{summary}"
