"""The big screen at every common 16:9 size: nothing overflows the display or is cut off inside a
panel, and its text, chart axis labels included, stays readable from 5 m.

The legibility rule (flow/static/flow/screen.css): character height ≥ distance / 285, 17.6 mm at
5 m, which is 28 px on a 55-inch 1080p panel; at other sizes proportionally, so every size is
measured against a 1920-wide reference."""

from __future__ import annotations

import pytest
from django.test import Client

SIZES = [(1280, 720), (1366, 768), (1920, 1080), (2560, 1440), (3840, 2160)]
MIN_TEXT_PX = 28  # at a 1920-wide reference

# Rendered size of every visible text on the page: computed font size × how much the element is
# scaled on screen (an SVG's drawn width over its own width; the stage's for HTML).
MEASURE = """() => {
  const vw = innerWidth, vh = innerHeight, doc = document.documentElement;
  const stage = document.getElementById('stage') || document.body;
  const stageScale = stage.getBoundingClientRect().width / stage.offsetWidth;
  const box = (el) => { const r = el.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height}; };
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'
    && !el.closest('.graph-svg-tip, .chart-legend');
  const texts = [];
  for (const el of document.querySelectorAll('body *')) {
    if (['SCRIPT', 'STYLE'].includes(el.tagName) || !visible(el)) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const svg = el.closest('svg');
    const scale = svg ? svg.getBoundingClientRect().width / svg.width.baseVal.value : stageScale;
    const px = parseFloat(getComputedStyle(el).fontSize) * scale;
    texts.push({
      text: el.textContent.trim().slice(0, 40), px, reference: px * 1920 / vw,
      axis: !!el.closest('.x.axis, .y.axis'), xAxis: !!el.closest('.x.axis'),
      chart: svg ? svg.closest('div[id]').id : null, box: box(el), svg: svg ? box(svg) : null,
    });
  }
  const panels = [...document.querySelectorAll('.screen-head, .banner:not([hidden]), .panel')];
  return {
    viewport: [vw, vh],
    scroll: [doc.scrollWidth, doc.scrollHeight, document.body.scrollWidth, document.body.scrollHeight],
    panels: panels.map(p => ({name: (p.querySelector('h2, h1') || p).textContent.trim().slice(0, 30), box: box(p)})),
    // boxes that hide what overflows them, holding more than they show (by less than a line of text)
    clipped: [...document.querySelectorAll('.stage, .stage *')]
      .filter(el => visible(el) && getComputedStyle(el).overflow !== 'visible')
      .filter(el => !el.matches('.gauge-wrap, svg'))  // the donut's empty margins are cropped on purpose
      .filter(el => el.scrollHeight > el.clientHeight + 4 || el.scrollWidth > el.clientWidth + 4)
      .map(el => `${el.tagName} ${el.id || el.className}: ${el.scrollWidth}×${el.scrollHeight} in ${el.clientWidth}×${el.clientHeight}`),
    texts,
  };
}"""


def _open(page, url: str) -> None:
    page.goto(url)
    for chart in ("gauge", "hourly", "parking", "outlook"):
        page.wait_for_selector(f"#{chart}[data-drawn='1'] svg", timeout=10_000)
    page.wait_for_function("document.querySelectorAll('#hourly .x.axis text').length > 0")
    page.wait_for_timeout(900)  # frappe-charts draws zeroes first and the figures 700 ms later


