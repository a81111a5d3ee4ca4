"""The gates desk: live panel, admissions report, a ticket's history, corrections, conflicts, device keys."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.access.conftest import at, counts, valid_id

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_live_panel_shows_lanes_last_scans_refusals_and_status(site, make_user):
    from scenic_ops.access import services

    ticket = site.book()  # real clock: the panel reads today
    info, _key = site.device("s-in-1")
    services.heartbeat(info, clock=__import__("django.utils.timezone").utils.timezone.now())
    services.scan(info, "qr", ticket.token, "in")
    services.scan(info, "qr", ticket.token, "in")
    services.scan(info, "qr", "SO1.forged.sig", "in")  # buffered: the panel flushes before reading
    site.device("s-out")
    page = _client(make_user("gate_checker")).get("/admin/access/gate/panel/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-lane="s-in-1"' in html and 'data-status="online"' in html and 'data-status="offline"' in html
    assert ticket.code in html and 'data-reason="used"' in html and 'data-reason="malformed"' in html
    assert 'id="in-park">1<' in html
    body = _client(make_user("gate_checker")).get("/admin/access/gate/panel/body/")
    assert body.status_code == 200 and b"<html" not in body.content


def test_admissions_report_by_hour_entrance_channel_category(site, make_user):
    student = site.book(category="student")
    adult = site.book()
    info, _ = site.device("s-in-1")
    from scenic_ops.access import services

    services.scan(info, "qr", student.token, "in")
    services.scan(info, "qr", adult.token, "in")
    services.scan(info, "qr", adult.token, "in")
    client = _client(make_user("manager"))
    page = client.get("/admin/access/gate/report/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/vendor/frappe-charts/frappe-charts.min.umd.js" in html
    assert "in this period: 2" in html
    by_category = html.split('id="by-category"')[1].split("</table>")[0]
    assert '<td class="pr-4">Student</td><td class="text-right">1</td>' in by_category
    assert "南山门" in html.split('id="by-gate"')[1].split("</table>")[0]
    assert "Already used" in html.split('id="refused"')[1].split("</table>")[0]
    csv = client.get("/admin/access/gate/report/?format=csv")
    assert csv.status_code == 200 and "学生" in csv.content.decode("utf-8-sig")


def test_ticket_history_by_code_and_by_id_number_for_complaints(site, make_user, monkeypatch):
    from scenic_ops.core import pii
    from scenic_ops.core.models import AuditEvent

    number = valid_id(31)
    ticket = site.book(id_number=number, name="王五")
    info, _ = site.device("s-in-1")
    from scenic_ops.access import services

    services.scan(info, "qr", ticket.token, "in")
    services.scan(info, "qr", ticket.token, "in")
    agent = make_user("service_agent")
    client = _client(agent)
    by_code = client.get(f"/admin/access/gate/history/?q={ticket.code}").content.decode()
    assert 'id="ticket-scans"' in by_code and by_code.count('data-reason="') == 2
    assert 'data-reason="used"' in by_code and "王*" in by_code

    def no_decrypt(*args, **kwargs):
        raise AssertionError("the history lookup must not decrypt")

    monkeypatch.setattr(pii, "decrypt", no_decrypt)
    by_id = client.get(f"/admin/access/gate/history/?q={number}").content.decode()
    assert ticket.code in by_id and 'data-reason="admitted"' in by_id
    assert AuditEvent.objects.filter(actor=agent, message__startswith="ticket history lookup").count() == 2
    assert 'id="no-ticket"' in client.get("/admin/access/gate/history/?q=NOPE").content.decode()


def test_pages_need_the_scan_log_permission(site, make_user):
    for url in ("/admin/access/gate/panel/", "/admin/access/gate/report/", "/admin/access/gate/history/"):
        assert _client(make_user("finance")).get(url).status_code == 403


def test_correction_with_a_reason_is_audited_and_moves_the_count(site, make_user):
    from scenic_ops.access.models import Scan, ScanCorrection
    from scenic_ops.core.models import AuditEvent

    ticket = site.book(hour=10)
    scan = Scan.objects.get(pk=site.scan("s-in-1", ticket.token, now=at(10)).scan_id)
    assert counts()["entries"] == 1
    checker = make_user("gate_checker")
    client = _client(checker)
    refused = client.post("/admin/access/scancorrection/add/", {"kind": "void", "scan": scan.pk, "reason": ""})
    assert refused.status_code == 200 and not ScanCorrection.objects.exists()
    done = client.post(
        "/admin/access/scancorrection/add/",
        {"kind": "void", "scan": scan.pk, "reason": "turnstile jammed, visitor went back"},
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    correction = ScanCorrection.objects.get()
    assert (correction.entries, correction.created_by) == (-1, checker)
    assert counts()["entries"] == 0
    assert AuditEvent.objects.filter(content_type__model="scancorrection", actor=checker).exists()
    twice = client.post("/admin/access/scancorrection/add/", {"kind": "void", "scan": scan.pk, "reason": "again"})
    assert twice.status_code == 200 and ScanCorrection.objects.count() == 1
    manual = client.post(
        "/admin/access/scancorrection/add/",
        {"kind": "manual_entry", "gate": site.gates["south"].pk, "reason": "reader down, let in by hand"},
    )
    assert manual.status_code == 302 and counts()["entries"] == 1


def test_conflicts_are_resolved_from_the_desk(site, make_user):
    from scenic_ops.access import services
    from scenic_ops.access.models import Conflict

    ticket = site.book(hour=10)
    site.scan("s-in-1", ticket.token, now=at(10))
    info, _ = site.device("s-in-2")
    services.upload_offline(
        info,
        "b",
        [{"id": "1", "at": at(10, 30).isoformat(), "type": "qr", "value": ticket.token, "result": "admitted"}],
        now=at(11),
    )
    client = _client(make_user("gate_checker"))
    listing = client.get("/admin/access/conflict/?status__exact=open")
    assert listing.status_code == 200 and ticket.code in listing.content.decode()
    conflict = Conflict.objects.get()
    client.post("/admin/access/conflict/", {"action": "dismiss", "_selected_action": [conflict.pk]})
    conflict.refresh_from_db()
    assert conflict.status == "dismissed" and counts()["entries"] == 1


def test_adding_a_device_shows_its_key_once(site, make_user):
    from scenic_ops.access.models import GateDevice
    from scenic_ops.core import apikeys

    client = _client(make_user("sysadmin"))
    response = client.post(
        "/admin/access/gatedevice/add/",
        {"code": "new-reader", "name": "新读头", "lane": site.lanes["s-in-2"].pk, "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    device = GateDevice.objects.get(code="new-reader")
    html = response.content.decode()
    secret = html.split("<code>")[1].split("</code>")[0]
    assert apikeys.verify(secret).pk == device.api_key_id
    assert secret not in client.get(f"/admin/access/gatedevice/{device.pk}/change/").content.decode()


def test_dashboard_cards(site, make_user):
    ticket = site.book()
    info, _ = site.device("s-in-1")
    from scenic_ops.access import services

    services.scan(info, "qr", ticket.token, "in")
    services.scan(info, "qr", ticket.token, "in")
    html = _client(make_user("gate_checker")).get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for title in ("In the park now", "Entries today", "Refusals at the gates today, by reason"):
        assert title in html
    assert 'href="/admin/access/gate/panel/"' in html
    assert "Already used" in html  # the refusal chart's label
    assert (
        "Entries today" not in _client(make_user("finance")).get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
