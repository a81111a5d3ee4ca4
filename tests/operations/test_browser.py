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
from scenic_ops.operations.views import CACHE_VERSION
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
        f"navigator.serviceWorker.ready.then(r => caches.open('{CACHE_VERSION}'))"
        ".then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"
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


def _answer(page, key: str):
    point, item = key.split("-")
    return page.locator(f'#answers [data-point="{point}"][data-item="{item}"]')


def test_a_completed_inspection_opens_read_only_with_its_answers(round_, browser, live_server):
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", service_workers="block", base_url=live_server.url
    )
    phone_context(context)
    page = context.new_page()
    task = round_["task"]
    try:
        crew_login(page, live_server, round_["inspector"])
        card = page.locator(f'[data-task="{task.pk}"]')
        card.click()
        context.set_offline(True)
        fill_failing_checklist(page, round_)
        page.click("#submit-checklist")
        expect(page.locator(f'[data-task="{task.pk}"] .badge.wait')).to_be_visible()

        # Sent but not uploaded yet: what was entered, read-only, not a second empty form
        card.click()
        expect(page.locator("#view")).to_contain_text("待上传")
        expect(_answer(page, round_["working"])).to_contain_text("否")
        expect(_answer(page, round_["volts"])).to_contain_text("221V")
        assert page.locator("#view form, #view input, #view select, #view textarea, #view button").count() == 0

        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.goto(f"{live_server.url}/crew/#today")
        expect(card).to_contain_text(re.compile("已完成|Done"), timeout=15000)

        # Completed: opens with the answers as the server recorded them, nothing to fill in or send again
        card.click()
        working = _answer(page, round_["working"])
        expect(working).to_contain_text("否")
        expect(working).to_contain_text("不合格")
        expect(working).to_contain_text("闸门卡住，无法通行")
        expect(working).to_contain_text("已附照片")
        expect(_answer(page, round_["volts"])).to_contain_text("221V")
        expect(page.locator("#view")).to_contain_text("孙浩 于")
        expect(page.locator("#view")).to_contain_text("1 项不合格")
        assert page.locator("#view form, #view input, #view select, #view textarea, #view button").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path="var/screenshots/crew-inspection-done.png", full_page=True)
        page.reload()  # straight from a link, with today's data from the server
        expect(_answer(page, round_["volts"])).to_contain_text("221V")
        task.refresh_from_db()
        assert task.state == "done" and InspectionResult.objects.filter(task=task).count() == 3
    finally:
        context.close()


@pytest.fixture
def repaired(round_, make_user):
    """A ticket the inspector reported, repaired by the engineer and waiting for the inspector's acceptance."""
    from scenic_ops.operations.models import Asset
    from scenic_ops.operations.services import repairs
    from scenic_ops.workflow import services as workflow

    ticket = repairs.report(
        title="闸机屏幕碎了", asset=Asset.objects.get(code="gate-south-1"), reported_by=round_["inspector"]
    )
    workflow.apply(ticket, "accept", make_user("dispatcher", display_name="吴婷"))
    ticket.refresh_from_db()
    repairs.crew_action(ticket, ticket.assignee, "start")
    ticket.refresh_from_db()
    repairs.crew_action(ticket, ticket.assignee, "finish", estimated_cost="300")
    ticket.refresh_from_db()
    assert ticket.state == "done"
    return ticket


def _state_becomes(ticket, state: str, page) -> None:
    for _ in range(100):
        ticket.refresh_from_db()
        if ticket.state == state:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{ticket} stayed {ticket.state}, not {state}")


def test_an_engineer_sees_and_takes_the_tickets_waiting_for_him(round_, repaired, page, live_server):
    from scenic_ops.operations.services import repairs

    waiting = repairs.report(title="湖区厕所没有水", source="visitor")  # nobody's yet; engineers may accept it
    page.set_viewport_size(PHONE)
    crew_login(page, live_server, round_["engineer"])
    card = page.locator(f'[data-ticket="{waiting.pk}"]')
    expect(card).to_contain_text("湖区厕所没有水")
    expect(card).to_contain_text("待您处理")
    expect(card).to_contain_text("尚未派单")
    expect(card).to_contain_text("已报修")
    own = page.locator(f'[data-ticket="{repaired.pk}"]')  # his repair, now the reporter's to accept
    expect(own).to_contain_text("待验收")
    expect(own).not_to_contain_text("待您处理")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path="var/screenshots/crew-engineer-tickets.png", full_page=True)

    card.click()
    page.get_by_role("button", name="受理派单").click()
    _state_becomes(waiting, "assigned", page)
    after = page.locator(f'[data-ticket="{waiting.pk}"]')
    if waiting.assignee == round_["engineer"]:  # dispatched to him by zone and skill: his to start
        expect(after).to_contain_text("已派单", timeout=10000)
        expect(after).to_contain_text("待您处理")
    else:  # dispatched to the other engineer: no longer waiting for him
        expect(after).to_have_count(0, timeout=10000)


def test_the_reporter_accepts_the_repair_from_the_phone(round_, repaired, page, live_server):
    from scenic_ops.operations.models import RepairWorkLog

    page.set_viewport_size(PHONE)
    crew_login(page, live_server, round_["inspector"])
    page.locator(f'[data-ticket="{repaired.pk}"]').click()
    expect(page.locator("#ticket-state")).to_have_text("待验收")
    reopen = page.get_by_role("button", name="验收不通过")
    reopen.click()  # needs a reason: nothing is sent without one
    expect(page.locator("#flash")).to_contain_text("请先填写原因或备注")
    assert page.evaluate("window.crewApp.queue().then(q => q.length)") == 0
    page.fill("#ticket-form textarea[name=note]", "屏幕已更换，通行正常")
    page.get_by_role("button", name="验收通过").click()
    _state_becomes(repaired, "closed", page)
    assert RepairWorkLog.objects.get(ticket=repaired, by=round_["inspector"]).note == "验收通过: 屏幕已更换，通行正常"
    expect(page.locator(f'[data-ticket="{repaired.pk}"]')).to_have_count(0, timeout=10000)
