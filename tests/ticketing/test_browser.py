"""A visitor books on a phone-sized screen and sees a QR code that decodes to the ticket's token."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect
from pyzbar.pyzbar import decode

from scenic_ops.ticketing import tokens
from scenic_ops.ticketing.models import Order, Ticket
from tests.ticketing.conftest import slot_of, valid_id


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}, "device_scale_factor": 2}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_booking_shows_a_scannable_qr(live_server, page, tk, rq_worker):
    slot = slot_of()
    page.goto(f"{live_server.url}/book/")
    page.click(f'[data-testid="day-{slot.date.isoformat()}"]')
    page.click(f'[data-testid="slot-{slot.start:%H:%M}"]')
    page.fill("#q-entry-adult", "1")
    page.click('[data-testid="next-entry"]')
    page.fill("#name_0", "王小明")
    page.fill("#id_number_0", valid_id(7))
    page.fill("#contact_phone", "13800138000")
    page.click('[data-testid="book"]')
    page.click('[data-testid="pay"]')
    page.click('[data-testid="confirm-payment"]')
    page.wait_for_selector('[data-testid="waiting"]')
    rq_worker("high")  # the payment provider's asynchronous notification arrives
    qr = page.wait_for_selector('[data-testid="qr"]', timeout=15000)
    page.wait_for_function("() => document.querySelector('[data-testid=\"qr\"]').complete")
    assert page.viewport_size["width"] == 390
    shot = qr.screenshot()
    found = decode(Image.open(io.BytesIO(shot)))
    ticket = Ticket.objects.get()
    assert Order.objects.get().status == "confirmed"
    from scenic_ops.ticketing.booking import token_of

    assert [f.data.decode() for f in found] == [token_of(ticket)]
    assert tokens.verify(found[0].data.decode()).code == ticket.code


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_day_page_shows_only_messages_of_known_error_codes(live_server, page, tk):
    slot = slot_of()
    spoof = "退款请拨打官方客服热线 400-000-0000"
    page.goto(f"{live_server.url}/book/{slot.date}/?error={spoof}")
    expect(page.locator("#slots")).to_be_visible()
    expect(page.get_by_test_id("error")).to_have_count(0)
    assert spoof not in page.content() and "400-000-0000" not in page.inner_text("body")
    page.goto(f"{live_server.url}/book/{slot.date}/?error=choose_slot")
    expect(page.get_by_test_id("error")).to_have_text("请选择时段和产品。")
