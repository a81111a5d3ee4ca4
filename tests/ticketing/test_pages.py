import re

from scenic_ops.core.models import RecordedMessage
from scenic_ops.ticketing import capacity, notify, services
from scenic_ops.ticketing.models import Bucket, Order
from tests.ticketing.conftest import request, slot_of, valid_id


def _book_via_pages(client, slot, *, phone="13800138000", seq=1):
    url = f"/book/{slot.date}/visitors?slot={slot.id}&product=entry&q_adult=1&q_child=0"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"name_0": "王小明", "id_type_0": "resident", "id_number_0": valid_id(seq), "contact_phone": phone},
    )
    return response


def test_book_pay_and_see_tickets(client, tk, rq_worker, django_capture_on_commit_callbacks):
    slot = slot_of()
    assert client.get("/book/").status_code == 200
    day = client.get(f"/book/{slot.date}/?slot={slot.id}").content.decode()
    assert "data-slot" in day and "entry" in day
    response = _book_via_pages(client, slot)
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.status == "held" and order.channel == "web"
    pay_page = response["Location"]
    assert client.post(pay_page).status_code == 302
    payment = order.payments.get()
    cashier = client.get(f"/pay/sandbox/{payment.reference}/")
    assert cashier.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        back = client.post(f"/pay/sandbox/{payment.reference}/", {"outcome": "succeeded"})
    assert back.status_code == 302
    waiting = client.get(back["Location"]).content.decode()
    assert 'data-testid="waiting"' in waiting
    with django_capture_on_commit_callbacks(execute=True):
        rq_worker()  # the sandbox's asynchronous notification
    rq_worker()  # then the outbox delivers the SMS
    order.refresh_from_db()
    assert order.status == "confirmed"
    page = client.get(back["Location"]).content.decode()
    assert "qr.png" in page
    sms = RecordedMessage.objects.filter(channel="sms").first()
    assert sms is not None and order.number in sms.body and notify.order_key(order.number) in sms.body


