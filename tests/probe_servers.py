"""Loopback servers for the probe's tests, each started by a test and stopped by it.

They run on an event loop in a thread of their own, because the probe runs its own loop
(asyncio.run) in the test's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from websockets.asyncio.server import Server, ServerConnection, serve

T = TypeVar("T")

HOST = "127.0.0.1"


class LoopThread:
    """An event loop in a daemon thread; `call` runs a coroutine there and waits for it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def call(self, coroutine: Awaitable[T], timeout: float = 10) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(_wrap(coroutine), self.loop)
        return future.result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


async def _wrap(awaitable: Awaitable[T]) -> T:
    return await awaitable


@dataclass
class EchoServer:
    """A WebSocket server that echoes every message and notes what it was asked."""

    ping_interval: float | None = None  # None: the server never pings, an idle hold is idle
    port: int = 0
    connections: int = 0  # handshakes completed
    request_headers: list[dict[str, str]] = field(default_factory=list)
    server: Server | None = None

    async def handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        assert ws.request is not None
        self.request_headers.append({k.lower(): v for k, v in ws.request.headers.raw_items()})
        with contextlib.suppress(Exception):
            async for message in ws:
                await ws.send(message)

    async def start(self, tls: ssl.SSLContext | None = None) -> EchoServer:
        def select(connection: ServerConnection, offered: Any) -> Any:
            return "chat.v1" if "chat.v1" in offered else None

        self.server = await serve(
            self.handler,
            HOST,
            0,
            ping_interval=self.ping_interval,
            select_subprotocol=select,
            ssl=tls,
        )
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@dataclass
class IdleCutProxy:
    """A TCP proxy that cuts any connection idle (no byte either way) for `idle` seconds:
    Cloudflare's idle cut in miniature. `cuts` holds each cut's idle time."""

    upstream: int
    idle: float
    port: int = 0
    cuts: list[float] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> IdleCutProxy:
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        loop = asyncio.get_running_loop()
        up_reader, up_writer = await asyncio.open_connection(HOST, self.upstream)
        last = loop.time()

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            nonlocal last
            while data := await source.read(65536):
                last = loop.time()
                sink.write(data)
                await sink.drain()
            sink.close()  # pass the end of the stream on

        pumps = [
            asyncio.create_task(pump(reader, up_writer)),
            asyncio.create_task(pump(up_reader, writer)),
        ]
        try:
            while not all(p.done() for p in pumps):
                await asyncio.sleep(0.02)
                if loop.time() - last > self.idle:
                    self.cuts.append(loop.time() - last)
                    break
        finally:
            for pump_task in pumps:
                pump_task.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            for side in (writer, up_writer):
                side.close()
            self._tasks.discard(task)

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()


@dataclass
class PlainHttpServer:
    """Answers every request with a fixed HTTP response (e.g. 404), or never (`answer` None):
    a route that does not lead to the WebSocket service."""

    answer: bytes | None
    port: int = 0
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def start(self) -> PlainHttpServer:
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        with contextlib.suppress(Exception):
            await reader.readuntil(b"\r\n\r\n")
            if self.answer is None:
                await reader.read()  # until the client gives up
                return
            writer.write(self.answer)
            await writer.drain()
        writer.close()

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()


def not_found_response() -> bytes:
    body = b"no route to this path\n"
    return (
        b"HTTP/1.1 404 Not Found\r\nServer: test-refuser\r\nContent-Type: text/plain\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
    )


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class SelfSigned:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def self_signed(folder: Path) -> SelfSigned | None:
    """A self-signed certificate for 127.0.0.1 made with the openssl CLI (None without it)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [
        openssl,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=127.0.0.1/O=ingressgen test",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout",
        str(key),
        "-out",
        str(cert),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return None
    return SelfSigned(cert, key)


@contextlib.contextmanager
def running(
    thread: LoopThread, start: Awaitable[T], stop: Callable[[T], Awaitable[None]]
) -> Iterator[T]:
    server = thread.call(start)
    try:
        yield server
    finally:
        thread.call(stop(server))