def _assert_fits_and_legible(m: dict) -> None:
    vw, vh = m["viewport"]
    assert m["scroll"] == [vw, vh, vw, vh], (
        f"the page is not the size of the {vw}×{vh} display (document, body): {m['scroll']}"
    )
    for panel in m["panels"]:
        b = panel["box"]
        inside = b["left"] >= -0.5 and b["top"] >= -0.5 and b["right"] <= vw + 0.5 and b["bottom"] <= vh + 0.5
        assert inside, f"{panel['name']} leaves the {vw}×{vh} display: {b}"
    assert m["clipped"] == [], f"content cut off inside a panel at {vw}×{vh}: {m['clipped']}"

    axis = [t for t in m["texts"] if t["axis"] and t["text"]]
    assert {t["chart"] for t in axis} >= {"hourly", "parking", "outlook"}, "every axis chart has labels"
    small = [(t["text"], round(t["reference"], 1)) for t in m["texts"] if t["reference"] < MIN_TEXT_PX - 0.01]
    assert small == [], f"text below {MIN_TEXT_PX} px (1920-wide reference) at {vw}×{vh}: {small}"

    for t in axis:  # no label is cut off by its chart's edge
        b, s = t["box"], t["svg"]
        assert b["left"] >= s["left"] - 1 and b["right"] <= s["right"] + 1, f"{t['chart']} label {t['text']!r} cut: {b}"
        assert b["top"] >= s["top"] - 1 and b["bottom"] <= s["bottom"] + 1, f"{t['chart']} label {t['text']!r} cut: {b}"
    for chart in ("hourly", "parking", "outlook"):  # nor touches its neighbour
        row = sorted((t["box"] for t in axis if t["chart"] == chart and t["xAxis"]), key=lambda b: b["left"])
        for a, b in zip(row, row[1:], strict=False):
            assert a["right"] <= b["left"], f"{chart}: x labels overlap at {vw}×{vh}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_big_screen_fits_every_16_9_size_and_is_readable_from_5_m(
    live_server, page, busy_site, issued_forecasts, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    _open(page, f"{live_server.url}/flow/screen/")
    m = page.evaluate(MEASURE)
    _assert_fits_and_legible(m)
    figures = {t["text"]: t["reference"] for t in m["texts"] if t["text"] in ("820", "1,000", "82%")}
    assert len(figures) == 3 and min(figures.values()) >= 40  # the headline figures are larger still
    assert page.locator("#zones li").first.inner_text().startswith("主峰")
    page.screenshot(path=f"var/screenshots/flow-big-screen-{width}x{height}.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_big_screen_refits_when_the_window_changes_and_in_english(live_server, page, busy_site, issued_forecasts):
    page.set_viewport_size({"width": 3840, "height": 2160})
    _open(page, f"{live_server.url}/flow/screen/?lang=en")
    assert "Key spots" in page.content()
    page.set_viewport_size({"width": 1280, "height": 720})
    page.wait_for_function("document.body.dataset.scale === (720 / 1080).toFixed(4)")
    _assert_fits_and_legible(page.evaluate(MEASURE))
    # a display that is not 16:9 is letter-boxed, not cut
    page.set_viewport_size({"width": 1280, "height": 1024})
    page.wait_for_function("document.body.dataset.scale === (1280 / 1920).toFixed(4)")
    _assert_fits_and_legible(page.evaluate(MEASURE))
    page.screenshot(path="var/screenshots/flow-big-screen-en-1280x1024.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_crowded_day_shows_what_fits_and_counts_the_rest(live_server, page, busy_site, issued_forecasts):
    from scenic_ops.core.models import Zone
    from scenic_ops.flow.services import evaluate, record_passages

    for n in range(1, 13):
        Zone.objects.create(code=f"spot-{n}", name=f"景点{n}号", name_en=f"Spot {n}", kind="spot", instant_capacity=100)
        record_passages(f"spot-{n}", entries=40 + 5 * n)  # 45 … 100 %: alerts for the busiest
    evaluate()
    order = [z["name"] for z in Client().get("/api/v1/flow/public/status").json()["zones"]]
    page.set_viewport_size({"width": 1280, "height": 720})
    _open(page, f"{live_server.url}/flow/screen/")
    _assert_fits_and_legible(page.evaluate(MEASURE))

    rows = page.locator("#zones li:not(.more)").all_inner_texts()
    more = page.locator("#zones li.more").inner_text()
    assert 3 <= len(rows) < 14 and more == f"另有 {14 - len(rows)} 项"  # 14 spots: every one shown or counted
    assert any(r.startswith("景点12号") and "100%" in r for r in rows)  # the fullest are the ones kept
    assert not any(r.startswith("古寺") for r in rows)  # the emptiest (20 %) is counted, not shown
    assert [r.split()[0] for r in rows] == sorted((r.split()[0] for r in rows), key=order.index)  # in the site's order
    alerts = page.locator("#alerts li").all_inner_texts()
    assert alerts[0].startswith("景区整体") and len(alerts) >= 3
    page.screenshot(path="var/screenshots/flow-big-screen-crowded.png")
