"""Contributed regular expressions must not backtrack catastrophically on what users paste.

Every pattern in ``match.patterns`` and ``_providers.yml`` runs in the analyzer against pasted bounce
text, in the visitor's browser. Two checks, both in validation:

1. a walk of the parsed pattern (``re._parser``, formerly ``sre_parse``) refuses nested unbounded
   quantifiers, ``(a+)+``, ``(?:\\w*\\s?)*``, the classic source of exponential backtracking, and a
   repeated group whose alternatives can match the same text, ``(a|a)*``;
2. a time budget: the pattern is searched in adversarial strings built from its own characters, of
   growing length; the ramp stops at the first search over the budget, so a slow pattern is reported
   after a fraction of a second instead of hanging the build.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache
from typing import Any

try:  # Python 3.11+
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

BUDGET_SECONDS = 0.05
"""The longest one search of an adversarial string may take."""
_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
_POSSESSIVE = getattr(sre_constants, "POSSESSIVE_REPEAT", None)
_UNBOUNDED = sre_constants.MAXREPEAT
_LENGTHS = (*range(8, 41, 2), 64, 128, 256, 512, 1024, 2048, 4096)


def _items(value: Any) -> list[Any]:
    """The sub-patterns inside one parsed node's argument."""
    found = []
    if isinstance(value, sre_parse.SubPattern):
        found.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found += _items(item)
    return found


def _has_unbounded(pattern: sre_parse.SubPattern) -> bool:
    for op, arg in pattern:
        if op in _REPEATS and arg[1] == _UNBOUNDED and _can_match_nonempty(arg[2]):
            return True
        if any(_has_unbounded(sub) for sub in _items(arg)):
            return True
    return False


def _can_match_nonempty(pattern: sre_parse.SubPattern) -> bool:
    return pattern.getwidth()[1] > 0


def _first_chars(pattern: sre_parse.SubPattern) -> set[int] | None:
    """The code points a match of ``pattern`` can start with, or ``None`` when that is not simple to say."""
    for op, arg in pattern:
        if op == sre_constants.LITERAL:
            return {arg}
        if op == sre_constants.SUBPATTERN:
            return _first_chars(arg[-1])
        if op == sre_constants.IN:
            chars: set[int] = set()
            for kind, value in arg:
                if kind == sre_constants.LITERAL:
                    chars.add(value)
                elif kind == sre_constants.RANGE and value[1] - value[0] < 512:
                    chars.update(range(value[0], value[1] + 1))
                else:
                    return None
            return chars
        if op == sre_constants.AT:
            continue
        return None
    return set()


def _overlapping_branches(branches: list[sre_parse.SubPattern]) -> bool:
    starts = [_first_chars(branch) for branch in branches]
    if any(start is None for start in starts):
        return False  # cannot tell cheaply; the time budget covers it
    seen: set[int] = set()
    for start in starts:
        assert start is not None
        if seen & start:
            return True
        seen |= start
    return False


def _repeated_overlap(body: sre_parse.SubPattern) -> bool:
    for op, arg in body:
        if op == sre_constants.SUBPATTERN and _repeated_overlap(arg[-1]):
            return True
        if op == sre_constants.BRANCH and _overlapping_branches(arg[1]):
            return True
    return False


def _nested(pattern: sre_parse.SubPattern, inside_repeat: bool) -> str | None:
    for op, arg in pattern:
        if op in _REPEATS or (_POSSESSIVE is not None and op == _POSSESSIVE):
            _low, high, body = arg
            unbounded = high == _UNBOUNDED or high > 100
            if op in _REPEATS and unbounded and inside_repeat and _can_match_nonempty(body):
                return "a quantifier inside another unbounded quantifier, like (a+)+"
            if op in _REPEATS and unbounded and _has_unbounded(body):
                return "a quantifier inside another unbounded quantifier, like (a+)+"
            if op in _REPEATS and unbounded and _repeated_overlap(body):
                return "a repeated group whose alternatives can match the same text, like (a|ab)*"
            possessive = _POSSESSIVE is not None and op == _POSSESSIVE
            found = _nested(body, inside_repeat or (unbounded and not possessive))
            if found:
                return found
            continue
        if op == sre_constants.ATOMIC_GROUP if hasattr(sre_constants, "ATOMIC_GROUP") else False:
            continue  # an atomic group never gives back what it matched
        for sub in _items(arg):
            found = _nested(sub, inside_repeat)
            if found:
                return found
    return None


def _alphabet(pattern: sre_parse.SubPattern, out: list[str]) -> None:
    for op, arg in pattern:
        if op == sre_constants.LITERAL and arg < 0x110000:
            out.append(chr(arg))
        elif op == sre_constants.IN:
            for kind, value in arg:
                if kind == sre_constants.LITERAL:
                    out.append(chr(value))
                elif kind == sre_constants.RANGE:
                    out.append(chr(value[0]))
                elif kind == sre_constants.CATEGORY:
                    out.extend("a0 ")
        elif op == sre_constants.ANY:
            out.append("x")
        for sub in _items(arg):
            _alphabet(sub, out)


def _adversarial(pattern: sre_parse.SubPattern) -> list[str]:
    """Repeating units built from the pattern's own characters, each closed by a character that fails."""
    chars: list[str] = []
    _alphabet(pattern, chars)
    chars = list(dict.fromkeys([*chars, "a", " ", "0"]))[:16]
    units = [*chars, "".join(chars), "a ", "a0", "a.", "a@"]
    return list(dict.fromkeys(units))


def _cpu_seconds(compiled: re.Pattern[str], text: str) -> float:
    start = time.thread_time()
    compiled.search(text)
    return time.thread_time() - start


@lru_cache(maxsize=4096)
def regex_risk(pattern: str, flags: int = 0) -> str | None:
    """Why ``pattern`` may backtrack catastrophically, or ``None`` when it passed both checks."""
    try:
        parsed = sre_parse.parse(pattern, flags)
        compiled = re.compile(pattern, flags)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"invalid regular expression: {exc}"
    nested = _nested(parsed, False)
    if nested:
        return f"the pattern can backtrack catastrophically: it has {nested}; rewrite it without nesting"
    for unit in _adversarial(parsed):
        for length in _LENGTHS:
            text = unit * max(1, length // len(unit)) + "\x00!"
            elapsed = _cpu_seconds(compiled, text)
            if elapsed > BUDGET_SECONDS:
                # CPU time, and the best of three: a busy machine must not fail a good pattern.
                elapsed = min(elapsed, _cpu_seconds(compiled, text), _cpu_seconds(compiled, text))
            if elapsed > BUDGET_SECONDS:
                return (
                    f"the pattern is too slow: one search of a {len(text):,}-character string of "
                    f"{unit[:10]!r} took {elapsed * 1000:.0f} ms (budget {BUDGET_SECONDS * 1000:.0f} ms); "
                    "simplify it"
                )
    return None
