"""The flow desk: every role sees exactly its pages; corrections, halts and notices from the desk."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from scenic_ops.core.roles import load_matrix
from scenic_ops.flow import selectors
from scenic_ops.flow.models import CountAdjustment, SalesHalt
from scenic_ops.flow.services import record_passages
from tests.flow.conftest import present

MATRIX = load_matrix()
ROLES = [r["code"] for r in MATRIX.roles]
FLOW_ADMINS = [(m, a) for m, a in admin.site._registry.items() if m._meta.app_label == "flow"]


def test_every_flow_desk_model_is_in_the_matrix():
    keys = {f"flow.{m._meta.model_name}" for m, _ in FLOW_ADMINS}
    assert keys == {k for k in MATRIX.models if k.startswith("flow.")}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_role_sees_exactly_its_flow_pages(role, make_user, site):
    user = make_user(role)
    client = Client()
    client.force_login(user)
    request = RequestFactory().get("/")
    request.user = user
    for model, model_admin in FLOW_ADMINS:
        opts = model._meta
        letters = MATRIX.models.get(f"flow.{opts.model_name}", {}).get(role, "")
        listing = client.get(reverse(f"admin:flow_{opts.model_name}_changelist"))
        assert listing.status_code == (200 if "v" in letters else 403), (
            f"{role} {opts.model_name}: {listing.status_code}"
        )
        add = client.get(reverse(f"admin:flow_{opts.model_name}_add"))
        allowed = "a" in letters and model_admin.has_add_permission(request)
        assert add.status_code == (200 if allowed else 403), f"{role} add {opts.model_name}: {add.status_code}"


@pytest.mark.django_db
def test_head_count_correction_from_the_desk_is_audited(make_user, site):
    from scenic_ops.core.models import AuditEvent

    record_passages(None, entries=500, exits=100)
    dispatcher = make_user("dispatcher")
    client = Client()
    client.force_login(dispatcher)
    response = client.post(
        reverse("admin:flow_countadjustment_add"),
        {"zone": "", "counted": "380", "reason": "manual head count at 14:00"},
    )
    assert response.status_code == 302, response.content[:2000]
    adjustment = CountAdjustment.objects.get()
    assert (adjustment.delta, adjustment.created_by) == (-20, dispatcher)
    assert present() == 380
    event = AuditEvent.objects.filter(action="create", object_id=str(adjustment.pk)).get()
    assert event.actor == dispatcher


@pytest.mark.django_db
def test_manager_stops_and_resumes_sales_in_the_desk(make_user, site):
    manager = make_user("manager")
    client = Client()
    client.force_login(manager)
    today = timezone.localdate()
    response = client.post(
        reverse("admin:flow_saleshalt_add"), {"day": today.isoformat(), "halted": "on", "reason": "山洪预警"}
    )
    assert response.status_code == 302
    assert selectors.sales_halted(today)
    halt = SalesHalt.objects.get(day=today)
    assert (halt.source, halt.changed_by) == ("manual", manager)
    response = client.post(
        reverse("admin:flow_saleshalt_change", args=[halt.pk]), {"day": today.isoformat(), "reason": "解除"}
    )
    assert response.status_code == 302
    assert not selectors.sales_halted(today)


@pytest.mark.django_db
def test_traffic_note_and_banner_from_the_desk_are_published(make_user, site):
    client = Client()
    client.force_login(make_user("dispatcher"))
    response = client.post(
        reverse("admin:flow_notice_add"),
        {
            "traffic_note": "S58 出口拥堵",
            "traffic_note_en": "Queue at exit S58",
            "banner": "今日索道检修",
            "banner_en": "",
        },
    )
    assert response.status_code == 302
    status = client.get("/api/v1/flow/public/status").json()
    assert status["traffic"]["zh"] == "S58 出口拥堵" and status["traffic"]["en"] == "Queue at exit S58"
    assert status["banner"]["zh"] == "今日索道检修" and status["banner"]["en"] == "今日索道检修"


@pytest.mark.django_db
def test_new_device_in_the_desk_gets_a_key_shown_once(make_user, site):
    from scenic_ops.flow.models import CountingDevice

    client = Client()
    client.force_login(make_user("sysadmin"))
    response = client.post(
        reverse("admin:flow_countingdevice_add"),
        {"code": "counter-x", "name": "X", "kind": "people", "interval_seconds": "60", "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    device = CountingDevice.objects.get(code="counter-x")
    assert device.api_key is not None and device.api_key.scopes == ["flow:push"]
    assert "sk_" in response.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_flow_dashboard_in_the_desk_shows_live_figures_feed_health_and_forecast_vs_actual(
    desk_login, make_user, live_server, site
):
    import datetime as dt

    from scenic_ops.flow.history import generate
    from scenic_ops.flow.models import CountingDevice, DailyFlow
    from scenic_ops.flow.services import forecasts

    today = timezone.localdate()
    cal = forecasts.holiday_calendar()
    history = generate(today - dt.timedelta(days=200), today - dt.timedelta(days=1), cal, daily_cap=2250, hourly=False)
    DailyFlow.objects.bulk_create([DailyFlow(day=d, entries=v // 10) for d, v in history.daily.items()])
    forecasts.issue()
    record_passages(None, entries=640, exits=40)
    CountingDevice.objects.create(code="counter-silent", name="silent", kind="people")  # never pushed
    page = desk_login(make_user("manager"))
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_selector(".scenic-card", timeout=10_000)
    in_park = page.locator(".scenic-card", has_text="当前在园人数")
    assert in_park.count() == 1 and "600" in in_park.inner_text()
    assert "1 / 1" in page.locator(".scenic-card", has_text="计数设备离线").inner_text()
    chart = page.locator(".scenic-card", has_text="每日游客量：提前一天的预测与实际").locator(".scenic-chart")
    outlook = page.locator(".scenic-card", has_text="未来 14 天客流预测").locator(".scenic-chart")
    chart.wait_for(state="attached")
    page.wait_for_selector(".scenic-chart[data-drawn='1'] svg", timeout=10_000)
    import json

    data = json.loads(chart.get_attribute("data-chart"))
    assert data["datasets"][0]["values"][27] == 640  # today's entries
    assert data["datasets"][1]["values"][27] > 0  # today's forecast
    assert len(json.loads(outlook.get_attribute("data-chart"))["labels"]) == 14
    page.wait_for_timeout(800)  # let the charts finish their entry animation
    page.screenshot(path="var/screenshots/flow-desk-dashboard.png", full_page=True)
    page.goto(f"{live_server.url}/admin/flow/countingdevice/")
    assert "中断" in page.locator("#result_list").inner_text()
    page.screenshot(path="var/screenshots/flow-desk-devices.png", full_page=True)
