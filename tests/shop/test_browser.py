"""On a 390×844 phone: a specialty and a ticket in one cart, paid once in the sandbox; the ticket's QR
decodes to its signed token; the shipment shows its tracking after the shop team's xlsx import."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook
from PIL import Image
from playwright.sync_api import expect
from pyzbar.pyzbar import decode

from scenic_ops.shop.models import Order, Shipment
from scenic_ops.ticketing import tokens
from tests.shop.conftest import valid_id


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}, "device_scale_factor": 2}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_buys_tea_and_a_ticket_in_one_cart_and_tracks_the_parcel(
    live_server, page, browser, tk, shop, rq_worker, make_user, tmp_path
):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server.url}/shop/")
    page.click('[data-testid="product-biluochun"]')
    page.click('[data-testid="sku-blc-250"]')
    page.fill('[data-testid="quantity"]', "1")
    page.click('[data-testid="add-to-cart"]')
    expect(page.get_by_test_id("cart-item")).to_have_count(1)

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.goto(f"{live_server.url}/shop/")
    page.click('[data-testid="product-entry-ticket"]')
    page.click(f'[data-testid="date-{tomorrow.isoformat()}"]')
    page.click('[data-testid="slot-09:00"]')
    page.fill('[data-testid="visitor-name-1"]', "王小明")
    page.fill('[data-testid="visitor-id-1"]', valid_id(11))
    page.click('[data-testid="add-tickets"]')
    expect(page.get_by_test_id("cart-ticket")).to_have_count(1)

    page.click('[data-testid="to-checkout"]')
    page.fill('[data-testid="phone"]', "13800138000")
    page.fill('[data-testid="contact-name"]', "王小明")
    page.check('[data-testid="delivery-ship"]')
    page.select_option('[data-testid="region"]', "江苏省")
    page.fill('[data-testid="city"]', "苏州市")
    page.fill('[data-testid="address"]', "吴中区东山镇紫金路8号")
    page.click('[data-testid="see-total"]')
    expect(page.get_by_test_id("total")).to_have_text("¥388.00")  # tea 288 (free shipping in Jiangsu) + ticket 100
    page.click('[data-testid="place-order"]')
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "pending")
    page.click('[data-testid="pay"]')
    page.click('[data-testid="confirm-payment"]')
    page.wait_for_selector('[data-testid="waiting"]')
    rq_worker("high")  # the provider's signed notification arrives asynchronously
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "paid", timeout=15000)

    order = Order.objects.get()
    assert order.total == 388 and order.ticket_order
    qr = page.wait_for_selector('[data-testid="ticket-qr"]')
    page.wait_for_function("() => document.querySelector('[data-testid=\"ticket-qr\"]').complete")
    found = decode(Image.open(io.BytesIO(qr.screenshot())))
    assert len(found) == 1
    token = found[0].data.decode()
    assert tokens.verify(token).code  # the signed ticket the gates admit
    expect(page.get_by_test_id("shipment-status")).to_have_attribute("data-status", Shipment.Status.WAITING)

    # The shop team imports the carrier's xlsx of tracking numbers in the desk.
    book = Workbook()
    book.active.append(["订单号", "快递公司", "运单号", "状态"])
    book.active.append([order.number, "顺丰速运", "SF1234567890", "已发货"])
    upload = tmp_path / "tracking.xlsx"
    book.save(upload)
    operator = make_user("shop_operator")
    desk = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    desk.goto(f"{live_server.url}/admin/login/")
    desk.fill("input[name=username]", operator.username)
    desk.fill("input[name=password]", "pw-Test-2026")
    desk.click("#login-form button[type=submit]")
    desk.wait_for_url(f"{live_server.url}/admin/**")
    desk.goto(f"{live_server.url}/admin/shop/shipment/")
    desk.get_by_role("link", name="导入物流单号（xlsx）").click()
    desk.set_input_files("input[name=file]", str(upload))
    desk.get_by_role("button", name="校验并导入").click()
    expect(desk.locator("#imported")).to_contain_text("1")
    desk.close()

    page.reload()
    expect(page.get_by_test_id("tracking-number")).to_have_text("SF1234567890")
    expect(page.get_by_test_id("shipment-status")).to_have_attribute("data-status", Shipment.Status.SHIPPED)
    assert page.viewport_size["width"] == 390
    assert not dialogs
