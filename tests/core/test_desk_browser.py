"""The desk in Debian's headless Chromium: Chinese by default, dashboard charts drawn from real figures."""

import pytest

from scenic_ops.core import audit
from scenic_ops.core.models import Zone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_is_chinese_and_switches_to_english(live_server, page):
    page.goto(f"{live_server.url}/admin/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "登录" in page.content()
    page.click("button[value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Log in" in page.content()


def test_dashboard_draws_charts_from_the_database(desk_login, make_user, live_server):
    admin_user = make_user("sysadmin", superuser=True)
    make_user("ticket_clerk")
    make_user("ticket_clerk")
    with audit.acting_as(admin_user):
        Zone.objects.create(code="summit", name="主峰")
    page = desk_login(admin_user)
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_selector(".scenic-chart[data-drawn='1'] svg", timeout=10_000)
    drawn = page.locator(".scenic-chart[data-drawn='1']").count()
    assert drawn >= 3  # staff by role, audit events per day, job runs
    roles_card = page.locator(".scenic-card", has_text="各角色人员")
    assert roles_card.count() == 1
    # the bar chart carries the real figure: two clerks
    chart_json = roles_card.locator(".scenic-chart").get_attribute("data-chart")
    assert '"票务员"' in chart_json
    import json

    data = json.loads(chart_json)
    clerks = data["datasets"][0]["values"][data["labels"].index("票务员")]
    assert clerks == 2
    assert page.locator(".scenic-card .frappe-chart").count() >= 3
    page.screenshot(path="var/screenshots/desk-dashboard.png", full_page=True)


def test_role_without_audit_rights_sees_no_audit_chart(desk_login, make_user, live_server):
    page = desk_login(make_user("ticket_clerk"))
    page.goto(f"{live_server.url}/admin/")
    assert page.locator(".scenic-card", has_text="审计").count() == 0


def test_desk_is_usable_on_a_phone(desk_login, make_user, live_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    desk_login(make_user("sysadmin", superuser=True))
    page.goto(f"{live_server.url}/admin/core/zone/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"page scrolls sideways on a phone: {width}px"


def test_desk_home_draws_charts_without_script_errors(desk_login, make_user, live_server):
    admin_user = make_user("sysadmin", superuser=True)
    page = desk_login(admin_user)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_load_state("load")
    page.wait_for_selector(".scenic-chart[data-drawn='1'] svg.frappe-chart", timeout=10_000)
    page.wait_for_timeout(300)  # anything Unfold runs after "load"
    assert errors == [], "\n".join(errors)
    assert page.locator(".scenic-chart[data-drawn='1'] svg.frappe-chart").count() >= 3
