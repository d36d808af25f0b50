"""A loopback HTTP server whose routes misbehave on purpose: bombs, trickles, silence, retries, redirects.

Each route is a function of the request handler; the server counts hits per path and bytes sent, so
tests can assert what reached it (e.g. zero hits on an internal server).
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli

Route = Callable[[BaseHTTPRequestHandler], None]
MIB = 1024 * 1024


@dataclass
class Hostile:
    port: int
    routes: dict[str, Route] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    sent: Counter[str] = field(default_factory=Counter)
    disconnected: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str, host: str = "localhost") -> str:
        return f"http://{host}:{self.port}{path}"


@contextmanager
def hostile_server(routes: dict[str, Route] | None = None) -> Iterator[Hostile]:
    state = Hostile(port=0, routes=dict(routes or {}))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            state.hits[path] += 1
            route = state.routes.get(path)
            try:
                if route is None:
                    send(self, 404, b"not here")
                else:
                    route(self)
            except (BrokenPipeError, ConnectionResetError):
                state.disconnected.set()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def send(
    handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> None:
    handler.send_response(status)
    merged = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    for key, value in merged.items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def page(body: bytes, *, content_type: str = "text/html; charset=utf-8") -> Route:
    return lambda h: send(h, 200, body, {"Content-Type": content_type})


def status(code: int, *, headers: dict[str, str] | None = None, body: bytes = b"") -> Route:
    return lambda h: send(h, code, body, headers)


def sequence(*routes: Route) -> Route:
    """Answer the n-th request with the n-th route (the last one repeats)."""
    calls = iter(range(10**9))

    def route(handler: BaseHTTPRequestHandler) -> None:
        n = next(calls)
        routes[min(n, len(routes) - 1)](handler)

    return route


def redirect(location: str, code: int = 302) -> Route:
    return status(code, headers={"Location": location})


@cache
def gzip_bomb(size: int = 64 * MIB) -> bytes:
    """``size`` zero bytes gzip-compressed (about 1000:1), built in chunks to stay light."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(MIB)
    return b"".join(compressor.compress(chunk) for _ in range(size // MIB)) + compressor.flush()


@cache
def deflate_bomb(size: int = 64 * MIB) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS)
    chunk = bytes(MIB)
    return b"".join(compressor.compress(chunk) for _ in range(size // MIB)) + compressor.flush()


@cache
def brotli_bomb(size: int = 256 * MIB) -> bytes:
    compressor = brotli.Compressor(quality=1)
    chunk = bytes(MIB)
    return b"".join(compressor.process(chunk) for _ in range(size // MIB)) + compressor.finish()


def encoded(body: bytes, encoding: str) -> Route:
    return lambda h: send(h, 200, body, {"Content-Encoding": encoding})


def endless(handler: BaseHTTPRequestHandler) -> None:
    """A chunked body that never ends (bounded at 1 GiB so a broken client cannot hang the suite)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"<p>" + b"x" * 65_000 + b"</p>"
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    for _ in range(1024**3 // len(chunk)):
        handler.wfile.write(frame)


def trickle(state: Hostile, *, interval: float = 0.25, total: int = 400) -> Route:
    """Send a declared body one byte per ``interval`` seconds (the server's pace, not the test's)."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(total))
        handler.end_headers()
        handler.wfile.flush()
        for _ in range(total):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            state.sent["/trickle"] += 1
            time.sleep(interval)

    return route


def silent(handler: BaseHTTPRequestHandler) -> None:
    """Accept the request and never answer; return when the client hangs up (or after 60 s)."""
    connection: socket.socket = handler.connection
    connection.settimeout(60)
    try:
        while connection.recv(1024):
            pass
    except OSError:
        pass
    handler.close_connection = True


def rss(*links: str, date: str = "Fri, 20 Nov 2026 10:00:00 GMT") -> bytes:
    """A minimal RSS 2.0 feed listing ``links``."""
    items = "".join(
        f"<item><title>Item {n}</title><link>{link}</link><pubDate>{date}</pubDate></item>"
        for n, link in enumerate(links)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>T</title>"
        f"<link>http://x/</link><description>d</description>{items}</channel></rss>"
    ).encode()
