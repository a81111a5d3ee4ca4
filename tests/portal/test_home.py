"""The portal's home page and its elderly-mode switch (Django test client)."""

from __future__ import annotations

from django.utils import timezone

from scenic_ops.core import visitor
from scenic_ops.ticketing import selectors


def test_the_home_page_shows_today_and_leads_to_every_section(client, tk, busy_park):
    from scenic_ops.core.services import site_profile

    profile = site_profile()
    page = client.get("/").content.decode()
    assert f"今天开放时间 {profile.opening_time:%H:%M}–{profile.closing_time:%H:%M}" in page
    assert 'data-testid="in-park"' in page and "620" in page and "1000" in page
    assert 'data-testid="level"' in page and "普通" in page
    for url in ("/book/", "/my/", "/flow/", "/service/", "/service/sos/"):
        assert f'href="{url}"' in page, url
    today = selectors.availability(timezone.localdate())
    entry_slots = [s for s in today["slots"] if not s.get("product")]
    if any(s["status"] == "open" for s in entry_slots):  # before the day's last time slot
        assert f"还可预约 {today['remaining']} 人" in page
    else:
        assert "今日预约已结束" in page
    english = client.get("/?lang=en").content.decode()
    assert "Book tickets" in english and "In the park now" in english


def test_a_closed_day_and_a_sales_halt_show_on_the_home_page(client, tk, busy_park):
    from scenic_ops.flow.services import halt_sales
    from scenic_ops.ticketing import capacity

    today = timezone.localdate()
    capacity.set_day_closed(today, True, note="大雪封山")
    page = client.get("/").content.decode()
    assert "景区今日闭园" in page and "大雪封山" in page
    capacity.set_day_closed(today, False)
    halt_sales(today, reason="红色预警")
    assert "今日门票暂停销售" in client.get("/").content.decode()


def test_elderly_mode_is_one_cookie_switched_by_the_header_or_the_query(client, db):
    response = client.get("/?elder=1")
    assert response.cookies[visitor.ELDER_COOKIE].value == "1"
    assert 'class="portal elder"' in response.content.decode()
    assert 'class="portal elder"' in client.get("/").content.decode()
    off = client.post("/elder-mode", {"on": "0", "next": "/flow/"})
    assert off.status_code == 302 and off["Location"] == "/flow/" and off.cookies[visitor.ELDER_COOKIE].value == "0"
    assert 'class="portal"' in client.get("/").content.decode()
    away = client.post("/elder-mode", {"on": "1", "next": "https://evil.example/"})
    assert away["Location"] == "/"
    assert client.get("/elder-mode").status_code == 405


def test_the_shell_links_back_without_the_one_off_switches(client, db):
    page = client.get("/?elder=1&lang=en&x=1").content.decode()
    assert 'name="next" value="/?x=1"' in page
    assert 'aria-current="page"' in page and 'data-testid="nav-home"' in page
