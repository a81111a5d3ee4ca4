import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from scenic_ops.ticketing import services
from scenic_ops.ticketing.models import Order, Partner
from tests.ticketing.conftest import request, slot_of, valid_id


@pytest.fixture
def clerk(make_user, tk):
    client = Client()
    client.force_login(make_user("ticket_clerk"))
    return client


def test_desk_lists_calendar_and_report(tk, make_user):
    slot = slot_of()
    booking = services.book(request(slot, n=2, confirm=True, channel="counter", payment_method="cash"))
    client = Client()
    client.force_login(make_user("manager"))
    for url in [
        "/admin/ticketing/order/",
        "/admin/ticketing/order/?status__exact=confirmed",
        f"/admin/ticketing/order/?q={booking.number}",
        "/admin/ticketing/ticket/",
        "/admin/ticketing/visitor/",
        "/admin/ticketing/refund/",
        "/admin/ticketing/bucket/",
        "/admin/ticketing/timeslot/",
        f"/admin/ticketing/order/{booking.order_id}/change/",
        "/admin/ticketing/order/calendar/",
        "/admin/ticketing/order/report/",
        "/admin/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert booking.number in client.get(f"/admin/ticketing/order/?q={booking.number}").content.decode()
    # phone search goes through the blind index
    assert Order.objects.filter(pk=booking.order_id).update(contact_phone_index="x") == 1
    calendar = client.get("/admin/ticketing/order/calendar/").content.decode()
    assert "2 / 200" in calendar
    report = client.get("/admin/ticketing/order/report/?format=csv")
    body = b"".join(report.streaming_content).decode("utf-8-sig")
    assert "entry" in body and "200" in body
    xlsx = client.get("/admin/ticketing/order/report/?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 2
    export = client.get("/admin/ticketing/order/export.csv?status__exact=confirmed")
    assert booking.number in b"".join(export.streaming_content).decode("utf-8-sig")
    ticket_xlsx = client.get("/admin/ticketing/ticket/export.xlsx")
    assert load_workbook(io.BytesIO(ticket_xlsx.content)).active.max_row == 3


def test_visitor_list_is_masked(tk, make_user):
    slot = slot_of()
    services.book(request(slot, confirm=True, channel="counter", seq=3))
    client = Client()
    client.force_login(make_user("service_agent"))
    page = client.get("/admin/ticketing/visitor/").content.decode()
    assert valid_id(3) not in page and "游客3" not in page
    assert valid_id(3)[:4] in page


def test_counter_sale(clerk, tk):
    slot = slot_of()
    form = {
        "slot": slot.id,
        "product": "entry",
        "channel": "staff",
        "payment_method": "cash",
        "contact_phone": "13900139000",
        "name_0": "李奶奶",
        "id_type_0": "resident",
        "id_number_0": valid_id(40, born=dt.date(1950, 1, 1)),
        "category_0": "senior",
    }
    response = clerk.post("/admin/ticketing/order/counter/", form)
    assert response.status_code == 302, response.content.decode()[:500]
    order = Order.objects.get()
    assert response["Location"] == f"/admin/ticketing/order/{order.pk}/change/"  # the order just sold
    assert clerk.get(response["Location"]).status_code == 200
    assert order.channel == "staff" and order.status == "confirmed" and order.total == 0
    assert order.payments.get().method == "cash"
    from scenic_ops.core.models import OutboxMessage

    assert OutboxMessage.objects.filter(channel="sms").count() == 1


def test_counter_sale_ignores_empty_rows_and_names_half_filled_ones(clerk, tk):
    slot = slot_of()
    form = {
        "visitors": "3",
        "slot": slot.id,
        "product": "entry",
        "channel": "counter",
        "payment_method": "cash",
        "name_0": "王小明",
        "id_type_0": "resident",
        "id_number_0": valid_id(41),
        "category_0": "adult",
        "name_1": "",
        "id_type_1": "resident",
        "id_number_1": valid_id(42),
        "category_1": "adult",
        "name_2": "",
        "id_type_2": "resident",
        "id_number_2": "",
        "category_2": "adult",
    }
    refused = clerk.post("/admin/ticketing/order/counter/", form)
    assert refused.status_code == 200 and not Order.objects.exists()
    assert refused.context["form"].errors == {"name_1": ["请输入游客姓名。"]}
    response = clerk.post("/admin/ticketing/order/counter/", {**form, "name_1": "李华"})
    assert response.status_code == 302
    assert Order.objects.get().ticket_count == 2  # the empty third row sold nothing
    nobody = clerk.post("/admin/ticketing/order/counter/", {**form, "name_0": "", "id_number_0": "", "id_number_1": ""})
    assert nobody.status_code == 200 and Order.objects.count() == 1


def test_counter_page_offers_the_next_day_when_today_is_over(clerk, tk):
    from django.utils import timezone

    from scenic_ops.ticketing.models import TimeSlot

    TimeSlot.objects.filter(date=timezone.localdate()).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    page = clerk.get("/admin/ticketing/order/counter/")
    assert page.context["day"] == timezone.localdate() + dt.timedelta(days=1) and page.context["moved"]
    assert 'id="counter-moved"' in page.content.decode()


def _members(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "证件类型", "证件号码", "手机", "票种"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "members.xlsx"
    return buffer


def test_group_upload_reports_bad_rows(clerk, tk):
    from scenic_ops.ticketing.partners import create_partner

    agency = create_partner("cits", "国旅", kind=Partner.Kind.AGENCY).partner
    slot = slot_of()
    rows = [
        ["张三", "居民身份证", valid_id(61), "13800138000", "group"],
        ["李四", "居民身份证", "110101199003071235", "", "group"],  # bad checksum
        ["王五", "护照", "E1234", "", "group"],  # too short
        ["赵六", "居民身份证", valid_id(61), "", "group"],  # duplicate of row 2
        ["", "居民身份证", valid_id(62), "", "group"],  # no name
        ["钱七", "居民身份证", valid_id(63), "123", "group"],  # bad phone
        ["孙八", "居民身份证", valid_id(64), "", "group"],
    ]
    data = {
        "agency": agency.id,
        "slot": slot.id,
        "product": "entry",
        "guide": "导游 王 13700137000",
        "on_account": "on",
    }
    response = clerk.post("/admin/ticketing/order/group/", {**data, "members": _members(rows)})
    assert response.status_code == 200
    report = response.context["report"]
    assert [e.row for e in report.errors] == [3, 4, 5, 6, 7]
    assert Order.objects.count() == 0
    response = clerk.post("/admin/ticketing/order/group/", {**data, "valid_only": "on", "members": _members(rows)})
    order = Order.objects.get()
    assert order.channel == "agency" and order.ticket_count == 2 and order.status == "confirmed"
    assert response.context["booking"].number == order.number
    template = clerk.get("/admin/ticketing/order/group/?template=1")
    assert load_workbook(io.BytesIO(template.content)).active.max_row == 2


def test_dashboard_cards(tk, make_user):
    services.book(request(slot_of(), confirm=True, channel="counter"))
    client = Client()
    client.force_login(make_user("manager"))
    page = client.get("/admin/").content.decode()
    assert "Bookings today" in page or "今日" in page


def test_desk_forms_for_capacity_and_partners(tk, make_user):
    from scenic_ops.ticketing.models import Bucket

    manager = Client()
    manager.force_login(make_user("manager"))
    for url in [
        "/admin/ticketing/product/add/",
        f"/admin/ticketing/product/{tk.admission.pk}/change/",
        "/admin/ticketing/saleday/add/",
        "/admin/ticketing/slottemplate/add/",
        "/admin/ticketing/bucket/add/",
    ]:
        assert manager.get(url).status_code == 200, url
    slot = slot_of(2)
    response = manager.post(
        "/admin/ticketing/bucket/add/",
        {"slot": slot.id, "channel": "agency", "capacity": 30, "release_at_0": "", "release_at_1": ""},
    )
    assert response.status_code == 302
    allotment = Bucket.objects.get(kind="allotment", slot=slot)
    assert allotment.capacity == 30 and Bucket.objects.get(kind="slot", slot=slot).reserved == 30
    too_big = manager.post(
        "/admin/ticketing/bucket/add/", {"slot": slot_of(3).id, "channel": "agency", "capacity": 10_000}
    )
    assert too_big.status_code == 302 and not Bucket.objects.filter(kind="allotment", slot=slot_of(3)).exists()
    slot_bucket = Bucket.objects.get(kind="slot", slot=slot)
    below = manager.post(f"/admin/ticketing/bucket/{slot_bucket.pk}/change/", {"capacity": 10, "closed": ""})
    assert below.status_code == 302
    slot_bucket.refresh_from_db()
    assert slot_bucket.capacity == 200  # refused: 30 places are reserved... and the desk said why
    sysadmin = Client()
    sysadmin.force_login(make_user("sysadmin"))
    created = sysadmin.post(
        "/admin/ticketing/partner/add/",
        {
            "code": "qunar",
            "name": "去哪儿",
            "kind": "ota",
            "prepaid": "on",
            "webhook_url": "",
            "contact": "",
            "active": "on",
            "rate_limit": 120,
        },
    )
    assert created.status_code == 302
    partner = Partner.objects.get(code="qunar")
    assert partner.api_key.rate_limit_per_minute == 120 and partner.signing_secret_enc
