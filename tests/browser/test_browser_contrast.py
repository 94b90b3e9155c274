"""Text contrast of the analyzer in real headless Chromium, in the light and the dark (slate) scheme.

Every tab is run on fixtures that draw the coloured parts (the Received timeline and its slowest hop,
the SPF include tree with a void lookup and an error, the SPF reduction and DMARC cards, the sender
rules, a blocklist listing), every disclosure is opened, and each visible piece of text is measured
against the background it is painted on: WCAG 2.x AA, 4.5:1 for normal text and 3:1 for large text.
At 390 px the page must also not scroll sideways after any tab's result.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ZONES, merged_zone, new_watched_page, open_on_resolver

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
ZONE_DIR = REPO / "tests" / "fixtures" / "zones"
CONTRAST_ZONES = (*ZONES, ZONE_DIR / "sender-requirements.yml", ZONE_DIR / "spf-reduction.yml")
NEWSLETTER = Path(__file__).parent / "fixtures" / "newsletter-dmarc-fail.eml"
BOUNCE = "550 5.7.26 This mail has been blocked because the sender is unauthenticated. DMARC policy. gsmtp"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# Parts drawn in their own colours, each of which once fell below 4.5:1 in the dark scheme.
MUST_BE_MEASURED = (
    "span.an-tag receiver starts here",
    ".an-timeline__delay 3 min (slowest)",
    "td.an-slow 3 min (slowest)",
    "span.an-count.an-count--warn 1 void",
    "div.an-spf-error",
    "button#an-clear.md-button.an-small Clear",
    "span.an-verdict.an-verdict--fail over the limit: receivers answer permerror",
)

# Every element under `root` with its own visible text (or ::before / ::after words), with the contrast
# of its colour against the background it sits on: background colours of the element and its ancestors
# composited from the first opaque one down, and the text colour (times any ancestor's opacity) over that.
# Disabled controls are exempt (SC 1.4.3), as is text inside SVG (its <title> is not painted).
MEASURE_JS = r"""
(root) => {
  const problems = [];
  const parse = (value) => {
    let m = value.match(/^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/);
    if (m) {
      const a = m[4] === undefined ? 1 : m[4].endsWith("%") ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
      return { r: +m[1], g: +m[2], b: +m[3], a };
    }
    m = value.match(/^color\(srgb\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)(?:\s*\/\s*([\d.]+))?\s*\)$/);
    if (m) return { r: m[1] * 255, g: m[2] * 255, b: m[3] * 255, a: m[4] === undefined ? 1 : +m[4] };
    if (value === "transparent") return { r: 0, g: 0, b: 0, a: 0 };
    problems.push(`unparsed colour ${value}`);
    return { r: 0, g: 0, b: 0, a: 0 };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
  });
  const background = (element, own) => {
    const layers = own && own.a > 0 ? [own] : [];
    const opaque = () => layers.length && layers[layers.length - 1].a >= 1;
    for (let node = element; node && !opaque(); node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour.a > 0) layers.push(colour);
    }
    // Nothing opaque up to <html>: the canvas is white.
    let result = opaque() ? layers.pop() : { r: 255, g: 255, b: 255, a: 1 };
    while (layers.length) result = over(layers.pop(), result);
    return result;
  };
  const opacity = (element) => {
    let product = 1;
    for (let node = element; node; node = node.parentElement) {
      product *= parseFloat(getComputedStyle(node).opacity);
    }
    return product;
  };
  const channel = (value) => {
    const s = value / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const hex = (c) => "#" + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const describe = (element) => element.tagName.toLowerCase() + (element.id ? `#${element.id}` : "")
    + [...element.classList].map((name) => `.${name}`).join("");
  const painted = (node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return [...range.getClientRects()].some((rect) => rect.width > 1 && rect.height > 1);
  };
  const measure = (element, style, text, ownBackground) => {
    const bg = background(element, ownBackground);
    const raw = parse(style.color);
    const fg = over({ ...raw, a: raw.a * opacity(element) }, bg);
    const size = parseFloat(style.fontSize);
    const weight = parseInt(style.fontWeight, 10);
    const large = size >= 24 || (size >= 18.66 && weight >= 700);
    return {
      element: describe(element), text: text.trim().replace(/\s+/g, " ").slice(0, 60),
      ratio: Math.round(ratio(fg, bg) * 100) / 100, required: large ? 3.0 : 4.5,
      color: hex(fg), background: hex(bg), size, weight,
    };
  };
  const SKIPPED_TAGS = ["OPTION", "SCRIPT", "STYLE", "TEMPLATE"];
  // Both spellings: the older option names and the current ones.
  const VISIBLE = {
    checkOpacity: true, checkVisibilityCSS: true, opacityProperty: true, visibilityProperty: true,
  };
  const results = [];
  for (const element of [root, ...root.querySelectorAll("*")]) {
    if (element instanceof SVGElement || SKIPPED_TAGS.includes(element.tagName)) continue;
    if (element.closest(":disabled, [aria-disabled=true]")) continue;
    if (!element.checkVisibility(VISIBLE)) continue;
    const style = getComputedStyle(element);
    const texts = [...element.childNodes]
      .filter((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim() && painted(node))
      .map((node) => node.textContent);
    if (texts.length) results.push(measure(element, style, texts.join(" "), null));
    for (const pseudo of ["::before", "::after"]) {
      const pseudoStyle = getComputedStyle(element, pseudo);
      const content = pseudoStyle.content;
      if (pseudoStyle.display === "none" || !content || content === "none" || content === "normal") continue;
      const words = content.startsWith("attr(")
        ? element.getAttribute(content.slice(5, content.indexOf(")")).trim()) || ""
        : content.replace(/"/g, "");
      if (!/[\p{L}\p{N}]/u.test(words)) continue;  // icons and decorations, no words
      results.push(measure(element, pseudoStyle, `${pseudo} ${words}`, parse(pseudoStyle.backgroundColor)));
    }
  }
  return { results, problems };
}
"""


def measure(page) -> list[dict]:
    """Every visible text of the analyzer with its contrast ratio, lowest first."""
    measured = page.eval_on_selector("#analyzer", MEASURE_JS)
    assert not measured["problems"], measured["problems"]
    assert measured["results"], "no text measured: the walk found nothing"
    return sorted(measured["results"], key=lambda item: item["ratio"] - item["required"])


def too_faint(results: list[dict]) -> list[str]:
    return [
        f"{item['ratio']:.2f} < {item['required']} {item['element']} {item['text']!r} "
        f"({item['color']} on {item['background']}, {item['size']}px/{item['weight']})"
        for item in results
        if item["ratio"] < item["required"]
    ]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def tables_wider_than_their_box(page) -> list[str]:
    """Visible result tables that need sideways scrolling inside their box (on a phone they should not)."""
    return page.eval_on_selector_all(
        "#analyzer .an-result table",
        "tables => tables.filter((table) => table.checkVisibility()"
        " && table.getBoundingClientRect().width > table.parentElement.clientWidth + 0.5)"
        ".map((table) => `${table.className}: ${Math.round(table.getBoundingClientRect().width)} px in"
        " ${table.parentElement.clientWidth} px`)",
    )


def run_form(page, kind: str) -> None:
    page.click(f"#an-panel-{kind} button[type=submit]")
    page.wait_for_selector(f"#an-result-{kind}[data-state=done]", timeout=90_000)


def open_all_disclosures(page) -> None:
    page.eval_on_selector_all("#analyzer details", "items => items.forEach((item) => { item.open = true; })")


def settle(page) -> None:
    """No hover, no focus, no colour transition under way: text is measured in its resting colours."""
    page.mouse.move(0, 0)
    page.evaluate(
        "() => { document.activeElement?.blur();"
        " return Promise.all(document.getAnimations()"
        ".filter((animation) => animation.effect.getTiming().iterations !== Infinity)"
        ".map((animation) => animation.finished)); }"
    )


def analyse_every_tab(page):
    """Run each tab on a fixture that draws its coloured parts; yields a name after each result."""
    page.click("#an-tab-bounce")
    page.fill("#an-bounce-text", BOUNCE)
    run_form(page, "bounce")
    yield "bounce"
    page.click("#an-tab-headers")
    page.fill("#an-headers-text", NEWSLETTER.read_text(encoding="utf-8"))
    run_form(page, "headers")
    page.click("#an-result-headers [data-action=sender-rules]")
    page.wait_for_selector("#an-result-headers [data-plan=rules][data-state=done]", timeout=90_000)
    yield "headers"
    page.click("#an-tab-domain")
    for domain in ("big.example", "sloppy.example"):
        page.fill("#an-domain-name", domain)
        run_form(page, "domain")
        page.wait_for_selector("#an-result-domain [data-plan=spf][data-state=done]", timeout=90_000)
        page.wait_for_selector("#an-result-domain [data-plan=dmarc][data-state=done]", timeout=90_000)
        yield f"domain {domain}"
    page.click("#an-tab-ip")
    page.fill("#an-ip-address", "203.0.113.7")
    run_form(page, "ip")
    yield "ip"


@pytest.fixture(scope="module")
def contrast_doh():
    from dohserver import DohServer

    with DohServer(merged_zone(CONTRAST_ZONES)) as server:
        yield server


@pytest.mark.parametrize(("scheme", "material_scheme"), [("light", "default"), ("dark", "slate")])
def test_every_visible_text_meets_wcag_aa_contrast_and_nothing_scrolls_sideways(
    chromium, site_url, contrast_doh, screenshot, scheme, material_scheme
):
    context = chromium.new_context(color_scheme=scheme, viewport=PHONE)
    page = new_watched_page(context)
    open_on_resolver(page, site_url, contrast_doh)
    assert page.get_attribute("body", "data-md-color-scheme") == material_scheme
    page.check("#an-technical")  # reason codes and timings are drawn too
    faint: dict[str, list[str]] = {}
    measured: set[str] = set()
    for step in analyse_every_tab(page):
        assert no_sideways_scroll(page), f"{step} at 390 px: the page scrolls sideways"
        assert not tables_wider_than_their_box(page), (step, tables_wider_than_their_box(page))
        open_all_disclosures(page)
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            settle(page)
            results = measure(page)
            measured.update(f"{item['element']} {item['text']}" for item in results)
            if bad := too_faint(results):
                faint[f"{step} at {viewport['width']} px"] = bad
        page.set_viewport_size(PHONE)
        screenshot(page, f"contrast-{scheme}-{step.replace(' ', '-')}-390")
    assert not faint, "\n".join(f"{where}:\n  " + "\n  ".join(lines) for where, lines in faint.items())
    # The walk reached the coloured parts this test exists for (else it would prove nothing).
    for expected in MUST_BE_MEASURED:
        assert any(expected in text for text in measured), f"{expected!r} was never measured"
    assert not page.errors, page.errors
    assert not page.csp_violations(), page.csp_violations()
    context.close()
