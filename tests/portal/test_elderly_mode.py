"""Elderly mode (长辈模式) on a phone (390×844): switched on once, it holds on every visitor page, and
every page meets the MIIT 适老化 figures, measured in Chromium from computed styles and layout boxes
(see tests/portal/elderly.py): text ≥ 24 px, the key function ≥ 40 px, line height ≥ 1.3, tap targets
≥ 60×60, text contrast ≥ 4.5:1, no pop-ups."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from scenic_ops.ticketing import notify, services
from tests.portal.elderly import NO_POPUPS_SCRIPT, measure
from tests.ticketing.conftest import request, slot_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone_page(page):
    page.set_viewport_size(PHONE)
    page.add_init_script(NO_POPUPS_SCRIPT)
    # The flow page renders from the status embedded in it; without its live stream no server thread
    # outlives the test (the live server is shared by the session) to recompute the status later.
    page.route("**/api/v1/flow/public/stream", lambda route: route.abort())
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    return page


def _check(page, name: str, report: dict) -> None:
    page.screenshot(path=f"var/screenshots/elderly-{name}.png", full_page=True)
    result = measure(page)
    assert result["elder"], f"{name}: elderly mode is off on {page.url}"
    assert result["body"]["size"] >= 24 and result["body"]["lineHeight"] >= 1.3, (name, result["body"])
    assert result["texts"] and result["targets"], f"{name}: nothing measured"
    report[name] = result["problems"]


def test_elderly_mode_holds_and_meets_the_figures_on_every_visitor_page(
    live_server, phone_page, tk, service_ready, busy_park
):
    page = phone_page
    slot = slot_of(2)
    confirmed = services.book(request(slot, confirm=True, channel="counter", n=2, seq=20))
    held = services.book(request(slot, seq=30))
    held_key = notify.order_key(held.number)
    from scenic_ops.ticketing.models import Order

    payment = services.start_payment(Order.objects.get(number=held.number))
    key = notify.order_key(confirmed.number)
    base = live_server.url
    report: dict[str, list[str]] = {}

    page.goto(f"{base}/")
    expect(page.locator("body")).not_to_have_class("portal elder")
    page.get_by_test_id("elder-toggle").click()  # once, on the home page
    page.wait_for_selector("body.elder")
    _check(page, "home", report)

    day = slot.date.isoformat()
    for name, url in [
        ("days", "/book/"),
        ("day-slots", f"/book/{day}/"),
        ("day-tickets", f"/book/{day}/?slot={slot.id}"),
        ("day-more", f"/book/{day}/?slot={slot.id}&more=1"),
        ("visitors", f"/book/{day}/visitors?slot={slot.id}&product=entry&q_adult=1&q_child=1"),
    ]:
        page.goto(base + url)
        _check(page, name, report)
    # the real-name form with its mistakes shown
    page.fill("#name_0", "王小明")
    page.fill("#id_number_0", "110101199003071235")
    page.fill("#contact_phone", "12345")
    page.get_by_test_id("book").click()
    page.wait_for_selector('[data-testid="id_number_0-error"]')
    _check(page, "visitors-errors", report)

    for name, url in [
        ("pay", f"/o/{held.number}/{held_key}/pay"),
        ("cashier", f"/pay/sandbox/{payment.reference}/"),
        ("cancel-held", f"/o/{held.number}/{held_key}/cancel"),
        ("order", f"/o/{confirmed.number}/{key}/"),
        ("refund", f"/o/{confirmed.number}/{key}/cancel?ticket={confirmed.tickets[0].code}"),
        ("ticket", f"/t/{confirmed.tickets[0].code}/"),
        ("my-orders", "/my/"),
        ("flow", "/flow/"),
        ("service", "/service/"),
        ("service-my", "/service/my/"),
        ("sos", "/service/sos/"),
    ]:
        page.goto(base + url)
        if name == "flow":
            page.wait_for_selector("#zones li")
        _check(page, name, report)

    page.goto(f"{base}/service/complaint/")
    _check(page, "complaint", report)
    page.fill("#description", "南门厕所没有纸")
    page.fill("#phone", "13912345678")
    page.get_by_test_id("send").click()
    page.wait_for_selector('[data-testid="state"]')
    _check(page, "complaint-status", report)

    page.goto(f"{base}/service/sos/")
    page.fill("#phone", "13812340000")
    page.get_by_test_id("sos").click()
    page.wait_for_selector('[data-testid="sos-sent"]')
    _check(page, "sos-sent", report)

    assert page.dialogs == [], f"pop-up dialogs: {page.dialogs}"
    failing = {name: problems for name, problems in report.items() if problems}
    summary = "\n".join(f"{name}: " + "\n    ".join(problems[:12]) for name, problems in failing.items())
    assert not failing, f"elderly-mode figures not met on {len(failing)} of {len(report)} pages:\n{summary}"


def test_elder_query_switches_it_on_and_the_switch_turns_it_off_everywhere(live_server, phone_page, tk):
    page = phone_page
    page.goto(f"{live_server.url}/flow/?elder=1")
    page.wait_for_selector("body.elder")
    page.goto(f"{live_server.url}/book/")
    expect(page.locator("body")).to_have_class("portal elder")
    page.get_by_test_id("elder-toggle").click()
    page.wait_for_url(f"{live_server.url}/book/")
    expect(page.locator("body")).to_have_class("portal")
    for url in ("/", "/flow/", "/service/"):
        page.goto(live_server.url + url)
        assert "elder" not in page.locator("body").get_attribute("class"), url
