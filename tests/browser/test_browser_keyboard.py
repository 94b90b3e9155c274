"""A keyboard-only run of every analyzer tab (issue 7), in real headless Chromium at 1280 and 390 px.

From the top of the page, with Tab / Shift+Tab, the arrow keys of the tab list, Enter and Ctrl+Enter
only: accept the local resolver a link proposes, then for Bounce, Headers, Domain and IP focus the tab,
type the input, submit, and check that focus lands on the result heading, the result is on screen and
right, and that every control of the analyzer the keyboard reached showed a visible focus indicator.
No mouse, no ``page.click``, no ``page.fill``, no ``element.focus()`` from the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import analyzer_query, new_watched_page, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEWSLETTER = Path(__file__).parent / "fixtures" / "newsletter-dmarc-fail.eml"
BOUNCE = (
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\n"
    "550 5.7.26 DMARC policy. gsmtp"
)
GMAIL_DMARC_ENTRY = "550-5-7-26-gmail-dmarc-reject"
TABS = ["bounce", "headers", "domain", "ip"]
MAX_STEPS = 400  # key presses allowed to reach one target; a trap or a missing stop fails the test

# The focused element, and whether it shows a focus indicator (an outline, or a box shadow).
FOCUSED = """() => {
  const node = document.activeElement;
  const style = getComputedStyle(node);
  const rect = node.getBoundingClientRect();
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none";
  return {
    tag: node.tagName.toLowerCase(), id: node.id, role: node.getAttribute("role"),
    cls: typeof node.className === "string" ? node.className : "",
    text: (node.innerText || node.value || node.getAttribute("aria-label") || "").trim().slice(0, 40),
    inAnalyzer: Boolean(node.closest("#analyzer")),
    resultOf: (node.closest(".an-result") || {}).id || null,
    title: node.classList.contains("an-result-title"),
    indicator: outline || shadow, shadow: style.boxShadow,
    outline: `${style.outlineStyle} ${style.outlineWidth}`,
    top: rect.top, bottom: rect.bottom, viewport: window.innerHeight,
    headerBottom: document.querySelector(".md-header").getBoundingClientRect().bottom,
  };
}"""


@pytest.fixture(params=[1280, 390], ids=["1280px", "390px"])
def keyboard_page(request, chromium, site_url, doh_server):
    width = request.param
    context = chromium.new_context(viewport={"width": width, "height": 800 if width > 500 else 844})
    page = new_watched_page(context)
    page.width = width
    page.reached = []  # every element the keyboard focused in the analyzer
    yield page
    assert not page.errors, page.errors
    assert not page.csp_violations(), page.csp_violations()
    context.close()


def focused(page) -> dict:
    state = page.evaluate(FOCUSED)
    if state["inAnalyzer"]:
        page.reached.append(state)
    return state


def press_until(page, key: str, wanted, what: str) -> dict:
    """Press ``key`` until the focused element satisfies ``wanted``; fail after MAX_STEPS."""
    for _ in range(MAX_STEPS):
        page.keyboard.press(key)
        state = focused(page)
        if wanted(state):
            return state
    pytest.fail(f"{key} never reached {what}; last focus: {state}")


def submit_and_check_focus(page, kind: str, key: str = "Control+Enter") -> str:
    page.keyboard.press(key)
    page.wait_for_selector(f"#an-result-{kind}[data-state=done]", timeout=90_000)
    state = focused(page)
    assert state["title"] and f"an-result-{kind}" == state["resultOf"], state
    # On screen, below the sticky site header, and drawn as focused.
    assert state["headerBottom"] <= state["top"] and state["bottom"] <= state["viewport"], state
    assert state["indicator"], state
    return page.inner_text(f"#an-result-{kind}")


def go_to_tab(page, kind: str) -> None:
    """From a result heading: Shift+Tab back to the tab list, then the arrow keys to ``kind``."""
    press_until(page, "Shift+Tab", lambda s: s["role"] == "tab", "the tab list")
    for _ in TABS:
        if page.evaluate("document.activeElement.id") == f"an-tab-{kind}":
            break
        page.keyboard.press("ArrowRight")
        focused(page)
    assert page.evaluate("document.activeElement.id") == f"an-tab-{kind}"
    assert page.get_attribute(f"#an-tab-{kind}", "aria-selected") == "true"
    assert page.is_visible(f"#an-panel-{kind}")
    assert page.locator(".an-panel:not([hidden])").count() == 1


def into_field(page, field_id: str) -> None:
    press_until(page, "Tab", lambda s: s["id"] == field_id, f"#{field_id}")


def test_every_tab_runs_from_the_keyboard_alone(keyboard_page, site_url, doh_server, screenshot):
    page = keyboard_page
    page.goto(f"{site_url}/analyzer/{analyzer_query(doh_server, 'wire')}")
    wait_ready(page)

    # The link proposes the local resolver: reach "Use this resolver" from the top of the page, accept it.
    press_until(page, "Tab", lambda s: s["id"] == "an-proposal-accept", "the proposal's accept button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#an-proposal", state="hidden")
    assert page.inner_text("#an-resolver-name") == f"127.0.0.1:{doh_server.port}"
    # The pressed button is gone: focus moves on to the selected tab instead of dropping to <body>.
    after = focused(page)
    assert after["id"] == "an-tab-bounce", after

    # Back up through the toolbar (Space toggles a checkbox), then down to the tab again.
    press_until(page, "Shift+Tab", lambda s: s["id"] == "an-technical", "the Technical details box")
    page.keyboard.press("Space")
    assert page.is_checked("#an-technical") and "an--technical" in page.get_attribute("#analyzer", "class")
    page.keyboard.press("Space")
    assert not page.is_checked("#an-technical")
    press_until(page, "Shift+Tab", lambda s: s["id"] == "an-clear", "the Clear button")
    press_until(page, "Tab", lambda s: s["id"] == "an-tab-bounce", "the Bounce tab")

    # Bounce: from its tab into its box; type two lines (Enter is a new line), Ctrl+Enter submits.
    into_field(page, "an-bounce-text")
    page.keyboard.type(BOUNCE)
    assert page.input_value("#an-bounce-text") == BOUNCE
    text = submit_and_check_focus(page, "bounce")
    best = page.locator("#an-result-bounce .an-match--best")
    assert best.get_attribute("data-entry-id") == GMAIL_DMARC_ENTRY, text
    assert page.inner_text("#an-result-bounce .an-result-title") == "What the bounce means"
    # The result's own controls (copy, download, the entry's link) take the focus visibly too.
    press_until(
        page, "Tab", lambda s: s["resultOf"] == "an-result-bounce" and s["tag"] == "a", "a link in the result"
    )
    screenshot(page, f"keyboard-bounce-{page.width}", full_page=False)

    # Headers: the arrow keys move along the tab list; the header block goes in as typed text.
    go_to_tab(page, "headers")
    into_field(page, "an-headers-text")
    page.keyboard.insert_text(NEWSLETTER.read_text(encoding="utf-8"))
    text = submit_and_check_focus(page, "headers")
    assert page.locator("#an-result-headers .an-summary--fail").count() == 1, text
    assert "shop.example" in text and "203.0.113.7" in text
    press_until(
        page,
        "Tab",
        lambda s: s["resultOf"] == "an-result-headers" and s["tag"] == "button",
        "a result action",
    )
    screenshot(page, f"keyboard-headers-{page.width}", full_page=False)

    # Domain: a name in the zone of the local DoH server.
    go_to_tab(page, "domain")
    into_field(page, "an-domain-name")
    page.keyboard.type("acme.example")
    text = submit_and_check_focus(page, "domain")
    assert page.inner_text("#an-result-domain .an-result-title") == "Domain audit: acme.example"
    assert "v=DMARC1" in text and "mx1.acme.example" in text
    # The SPF include tree's long names once widened the page on a phone (399 px at 390).
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= page.viewport_size["width"], page_width
    screenshot(page, f"keyboard-domain-{page.width}", full_page=False)

    # IP: Enter in the one-line field submits as well as Ctrl+Enter does.
    go_to_tab(page, "ip")
    into_field(page, "an-ip-address")
    page.keyboard.type("192.0.2.10")
    text = submit_and_check_focus(page, "ip", key="Enter")
    assert page.inner_text("#an-result-ip .an-result-title") == "IP address check: 192.0.2.10"
    assert "mx1.acme.example" in text
    screenshot(page, f"keyboard-ip-{page.width}", full_page=False)

    # The resolver setting at the bottom: Enter opens it, and its menu is the next stop.
    press_until(
        page,
        "Tab",
        lambda s: s["tag"] == "summary" and s["inAnalyzer"] and not s["resultOf"],
        "the resolver setting",
    )
    page.keyboard.press("Enter")
    assert page.get_attribute("#an-settings", "open") is not None
    press_until(page, "Tab", lambda s: s["id"] == "an-resolver", "the resolver menu")

    # Home, End and the wrap-around of the tab list.
    press_until(page, "Shift+Tab", lambda s: s["role"] == "tab", "the tab list")
    for key, kind in (("Home", "bounce"), ("ArrowLeft", "ip"), ("ArrowLeft", "domain"), ("End", "ip")):
        page.keyboard.press(key)
        assert page.evaluate("document.activeElement.id") == f"an-tab-{kind}", key
        assert page.get_attribute(f"#an-tab-{kind}", "aria-selected") == "true"

    kinds = {(state["tag"], state["id"] or state["cls"].split(" ")[0]) for state in page.reached}
    # The run really went through each kind of control: tabs, boxes, fields, result controls.
    assert {
        ("button", "an-tab-bounce"),
        ("input", "an-technical"),
        ("button", "an-clear"),
        ("textarea", "an-headers-text"),
        ("input", "an-ip-address"),
        ("select", "an-resolver"),
    } <= kinds, kinds
    missing = [state for state in page.reached if not state["indicator"]]
    assert not missing, [
        f"{s['tag']}#{s['id']}.{s['cls']} '{s['text']}': {s['outline']} / {s['shadow']}" for s in missing
    ]
