"""Every adversarial input ends with a result, never an exception (issue 9).

The adversarial inputs live in ``scripts/fuzz.py`` (``ADVERSARIAL``), each about 100 KB: the worst
cases the campaigns found, per parser. The speed target (under 1 s CPU per 100 KB in CPython) is a
benchmark, not a timed test: ``python scripts/fuzz.py`` measures and prints it for every case.
"""

from __future__ import annotations

import pytest
from hardening_helpers import cpu_seconds

from scripts.fuzz import ADVERSARIAL, PARSERS

CASES = [(name, label, text) for name, cases in ADVERSARIAL.items() for label, text in cases]


@pytest.mark.parametrize(("name", "label", "text"), CASES, ids=[f"{n}: {label}" for n, label, _ in CASES])
def test_adversarial_input_ends_with_a_result(name: str, label: str, text: str) -> None:
    _, result = cpu_seconds(lambda: PARSERS[name](text))
    assert result is not None, f"{name} returned nothing for {label}"


def test_every_paste_parser_has_adversarial_cases() -> None:
    assert set(ADVERSARIAL) == set(PARSERS)
