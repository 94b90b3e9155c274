"""Authentication-Results (RFC 8601) and ARC-Authentication-Results (RFC 8617) header parsing.

The parser follows the RFC 8601 grammar: an authserv-id, an optional version, then ``; method=result``
blocks with an optional ``reason=`` and ``ptype.property=value`` properties; comments in parentheses may
appear anywhere and are kept. Malformed input gives an ``InputError`` naming the problem and where it is;
minor oddities that real servers produce (a trailing semicolon, a property without a ptype) are accepted
and listed in ``problems``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checker.shared.numbers import parse_uint
from checker.shared.result import InputError

# Characters an unquoted value may not contain: RFC 2045 tspecials, minus those real headers use
# unquoted in domain names, addresses and base64 (". @ / =").
_FORBIDDEN_UNQUOTED = frozenset(":,<>[]\\?")
_KEYWORD_RE = re.compile(r"[A-Za-z0-9_-]+")
_BRACKETED_RE = re.compile(r"<([^:,<>\[\]\\?]*)>")
_ARC_INSTANCE_RE = re.compile(r"^\s*i\s*=\s*([0-9]+)\s*;")
_HEADER_NAME_RE = re.compile(r"^\s*(arc-)?authentication-results\s*:", re.IGNORECASE)
_METHOD_FIRST_RE = re.compile(r"[A-Za-z0-9_-]+\s*(?:/\s*\d+\s*)?=")
_MAX_SKIP_NOTES = 10
_NO_AUTHSERV_ID = (
    "The header has no authserv-id (the name of the receiving system, RFC 8601 section 2.2) before the "
    "first result; Microsoft 365 writes it this way. The results were read anyway."
)


@dataclass(frozen=True)
class AuthResProperty:
    """One ``ptype.property=value`` item, e.g. ``smtp.mailfrom=user@example.com``."""

    ptype: str  # smtp, header, body, policy (lower-cased)
    name: str  # lower-cased
    value: str


@dataclass(frozen=True)
class AuthResResult:
    """One method's result, e.g. ``dkim=pass (good signature) header.d=example.com``."""

    method: str
    result: str
    method_version: str | None = None
    reason: str | None = None
    properties: tuple[AuthResProperty, ...] = ()
    comments: tuple[str, ...] = ()

    def get(self, ptype: str, name: str) -> str | None:
        """The value of ``ptype.name`` (first one), or None."""
        for prop in self.properties:
            if prop.ptype == ptype.lower() and prop.name == name.lower():
                return prop.value
        return None


@dataclass(frozen=True)
class AuthenticationResults:
    """A parsed header: who evaluated (authserv-id) and what each method said."""

    authserv_id: str
    version: str | None
    results: tuple[AuthResResult, ...]
    comments: tuple[str, ...] = ()
    instance: int | None = None  # ARC-Authentication-Results i=
    problems: tuple[str, ...] = ()

    def by_method(self, method: str) -> list[AuthResResult]:
        """Every result for ``method`` (``spf``, ``dkim``, ``dmarc``...), in header order."""
        return [result for result in self.results if result.method == method.lower()]


