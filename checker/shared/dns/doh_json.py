"""DNS-over-HTTPS with the JSON API (``?name=&type=``, ``accept: application/dns-json``).

The format Cloudflare and Google serve with ``Access-Control-Allow-Origin: *``. It has no RFC, so
the reader is lenient: TXT data may come quoted (Cloudflare) or already joined (Google).
"""

from __future__ import annotations

import ipaddress
import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

from checker.shared.dns.convert import SUPPORTED_TYPES, failed, owned_records
from checker.shared.dns.doh_http import doh_exchange
from checker.shared.dns.fetch import Fetch, HttpRequest
from checker.shared.dns.model import DnsAnswer, DnsStatus
from checker.shared.dns.names import fold_name
from checker.shared.numbers import parse_uint

DNS_JSON = "application/dns-json"
TYPE_CODES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}
_RCODE_NAMES = {1: "FORMERR", 2: "SERVFAIL", 4: "NOTIMP", 5: "REFUSED"}


def unquote_txt(data: str) -> str:
    """Join the character-strings of TXT presentation data, decoding ``\\"``, ``\\\\`` and ``\\DDD``.

    ``'"v=spf1 " "-all"'`` becomes ``'v=spf1 -all'``. Data that does not start with a quote is
    taken as already joined (Google's style).
    """
    text = data.strip()
    if not text.startswith('"'):
        return text
    out = bytearray()
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char.isspace():
            index += 1
            continue
        if char != '"':
            return text  # not a list of quoted strings after all: keep what the server sent
        index += 1
        while index < length and text[index] != '"':
            char = text[index]
            if char == "\\" and index + 1 < length:
                following = text[index + 1 : index + 4]
                code = parse_uint(following, max_digits=3) if len(following) == 3 else None
                if code is not None and code < 256:
                    out.append(code)
                    index += 4
                    continue
                out.extend(text[index + 1].encode("utf-8"))
                index += 2
                continue
            out.extend(char.encode("utf-8"))
            index += 1
        index += 1  # the closing quote
    return out.decode("utf-8", "replace")


def _record_text(rtype: str, data: str) -> str:
    if rtype == "TXT":
        return unquote_txt(data)
    if rtype in ("MX", "PTR", "CNAME", "NS"):
        # "0 ." is a null MX (RFC 7505): keep the root as "." rather than stripping it to nothing
        return " ".join(part.rstrip(".") or "." for part in data.split())
    return data


def answer_from_json(name: str, rtype: str, document: Any, server: str) -> DnsAnswer:
    """Read one JSON API response document into a ``DnsAnswer``.

    Only records of the asked type are kept: the answer may list the CNAME chain first, and the
    server has already followed it.
    """
    if not isinstance(document, dict) or not isinstance(document.get("Status"), int):
        return failed(name, rtype, DnsStatus.ERROR, "the DoH server's JSON has no numeric Status", server)
    status = document["Status"]
    if status == 3:
        return DnsAnswer(name, rtype, DnsStatus.NXDOMAIN)
    if status != 0:
        rcode = _RCODE_NAMES.get(status, f"RCODE {status}")
        return failed(name, rtype, DnsStatus.SERVFAIL, f"the server answered {rcode}", server)
    if document.get("TC") is True:
        return failed(name, rtype, DnsStatus.ERROR, "the answer was truncated (TC bit set)", server)
    question = document.get("Question")
    if question is not None:
        asked = question[0] if isinstance(question, list) and question else None
        owner = asked.get("name") if isinstance(asked, dict) else None
        if not isinstance(owner, str) or owner.rstrip(".").lower() != name.rstrip(".").lower():
            return failed(name, rtype, DnsStatus.ERROR, "the DoH server answered another question", server)
    answers = document.get("Answer", [])
    answers = [] if answers is None else answers
    if not isinstance(answers, list):
        return failed(name, rtype, DnsStatus.ERROR, "the DoH server's JSON Answer is not a list", server)
    wanted = TYPE_CODES[rtype]
    cname = TYPE_CODES["CNAME"]
    entries: list[tuple[str, str, str, int | None]] = []
    for entry in answers:
        if not isinstance(entry, dict) or entry.get("type") not in (wanted, cname):
            continue
        data = entry.get("data")
        if not isinstance(data, str):
            return failed(
                name, rtype, DnsStatus.ERROR, "a record in the DoH server's JSON has no data", server
            )
        owner = entry.get("name", name)  # a record without an owner name stands for the question's
        if not isinstance(owner, str):
            return failed(name, rtype, DnsStatus.ERROR, "a record's owner name is not text", server)
        kind = "CNAME" if entry.get("type") == cname else rtype
        text = _record_text(kind, data)
        problem = _malformed(kind, text)
        if problem:
            why = f"the answer holds a malformed record: {problem}"
            return failed(name, rtype, DnsStatus.ERROR, why, server)
        ttl = entry.get("TTL")
        ttl = ttl if isinstance(ttl, int) and not isinstance(ttl, bool) else None
        entries.append((owner, kind, text, ttl))
    return owned_records(name, rtype, entries, server)


def _malformed(rtype: str, text: str) -> str | None:
    """Why a record's text is not a record of its type, or ``None``; other types are taken as sent."""
    if rtype in ("A", "AAAA"):
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return f"{text[:40]!r} is not an IP address"
        if address.version != (4 if rtype == "A" else 6):
            return f"{text[:40]!r} is not an {rtype} address"
    elif rtype == "MX":
        parts = text.split()
        if len(parts) != 2 or parse_uint(parts[0], max_digits=5) is None:
            return f"{text[:40]!r} is not a preference and a host"
    elif rtype in ("CNAME", "PTR", "NS") and (not text or len(text) > 255 or " " in text):
        return f"{text[:40]!r} is not a host name"
    return None


@dataclass(frozen=True)
class DohJsonResolver:
    """Resolver over the JSON API; never raises, failures come back as ``DnsAnswer`` statuses."""

    fetch: Fetch
    url: str

    async def query(self, name: str, rtype: str) -> DnsAnswer:
        """Ask ``url`` for ``rtype`` records of ``name``."""
        name = fold_name(name)
        rtype = rtype.upper()
        if rtype not in TYPE_CODES or rtype not in SUPPORTED_TYPES:
            return failed(name, rtype, DnsStatus.ERROR, f"the record type {rtype} is not supported", self.url)
        if not name or len(name) > 253 or any(not label or len(label) > 63 for label in name.split(".")):
            return failed(name, rtype, DnsStatus.ERROR, "the name is not a valid DNS name", self.url)
        params = urllib.parse.urlencode({"name": name, "type": rtype})
        request = HttpRequest(
            "GET", f"{self.url}{'&' if '?' in self.url else '?'}{params}", {"accept": DNS_JSON}
        )
        response = await doh_exchange(self.fetch, request, name=name, rtype=rtype, server=self.url)
        if isinstance(response, DnsAnswer):
            return response
        try:
            document = json.loads(response.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return failed(
                name, rtype, DnsStatus.ERROR, "the DoH server sent a body that is not JSON", self.url
            )
        return answer_from_json(name, rtype, document, self.url)
