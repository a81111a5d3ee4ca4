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


def test_a_clerk_sells_two_tickets_with_the_keyboard_alone(desk_login, make_user, live_server, tk):
    from scenic_ops.ticketing.models import Order
    from tests.ticketing.conftest import valid_id

    slot = slot_of(1, 10)
    page = desk_login(make_user("ticket_clerk"))
    errors = watch_errors(page)
    page.goto(f"{live_server.url}/admin/ticketing/order/counter/?date={slot.date.isoformat()}")
    # the fields can be seen: a real border, not Unfold's bare input
    for selector in ("[name=name_0]", "[name=id_number_0]", "[name=category_0]", "[name=contact_phone]"):
        style = page.eval_on_selector(
            selector,
            "el => { const s = getComputedStyle(el); return [s.borderTopWidth, s.borderTopStyle, s.borderTopColor]; }",
        )
        assert style[0] != "0px" and style[1] != "none", (selector, style)
        assert style[2] not in ("rgba(0, 0, 0, 0)", "transparent"), (selector, style)
    # slots are buttons with places left; focus starts on the first field (the product)
    assert page.evaluate("document.activeElement.name") == "product"
    assert page.evaluate("document.activeElement.value") == "cable"  # products in display order, then code
    assert "40" in page.locator('[data-testid="slot-10:00"]').inner_text()  # the cableway's places
    page.keyboard.press("ArrowRight")  # admission
    assert page.evaluate("document.activeElement.value") == "entry"
    assert page.locator(".counter-slot:not([hidden])").count() == 8
    assert "200" in page.locator('[data-testid="slot-10:00"]').inner_text()
    page.keyboard.press("Enter")  # → the slot grid, on the first open slot (08:00)
    assert page.evaluate("document.activeElement.name") == "slot"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # 10:00
    page.keyboard.press("Enter")  # → first visitor's name
    page.keyboard.type("王小明")
    page.keyboard.press("Enter")  # → ID number
    assert page.evaluate("document.activeElement.name") == "id_number_0"
    page.keyboard.type(valid_id(21))
    page.keyboard.press("Enter")  # as an ID-card reader ends its line: the next visitor's row opens
    assert page.evaluate("document.activeElement.name") == "name_1"
    page.keyboard.type(f"李华,{valid_id(22)}")  # a whole line typed (or read) into the name field
    page.keyboard.press("Enter")
    assert page.input_value("[name=id_number_1]") == valid_id(22)
    assert page.evaluate("document.activeElement.name") == "name_2"
    page.keyboard.press("Enter")  # an empty row: on to payment, the empty row dropped
    assert page.evaluate("document.activeElement.name") == "payment_method"
    assert page.locator("#counter-visitors tbody tr").count() == 2
    page.keyboard.press("ArrowRight")  # card
    page.keyboard.press("Enter")  # → sold as
    page.keyboard.press("Enter")  # → phone, the last field
    assert page.evaluate("document.activeElement.name") == "contact_phone"
    page.keyboard.press("Enter")  # sells
    page.wait_for_url("**/admin/ticketing/order/*/change/")
    order = Order.objects.get()
    assert order.channel == "counter" and order.status == "confirmed" and order.payment_method == "card"
    assert order.ticket_count == 2
    tickets = list(order.tickets.order_by("id"))
    assert [t.slot_id for t in tickets] == [slot.id, slot.id]
    assert {t.name_masked[0] for t in tickets} == {"王", "李"}
    assert errors == [], errors
    page.screenshot(path="var/screenshots/desk-counter-sold.png", full_page=True)


def test_a_bad_id_number_stops_the_flow_and_says_so(desk_login, make_user, live_server, tk):
    from tests.ticketing.conftest import valid_id

    slot = slot_of(1, 10)
    page = desk_login(make_user("ticket_clerk"))
    page.goto(f"{live_server.url}/admin/ticketing/order/counter/?date={slot.date.isoformat()}")
    page.click("[name=name_0]")
    page.keyboard.type("王小明")
    page.keyboard.press("Enter")
    good = valid_id(21)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    page.keyboard.type(bad)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "id_number_0"
    assert page.get_attribute("[name=id_number_0]", "aria-invalid") == "true"
    assert "校验位" in page.locator(".counter-id-error").inner_text()
    assert page.locator("#counter-visitors tbody tr").count() == 1
    page.screenshot(path="var/screenshots/desk-counter-bad-id.png", full_page=True)


def test_sold_out_slots_cannot_be_chosen(desk_login, make_user, live_server, tk):
    from scenic_ops.ticketing import capacity
    from scenic_ops.ticketing.models import Bucket

    slot = slot_of(1, 11)
    bucket = Bucket.objects.get(kind="slot", slot=slot)
    capacity.change_bucket(bucket, closed=True)
    page = desk_login(make_user("ticket_clerk"))
    page.goto(f"{live_server.url}/admin/ticketing/order/counter/?date={slot.date.isoformat()}")
    cell = page.locator('[data-testid="slot-11:00"]')
    assert cell.locator("input").is_disabled()
    assert page.locator('[data-testid="slot-10:00"] input').is_enabled()
    page.click('.counter-choice:has-text("山水实景演出")')  # the show has its own slots
    assert page.locator('[data-testid="slot-10:00"]').is_hidden()
    assert page.locator('[data-testid="slot-19:00"]').is_visible()
    assert page.locator('[data-testid="slot-19:00"] input').is_checked()