class _SyntaxProblem(Exception):
    """Internal: stops the scan; turned into an InputError at the public boundary."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.comments: list[str] = []

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_cfws(self) -> None:
        while not self.at_end():
            char = self.peek()
            if char in " \t\r\n":
                self.pos += 1
            elif char == "(":
                self.comments.append(self._comment())
            else:
                return

    def _comment(self) -> str:
        start, depth, self.pos = self.pos, 0, self.pos
        out: list[str] = []
        while not self.at_end():
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\" and not self.at_end():
                out.append(self.text[self.pos])
                self.pos += 1
                continue
            if char == "(":
                depth += 1
                if depth == 1:
                    continue
            elif char == ")":
                depth -= 1
                if depth == 0:
                    return " ".join("".join(out).split())
            out.append(char)
        raise _SyntaxProblem("A comment in parentheses is never closed", start)

    def keyword(self, what: str) -> str:
        match = _KEYWORD_RE.match(self.text, self.pos)
        if not match:
            found = self.peek() or "end of text"
            raise _SyntaxProblem(f"Expected {what} but found {found!r}", self.pos)
        self.pos = match.end()
        return match.group(0)

    def expect(self, char: str, context: str) -> None:
        self.skip_cfws()
        if self.peek() != char:
            found = self.peek() or "end of text"
            raise _SyntaxProblem(f'Expected "{char}" {context} but found {found!r}', self.pos)
        self.pos += 1

    def value(self, what: str, problems: list[str] | None = None) -> str:
        """A quoted or plain value; with ``problems``, an address in angle brackets is read leniently."""
        self.skip_cfws()
        if self.peek() == '"':
            return self._quoted()
        start = self.pos
        while not self.at_end() and self.peek() not in ' \t\r\n;()"':
            self.pos += 1
        raw = self.text[start : self.pos]
        if not raw:
            raise _SyntaxProblem(f"Expected a value for {what}", start)
        bracketed = _BRACKETED_RE.fullmatch(raw)
        if bracketed is not None and problems is not None:
            # Some servers write smtp.mailfrom=<user@example.com>, as in the SMTP command; the address
            # inside is unambiguous, so read it rather than lose the whole header.
            problems.append(
                f"The value of {what} is written in angle brackets ({raw}); RFC 8601 wants it plain or in "
                "double quotes. The brackets were removed."
            )
            return bracketed.group(1)
        bad = next((char for char in raw if char in _FORBIDDEN_UNQUOTED), None)
        if bad is not None:
            raise _SyntaxProblem(
                f"The value {raw!r} of {what} contains {bad!r}, which needs double quotes "
                f'(write {what}="{raw}")',
                start,
            )
        return raw

    def _quoted(self) -> str:
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while not self.at_end():
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\" and not self.at_end():
                out.append(self.text[self.pos])
                self.pos += 1
            elif char == '"':
                return "".join(out)
            else:
                out.append(char)
        raise _SyntaxProblem("A quoted string is never closed", start)


def parse_authentication_results(value: str) -> AuthenticationResults | InputError:
    """Parse an Authentication-Results field value (the ``Authentication-Results:`` name may be included)."""
    if not isinstance(value, str):
        return InputError("The header value is not text.", repr(value), "Paste the header as text.")
    text = _HEADER_NAME_RE.sub("", value, count=1)
    try:
        return _parse(text, instance=None)
    except _SyntaxProblem as problem:
        return _error(text, problem)


def parse_arc_authentication_results(value: str) -> AuthenticationResults | InputError:
    """Parse an ARC-Authentication-Results value: ``i=<n>;`` then an Authentication-Results payload."""
    if not isinstance(value, str):
        return InputError("The header value is not text.", repr(value), "Paste the header as text.")
    text = _HEADER_NAME_RE.sub("", value, count=1)
    match = _ARC_INSTANCE_RE.match(text)
    if not match:
        return InputError(
            "ARC-Authentication-Results must start with the instance tag i=<number>;",
            text[:60],
            "Check that the whole header was copied, starting with i=1; (or i=2;, ...).",
        )
    instance = parse_uint(match.group(1), max_digits=5)
    if instance is None:
        return InputError(
            f"The ARC instance i={match.group(1)[:12]}{'...' if len(match.group(1)) > 12 else ''} is not a "
            "number from 1 to 50.",
            text[:60],
            "Check that the whole header was copied, starting with i=1; (or i=2;, ...).",
            reason="authres.syntax_error",
        )
    try:
        return _parse(text[match.end() :], instance=instance)
    except _SyntaxProblem as problem:
        return _error(text, problem, offset=match.end())


def _error(text: str, problem: _SyntaxProblem, offset: int = 0) -> InputError:
    position = problem.position + offset
    snippet = text[max(0, position - 20) : position + 30].replace("\n", " ")
    return InputError(
        f"{problem.message} (character {position + 1}).",
        f"...{snippet}..." if snippet else text[:60],
        "Check the header was copied whole, with each result written as method=result and values that "
        "contain special characters in double quotes.",
        reason="authres.syntax_error",
    )


def _parse(text: str, *, instance: int | None) -> AuthenticationResults:
    scanner = _Scanner(text)
    problems: list[str] = []
    scanner.skip_cfws()
    if scanner.at_end():
        raise _SyntaxProblem("The header is empty; expected an authserv-id such as mx.example.com", 0)
    if _METHOD_FIRST_RE.match(text, scanner.pos):
        # Microsoft 365 omits the authserv-id and starts with "spf=pass"; an authserv-id cannot contain
        # "=", so this is unambiguous. Read the results and say what is missing.
        return _parse_results(scanner, "", None, [], problems=[_NO_AUTHSERV_ID], instance=instance)
    authserv_id = scanner.value("the authserv-id")
    scanner.skip_cfws()
    version = None
    version_match = re.match(r"\d+(?=[\s;(]|$)", text[scanner.pos :])
    if version_match:
        version = version_match.group(0)
        scanner.pos += len(version)
        scanner.skip_cfws()
    header_comments = list(scanner.comments)
    scanner.comments.clear()
    if scanner.at_end():
        raise _SyntaxProblem(
            f'After the authserv-id "{authserv_id}" expected "; method=result" or "; none"', scanner.pos
        )
    return _parse_results(
        scanner, authserv_id, version, header_comments, problems=problems, instance=instance
    )


def _parse_results(
    scanner: _Scanner,
    authserv_id: str,
    version: str | None,
    header_comments: list[str],
    *,
    problems: list[str],
    instance: int | None,
) -> AuthenticationResults:
    """The ``method=result`` blocks; the first needs no leading ";" when there is no authserv-id."""
    results: list[AuthResResult] = []
    saw_none = False
    first = not authserv_id
    failure: _SyntaxProblem | None = None
    skips = 0
    while not scanner.at_end():
        loop_start = clause_start = scanner.pos
        try:
            if not first:
                scanner.expect(";", "between results")
            first = False
            scanner.skip_cfws()
            if scanner.at_end():
                problems.append("The header ends with a stray semicolon.")
                break
            clause_start = scanner.pos
            result = _resinfo(scanner, problems)
        except _SyntaxProblem as problem:
            # Keep every result that can be read: skip to the next ";" and say what was skipped. Microsoft
            # 365 writes its receiving domain between results ("...; contoso.com; dmarc=pass"), Gmail adds
            # "gateway.spf=pass"; neither may cost the spf, dkim and dmarc results around them.
            failure = failure or problem
            scanner.comments.clear()
            scanner.pos = _next_semicolon(scanner.text, clause_start)
            if scanner.pos <= loop_start:  # the failure came before the clause: go past its ";"
                clause_start = loop_start + 1
                scanner.pos = _next_semicolon(scanner.text, clause_start)
            skipped = " ".join(scanner.text[clause_start : scanner.pos].split())
            skipped = skipped.lstrip("; ")
            shown = skipped if len(skipped) <= 60 else skipped[:57] + "..."
            skips += 1
            if skips <= _MAX_SKIP_NOTES:
                note = f'Skipped "{shown}": {problem.message}.' if shown else "Skipped an empty result."
                problems.append(note)
            first = False
            continue
        if result is None:
            saw_none = True
            continue
        results.append(result)
        scanner.skip_cfws()
    if failure is not None and not results:
        raise failure
    if skips > _MAX_SKIP_NOTES:
        problems.append(f"{skips - _MAX_SKIP_NOTES} more unreadable results were skipped.")
    if saw_none and results:
        problems.append('"none" was given together with real results; "none" is ignored.')
    return AuthenticationResults(
        authserv_id, version, tuple(results), tuple(header_comments), instance, tuple(problems)
    )


def _next_semicolon(text: str, position: int) -> int:
    """The offset of the next ";" outside quotes and comments (the end of the text when there is none)."""
    depth, quoted, index = 0, False, position
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if quoted:
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif char == ";" and depth == 0:
            return index
        index += 1
    return len(text)


def _resinfo(scanner: _Scanner, problems: list[str]) -> AuthResResult | None:
    method = scanner.keyword("a method name such as spf, dkim or dmarc").lower()
    scanner.skip_cfws()
    if method == "none" and scanner.peek() in ("", ";"):
        return None
    method_version = None
    if scanner.peek() == "/":
        scanner.pos += 1
        scanner.skip_cfws()
        method_version = scanner.keyword("a method version number")
        scanner.skip_cfws()
    if scanner.peek() != "=":
        found = scanner.peek() or "end of text"
        raise _SyntaxProblem(
            f'Expected "=" after the method name "{method}" but found {found!r}', scanner.pos
        )
    scanner.pos += 1
    scanner.skip_cfws()
    result = scanner.keyword(f"a result for {method} (pass, fail, none...)").lower()
    reason = None
    properties: list[AuthResProperty] = []
    while True:
        scanner.skip_cfws()
        if scanner.at_end() or scanner.peek() == ";":
            break
        name_start = scanner.pos
        word = scanner.keyword(f"a property (like smtp.mailfrom=...) in the {method} result")
        scanner.skip_cfws()
        if scanner.peek() == ".":
            scanner.pos += 1
            scanner.skip_cfws()
            prop = scanner.keyword(f'a property name after "{word}."').lower()
            scanner.expect("=", f'after "{word}.{prop}"')
            properties.append(AuthResProperty(word.lower(), prop, scanner.value(f"{word}.{prop}", problems)))
        elif scanner.peek() == "=":
            scanner.pos += 1
            item = scanner.value(word)
            if word.lower() == "reason" and reason is None:
                reason = item
            else:
                problems.append(
                    f'"{word}={item}" in the {method} result has no ptype (like smtp. or header.) '
                    "and is ignored."
                )
        else:
            found = scanner.peek() or "end of text"
            raise _SyntaxProblem(f'Expected "." or "=" after "{word}" but found {found!r}', name_start)
    comments = tuple(scanner.comments)
    scanner.comments.clear()
    return AuthResResult(method, result, method_version, reason, tuple(properties), comments)
