"""HTTP/2 for the DoH test server (tests/dohserver.py): one connection, many streams, answered out of order.

``DohServer(zone, tls=..., http2=True)`` offers ``h2`` by ALPN; a connection that negotiates it is
handed to ``serve_h2`` in the thread that accepted it (after ``connect_delay`` and the TLS handshake,
as for HTTP/1.1). Each request is answered by ``dohserver.respond``, the same function the HTTP/1.1
handler uses, so both versions log the same queries and inject the same failures. A request's answer
is sent ``delay`` seconds after it arrived without holding up the streams behind it: the thread keeps a
timetable of answers due instead of sleeping, and honours the client's flow-control window for bodies
larger than it (``huge_txt``). The ``h2`` library does the framing; one thread owns the socket, since
an SSL socket must not be read and written from two threads at once.
"""

from __future__ import annotations

import heapq
import select
import ssl
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import h2.config
import h2.connection
import h2.events
import h2.exceptions
from dohserver import Reply, respond

if TYPE_CHECKING:
    from dohserver import DohServer

_READ_SIZE = 65_536


@dataclass
class _Request:
    headers: dict[str, str]
    body: bytearray = field(default_factory=bytearray)


def serve_h2(sock: ssl.SSLSocket, server: DohServer, *, idle_timeout: float) -> None:
    """Serve HTTP/2 on ``sock`` until the client goes away or the connection idles ``idle_timeout`` s."""
    connection = h2.connection.H2Connection(
        h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
    )
    connection.initiate_connection()
    sock.setblocking(False)
    requests: dict[int, _Request] = {}
    due: list[tuple[float, int, int, Reply]] = []  # (when, arrival order, stream, reply): a heap
    unsent: dict[int, memoryview] = {}  # bodies waiting for the client's flow-control window
    arrivals = 0
    last_heard = time.monotonic()
    try:
        _send_all(sock, connection.data_to_send())
        while True:
            now = time.monotonic()
            while due and due[0][0] <= now:
                _, _, stream_id, reply = heapq.heappop(due)
                _start_reply(connection, stream_id, reply, unsent)
            _flush(connection, unsent)
            _send_all(sock, connection.data_to_send())
            idle_left = idle_timeout - (now - last_heard)
            if idle_left <= 0 and not due and not requests:
                return
            wait = max(0.0, min(idle_left, due[0][0] - now) if due else idle_left)
            if not sock.pending():
                readable, _, _ = select.select([sock], [], [], wait)
                if not readable:
                    continue
            try:
                data = sock.recv(_READ_SIZE)
            except ssl.SSLWantReadError:
                continue  # part of a TLS record: wait for the rest
            if not data:
                return
            last_heard = time.monotonic()
            try:
                events = connection.receive_data(data)
            except h2.exceptions.ProtocolError:
                _send_all(sock, connection.data_to_send())  # the GOAWAY saying why
                return
            for event in events:
                if isinstance(event, h2.events.RequestReceived):
                    requests[event.stream_id] = _Request({str(k): str(v) for k, v in event.headers or ()})
                elif isinstance(event, h2.events.DataReceived):
                    if event.stream_id in requests:
                        requests[event.stream_id].body += event.data or b""
                    connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    request = requests.pop(event.stream_id, None)
                    if request is not None:
                        reply = _respond(server, request)
                        arrivals += 1
                        heapq.heappush(due, (last_heard + reply.stall, arrivals, event.stream_id, reply))
                elif isinstance(event, h2.events.StreamReset):
                    requests.pop(event.stream_id, None)
                    unsent.pop(event.stream_id, None)
                elif isinstance(event, h2.events.ConnectionTerminated):
                    _send_all(sock, connection.data_to_send())
                    return
    except (OSError, ssl.SSLError):
        return  # the client hung up: expected when a client times out


def _respond(server: DohServer, request: _Request) -> Reply:
    headers = request.headers
    return respond(
        server,
        headers.get(":method", "GET"),
        headers.get(":path", "/"),
        lambda name: headers.get(name.lower()),
        bytes(request.body),
    )


def _start_reply(
    connection: h2.connection.H2Connection, stream_id: int, reply: Reply, unsent: dict[int, memoryview]
) -> None:
    fields = [
        (":status", str(reply.status)),
        *((name.lower(), value) for name, value in reply.headers),
        ("content-length", str(len(reply.body))),
    ]
    try:
        connection.send_headers(stream_id, fields, end_stream=not reply.body)
    except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
        return  # the client reset the stream (it timed out) while the answer was due
    if reply.body:
        unsent[stream_id] = memoryview(reply.body)


def _flush(connection: h2.connection.H2Connection, unsent: dict[int, memoryview]) -> None:
    """Send as much of each waiting body as the flow-control windows allow; end the finished streams."""
    for stream_id, body in list(unsent.items()):
        try:
            while body:
                size = min(
                    connection.local_flow_control_window(stream_id),
                    connection.max_outbound_frame_size,
                    len(body),
                )
                if size <= 0:
                    break
                connection.send_data(stream_id, body[:size].tobytes())
                body = body[size:]
            if body:
                unsent[stream_id] = body
            else:
                connection.end_stream(stream_id)
                del unsent[stream_id]
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
            del unsent[stream_id]


def _send_all(sock: ssl.SSLSocket, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            sent = sock.send(view)
        except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
            select.select([], [sock], [], 1.0)
            continue
        view = view[sent:]
