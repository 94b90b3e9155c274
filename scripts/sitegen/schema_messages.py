"""Plain-English wording for JSON Schema errors, naming the field and what is expected."""

from __future__ import annotations

import json

import jsonschema

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of field: value",
    "number": "a number",
}
_PATTERN_HINTS = {
    "id": "lower-case letters, digits and single hyphens, e.g. 550-gmail-dmarc-reject",
    "enhanced_code": "an enhanced status code like 5.7.1",
    "enhanced_codes": "an enhanced status code like 5.7.1",
    "last_verified": "a date written YYYY-MM-DD, e.g. 2026-01-31",
    "url": "a link starting with https://",
    "providers": "a provider id from errors/_providers.yml, e.g. gmail",
    "related": "an entry id, e.g. 550-gmail-dmarc-reject",
    "distinguish": "one line of plain words (no line breaks, backticks or angle brackets)",
}


_REQUIRED_HINTS = {
    "distinguish": (
        "required: plain words saying what in the bounce tells this entry apart from others with the same "
        'code, e.g. says "Relay access denied"'
    ),
}


def _last_key(path: tuple[str | int, ...]) -> str:
    named = [part for part in path if isinstance(part, str)]
    return named[-1] if named else ""


def schema_message(error: jsonschema.ValidationError) -> list[tuple[tuple[str | int, ...], str]]:
    """Turn one jsonschema error into (field path, plain message) pairs."""
    path = tuple(error.absolute_path)
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [name for name in expected if isinstance(instance, dict) and name not in instance]
        return [
            ((*path, name), _REQUIRED_HINTS.get(name, "required") if not path else "required")
            for name in missing
        ]
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(instance) - set(allowed)) if isinstance(instance, dict) else []
        return [((*path, name), f"unknown field; allowed here: {', '.join(allowed)}") for name in extra]
    if kind == "type":
        words = _TYPE_WORDS.get(expected, str(expected))
        return [(path, f"expected {words}, got {type(instance).__name__} {json.dumps(instance)[:40]}")]
    if kind == "minLength":
        return [(path, f"too short: at least {expected} characters (has {len(instance)})")]
    if kind == "maxLength":
        return [(path, f"too long: at most {expected} characters (has {len(instance)})")]
    if kind == "pattern":
        hint = _PATTERN_HINTS.get(_last_key(path), f"text matching {expected}")
        return [(path, f"expected {hint}, got {json.dumps(instance)}")]
    if kind == "enum":
        return [(path, f"must be one of: {', '.join(map(str, expected))}; got {json.dumps(instance)}")]
    if kind == "minItems":
        return [(path, f"needs at least {expected} item{'s' if expected != 1 else ''}")]
    if kind == "uniqueItems":
        return [(path, "lists the same value twice")]
    if kind in ("minimum", "maximum"):
        return [
            (path, f"must be {'at least' if kind == 'minimum' else 'at most'} {expected}; got {instance}")
        ]
    if kind == "format":
        return [(path, f"not a real {expected}: {json.dumps(instance)} (write YYYY-MM-DD)")]
    if kind == "anyOf" and _last_key(path) == "match":
        return [(path, "needs patterns (a list of regular expressions) or generic: true")]
    if kind == "oneOf" and len(path) >= 2 and path[-2] == "sources":
        return [(path, "a source is either {title, url: https://...} or {rfc: <number>, section, title}")]
    return [(path, error.message)]
