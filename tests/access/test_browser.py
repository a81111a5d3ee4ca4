"""The desk in a real browser: the live panel refreshes by itself; the report draws its charts."""

from __future__ import annotations

import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_live_panel_refreshes_and_report_draws_charts(site, make_user, desk_login, live_server):
    from scenic_ops.access import services

    page = desk_login(make_user("gate_checker"))
    page.goto(f"{live_server.url}/admin/access/gate/panel/")
    page.wait_for_selector('[data-lane="s-in-1"]')
    assert page.inner_text("#in-park") == "0"
    ticket = site.book()
    info, _key = site.device("s-in-1")
    services.heartbeat(info, clock=__import__("django.utils.timezone").utils.timezone.now())
    services.scan(info, "qr", ticket.token, "in")
    services.scan(info, "qr", ticket.token, "in")
    page.wait_for_selector('[data-lane="s-in-1"] [data-scan]', timeout=15_000)  # no reload: the panel polls
    page.wait_for_function("document.querySelector('#in-park').innerText.trim() === '1'", timeout=15_000)
    assert page.get_attribute('[data-lane="s-in-1"] .lane-status', "data-status") == "online"
    assert page.locator('[data-gate="south"] [data-reason="used"]').count() == 1
    page.goto(f"{live_server.url}/admin/access/gate/report/")
    page.wait_for_selector("#chart-hour svg", timeout=15_000)
    page.wait_for_selector("#chart-category svg", timeout=15_000)
    page.goto(f"{live_server.url}/admin/access/gate/history/?q={ticket.code}")
    rows = page.locator("#ticket-scans tbody tr")
    assert rows.count() == 2
    assert page.locator('#ticket-scans tr[data-reason="used"]').count() == 1
