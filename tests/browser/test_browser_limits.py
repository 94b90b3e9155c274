"""Issue 9 in the page: a paste over the analyzer's limit is refused at once, in the page, with a
clear message (what, where, how to fix), and the analyzer keeps working for the next paste."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

BOUNCE = (
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. "
    "- gsmtp"
)


def test_oversized_paste_is_refused_in_the_page_and_the_next_one_works(analyzer):
    page = analyzer
    page.open_analyzer(tab="bounce")
    page.evaluate(
        """() => {
            const box = document.getElementById("an-bounce-text");
            box.value = "x".repeat(1_000_001);
            box.dispatchEvent(new Event("input", { bubbles: true }));
        }"""
    )
    page.click("#an-panel-bounce button[type=submit]")
    page.wait_for_selector("#an-result-bounce[data-state=done]", timeout=60_000)
    text = page.inner_text("#an-result-bounce")
    assert "1,000,001 characters, more than the 1,000,000" in text
    assert "Paste only the part that matters" in text
    page.fill("#an-bounce-text", BOUNCE)
    page.click("#an-panel-bounce button[type=submit]")
    page.wait_for_selector("#an-result-bounce .an-match--best", timeout=60_000)
    assert "550-5-7-26-gmail-dmarc-reject" in page.inner_html("#an-result-bounce")
