"""The three new browser entry points over the real local DoH server (RFC 8484 wire format, GET).

Kept out of the dmarc and spf suites, which also run inside Pyodide where there are no sockets.
"""

from __future__ import annotations

import json

from dohserver import DohServer, fixture_zone
from test_sender_requirements import message

from checker.frontends.browser import dmarc_next_step_json, sender_requirements_json, spf_reduction_json
from checker.shared.dns.doh_wire import DohWireResolver
from checker.shared.dns.streamfetch import make_stream_fetch


async def ask(entry_point, request: dict, zone_file: str) -> dict:
    with DohServer(fixture_zone(zone_file)) as server:
        resolver = DohWireResolver(make_stream_fetch(2.0), server.url)
        answer = json.loads(await entry_point(json.dumps(request), resolver=resolver))
        asked = [(query.name, query.rtype) for query in server.log]
    assert answer["ok"], answer
    assert asked, "nothing reached the DoH server"
    return answer["result"]


async def test_sender_requirements_over_doh() -> None:
    result = await ask(sender_requirements_json, {"text": message()}, "sender-requirements.yml")
    assert [p["provider"] for p in result["providers"]] == ["gmail", "yahoo", "outlook"]
    first = result["providers"][0]["rows"][0]
    assert set(first) >= {"provider", "rule", "outcome", "verdict", "reason", "explanation", "source_url"}
    assert result["matrix"][0]["cells"]["gmail"] == "met"
    assert result["inputs"] == {"headers": True, "message": True, "domain_audit": True, "ip_check": True}


async def test_dmarc_next_step_over_doh() -> None:
    result = await ask(dmarc_next_step_json, {"domain": "q10.example"}, "dmarc-next-step.yml")
    assert result["stage"] == "raise_quarantine_pct"
    assert result["proposed_record"] == "v=DMARC1; p=quarantine; pct=50; rua=mailto:dmarc@q10.example"


async def test_spf_reduction_over_doh() -> None:
    result = await ask(spf_reduction_json, {"domain": "big.example"}, "spf-reduction.yml")
    assert (result["lookups"], result["proposed_lookups"], result["reason"]) == (19, 8, "spf_reduce.reduced")
