"""What an SPF evaluation returns: the RFC 7208 result, why, and everything it looked at."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from checker.mechanisms.spf.lookups import SpfQuery
from checker.shared.result import Check, InputError, Verdict


class SpfResultCode(enum.StrEnum):
    """The seven check_host() results of RFC 7208 section 2.6."""

    PASS = "pass"
    FAIL = "fail"
    SOFTFAIL = "softfail"
    NEUTRAL = "neutral"
    NONE = "none"
    PERMERROR = "permerror"
    TEMPERROR = "temperror"


QUALIFIER_RESULTS = {
    "+": SpfResultCode.PASS,
    "-": SpfResultCode.FAIL,
    "~": SpfResultCode.SOFTFAIL,
    "?": SpfResultCode.NEUTRAL,
}

_VERDICTS = {
    SpfResultCode.PASS: Verdict.PASS,
    SpfResultCode.FAIL: Verdict.FAIL,
    SpfResultCode.SOFTFAIL: Verdict.WARN,
    SpfResultCode.NEUTRAL: Verdict.WARN,
    SpfResultCode.NONE: Verdict.WARN,
    SpfResultCode.PERMERROR: Verdict.FAIL,
    SpfResultCode.TEMPERROR: Verdict.ERROR,
}


@dataclass(frozen=True)
class SpfResult:
    """The outcome of check_host().

    ``mechanism`` is the term that decided, in ``record`` published at ``record_domain`` (after
    any redirect); ``trail`` lists every step from the checked domain to the deciding term.
    ``explanation_text`` is the domain owner's exp= text, only ever set on fail.
    ``lookups`` counts DNS-querying terms (limit 10), ``void_lookups`` empty answers (limit 2).
    """

    result: SpfResultCode
    reason: str
    explanation: str
    domain: str
    ip: str
    mechanism: str | None = None
    record: str | None = None
    record_domain: str | None = None
    explanation_text: str | None = None
    lookups: int = 0
    void_lookups: int = 0
    queries: tuple[SpfQuery, ...] = ()
    trail: tuple[str, ...] = ()
    input_error: InputError | None = None

    def to_check(self) -> Check:
        """This result as a displayable check."""
        verdict = Verdict.ERROR if self.input_error else _VERDICTS[self.result]
        evidence: dict[str, object] = {
            "result": self.result.value,
            "domain": self.domain,
            "ip": self.ip,
            "lookups": self.lookups,
            "void_lookups": self.void_lookups,
        }
        for key in ("mechanism", "record", "record_domain", "explanation_text"):
            value = getattr(self, key)
            if value is not None:
                evidence[key] = value
        if self.trail:
            evidence["trail"] = list(self.trail)
        return Check("SPF", verdict, self.reason, self.explanation, evidence)
