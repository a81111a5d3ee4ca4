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


@pytest.fixture
def no_popups(page):
    """Every JS dialog is recorded (and dismissed): visitor pages must not open any."""
    seen = []
    page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
    return seen


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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_visitors_form_shows_every_mistake_next_to_its_field_in_words(live_server, page, tk, no_popups):
    slot = slot_of()
    page.goto(f"{live_server.url}/book/{slot.date}/?slot={slot.id}")
    page.fill("#q-entry-adult", "2")
    page.click('[data-testid="next-entry"]')
    page.fill("#name_0", "王小明")
    page.fill("#id_number_0", "110101199003071235")  # a wrong check digit
    page.select_option("#id_type_1", "passport")
    page.fill("#id_number_1", "E1")
    page.fill("#contact_phone", "1380013800")
    page.click('[data-testid="book"]')

    errors = {
        "id_number_0": "最后一位与前面的数字对不上",
        "name_1": "请填写游客姓名",
        "id_number_1": "护照号码由 6 到 15 位字母和数字组成",
        "contact_phone": "请填写 11 位手机号码",
    }
    for field, words in errors.items():
        message = page.get_by_test_id(f"{field}-error")
        expect(message).to_contain_text(words)
        field_box, message_box = page.locator(f"#{field}").bounding_box(), message.bounding_box()
        assert 0 <= message_box["y"] - (field_box["y"] + field_box["height"]) < 20, (
            f"{field}: the message is not by its field"
        )
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("name_0-error")).to_have_count(0)
    expect(page.get_by_test_id("form-errors")).to_contain_text("4")
    text = page.inner_text("body")
    assert "invalid_" not in text and "(" + "invalid" not in text
    expect(page.locator("#id_number_0")).to_have_value("110101199003071235")
    expect(page.locator("#id_type_1")).to_have_value("passport")
    expect(page.locator("#contact_phone")).to_have_value("1380013800")
    assert Order.objects.count() == 0

    page.fill("#id_number_0", valid_id(11))
    page.fill("#name_1", "李华")
    page.select_option("#id_type_1", "resident")
    page.fill("#id_number_1", valid_id(12))
    page.fill("#contact_phone", "13800138000")
    from scenic_ops.ticketing import capacity
    from scenic_ops.ticketing.models import Bucket

    capacity.change_bucket(Bucket.objects.get(slot_id=slot.id, kind="slot"), capacity=1)  # meanwhile, sold out
    page.click('[data-testid="book"]')
    expect(page.get_by_test_id("error")).to_have_count(1)
    expect(page.get_by_test_id("error")).to_contain_text("已售罄")
    expect(page.locator(".field-error")).to_have_count(0)
    assert "sold_out" not in page.inner_text("body")
    expect(page.locator("#name_1")).to_have_value("李华")
    assert Order.objects.count() == 0 and no_popups == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_refund_and_cancel_ask_on_the_page_first_and_say_what_happens(live_server, page, tk, no_popups):
    from scenic_ops.ticketing import notify, services
    from tests.ticketing.conftest import request

    booking = services.book(request(slot_of(3), confirm=True, channel="counter", n=2, seq=40))
    key = notify.order_key(booking.number)
    code = booking.tickets[0].code
    page.goto(f"{live_server.url}/o/{booking.number}/{key}/")
    page.get_by_test_id(f"refund-{code}").click()
    what = page.get_by_test_id("what-happens")
    expect(what).to_contain_text("退还 ¥90.00，手续费 ¥10.00")
    expect(what).to_contain_text("手续费为票价的 10 %")
    expect(what).to_contain_text("名额释放给其他游客")
    assert Ticket.objects.get(code=code).status == "valid"  # nothing happened yet
    page.get_by_test_id("keep").click()
    expect(page.locator(f'[data-ticket="{code}"] [data-testid="ticket-status"]')).to_have_text("有效")
    page.get_by_test_id(f"refund-{code}").click()
    page.get_by_test_id("confirm").click()
    expect(page.locator(f'[data-ticket="{code}"] [data-testid="ticket-status"]')).to_have_text("已退款")
    expect(page.get_by_test_id("refunded")).to_have_text("¥90.00")
    assert Order.objects.get(number=booking.number).refunded_amount == 90

    held = services.book(request(slot_of(3), seq=50))
    held_key = notify.order_key(held.number)
    page.goto(f"{live_server.url}/o/{held.number}/{held_key}/pay")
    page.get_by_test_id("cancel-order").click()
    expect(page.get_by_test_id("what-happens")).to_contain_text("名额将释放给其他游客")
    assert Order.objects.get(number=held.number).status == "held"
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("order-status")).to_have_text("已取消")
    assert Order.objects.get(number=held.number).status == "cancelled" and no_popups == []
