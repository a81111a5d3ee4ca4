"""The ticketing desk in Debian's Chromium at a clerk's screen size: no script errors, charts drawn,
and the counter sale driven with the keyboard alone."""

import pytest

from scenic_ops.ticketing import services
from tests.ticketing.conftest import request, slot_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 768}}


def watch_errors(page) -> list[str]:
    """Every uncaught page error and console error, as text."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    return errors


def test_sales_report_draws_its_chart_without_script_errors(desk_login, make_user, live_server, tk):
    services.book(request(slot_of(), n=2, confirm=True, channel="counter", payment_method="cash"))
    page = desk_login(make_user("manager"))
    errors = watch_errors(page)
    page.goto(f"{live_server.url}/admin/ticketing/order/report/")
    page.wait_for_load_state("load")
    page.wait_for_selector("#sales-chart svg.frappe-chart .bar-chart rect, #sales-chart svg.frappe-chart rect.bar-mini")
    page.wait_for_timeout(300)  # anything Unfold runs after "load"
    assert errors == []
    assert page.locator("#sales-chart svg.frappe-chart").count() == 1
