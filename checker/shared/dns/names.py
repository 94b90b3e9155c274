"""Domain names as the checker compares and queries them: lower case, no trailing dot, A-labels."""

from __future__ import annotations

from checker.shared.result import InputError

_MAX_DOMAIN_LENGTH = 253
_MAX_LABEL_LENGTH = 63


def fold_name(name: str) -> str:
    """``"Mail.Example.COM."`` -> ``"mail.example.com"``: the form names are compared and cached in."""
    return name.rstrip(".").lower()


def a_label(domain: str) -> str:
    """The A-label (``xn--``) form of an internationalised name; ASCII or unconvertible input is unchanged.

    Unconvertible input is left as is so the caller's own validation can say what is wrong with it.
    """
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def normalize_domain(domain: str) -> str | InputError:
    """Lower-case A-label form of a domain, without the trailing dot; an InputError when it is not one.

    Unicode labels are converted with IDNA so ``bücher.example`` and ``xn--bcher-kva.example`` compare
    equal; empty labels (``a..b``), a leading dot and over-long names are refused with a fix.
    """
    if not isinstance(domain, str):
        return InputError("The domain is not text.", repr(domain), "Give a domain name such as example.com.")
    text = domain.strip()
    if text.endswith("."):
        text = text[:-1]
    if not text:
        return InputError("The domain is empty.", repr(domain), "Give a domain name such as example.com.")
    if "@" in text or any(char.isspace() or char in '<>()[],;:"\\/' for char in text):
        return InputError(
            "This is not a bare domain name (it contains spaces, @ or punctuation).",
            domain,
            "Give only the domain, e.g. example.com rather than user@example.com or <example.com>.",
        )
    labels = text.split(".")
    if any(not label for label in labels):
        return InputError(
            "The domain has an empty label (two dots in a row, or a leading dot).",
            domain,
            "Remove the extra dot, e.g. write example.com rather than example..com or .example.com.",
        )
    ascii_labels = []
    for label in labels:
        try:
            ascii_label = label if label.isascii() else label.encode("idna").decode("ascii")
        except UnicodeError:
            return InputError(
                f"The label {label!r} is not a valid internationalised domain label.",
                domain,
                "Check the spelling of the domain, or paste its xn-- (punycode) form.",
            )
        if len(ascii_label) > _MAX_LABEL_LENGTH:
            return InputError(
                f"The label {label!r} is longer than 63 characters.",
                domain,
                "Check that the domain is complete.",
            )
        ascii_labels.append(ascii_label.lower())
    result = ".".join(ascii_labels)
    if len(result) > _MAX_DOMAIN_LENGTH:
        return InputError(
            "The domain is longer than 253 characters.", domain, "Check that the domain is complete."
        )
    return result
