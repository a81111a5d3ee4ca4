"""Publication: the public JSON API (caching headers, ≤ 1 s lag from a gate scan), the SSE stream
(a change in the browser within 1 s), the visitor page on a phone (zh/en, elderly mode) and the
big screen at 1920×1080, with real numbers."""

from __future__ import annotations

import time

import pytest
import requests
from django.test import Client

from scenic_ops.flow.services import record_passages

# --- JSON API ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_public_status_has_every_figure_and_caching_headers(busy_site):
    client = Client()
    response = client.get("/api/v1/flow/public/status")
    assert response.status_code == 200
    body = response.json()
    assert body["capacity"] == {"instant": 1000, "daily": 3000, "open_daily": 2250}
    assert (body["in_park"], body["entries_today"], body["level"]["code"]) == (820, 900, "yellow")
    assert body["banner"]["level"] == "yellow" and body["sales_halted"] is False
    assert {z["code"]: z["count"] for z in body["zones"]} == {"summit": 90, "temple": 40}
    assert {p["code"]: p["free"] for p in body["parking"]} == {"parking-p1": 3, "parking-p2": 40}
    assert body["waits"][0]["minutes"] == 15 and body["traffic"]["en"] == "Slow traffic on Yunxiu Road"
    assert not any(key.startswith("_") for key in body)
    assert response["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert response["Access-Control-Allow-Origin"] == "*"
    etag = response["ETag"]
    again = client.get("/api/v1/flow/public/status", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    forecast = client.get("/api/v1/flow/public/forecast")
    assert forecast.status_code == 200 and "days" in forecast.json()


@pytest.mark.django_db(transaction=True)
def test_publication_lag_from_a_gate_scan_to_the_public_api_is_under_a_second(live_server, site):
    url = f"{live_server.url}/api/v1/flow/public/status"
    session = requests.Session()
    assert session.get(url, timeout=5).json()["in_park"] == 0
    lags = []
    for n in range(1, 11):
        started = time.perf_counter()
        record_passages(None, entries=1, dedupe_key=f"lag-scan-{n}")
        while session.get(url, timeout=5).json()["in_park"] != n:
            assert time.perf_counter() - started < 1.0, "the public API lags more than a second"
        lags.append(time.perf_counter() - started)
        time.sleep(0.05 * (n % 4))  # scans at irregular moments against the 0.25 s recompute window
    print(  # noqa: T201 - the measured figure, shown with pytest -s
        f"\npublication lag gate scan -> public API: max {max(lags) * 1000:.0f} ms, mean {sum(lags) / len(lags) * 1000:.0f} ms"
    )
    assert max(lags) < 1.0


@pytest.mark.django_db(transaction=True)
def test_sse_stream_sends_the_status_then_each_change(live_server, site):
    import json

    response = requests.get(f"{live_server.url}/api/v1/flow/public/stream", stream=True, timeout=10)
    assert response.headers["Content-Type"].startswith("text/event-stream")
    lines = response.iter_lines(chunk_size=1, decode_unicode=True)

    def next_event():
        data = None
        for line in lines:
            if line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and data is not None:
                return data
        raise AssertionError("stream ended")

    assert next_event()["in_park"] == 0
    record_passages(None, entries=5)
    started = time.perf_counter()
    assert next_event()["in_park"] == 5
    assert time.perf_counter() - started < 1.0
    response.close()


# --- browser ----------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sse_delivers_a_change_to_the_visitor_page_within_a_second(live_server, page, site):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/flow/")
    page.wait_for_function("Number(document.body.dataset.events || 0) >= 1", timeout=10_000)
    assert page.locator("#in-park").inner_text() == "0"
    started = time.perf_counter()
    record_passages(None, entries=321, source="gate:south-1")
    page.wait_for_function(
        "document.getElementById('in-park').textContent.replace(/[^0-9]/g, '') === '321'", timeout=1_000
    )
    elapsed = time.perf_counter() - started
    print(f"\nSSE: gate scan -> visitor page in {elapsed * 1000:.0f} ms")  # noqa: T201
    assert elapsed < 1.0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_visitor_page_on_a_phone_in_chinese_english_and_elderly_mode(live_server, page, busy_site):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/flow/")
    page.wait_for_selector("#zones li")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("#in-park").inner_text() == "820"
    assert "当前在园" in page.content() or "在园" in page.content()
    assert page.locator("#zones li").first.inner_text().startswith("主峰")
    assert "90%" in page.locator("#zones li").first.inner_text()
    assert "3" in page.locator("#parking li").first.inner_text()
    assert "15" in page.locator("#waits li").first.inner_text()
    assert page.locator("#banner").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    normal_size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('in-park')).fontSize)")
    page.screenshot(path="var/screenshots/flow-visitor-phone.png", full_page=True)

    page.click("text=English")
    page.wait_for_selector("html[lang=en]")
    assert "In the park now" in page.content()
    assert page.locator("#zones li").first.inner_text().startswith("Main Peak")
    assert "Slow traffic on Yunxiu Road" in page.locator("#traffic").inner_text()

    page.click("#elder-toggle")
    page.wait_for_selector("body.elder")
    assert page.locator("html").get_attribute("lang") == "en"  # the language is remembered
    body_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    big_size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('in-park')).fontSize)")
    assert body_size >= 22 and big_size > normal_size
    colours = page.evaluate(
        "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.querySelector('.card')).borderTopColor]"
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(0, 0, 0)"]  # high contrast
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live_server.url}/flow/?lang=zh")
    assert page.locator("body.elder").count() == 1  # elderly mode is remembered too
    page.screenshot(path="var/screenshots/flow-visitor-elderly.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_big_screen_at_1920_by_1080_draws_its_charts_from_real_figures(live_server, page, busy_site, issued_forecasts):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/flow/screen/")
    for chart in ("gauge", "hourly", "parking", "outlook"):
        page.wait_for_selector(f"#{chart}[data-drawn='1'] svg", timeout=10_000)
    assert page.locator("#in-park").inner_text() == "820"
    assert page.locator("#load").inner_text() == "82%"
    assert page.locator("#level").inner_text() == "黄色（三级）"
    assert page.locator("#zones li").count() == 2
    assert "90 / 100" in page.locator("#zones li").first.inner_text()
    assert page.locator("#alerts li").count() >= 1
    assert page.locator("#forecast-today").inner_text() not in ("", "—")
    size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1920 and size[1] <= 1080, f"the screen overflows: {size}"
    page.screenshot(path="var/screenshots/flow-big-screen.png")
    # it keeps itself up to date
    record_passages(None, entries=50)
    page.wait_for_function(
        "document.getElementById('in-park').textContent.replace(/[^0-9]/g, '') === '870'", timeout=2_000
    )
