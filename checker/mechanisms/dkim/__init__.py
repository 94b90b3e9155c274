"""DKIM verification (RFC 6376, 8301, 8463) and key-record checks, DNS through an injected resolver."""

from checker.mechanisms.dkim.keycheck import COMMON_SELECTORS, DkimKeyCheck, check_dkim_key, probe_selectors
from checker.mechanisms.dkim.keys import DkimKey, parse_key_record
from checker.mechanisms.dkim.results import DkimReport, DkimSignatureResult
from checker.mechanisms.dkim.verify import verify_dkim

__all__ = [
    "COMMON_SELECTORS",
    "DkimKey",
    "DkimKeyCheck",
    "DkimReport",
    "DkimSignatureResult",
    "check_dkim_key",
    "parse_key_record",
    "probe_selectors",
    "verify_dkim",
]
