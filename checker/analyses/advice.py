"""How the reader can act in the front end that shows the results (command line or web page).

Some explanations end with a next step that only the front end can name: the command line has a
``--selector`` option, the page has a selectors field. The checker core names neither; each front
end passes one ``FrontEndAdvice`` to the checks it runs, and the checks end their explanations with it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FrontEndAdvice:
    """Sentences that end explanations where the next step depends on where the checker runs.

    Every field is one or two whole sentences. The defaults name no option and no page element, so
    a caller that passes nothing still gets advice that is true everywhere.
    """

    # After "a blocklist refused to answer the resolver that asked": how to ask it again.
    blocklist_retry: str = (
        "Check again through a DNS resolver that queries the list directly (not a big public resolver), "
        "or use the list's web lookup."
    )
    # After "no DKIM key was found / checked": how to check the selector the reader found in s=.
    dkim_selector: str = "Then check the domain again with that selector."


NEUTRAL_ADVICE = FrontEndAdvice()
