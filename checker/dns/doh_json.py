"""DNS-over-HTTPS with the JSON API (``?name=&type=``, ``accept: application/dns-json``).

The format Cloudflare and Google serve with ``Access-Control-Allow-Origin: *``. It has no RFC, so
the reader is lenient: TXT data may come quoted (Cloudflare) or already joined (Google).
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

from checker.dns.convert import SUPPORTED_TYPES, capped, failed
from checker.dns.doh_http import doh_exchange
from checker.dns.fetch import Fetch, HttpRequest
from checker.dns.model import DnsAnswer, DnsStatus
from checker.dns.names import fold_name

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
                if len(following) == 3 and following.isdigit() and int(following) < 256:
                    out.append(int(following))
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
    answers = document.get("Answer", [])
    answers = [] if answers is None else answers
    if not isinstance(answers, list):
        return failed(name, rtype, DnsStatus.ERROR, "the DoH server's JSON Answer is not a list", server)
    wanted = TYPE_CODES[rtype]
    records: list[str] = []
    ttls: list[int] = []
    for entry in answers:
        if not isinstance(entry, dict) or entry.get("type") != wanted:
            continue
        data = entry.get("data")
        if not isinstance(data, str):
            return failed(
                name, rtype, DnsStatus.ERROR, "a record in the DoH server's JSON has no data", server
            )
        records.append(_record_text(rtype, data))
        if isinstance(entry.get("TTL"), int):
            ttls.append(entry["TTL"])
    return capped(name, rtype, records, min(ttls) if ttls else None, server)


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
