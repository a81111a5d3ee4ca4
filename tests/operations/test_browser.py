"""Acceptance in Debian's headless Chromium at phone size (390×844): the crew app and the desk.

1. A crew member logs in, sees today's inspection, fills the checklist with a failing item (photo
   attached through the real file input), and the desk shows the new repair ticket assigned by
   rule with its SLA due time.
2. Offline: results entered without a network wait in the phone's queue and upload when the
   network returns; an upload whose answer was lost is sent again without creating duplicates;
   today's work stays readable offline after a reload.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from scenic_ops.operations.models import InspectionResult, InspectionTask, RepairTicket
from scenic_ops.operations.services import inspections
from tests.operations.conftest import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
GATE_AT = {"latitude": 31.2301, "longitude": 120.4102, "accuracy": 10}


@pytest.fixture
def round_(make_user, make_plan, make_asset, zone, tmp_path):
    south = zone("gate-south", lat="31.2301", lng="120.4102", name="南山门")
    inspector = make_user("inspector", display_name="孙浩")
    engineer = make_user("engineer", display_name="赵磊", skills=["electrical"])
    engineer.zones.set([south])
    make_user("engineer", display_name="钱卫东")  # another engineer, elsewhere
    gate = make_asset("gate", code="gate-south-1", name="南山门闸机1号", zone=south)
    plan = make_plan(points=[gate], assignee=inspector, name="南山门闸机日检", zone=south)
    inspections.create_daily_tasks()
    task = InspectionTask.objects.get(plan=plan)
    items = {i.label: i.pk for i in plan.template.items.all()}
    picture = tmp_path / "gate.png"
    picture.write_bytes(png_bytes((320, 240), "orange"))
    key = f"{plan.points.get().pk}-"
    return {
        "inspector": inspector,
        "engineer": engineer,
        "task": task,
        "plan": plan,
        "picture": picture,
        "working": f"{key}{items['闸机运转正常']}",
        "volts": f"{key}{items['电压']}",
    }


def phone_context(context):
    context.grant_permissions(["geolocation"])
    context.set_geolocation(GATE_AT)


def crew_login(page, live_server, user):
    page.goto(f"{live_server.url}/crew/")
    expect(page).to_have_url(re.compile(r"/crew/login/"))
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw-Test-2026")
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/crew/**")


def fill_failing_checklist(page, r):
    page.locator(f'input[name="v-{r["working"]}"][value="no"]').check()
    page.fill(f'input[name="n-{r["working"]}"]', "闸门卡住，无法通行")
    page.set_input_files(f'input[name="p-{r["working"]}"]', str(r["picture"]))
    page.fill(f'input[name="v-{r["volts"]}"]', "221")


def test_crew_fills_a_failing_checklist_and_the_desk_shows_the_ticket_with_its_sla(
    round_, page, live_server, desk_login, make_user
):
    page.set_viewport_size(PHONE)
    phone_context(page.context)
    crew_login(page, live_server, round_["inspector"])

    task_card = page.locator(f'[data-task="{round_["task"].pk}"]')
    expect(task_card).to_contain_text("南山门闸机日检")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    task_card.click()
    expect(page.locator("legend").first).to_contain_text("南山门闸机1号")

    # An out-of-range reading is caught on the phone before anything is queued
    page.locator(f'input[name="v-{round_["working"]}"][value="no"]').check()
    page.fill(f'input[name="v-{round_["volts"]}"]', "9999")
    page.click("#submit-checklist")
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("#form-errors")).to_contain_text("9999")

    fill_failing_checklist(page, round_)
    page.click("#submit-checklist")
    expect(task_card).to_contain_text(re.compile("已完成|Done"), timeout=15000)
    expect(page.locator("#queue")).to_be_hidden()

    ticket = RepairTicket.objects.get(inspection_task=round_["task"])
    result = InspectionResult.objects.get(task=round_["task"], passed=False)
    assert result.photo.name and result.latitude is not None and float(result.latitude) == pytest.approx(31.2301)
    assert ticket.assignee == round_["engineer"] and ticket.resolution_due is not None
    due = timezone.localtime(ticket.resolution_due).strftime("%Y-%m-%d %H:%M")

    # The desk (a dispatcher): the new ticket, its assignee by rule and its SLA due time
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    desk_login(make_user("dispatcher", display_name="吴婷"))
    page.goto(f"{live_server.url}/admin/operations/repairticket/?open=1")
    row = page.locator("#result_list tbody tr", has_text=ticket.title)
    expect(row).to_contain_text("赵磊")
    page.goto(f"{live_server.url}/admin/operations/repairticket/{ticket.pk}/change/")
    panel = page.locator("#workflow-panel")
    expect(panel).to_contain_text("赵磊")
    expect(panel).to_contain_text(due)
    history = page.locator("#workflow-history")
    expect(history).to_contain_text("报修：告警和巡检工单自动派给工程师")  # assigned by the rule


def test_offline_results_queue_on_the_phone_and_upload_once(round_, browser, live_server):
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", service_workers="block", base_url=live_server.url
    )
    phone_context(context)
    page = context.new_page()
    try:
        crew_login(page, live_server, round_["inspector"])
        page.locator(f'[data-task="{round_["task"].pk}"]').click()

        context.set_offline(True)
        fill_failing_checklist(page, round_)
        page.click("#submit-checklist")
        expect(page.locator("#queue")).to_have_attribute("data-count", "1")
        expect(page.locator(f'[data-task="{round_["task"].pk}"] .badge.wait')).to_be_visible()
        assert not InspectionResult.objects.exists()

        # The network returns, but the first answer is lost on the way back: the server did the work.
        lost = {"n": 0}

        def lose_answer(route):
            if lost["n"] == 0:
                lost["n"] += 1
                route.fetch()  # reaches the server
                route.abort("failed")  # the phone never hears back
                lost["done"] = True
            else:
                route.continue_()

        page.route("**/api/v1/operations/crew/inspections/*/submit", lose_answer)
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        for _ in range(100):  # route handlers run while Playwright waits
            if lost.get("done"):
                break
            page.wait_for_timeout(100)
        expect(page.locator("#queue")).to_have_attribute("data-count", "1", timeout=10000)
        assert lost["n"] == 1
        assert InspectionResult.objects.filter(task=round_["task"]).count() == 3  # saved once already

        page.evaluate("window.crewApp.sync()")  # the next sync sends the same entry again
        expect(page.locator("#queue")).to_have_attribute("data-count", "0", timeout=10000)
        assert page.evaluate("window.crewApp.queue().then(q => q.length)") == 0  # accepted, not refused
        assert InspectionResult.objects.filter(task=round_["task"]).count() == 3
        assert RepairTicket.objects.filter(inspection_task=round_["task"]).count() == 1
        expect(page.locator(f'[data-task="{round_["task"].pk}"]')).to_contain_text(re.compile("已完成|Done"))

        # Today's work stays readable when the server cannot be reached (kept in IndexedDB)
        page.route("**/api/v1/operations/crew/today", lambda route: route.abort("internetdisconnected"))
        page.reload()
        expect(page.locator("#net")).to_have_attribute("data-state", "offline")
        expect(page.locator(f'[data-task="{round_["task"].pk}"]')).to_contain_text("南山门闸机日检")
    finally:
        context.close()


def test_the_service_worker_keeps_the_app_shell(round_, page, live_server):
    page.set_viewport_size(PHONE)
    crew_login(page, live_server, round_["inspector"])
    ready = page.evaluate(
        "navigator.serviceWorker.ready.then(r => caches.open('crew-v2')).then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"
    )
    assert "/crew/" in ready and any(p.endswith("operations/crew.js") for p in ready)
    assert any(p.endswith("vendor/jsqr/jsQR.js") for p in ready)  # the QR decoder works offline too


def test_a_photo_of_an_assets_printed_label_opens_the_asset(round_, page, live_server, tmp_path):
    """The label the desk prints, photographed: decoded in the browser (jsQR where the browser has
    no BarcodeDetector of its own, as in Safari, Firefox and desktop Chromium), then the asset opens."""
    from scenic_ops.operations.models import Asset
    from scenic_ops.operations.services import labels

    gate = Asset.objects.get(code="gate-south-1")
    photo = tmp_path / "label.png"
    photo.write_bytes(labels.qr_png(f"{live_server.url}/crew/a/{gate.qr_token}"))
    page.set_viewport_size(PHONE)
    crew_login(page, live_server, round_["inspector"])
    page.goto(f"{live_server.url}/crew/#scan")
    page.wait_for_function("window.jsQR !== undefined")
    page.evaluate("window.crewForceJsQr = true")
    page.set_input_files("#scan-photo", str(photo))
    page.wait_for_url(re.compile(rf"#asset/{gate.qr_token}$"))
    expect(page.locator("#view h1")).to_have_text("南山门闸机1号")
