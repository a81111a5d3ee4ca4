"""A PIPL access request: one person's data from every domain, and nothing of anyone else."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from scenic_ops.governance import privacy
from scenic_ops.governance.errors import GovernanceError
from scenic_ops.governance.models import DataRequest
from scenic_ops.ticketing import services as ticketing
from tests.ticketing.conftest import request, slot_of, valid_id

pytestmark = pytest.mark.django_db
ME, OTHER = "13900001111", "13900002222"


def test_a_persons_export_holds_their_orders_tickets_complaints_and_nothing_of_others(
    tk,
    make_complaint,
    make_user,
    roles,
):
    slot = slot_of(1)
    mine = ticketing.book(request(slot, seq=1, contact_name="王小明", contact_phone=ME))
    theirs = ticketing.book(request(slot, seq=2, contact_name="李四", contact_phone=OTHER))
    # a ticket in my name inside someone else's order (a friend booked for me)
    friend = ticketing.book(request(slot, seq=3, contact_name="李四", contact_phone=OTHER))
    make_complaint(phone=ME, description="我的投诉：售票窗口排队太久。")
    make_complaint(phone=OTHER, description="别人的投诉：停车场收费不清。")
    admin = make_user("security_admin")
    data = privacy.export_person(phone=ME, id_number=valid_id(3), reason="本人书面申请 2026-001", user=admin)
    text = json.dumps(data, ensure_ascii=False)
    by_title = {s["title"]: s for s in data["sections"]}
    orders = by_title["Ticket orders placed with this phone number"]["rows"]
    assert [o["number"] for o in orders] == [mine.number]
    tickets = by_title["Tickets in this person's name (real-name)"]["rows"]
    assert [t["order"] for t in tickets] == [friend.number]
    complaints = by_title["Complaints and enquiries sent from this phone number"]["rows"]
    assert len(complaints) == 1 and "我的投诉" in complaints[0]["description"]
    assert theirs.number not in text and "别人的投诉" not in text and OTHER[-4:] not in text
    assert ME not in text and valid_id(3) not in text  # masked, never the full numbers
    log = DataRequest.objects.get()
    assert log.requested_by == admin and log.rows == 3 and log.subject_phone.endswith("1111")


def test_an_export_needs_the_permission_a_reason_and_a_valid_subject(make_user, roles):
    with pytest.raises(GovernanceError) as err:
        privacy.export_person(phone=ME, reason="x", user=make_user("sysadmin"))
    assert err.value.code == "not_allowed"  # the system administrator cannot read people's data
    admin = make_user("security_admin")
    for kwargs, code in (
        ({"reason": "x"}, "no_subject"),
        ({"phone": "12345", "reason": "x"}, "bad_subject"),
        ({"phone": ME, "reason": "  "}, "reason_required"),
    ):
        with pytest.raises(GovernanceError) as err:
            privacy.export_person(user=admin, **kwargs)
        assert err.value.code == code
    assert not DataRequest.objects.exists()


def test_the_desk_page_downloads_the_file(make_user, roles):
    client = Client()
    client.force_login(make_user("security_admin"))
    page = client.get("/admin/governance/personaldataexport/")
    assert page.status_code == 200
    answer = client.post("/admin/governance/personaldataexport/", {"phone": ME, "reason": "工单 88"})
    assert answer.status_code == 200 and answer["Content-Disposition"].startswith("attachment")
    assert json.loads(answer.content)["subject"]["phone"].endswith("1111")
    bad = client.post("/admin/governance/personaldataexport/", {"phone": "1", "reason": "工单 88"})
    assert bad.status_code == 200 and 'data-testid="form-error"' in bad.content.decode()
    other = Client()
    other.force_login(make_user("sysadmin"))
    assert other.get("/admin/governance/personaldataexport/").status_code in (302, 403)


def test_the_purge_job_clears_only_expired_personal_data_and_logs_it(make_complaint, shop, roles):
    import datetime as dt

    from django.utils import timezone

    from scenic_ops.governance import retention
    from scenic_ops.governance.models import DestructionLog
    from scenic_ops.shop import services as shop_services
    from scenic_ops.shop.models import Order
    from tests.shop.conftest import cart

    assert retention.ensure_defaults() == 2 and retention.ensure_defaults() == 0
    now = timezone.now()
    long_ago = now - dt.timedelta(days=1200)  # past the three years of the default policies
    old_complaint = make_complaint(phone=ME, description="很久以前的投诉：缆车停运没有通知。", now=long_ago)
    new_complaint = make_complaint(phone=OTHER, description="上周的投诉：卫生间排队。", now=now - dt.timedelta(days=7))
    old_order = shop_services.checkout(cart(("fan-1", 1), phone_number=ME), now=long_ago)
    Order.objects.filter(pk=old_order.pk).update(status=Order.Status.COMPLETED)
    new_order = shop_services.checkout(cart(("fan-1", 1), phone_number=OTHER))

    logs = {log.data_class: log for log in retention.purge(now)}
    assert logs["complaint_contact"].counts == {"service": 1} and logs["shop_contact"].counts == {"shop": 1}
    old_complaint.refresh_from_db()
    new_complaint.refresh_from_db()
    assert old_complaint.phone_enc is None and old_complaint.name_enc is None and old_complaint.phone_index == ""
    assert old_complaint.phone_masked and "缆车停运" in old_complaint.description  # the record stays, masked
    assert new_complaint.phone_enc is not None
    old_order.refresh_from_db()
    new_order.refresh_from_db()
    assert old_order.contact_phone_enc is None and old_order.address_enc is None and old_order.contact_phone_masked
    assert new_order.contact_phone_enc is not None and new_order.address_enc is not None
    # the next run finds nothing more, and says so
    again = {log.data_class: log.total for log in retention.purge(now + dt.timedelta(days=1))}
    assert again == {"complaint_contact": 0, "shop_contact": 0} and DestructionLog.objects.count() == 4
