"""Measures a rendered page against the elderly-mode figures (MIIT 2021 APP 适老化通用设计规范, read
strictly in CSS px) from computed styles and layout boxes: text ≥ 24 px, the key function ≥ 40 px,
line height ≥ 1.3, tap targets ≥ 60 × 60, text contrast ≥ 4.5 : 1 (WCAG relative luminance), no
pop-ups, nothing wider than the phone."""

from __future__ import annotations

TEXT_PX, KEY_PX, LINE_HEIGHT, TARGET_PX, CONTRAST = 24, 40, 1.3, 60, 4.5

# Records alert/confirm/prompt calls before any page script runs.
NO_POPUPS_SCRIPT = """
window.__popups = [];
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = function (message) { window.__popups.push(name + ": " + message); return name === "confirm" ? false : undefined; };
}
"""

MEASURE = """
(limits) => {
  const problems = [];
  const vw = document.documentElement.clientWidth, vh = window.innerHeight;
  const label = (el) => {
    const id = el.id ? "#" + el.id : "";
    const test = el.dataset && el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : "";
    const text = (el.innerText || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    return `<${el.tagName.toLowerCase()}${id}${test}> "${text}"`;
  };
  const visible = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const rgba = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.backgroundImage !== "none") return { image: true };
      const c = rgba(style.backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return { colour };
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v = v / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const opacity = (el) => {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  };
  const skip = new Set(["SCRIPT", "STYLE", "TITLE", "NOSCRIPT", "OPTION", "HEAD"]);
  const fields = "input:not([type=hidden]):not([type=radio]):not([type=checkbox]):not([type=file]), select, textarea";

  // text: size, line height, contrast
  const texts = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (skip.has(el.tagName) || el.closest("svg") || !visible(el)) continue;
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (ownText || el.matches(fields)) texts.push(el);
  }
  for (const el of texts) {
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    if (size < limits.text - 0.01) problems.push(`text ${size}px < ${limits.text}px: ${label(el)}`);
    const line = style.lineHeight === "normal" ? NaN : parseFloat(style.lineHeight);
    if (!(line / size >= limits.lineHeight - 0.001)) problems.push(`line height ${style.lineHeight} at ${size}px < ${limits.lineHeight}: ${label(el)}`);
    const fade = opacity(el);
    if (fade < 1) problems.push(`faded text (opacity ${fade.toFixed(2)}): ${label(el)}`);
    const bg = background(el);
    if (bg.image) { problems.push(`text on a background image (contrast not measurable): ${label(el)}`); continue; }
    const fg = over(rgba(style.color), bg.colour);
    const r = ratio(fg, bg.colour);
    if (r < limits.contrast) problems.push(`contrast ${r.toFixed(2)}:1 < ${limits.contrast}:1 (${style.color} on rgb(${bg.colour.slice(0, 3).map(Math.round)})): ${label(el)}`);
  }

  // tap targets: a radio button or checkbox counts with its label
  const targets = new Set();
  for (const el of document.body.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [onclick]")) {
    const target = el.matches("input[type=radio], input[type=checkbox]") ? el.closest("label") || el : el;
    if (visible(target)) targets.add(target);
  }
  for (const el of targets) {
    const r = el.getBoundingClientRect();
    if (r.width < limits.target - 0.5 || r.height < limits.target - 0.5)
      problems.push(`tap target ${Math.round(r.width)}×${Math.round(r.height)} < ${limits.target}×${limits.target}: ${label(el)}`);
  }

  // the key function
  const keys = [...document.querySelectorAll("[data-key]")].filter(visible);
  if (!keys.length) problems.push("no key function ([data-key]) on the page");
  for (const el of keys) {
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < limits.key - 0.01) problems.push(`key function ${size}px < ${limits.key}px: ${label(el)}`);
  }

  // no pop-ups: no open dialog, no modal, no overlay covering the screen
  for (const el of document.querySelectorAll("dialog[open], [aria-modal=true], [role=dialog], [role=alertdialog]"))
    if (visible(el)) problems.push(`pop-up: ${label(el)}`);
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if ((style.position === "fixed" || style.position === "sticky") && visible(el)) {
      const r = el.getBoundingClientRect();
      if (r.width * r.height > 0.3 * vw * vh) problems.push(`overlay covering the screen: ${label(el)}`);
    }
  }
  for (const call of window.__popups || []) problems.push(`pop-up dialog ${call}`);
  if (document.documentElement.scrollWidth > vw) problems.push(`page wider than the phone: ${document.documentElement.scrollWidth}px`);

  const body = getComputedStyle(document.body);
  return {
    elder: document.body.classList.contains("elder"),
    body: { size: parseFloat(body.fontSize), lineHeight: parseFloat(body.lineHeight) / parseFloat(body.fontSize) },
    texts: texts.length,
    targets: targets.size,
    keys: keys.map((el) => parseFloat(getComputedStyle(el).fontSize)),
    problems,
  };
}
"""


def measure(page) -> dict:
    return page.evaluate(
        MEASURE,
        {"text": TEXT_PX, "key": KEY_PX, "lineHeight": LINE_HEIGHT, "target": TARGET_PX, "contrast": CONTRAST},
    )
