"""Acceptance in Debian's headless Chromium at phone size (390×844), and the desk.

1. A visitor files a complaint (with markup in the text, shown back as text), an agent replies,
   and the visitor later finds it with phone number and code, sees the reply and rates it.
2. A red visitor-flow level opens an incident: its plan tasks appear for the right roles (a security
   officer's phone shows the security task only), the agency notices are in the outbox, and the
   desk's command page shows it on the map with its tasks, notices and timeline.
3. The SOS button sends the phone's location.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from scenic_ops.core.models import OutboxMessage
from scenic_ops.service.models import Complaint, Incident
from tests.service.conftest import PHONE, go_red

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_SIZE = {"width": 390, "height": 844}


@pytest.fixture
def service_ready(roles):
    from scenic_ops.service import setup

    setup.load()


def test_a_visitor_files_a_complaint_on_the_phone_and_later_sees_the_reply(service_ready, page, live_server, make_user):
    from scenic_ops.workflow import services as workflow

    agent = make_user("service_agent")
    page.set_viewport_size(PHONE_SIZE)
    page.goto(f"{live_server.url}/service/")
    page.click("text=投诉或建议")
    # empty text: a clear error, nothing filed, what was typed is kept
    page.fill("#phone", PHONE)
    page.eval_on_selector("#description", "el => el.removeAttribute('required')")
    page.click("#complaint-form button[type=submit]")
    expect(page.get_by_test_id("error")).to_contain_text("请描述")
    assert not Complaint.objects.exists()
    expect(page.locator("#phone")).to_have_value(PHONE)
    page.select_option("#category", "sanitation")
    page.fill("#description", '南门厕所没有纸 <script>alert("x")</script>')
    page.click("#complaint-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/service/my/TS\w+/\?new=1"))
    code = page.get_by_test_id("code").inner_text().strip()
    expect(page.get_by_test_id("state")).to_have_text("已接收")
    expect(page.get_by_test_id("description")).to_contain_text('<script>alert("x")</script>')  # shown as text
    complaint = Complaint.objects.get(code=code)
    assert OutboxMessage.objects.filter(source=f"service:complaint:{code}", channel="sms").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_SIZE["width"], "the page fits the phone without sideways scrolling"

    workflow.apply(complaint, "accept", agent)
    workflow.apply(complaint, "reply", agent, "已补充厕纸，并安排每小时巡查。")

    # later, in another browser session: look it up by phone and code
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/service/my/")
    page.fill("#phone", "13900000000")
    page.fill("#code", code)
    page.click("#lookup-form button[type=submit]")
    expect(page.get_by_test_id("error")).to_be_visible()
    page.fill("#phone", PHONE)
    page.fill("#code", code.lower())
    page.click("#lookup-form button[type=submit]")
    expect(page.get_by_test_id("reply")).to_contain_text("已补充厕纸")
    expect(page.get_by_test_id("state")).to_have_text("已答复")
    page.check("input[name=rating][value='5']")
    page.click("#rating-form button[type=submit]")
    expect(page.locator(".ok")).to_be_visible()
    complaint.refresh_from_db()
    assert complaint.rating == 5
    # English and large text for elderly visitors
    page.goto(f"{live_server.url}/service/my/{code}/?lang=en&elder=1")
    expect(page.get_by_test_id("state")).to_have_text("Replied")
    assert "elder" in page.locator("body").get_attribute("class")


def test_a_red_flow_level_opens_an_incident_with_tasks_for_the_right_roles_and_agency_notices(
    service_ready, crowded_site, page, live_server, make_user, desk_login, browser
):
    from scenic_ops.flow.services.levels import announce_standing

    guard = make_user("security", display_name="王保安")
    make_user("engineer")
    manager = make_user("manager", display_name="李经理")
    go_red()
    assert announce_standing() == 1  # the minutely flow.levels_standing finds the same red episode
    incident = Incident.objects.get()
    assert incident.type.code == "over_capacity" and incident.source == "flow"
    agency_sms = OutboxMessage.objects.filter(
        source=f"service:incident:{incident.code}", target_display__startswith="138"
    )
    assert agency_sms.count() == 3 and all("客流超限" in m.body for m in agency_sms)

    # the security officer's phone: only the security task
    phone = browser.new_context(viewport=PHONE_SIZE, locale="zh-CN")
    mobile = phone.new_page()
    mobile.goto(f"{live_server.url}/service/tasks/")
    mobile.fill("input[name=username]", guard.username)
    mobile.fill("input[name=password]", "pw-Test-2026")
    mobile.click("#login-form button[type=submit]")
    mobile.wait_for_url(f"{live_server.url}/service/tasks/")
    expect(mobile.get_by_test_id("task-title")).to_have_count(1)
    expect(mobile.get_by_test_id("task-title")).to_have_text("入口限流，启动分流通道和临时排队区")
    mobile.click("button[value=ack]")
    expect(mobile.locator("button[value=done]")).to_be_visible()
    phone.close()

    # the manager's desk: the command page, its map, the incident's tasks, notices and timeline
    desk_login(manager)
    page.goto(f"{live_server.url}/admin/service/commandpost/")
    expect(page.get_by_test_id("incident-row")).to_have_count(1)
    expect(page.locator("#svc-map")).to_have_attribute("data-incidents", "1")
    page.click(f"text={incident.code}")
    rows = page.get_by_test_id("task-row")
    expect(rows).to_have_count(5)
    roles = [rows.nth(i).get_attribute("data-role") for i in range(5)]
    assert roles == ["security", "ticket_clerk", "dispatcher", "service_agent", "manager"]
    expect(page.locator("[data-role=security] .svc-acknowledged")).to_be_visible()  # acknowledged on the phone
    expect(page.locator("#notices tr")).to_have_count(3)
    expect(page.locator("#timeline")).to_contain_text("王保安")


def test_the_sos_button_sends_the_phones_location(service_ready, crowded_site, page, live_server, make_user):
    make_user("security")
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 31.2401, "longitude": 120.4199, "accuracy": 15})
    page.set_viewport_size(PHONE_SIZE)
    page.goto(f"{live_server.url}/service/sos/?lang=en")
    expect(page.locator("#where")).to_have_attribute("data-located", "1")
    page.check("input[name=kind][value=medical]")
    page.fill("#phone", "13812340000")
    page.get_by_test_id("sos").click()
    expect(page.get_by_test_id("sos-sent")).to_be_visible()
    incident = Incident.objects.get()
    assert incident.source == "sos" and incident.type.code == "medical"
    assert float(incident.latitude) == pytest.approx(31.2401) and incident.zone.code == "summit"
    assert incident.reporter_phone_masked == "138****0000"
    assert incident.tasks.filter(owner_role="security").exists()
