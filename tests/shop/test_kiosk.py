"""The kiosk of a shop point: its own stock, QR payment on the buyer's phone, a receipt."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect
from pyzbar.pyzbar import decode

from scenic_ops.shop.models import Order
from tests.shop.conftest import stock_of


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1080, "height": 1920}}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_kiosk_sells_from_its_point_and_prints_a_receipt(live_server, page, shop, rq_worker, browser):
    page.goto(f"{live_server.url}/shop/kiosk/gate-shop/")
    page.click('[data-testid="tile-fan-1"]')
    page.click('[data-testid="tile-fan-1"]')
    expect(page.get_by_test_id("kiosk-total")).to_have_text("¥79.80")
    page.click('[data-testid="kiosk-pay"]')
    qr = page.wait_for_selector('[data-testid="kiosk-pay-qr"]')
    page.wait_for_function("() => document.querySelector('[data-testid=\"kiosk-pay-qr\"]').complete")
    assert stock_of(shop.stock["fan_store"]) == (18, 2, 0)  # the point's own stock, held
    assert stock_of(shop.stock["fan_wh"]) == (100, 0, 0)
    cashier = decode(Image.open(io.BytesIO(qr.screenshot())))[0].data.decode()
    assert "/shop/pay/sandbox/" in cashier
    phone = browser.new_page(viewport={"width": 390, "height": 844})  # the buyer's phone scans it
    phone.goto(cashier)
    phone.click('[data-testid="confirm-payment"]')
    phone.close()
    rq_worker("high")
    expect(page.get_by_test_id("receipt-total")).to_have_text("¥79.80", timeout=15000)
    order = Order.objects.get()
    assert order.channel == "kiosk" and order.status == Order.Status.COMPLETED and order.picked_up_at
    assert stock_of(shop.stock["fan_store"]) == (18, 0, 2)