def test_bad_visitor_input_shows_every_error_in_words_and_books_nothing(client, tk):
    slot = slot_of()
    url = f"/book/{slot.date}/visitors?slot={slot.id}&product=entry&q_adult=2&q_child=1"
    response = client.post(
        url,
        {
            "name_0": "王小明",
            "id_type_0": "resident",
            "id_number_0": "110101199003071235",  # wrong check digit
            "name_1": "  ",
            "id_type_1": "passport",
            "id_number_1": "E12",
            "name_2": "王小小",
            "id_type_2": "resident",
            "id_number_2": valid_id(3),  # born 1990: not a child
            "contact_phone": "1380013",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "invalid_id_checksum" not in page and "invalid_" not in page and "not_eligible" not in page
    for field in ("id_number_0", "name_1", "id_number_1", "id_number_2", "contact_phone"):
        assert f'data-testid="{field}-error"' in page, field
    assert 'data-testid="name_0-error"' not in page
    assert "最后一位与前面的数字对不上" in page and "护照号码由 6 到 15 位字母和数字组成" in page
    assert "不能购买“儿童”票" in page and "请填写 11 位手机号码" in page
    assert 'value="110101199003071235"' in page and 'value="E12"' in page and 'value="1380013"' in page
    assert Order.objects.count() == 0


def test_a_booking_refusal_is_one_plain_message(client, tk):
    slot = slot_of()
    services.book(request(slot, seq=5, confirm=True, channel="counter"))
    url = f"/book/{slot.date}/visitors?slot={slot.id}&product=entry&q_adult=1"
    response = client.post(
        url, {"name_0": "王小明", "id_type_0": "resident", "id_number_0": valid_id(5), "contact_phone": "138 0013 8000"}
    )
    page = response.content.decode()
    assert response.status_code == 400 and 'data-testid="error"' in page
    assert "该证件号当天的购票数已达上限" in page
    assert "id_limit_reached" not in page and 'value="138 0013 8000"' in page
    assert Order.objects.count() == 1


def test_the_day_page_shows_only_known_error_messages(client, tk):
    slot = slot_of()
    spoof = "退款请拨打客服热线 400-123-4567"
    page = client.get(f"/book/{slot.date}/", {"error": spoof}).content.decode()
    assert spoof not in page and 'data-testid="error"' not in page
    page = client.get(f"/book/{slot.date}/", {"error": "choose_slot"}).content.decode()
    assert 'data-testid="error"' in page and "请选择时段和产品" in page
    bad_quantity = client.get(f"/book/{slot.date}/visitors?slot={slot.id}&product=entry&q_adult=-2")
    assert bad_quantity.status_code == 302 and "error=choose_quantity" in bad_quantity["Location"]
    assert "请选择各票种的数量" in client.get(bad_quantity["Location"]).content.decode()


def test_closed_and_sold_out_days_are_clear(client, tk):
    slot = slot_of(2)
    capacity.set_day_closed(slot.date, True, note="大雪封山")
    page = client.get(f"/book/{slot.date}/").content.decode()
    assert 'data-testid="closed"' in page and "大雪封山" in page
    other = slot_of(3)
    for bucket in Bucket.objects.filter(date=other.date, kind="day"):
        capacity.change_bucket(bucket, capacity=0)
    page = client.get(f"/book/{other.date}/").content.decode()
    assert 'data-testid="sold-out"' in page


def test_a_sales_halt_is_explained(client, tk):
    from scenic_ops.flow.services import halt_sales

    slot = slot_of(1)
    halt_sales(slot.date, reason="红色预警")
    page = client.get(f"/book/{slot.date}/").content.decode()
    assert 'data-testid="halted"' in page and "暂停销售" in page and 'data-testid="closed"' not in page
    response = _book_via_pages(client, slot)
    assert response.status_code == 400 and "暂停销售" in response.content.decode()
    assert Order.objects.count() == 0


def test_elder_mode_and_english(client, tk):
    client.post("/elder-mode", {"next": "/book/", "on": "1"})
    page = client.get("/book/").content.decode()
    assert 'class="portal elder"' in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/book/"})
    assert "Choose a day" in client.get("/book/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/book/"})
    assert "选择日期" in client.get("/book/").content.decode()


def test_look_up_orders_by_phone_and_code(client, tk, rq_worker, django_capture_on_commit_callbacks):
    slot = slot_of()
    services.book(request(slot, contact_phone="13912345678", confirm=True, channel="counter"))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/my/", {"phone": "13912345678", "action": "send"}).status_code == 200
    again = client.post("/my/", {"phone": "13912345678", "action": "send"})
    assert (
        "too_many" in again.content.decode() or "Too many" in again.content.decode() or "请" in again.content.decode()
    )
    rq_worker()
    sms = RecordedMessage.objects.filter(channel="sms").order_by("-id").first()
    code = re.search(r"\d{6}", sms.body).group(0)
    wrong = client.post(
        "/my/", {"phone": "13912345678", "code": "000000" if code != "000000" else "111111", "action": "verify"}
    )
    assert wrong.status_code == 200 and 'data-testid="error"' in wrong.content.decode()
    ok = client.post("/my/", {"phone": "13912345678", "code": code, "action": "verify"})
    assert ok.status_code == 302
    listing = client.get("/my/").content.decode()
    assert Order.objects.get().number in listing


def test_visitor_refund_from_the_order_page_asks_first(client, tk):
    slot = slot_of(3)
    booking = services.book(request(slot, confirm=True, channel="counter", n=2))
    key = notify.order_key(booking.number)
    code = booking.tickets[0].code
    page = client.get(f"/o/{booking.number}/{key}/").content.decode()
    assert f"/o/{booking.number}/{key}/cancel?ticket={code}" in page
    ask = client.get(f"/o/{booking.number}/{key}/cancel", {"ticket": code})
    assert ask.status_code == 200 and "¥90.00" in ask.content.decode() and "¥10.00" in ask.content.decode()
    assert client.post(f"/o/{booking.number}/{key}/cancel", {"ticket": code}).status_code == 200  # not confirmed
    assert Order.objects.get().refunded_amount == 0
    response = client.post(f"/o/{booking.number}/{key}/cancel", {"ticket": code, "confirm": "yes"})
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.refunded_amount == 90 and order.status == "confirmed"
    again = client.get(f"/o/{booking.number}/{key}/cancel", {"ticket": code})
    assert again.status_code == 409 and 'data-testid="confirm"' not in again.content.decode()
    assert client.get(f"/o/{booking.number}/wrongkey/").status_code == 404


def test_cancelling_a_held_order_asks_first_and_releases_the_places(client, tk):
    slot = slot_of(2)
    booking = services.book(request(slot, n=2))
    key = notify.order_key(booking.number)
    ask = client.get(f"/o/{booking.number}/{key}/cancel").content.decode()
    assert "2 个名额将释放" in ask and "没有付款" in ask
    assert client.post(f"/o/{booking.number}/{key}/cancel", {"confirm": "yes"}).status_code == 302
    assert Order.objects.get().status == "cancelled"
