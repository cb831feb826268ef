"""The probe on the wire: open, ping, echo, hold, reconnect; every connection in parallel.

The WebSocket protocol is the `websockets` library's (framing, masking, the handshake's
checks). This module resolves the name and opens the TCP connection itself, so that name
resolution, TCP and the TLS-and-upgrade step are timed apart, and hands the socket over.
Nothing here prints: each phase ends with a call to `Events.phase_done`.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.typing import Subprotocol

from ingressgen.probe.certificates import Certificate, describe
from ingressgen.probe.settings import ProbeSettings, tls_context
from ingressgen.probe.target import Endpoint

T = TypeVar("T")

STATUS_INTERVAL = 0.25  # seconds between two updates of the progress line
INTERESTING_HEADERS = ("server", "cf-ray", "via", "sec-websocket-extensions")
BODY_EXCERPT = 200  # characters of a refusal's body shown


class _Connection(ClientConnection):
    """Counts the server's pings: a connection the server pings is not idle, whatever the
    client does."""

    server_pings = 0

    def process_event(self, event: Any) -> None:
        if isinstance(event, Frame) and event.opcode is Opcode.PING:
            self.server_pings += 1
        super().process_event(event)


def _marking(marks: list[float]) -> type[_Connection]:
    """A connection class that notes when its transport is ready: for wss://, asyncio calls
    connection_made once the TLS handshake is done, which separates TLS from the upgrade."""

    class Marked(_Connection):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            marks.append(asyncio.get_running_loop().time())
            super().connection_made(transport)

    return Marked


@dataclass(frozen=True)
class Timings:
    """Seconds spent resolving the name, opening TCP, on TLS (None for ws://) and on the HTTP
    upgrade."""

    dns: float
    tcp: float
    tls: float | None
    upgrade: float

    @property
    def total(self) -> float:
        return self.dns + self.tcp + (self.tls or 0.0) + self.upgrade


@dataclass(frozen=True)
class Tls:
    version: str
    cipher: str
    verified: bool
    certificate: Certificate | None


@dataclass(frozen=True)
class Handshake:
    """A connection that opened: what the server answered."""

    timings: Timings
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    subprotocol: str | None
    tls: Tls | None
    peer: str  # the address the TCP connection went to


@dataclass(frozen=True)
class Failure:
    """A connection that did not open. `stage`: dns, tcp, tls or handshake."""

    stage: str
    message: str
    status: int | None = None
    reason: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""


@dataclass
class Echo:
    received: str | None  # None: nothing came within --timeout
    binary: bool = False
    ok: bool = False


@dataclass
class Hold:
    closed_after: float | None = None  # seconds into the hold; None: open to the end
    code: int | None = None
    reason: str = ""
    close_frame: bool = False  # False: the TCP connection ended without a close frame
    server_pings: int = 0
    messages: int = 0
    heartbeats: list[float] = field(default_factory=list)  # round trips of the heartbeat pings
    heartbeats_missing: int = 0


@dataclass
class Reconnect:
    close_seconds: float  # closing the previous connection (0 when it was already closed)
    opened: Handshake | None
    failure: Failure | None = None


@dataclass
class Connection:
    """One of the --connections, through every phase."""

    handshake: Handshake | None = None
    failure: Failure | None = None
    round_trips: list[float] = field(default_factory=list)
    pongs_missing: int = 0
    echo: Echo | None = None
    hold: Hold | None = None
    reconnects: list[Reconnect] = field(default_factory=list)
    socket: _Connection | None = field(default=None, repr=False)


@dataclass
class ProbeRun:
    endpoint: Endpoint
    settings: ProbeSettings
    connections: list[Connection]

    @property
    def opened(self) -> list[Connection]:
        return [c for c in self.connections if c.handshake is not None]


@dataclass
class Events:
    """Where the probe reports while it runs: a finished phase, and a progress text."""

    phase_done: Callable[[str, ProbeRun], None] = lambda phase, run: None
    status: Callable[[str], None] = lambda text: None


async def probe(endpoint: Endpoint, settings: ProbeSettings, events: Events) -> ProbeRun:
    context = tls_context(settings.insecure, settings.ca_file) if endpoint.secure else None
    run = ProbeRun(endpoint, settings, [Connection() for _ in range(settings.connections)])
    try:
        await _phases(run, context, events)
    finally:
        await _close_all(run)
    return run


async def _phases(run: ProbeRun, context: ssl.SSLContext | None, events: Events) -> None:
    settings = run.settings
    count = len(run.connections)
    events.status(f"opening {count} connection{'s' if count > 1 else ''} to {run.endpoint.url}")
    opened = await asyncio.gather(*(_open(run.endpoint, settings, context) for _ in range(count)))
    for connection, (handshake, failure, sock) in zip(run.connections, opened, strict=True):
        connection.handshake, connection.failure, connection.socket = handshake, failure, sock
    events.phase_done("handshake", run)
    live = [c for c in run.connections if c.socket is not None]
    if not live:
        return
    if settings.pings:
        events.status(f"pings: {settings.pings} per connection")
        await _each(live, lambda c: _round_trips(c, settings))
        events.phase_done("round-trips", run)
    if settings.send is not None or settings.expect is not None:
        events.status("echo")
        await _each(live, lambda c: _echo(c, settings))
        events.phase_done("echo", run)
    if settings.hold > 0:
        await _hold_all(live, settings, events)
        events.phase_done("hold", run)
    if settings.reconnects:
        await _each(live, lambda c: _reconnect(c, run.endpoint, settings, context, events))
        events.phase_done("reconnect", run)


async def _each(
    connections: Sequence[Connection], step: Callable[[Connection], Awaitable[T]]
) -> None:
    await asyncio.gather(*(step(c) for c in connections))


async def _open(
    endpoint: Endpoint, settings: ProbeSettings, context: ssl.SSLContext | None
) -> tuple[Handshake | None, Failure | None, _Connection | None]:
    loop = asyncio.get_running_loop()
    host, port = endpoint.connect_host, endpoint.connect_port
    start = loop.time()
    try:
        addresses = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), settings.timeout
        )
    except TimeoutError:
        return None, Failure("dns", f"{host} did not resolve within {settings.timeout:g} s"), None
    except OSError as error:
        return None, Failure("dns", f"{host} does not resolve: {_reason(error)}"), None
    resolved = loop.time()
    sock, peer, errors = None, "", []
    for family, kind, number, _, address in addresses:
        candidate = None
        try:
            candidate = socket.socket(family, kind, number)  # may fail: too many open files
            candidate.setblocking(False)
            left = max(0.001, settings.timeout - (loop.time() - resolved))
            await asyncio.wait_for(loop.sock_connect(candidate, address), left)
        except (OSError, TimeoutError) as error:
            if candidate is not None:
                candidate.close()
            errors.append(f"{_address(address)}: {_reason(error, settings.timeout)}")
            continue
        sock, peer = candidate, _address(address)
        break
    if sock is None:
        where = _address((host, port))
        if len(addresses) == 1:  # the one address is the host itself: say it once
            errors = [e.partition(": ")[2] for e in errors]
        return None, Failure("tcp", f"no TCP connection to {where}: {'; '.join(errors)}"), None
    connected = loop.time()
    marks: list[float] = []
    # Our own socket: websockets then never goes through $HTTPS_PROXY either; the probe measures
    # the path a client takes to the endpoint.
    options: dict[str, Any] = {"sock": sock}
    if endpoint.secure:
        options.update(ssl=context, server_hostname=endpoint.host)
    try:
        ws = await connect(
            endpoint.url,
            additional_headers=list(settings.headers) or None,
            subprotocols=[Subprotocol(s) for s in settings.subprotocols] or None,
            open_timeout=settings.timeout,
            ping_interval=None,  # the probe decides when to ping: an idle hold sends nothing
            close_timeout=settings.timeout,
            max_queue=None,  # never stop reading: a full queue would hold back a close
            create_connection=_marking(marks),
            **options,
        )
    except BaseException as error:
        sock.close()
        failure = _failure(error, endpoint, settings, tls_done=bool(marks))
        if failure is None:
            raise
        return None, failure, None
    assert isinstance(ws, _Connection)
    upgraded = loop.time()
    ready = marks[0] if marks else connected
    tls = ready - connected if endpoint.secure else None
    timings = Timings(resolved - start, connected - resolved, tls, upgraded - ready)
    return _handshake(ws, timings, peer, verified=not settings.insecure), None, ws


def _handshake(ws: _Connection, timings: Timings, peer: str, *, verified: bool) -> Handshake:
    response = ws.response
    assert response is not None  # set once the handshake succeeded
    tls = None
    ssl_object = ws.transport.get_extra_info("ssl_object")
    if ssl_object is not None:
        der = ssl_object.getpeercert(binary_form=True)
        cipher = ssl_object.cipher()
        tls = Tls(
            version=ssl_object.version() or "",
            cipher=cipher[0] if cipher else "",
            verified=verified,
            certificate=describe(der) if der else None,
        )
    return Handshake(
        timings=timings,
        status=response.status_code,
        reason=response.reason_phrase,
        headers=tuple(response.headers.raw_items()),
        subprotocol=ws.subprotocol,
        tls=tls,
        peer=peer,
    )


def _failure(
    error: BaseException, endpoint: Endpoint, settings: ProbeSettings, *, tls_done: bool
) -> Failure | None:
    """What a failed TLS handshake or upgrade means for a person; None: not a probe result."""
    if isinstance(error, ValueError) and isinstance(error.__cause__, InvalidStatus):
        error = error.__cause__  # a redirect, which WebSocket clients do not follow either
    if isinstance(error, ssl.SSLCertVerificationError):
        hint = "--ca-file FILE trusts the CA that signed it; --insecure looks past it"
        return Failure("tls", f"the certificate is not trusted: {error.verify_message} ({hint})")
    if isinstance(error, ssl.SSLError):
        text = error.reason or str(error)
        hint = ""
        if "WRONG_VERSION_NUMBER" in text or "record layer" in text:
            hint = " (the port may not speak TLS: try ws://)"
        return Failure("tls", f"TLS handshake failed: {text}{hint}")
    if isinstance(error, InvalidStatus):
        return _refused(error.response)
    in_tls = endpoint.secure and not tls_done
    if isinstance(error, TimeoutError):
        what = "TLS handshake" if in_tls else "upgrade request"
        return Failure(
            "tls" if in_tls else "handshake",
            f"no answer to the {what} within {settings.timeout:g} s (--timeout)",
        )
    if isinstance(error, InvalidHandshake):
        cause = f": {error.__cause__}" if error.__cause__ else ""
        return Failure("handshake", f"invalid handshake: {error}{cause}")
    if isinstance(error, OSError) and in_tls:
        return Failure(
            "tls",
            f"the connection failed during the TLS handshake: {_reason(error)} (the port may "
            "not speak TLS: try ws://)",
        )
    if isinstance(error, OSError):
        return Failure("handshake", f"the connection failed during the upgrade: {_reason(error)}")
    return None


def _refused(response: Response) -> Failure:
    body = bytes(response.body).decode("utf-8", "replace").strip()
    if len(body) > BODY_EXCERPT:
        body = body[:BODY_EXCERPT] + "..."
    location = response.headers.get("Location")
    moved = f", redirect to {location} (WebSocket clients do not follow it)" if location else ""
    return Failure(
        "handshake",
        f"the server answered {response.status_code} {response.reason_phrase} instead of "
        f"101 Switching Protocols{moved}",
        status=response.status_code,
        reason=response.reason_phrase,
        headers=tuple(response.headers.raw_items()),
        body=body,
    )


_PLAIN_REASONS: dict[type[OSError], str] = {
    ConnectionRefusedError: "connection refused",
    ConnectionResetError: "connection reset by the peer",
    ConnectionAbortedError: "connection aborted",
    BrokenPipeError: "the peer closed the connection",
}


def _reason(error: BaseException, timeout: float | None = None) -> str:
    """An OS error as words (asyncio's own texts repeat the address)."""
    if isinstance(error, TimeoutError) and timeout is not None:
        return f"no answer within {timeout:g} s"
    if isinstance(error, socket.gaierror) and error.strerror:
        return error.strerror[:1].lower() + error.strerror[1:]
    if isinstance(error, OSError) and error.errno == errno.EMFILE:
        return "too many open files on this machine (ulimit -n), not the endpoint's doing"
    if isinstance(error, OSError) and error.errno:
        text = os.strerror(error.errno)
        return text[:1].lower() + text[1:]
    for kind, text in _PLAIN_REASONS.items():
        if isinstance(error, kind):
            return text
    return str(error) or type(error).__name__


def _address(address: Any) -> str:
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def _round_trips(connection: Connection, settings: ProbeSettings) -> None:
    assert connection.socket is not None
    for sent in range(settings.pings):
        latency = await _ping(connection.socket, settings.timeout)
        if latency is None:
            connection.pongs_missing += 1
            if connection.socket.state is State.CLOSED:
                connection.pongs_missing += settings.pings - sent - 1
                return
        else:
            connection.round_trips.append(latency)


async def _ping(ws: _Connection, timeout: float) -> float | None:
    """The round trip of one ping, or None when no pong came within `timeout`."""
    try:
        waiter = await ws.ping()
        return await asyncio.wait_for(waiter, timeout)
    except (TimeoutError, ConnectionClosed):
        return None


async def _echo(connection: Connection, settings: ProbeSettings) -> None:
    ws = connection.socket
    assert ws is not None
    expected = settings.expected_reply
    try:
        if settings.send is not None:
            await ws.send(settings.send)
        message = await asyncio.wait_for(ws.recv(), settings.timeout)
    except (TimeoutError, ConnectionClosed):
        connection.echo = Echo(received=None)
        return
    if isinstance(message, bytes):
        text = message.decode("utf-8", "replace")
        ok = expected is not None and message == expected.encode()
        connection.echo = Echo(received=text, binary=True, ok=ok)
    else:
        connection.echo = Echo(received=message, ok=message == expected)


async def _hold_all(live: Sequence[Connection], settings: ProbeSettings, events: Events) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    mode = "idle" if settings.heartbeat is None else f"heartbeat every {settings.heartbeat:g} s"

    async def ticker() -> None:
        while True:
            open_now = sum(1 for c in live if c.socket and c.socket.state is State.OPEN)
            elapsed = loop.time() - start
            events.status(
                f"hold {elapsed:.0f}/{settings.hold:g} s, {mode}: {open_now} of {len(live)} open"
            )
            await asyncio.sleep(STATUS_INTERVAL)

    ticking = asyncio.create_task(ticker())
    try:
        await _each(live, lambda c: _hold(c, settings))
    finally:
        ticking.cancel()


async def _hold(connection: Connection, settings: ProbeSettings) -> None:
    ws = connection.socket
    assert ws is not None
    loop = asyncio.get_running_loop()
    hold = connection.hold = Hold()
    pings_before = ws.server_pings

    async def read() -> None:
        try:
            while True:
                await ws.recv()
                hold.messages += 1
        except ConnectionClosed:
            return

    async def beat(interval: float) -> None:
        while ws.state is State.OPEN:
            await asyncio.sleep(interval)
            if ws.state is not State.OPEN:
                return
            latency = await _ping(ws, settings.timeout)
            if latency is not None:
                hold.heartbeats.append(latency)
            elif ws.state is State.OPEN:
                hold.heartbeats_missing += 1

    start = loop.time()
    tasks = [asyncio.create_task(read())]
    if settings.heartbeat is not None:
        tasks.append(asyncio.create_task(beat(settings.heartbeat)))
    try:
        await asyncio.wait_for(ws.wait_closed(), settings.hold)
    except TimeoutError:
        pass
    else:
        hold.closed_after = loop.time() - start
        hold.code = ws.close_code
        hold.reason = ws.close_reason or ""
        hold.close_frame = ws.protocol.close_rcvd is not None
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        hold.server_pings = ws.server_pings - pings_before


async def _reconnect(
    connection: Connection,
    endpoint: Endpoint,
    settings: ProbeSettings,
    context: ssl.SSLContext | None,
    events: Events,
) -> None:
    """Close and reopen, as a client's reconnect logic would: the time to re-establish runs
    from the moment the old connection is gone to the new one's 101."""
    loop = asyncio.get_running_loop()
    for attempt in range(1, settings.reconnects + 1):
        events.status(f"reconnect {attempt} of {settings.reconnects}")
        start = loop.time()
        if connection.socket is not None and connection.socket.state is not State.CLOSED:
            await connection.socket.close()
        closed = loop.time()
        handshake, failure, ws = await _open(endpoint, settings, context)
        connection.socket = ws or connection.socket
        connection.reconnects.append(Reconnect(closed - start, handshake, failure))


async def _close_all(run: ProbeRun) -> None:
    sockets = [c.socket for c in run.connections if c.socket is not None]
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
