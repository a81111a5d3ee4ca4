"""The desk: asset page (alarms, inspections, tickets, costs, MTTR/MTBF), alarm console, compliance,
live map, repair ticket page with SLA and nearest crew, QR labels, dashboard cards; and the demo."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from scenic_ops.operations.models import Alarm, RepairTicket
from scenic_ops.operations.services import inspections, repairs, telemetry
from tests.operations.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(make_user):
    def login(role: str):
        user = make_user(role)
        client = Client()
        client.force_login(user)
        return client, user

    return login


def test_asset_page_shows_alarms_tickets_costs_and_reliability(desk, make_asset, make_device, make_user):
    client, engineer = desk("engineer")
    boat = make_asset("boat", name="电动游船9号")
    device, _secret = make_device(asset=boat)
    telemetry.ingest(device, [{"type": "fault", "at": timezone.now().isoformat(), "code": "BMS3"}])
    old = repairs.report(
        title="电机更换", asset=boat, reported_by=engineer, failure_at=timezone.now() - dt.timedelta(days=10)
    )
    RepairTicket.objects.filter(pk=old.pk).update(
        restored_at=old.failure_at + dt.timedelta(hours=5), parts_cost="1200.00", labour_cost="160.00"
    )
    page = client.get(f"/admin/operations/asset/{boat.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="asset-overview"' in html and "BMS3" in html and "电机更换" in html
    assert "¥1360.00" in html  # parts + labour
    assert 'data-testid="mttr">5.0 h' in html
    assert "<svg" in html  # the QR label


def test_qr_label_decodes_to_the_crew_page_of_the_asset(desk, make_asset):
    from PIL import Image
    from pyzbar.pyzbar import decode

    client, _user = desk("engineer")
    gate = make_asset("gate")
    png = client.get(f"/ops/labels/{gate.qr_token}.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    import io

    (code,) = decode(Image.open(io.BytesIO(png.content)))
    url = code.data.decode()
    assert url.endswith(f"/crew/a/{gate.qr_token}")
    follow = client.get(url.replace("http://testserver", ""))
    assert follow["Location"] == f"/crew/#asset/{gate.qr_token}"
    labels = client.post("/admin/operations/asset/", {"action": "print_labels", "_selected_action": [gate.pk]})
    assert labels.status_code == 200 and gate.code in labels.content.decode()


def test_alarm_console_lists_open_alarms_and_acknowledges(desk, make_device):
    client, user = desk("dispatcher")
    device, _secret = make_device()
    telemetry.ingest(device, [{"type": "fault", "at": timezone.now().isoformat(), "code": "E5"}])
    alarm = Alarm.objects.get()
    page = client.get("/admin/operations/alarm/")
    assert page.status_code == 200 and "E5" in page.content.decode() and 'id="alarm-console"' in page.content.decode()
    client.post("/admin/operations/alarm/", {"action": "acknowledge", "_selected_action": [alarm.pk]})
    alarm.refresh_from_db()
    assert alarm.state == "acknowledged" and alarm.acknowledged_by == user
    client.post("/admin/operations/alarm/", {"action": "clear", "_selected_action": [alarm.pk]})
    assert "E5" not in client.get("/admin/operations/alarm/").content.decode()
    assert "E5" in client.get("/admin/operations/alarm/?show=all").content.decode()


def test_ticket_page_shows_sla_assignee_and_nearest_crew_and_calls(desk, make_asset, make_user, place_crew, zone):
    client, dispatcher = desk("dispatcher")
    engineer = make_user("engineer", display_name="赵磊")
    place_crew(engineer, 31.2335, 120.4172)
    gate = make_asset("gate", zone=zone("z-t", lat="31.2330", lng="120.4170"))
    ticket = repairs.report(title="闸机报警", asset=gate, reported_by=dispatcher, priority="high")
    page = client.get(f"/admin/operations/repairticket/{ticket.pk}/change/").content.decode()
    assert 'id="workflow-panel"' in page
    assert timezone.localtime(ticket.resolution_due).strftime("%Y-%m-%d %H:%M") in page
    assert 'data-testid="nearest-crew"' in page and "赵磊" in page
    response = client.post("/admin/operations/dispatchcall/call/", {"user": engineer.pk, "ticket": ticket.pk})
    assert response.status_code == 302
    assert ticket.calls.get().user == engineer
    assert (
        'data-testid="dispatch-calls"'
        in client.get(f"/admin/operations/repairticket/{ticket.pk}/change/").content.decode()
    )


def test_compliance_by_team_and_live_map_pages(desk, make_plan, make_user):
    from scenic_ops.core.models import Department

    team = Department.objects.create(code="patrol", name="巡检队")
    inspector = make_user("inspector", department=team)
    make_plan(department=team)
    make_plan(department=team, name="第二条")
    inspections.create_daily_tasks()
    client, _manager = desk("manager")
    page = client.get("/admin/operations/inspectioncompliance/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="compliance-table"' in html and "巡检队" in html and "scenic-chart" in html
    assert inspector.inspection_tasks.count() == 2
    live = client.get("/admin/operations/livemap/")
    assert live.status_code == 200 and "vendor/leaflet/leaflet.js" in live.content.decode()
    clerk, _ = desk("ticket_clerk")
    assert clerk.get("/admin/operations/livemap/").status_code == 403


def test_dashboard_cards(desk, make_device, make_plan):
    from django.utils import translation

    from scenic_ops.operations import dashboard

    client, manager = desk("manager")
    device, _secret = make_device()
    telemetry.ingest(device, [{"type": "fault", "at": timezone.now().isoformat(), "code": "E1"}])
    make_plan(assignee=manager)
    inspections.create_daily_tasks()
    assert client.get("/admin/").status_code == 200
    with translation.override("en"):
        cards = {c.title: c for c in dashboard.alarm_cards(None, timezone.now())}
        cards |= {c.title: c for c in dashboard.repair_cards(None, timezone.now())}
        cards |= {c.title: c for c in dashboard.inspection_cards(None, timezone.now())}
    assert cards["Open alarms"].value == "1"
    assert cards["Open repair tickets"].value == "1"  # the fault rule opened one
    assert cards["Inspections today"].value == "0 / 1"
    assert sum(cards["Open tickets by state"].datasets[0]["values"]) == 1
    assert cards["Repair tickets opened and closed per day"].datasets[0]["values"][-1] == 1


def test_demo_builds_and_is_idempotent(roles, monkeypatch):
    from io import StringIO

    from scenic_ops.core import demo as core_demo
    from scenic_ops.operations import demo
    from scenic_ops.operations.models import Asset, InspectionTask

    monkeypatch.setattr(demo, "HISTORY_DAYS", 9)  # the real demo has three weeks; nine days cover every path
    out = StringIO()
    core_demo.build(out)
    from scenic_ops.governance import demo as governance_demo
    from scenic_ops.workflow import setup as workflow_setup

    workflow_setup.load()
    governance_demo.build(out)  # the repair budget the demo's cost approvals spend on
    demo.build(out)
    counts = (
        Asset.objects.count(),
        InspectionTask.objects.count(),
        RepairTicket.objects.count(),
        Alarm.objects.count(),
    )
    assert Asset.objects.filter(parent__code="cableway").count() == 12
    assert (
        Asset.objects.filter(category__code="boat").count() == 4
        and Asset.objects.filter(category__code="vehicle").count() == 3
    )
    assert counts[1] > 40 and counts[2] > 0 and counts[3] > 0
    assert RepairTicket.objects.filter(state="closed").exists()
    demo.build(out)
    assert (
        Asset.objects.count(),
        InspectionTask.objects.count(),
        RepairTicket.objects.count(),
        Alarm.objects.count(),
    ) == counts
    assert at("2026-01-01 00:00")
