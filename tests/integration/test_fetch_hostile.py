"""The guarded client against servers that misbehave: every case ends in a clear, typed failure.

The "public" side of each test is reached as ``localhost``, the only name the test settings exempt
from the private-address guard; anything else on loopback plays the part of an internal service.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote

import pytest

from pipeline.config import Settings
from pipeline.errors import (
    BlockedURLError,
    BodyTooLargeError,
    DeadlineExceededError,
    HostBackedOffError,
    HTTPStatusError,
    NetworkError,
    RobotsDisallowedError,
    RobotsUnavailableError,
    ServerError,
    TimedOutError,
    TooManyRedirectsError,
)
from pipeline.fetch.client import HttpClient, parse_retry_after
from pipeline.fetch.politeness import Politeness
from tests.conftest import make_settings
from tests.hostile import (
    Hostile,
    Route,
    brotli_bomb,
    deflate_bomb,
    encoded,
    endless,
    gzip_bomb,
    hostile_server,
    page,
    redirect,
    send,
    sequence,
    silent,
    status,
    trickle,
)

MIB = 1024 * 1024


def client_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"allow_private_hosts": ["localhost"], "retries": 2}
    values.update(overrides)
    return make_settings(tmp_path, **values)


@pytest.fixture
def internal() -> Iterator[Hostile]:
    """An "internal service" that must never be reached."""
    with hostile_server({"/secret": page(b"internal data")}) as server:
        yield server


@pytest.fixture
def client(tmp_path: Path) -> Iterator[HttpClient]:
    with HttpClient(client_settings(tmp_path)) as http:
        yield http


class FakeClock:
    """Politeness's clock and sleep: sleeping advances it at once and records how long it was asked for.

    Only the politeness waits are faked; the sockets, timeouts and deadlines stay real.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def fake_polite_client(settings: Settings, clock: FakeClock) -> HttpClient:
    return HttpClient(settings, politeness=Politeness.from_settings(settings, clock=clock, sleep=clock.sleep))


def slow_raw(state: Hostile, key: str, raw: bytes, *, interval: float) -> Route:
    """Write ``raw`` (status line, headers and all) one byte per ``interval`` seconds; count in ``sent[key]``."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        for byte in raw:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            state.sent[key] += 1
            time.sleep(interval)

    return route


SSRF_SPELLINGS = [
    "http://127.0.0.1:{port}/secret",
    "http://127.1:{port}/secret",
    "http://2130706433:{port}/secret",
    "http://0x7f.1:{port}/secret",
    "http://0x7f000001:{port}/secret",
    "http://0177.0.0.1:{port}/secret",
    "http://127.0.0.1.:{port}/secret",
    "http://0.0.0.0:{port}/secret",
    "http://0:{port}/secret",
    "http://[::ffff:127.0.0.1]:{port}/secret",
    "http://[::ffff:7f00:1]:{port}/secret",
    "http://[::1]:{port}/secret",
    "http://[0:0:0:0:0:ffff:127.0.0.1]:{port}/secret",
    "http://user:pw@localhost:{port}/secret",
    "ftp://localhost:{port}/secret",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("template", SSRF_SPELLINGS)
def test_internal_addresses_are_refused_in_every_spelling(template: str, internal: Hostile, client: HttpClient) -> None:
    with pytest.raises(BlockedURLError):
        client.get(template.format(port=internal.port), max_bytes=MIB)
    assert sum(internal.hits.values()) == 0


INVALID_URLS = [
    "http://\u2603.example/",  # ☃: not allowed in IDNA
    "http://xn--a.com/",  # not valid Punycode
    "http://xn--/",
    "http://exa\u200bmple.com/",  # a zero-width space, which UTS 46 would silently drop
    "http://exa\u00admple.com/",  # a soft hyphen, likewise
    "http://exa mple.com/",
    "http://\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com/",  # full-width letters: httpx cannot send them
    "http:///path",  # no host
    "http://",
    "http://:80/",
    "http://[::1/",
]


@pytest.mark.parametrize("url", INVALID_URLS)
def test_invalid_urls_are_refused_as_permanent_errors(url: str, client: HttpClient) -> None:
    with pytest.raises(BlockedURLError) as raised:
        client.get(url, max_bytes=MIB)
    assert raised.value.permanent
    assert raised.value.url == url


@pytest.mark.parametrize(
    "location", ["http://\u2603.example/", "http://[::1", "http://exa\u200bmple.com/", "http://xn--a.com/", "ftp://x/"]
)
def test_a_redirect_to_an_invalid_url_is_refused(location: str, client: HttpClient) -> None:
    # Sent as raw UTF-8 bytes, as a careless server would; the handler writes header values as latin-1.
    routes = {"/start": redirect(location.encode().decode("latin-1")), "/robots.txt": status(404)}
    with hostile_server(routes) as server, pytest.raises(BlockedURLError) as raised:
        client.get(server.url("/start"), max_bytes=MIB)
    # Refused, not retried: the redirect is answered once.
    assert server.hits["/start"] == 1
    assert raised.value.permanent


def test_a_non_ascii_path_is_fetched(client: HttpClient) -> None:
    path = "/новости/1.html"
    robots = page(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    # The server sees the path percent-encoded (UTF-8), as any client sends it.
    routes = {quote(path): page("<p>новости</p>".encode()), "/robots.txt": robots}
    with hostile_server(routes) as server:
        response = client.get(server.url(path), max_bytes=MIB)
    assert response.status == 200
    assert response.body == "<p>новости</p>".encode()
    assert server.hits[quote(path)] == 1


def test_redirect_to_an_internal_address_is_refused_at_the_hop(internal: Hostile, client: HttpClient) -> None:
    with hostile_server() as public:
        public.routes["/start"] = redirect(f"http://127.0.0.1:{internal.port}/secret")
        public.routes["/robots.txt"] = status(404)
        with pytest.raises(BlockedURLError) as raised:
            client.get(public.url("/start"), max_bytes=MIB)
    assert public.hits["/start"] == 1
    assert sum(internal.hits.values()) == 0
    assert "127.0.0.1" in str(raised.value)


def test_redirects_are_followed_up_to_the_limit(client: HttpClient) -> None:
    with hostile_server() as server:
        for n in range(8):
            server.routes[f"/r{n}"] = redirect(f"/r{n + 1}")
        server.routes["/r3"] = page(b"<p>arrived</p>")
        response = client.get(server.url("/r0"), max_bytes=MIB)
        assert response.body == b"<p>arrived</p>"
        assert response.final_url.endswith("/r3")
        assert len(response.redirects) == 3
        server.routes["/r3"] = redirect("/r4")
        with pytest.raises(TooManyRedirectsError):
            client.get(server.url("/r0"), max_bytes=MIB)


@pytest.mark.parametrize(
    ("encoding", "bomb"),
    [("gzip", gzip_bomb), ("deflate", deflate_bomb), ("br", brotli_bomb)],
)
def test_decompression_bombs_stop_at_the_cap(encoding: str, bomb: object, client: HttpClient) -> None:
    body = bomb()  # type: ignore[operator]
    routes = {"/bomb": encoded(body, encoding), "/robots.txt": status(404)}
    with hostile_server(routes) as server, pytest.raises(BodyTooLargeError, match="after decompression"):
        client.get(server.url("/bomb"), max_bytes=2 * MIB)


def test_compressed_bodies_within_the_cap_are_decoded(client: HttpClient) -> None:
    import gzip

    import brotli

    text = "<p>Hello, Readout — привет — 你好</p>".encode() * 200
    routes = {
        "/gz": encoded(gzip.compress(text), "gzip"),
        "/br": encoded(brotli.compress(text), "br"),
        "/robots.txt": status(404),
    }
    with hostile_server(routes) as server:
        assert client.get(server.url("/gz"), max_bytes=MIB).body == text
        assert client.get(server.url("/br"), max_bytes=MIB).body == text


def test_an_endless_chunked_body_stops_at_the_cap(client: HttpClient) -> None:
    routes = {"/endless": endless, "/robots.txt": status(404)}
    with hostile_server(routes) as server, pytest.raises(BodyTooLargeError):
        client.get(server.url("/endless"), max_bytes=3 * MIB)


def test_a_trickling_server_is_cut_off_at_the_deadline(tmp_path: Path) -> None:
    settings = client_settings(tmp_path, request_deadline=1.5, read_timeout=1.0)
    with hostile_server({"/robots.txt": status(404)}) as server, HttpClient(settings) as http:
        server.routes["/trickle"] = trickle(server, interval=0.1, total=400)
        with pytest.raises(DeadlineExceededError, match="deadline"):
            http.get(server.url("/trickle"), max_bytes=MIB)
        # The deadline error is not retried: a trickling server would waste the deadline every time.
        assert server.hits["/trickle"] == 1
        assert server.sent["/trickle"] < 400


def test_a_server_trickling_its_status_line_and_headers_is_cut_off_at_the_deadline(tmp_path: Path) -> None:
    # Each byte comes well within the read timeout, so only the total deadline can stop this.
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + b"X-Padding: " + b"a" * 300 + b"\r\n\r\n"
    settings = client_settings(tmp_path, request_deadline=1.5, read_timeout=1.0)
    with hostile_server({"/robots.txt": status(404)}) as server, HttpClient(settings) as http:
        server.routes["/slow-head"] = slow_raw(server, "/slow-head", head, interval=0.1)
        with pytest.raises(DeadlineExceededError, match="deadline"):
            http.get(server.url("/slow-head"), max_bytes=MIB)
        assert server.hits["/slow-head"] == 1
        assert server.sent["/slow-head"] < len(head)


def test_redirect_hops_share_one_deadline_for_the_whole_fetch(tmp_path: Path) -> None:
    # Every hop is slow but well within the per-request deadline; the chain as a whole is not.
    hop = b"HTTP/1.1 302 Found\r\nLocation: /hop\r\nContent-Length: 0\r\n\r\n"
    settings = client_settings(tmp_path, request_deadline=5.0, max_redirects=20)
    with hostile_server({"/robots.txt": status(404)}) as server, HttpClient(settings) as http:
        # At least 0.5 s per hop, paced by the server.
        server.routes["/hop"] = slow_raw(server, "/hop", hop, interval=0.5 / len(hop))
        with pytest.raises(DeadlineExceededError, match="whole fetch"):
            http.get(server.url("/hop"), max_bytes=MIB, budget=1.2)
        assert server.hits["/hop"] <= 3


def test_retries_share_one_deadline_for_the_whole_fetch(client: HttpClient) -> None:
    routes = {"/busy": status(503, headers={"Retry-After": "2"}), "/robots.txt": status(404)}
    with hostile_server(routes) as server, pytest.raises(DeadlineExceededError, match="whole fetch"):
        # Retrying after 2 s cannot fit in a 1 s budget: it fails at once instead of sleeping first.
        client.get(server.url("/busy"), max_bytes=MIB, budget=1.0)
    assert server.hits["/busy"] == 1


def test_a_server_that_never_answers_times_out_once_without_a_retry(tmp_path: Path) -> None:
    settings = client_settings(tmp_path, read_timeout=0.3, retries=3)
    with hostile_server({"/silent": silent, "/robots.txt": status(404)}) as server, HttpClient(settings) as http:
        with pytest.raises(TimedOutError, match="timed out") as raised:
            http.get(server.url("/silent"), max_bytes=MIB)
        assert not raised.value.permanent  # tried again on a later run, not in this one
        # A retry would wait the whole timeout again while the host's other items queue behind it.
        assert server.hits["/silent"] == 1


@pytest.mark.parametrize("slow", ["hang", "trickle"])
def test_a_host_that_keeps_timing_out_is_left_alone_for_the_rest_of_the_run(slow: str, tmp_path: Path) -> None:
    settings = client_settings(tmp_path, read_timeout=0.3, request_deadline=0.6, retries=3, host_timeout_limit=2)
    with (
        hostile_server({"/ok": page(b"ok"), "/robots.txt": status(404)}) as server,
        hostile_server({"/ok": page(b"fine"), "/robots.txt": status(404)}) as other,
        HttpClient(settings) as http,
    ):
        server.routes["/slow"] = silent if slow == "hang" else trickle(server, interval=0.1, total=400)
        with pytest.raises((TimedOutError, DeadlineExceededError)):
            http.get(server.url("/slow"), max_bytes=MIB)
        # A good answer in between does not make the host's timeouts forgotten.
        assert http.get(server.url("/ok"), max_bytes=MIB).body == b"ok"
        with pytest.raises((TimedOutError, DeadlineExceededError)):
            http.get(server.url("/slow"), max_bytes=MIB)
        with pytest.raises(HostBackedOffError, match="timed out 2 times in this run") as raised:
            http.get(server.url("/ok"), max_bytes=MIB)
        assert not raised.value.permanent
        assert (server.hits["/slow"], server.hits["/ok"]) == (2, 1)
        # Other hosts are not concerned.
        assert http.get(other.url("/ok"), max_bytes=MIB).body == b"fine"


def test_connection_refused_is_a_network_error(client: HttpClient) -> None:
    with hostile_server() as server:
        port = server.port
    with pytest.raises(NetworkError, match="connection failed"):
        client.get(f"http://localhost:{port}/", max_bytes=MIB)


def test_429_with_retry_after_is_honoured(tmp_path: Path) -> None:
    # Retry-After: 7 could not be mistaken for the 0.01 s backoff of the test settings.
    clock = FakeClock()
    arrivals: list[float] = []

    def busy_then_ok(handler: BaseHTTPRequestHandler) -> None:
        arrivals.append(clock())
        if len(arrivals) == 1:
            send(handler, 429, headers={"Retry-After": "7"})
        else:
            send(handler, 200, b"<p>ok</p>")

    routes = {"/busy": busy_then_ok, "/robots.txt": status(404)}
    with hostile_server(routes) as server, fake_polite_client(client_settings(tmp_path), clock) as http:
        response = http.get(server.url("/busy"), max_bytes=MIB)
    assert response.status == 200
    assert server.hits["/busy"] == 2
    assert max(clock.sleeps) >= 7.0
    assert arrivals[1] - arrivals[0] >= 7.0


def test_crawl_delay_spaces_the_requests_to_a_host(tmp_path: Path) -> None:
    clock = FakeClock()
    arrivals: dict[str, float] = {}

    def stamped(route: Route) -> Route:
        def handler(h: BaseHTTPRequestHandler) -> None:
            arrivals[h.path] = clock()
            route(h)

        return handler

    settings = client_settings(tmp_path, min_delay=0.0, max_crawl_delay=30.0)
    routes = {
        "/robots.txt": stamped(page(b"User-agent: *\nCrawl-delay: 3\n", content_type="text/plain")),
        "/a": stamped(page(b"a")),
        "/b": stamped(page(b"b")),
    }
    with hostile_server(routes) as server, fake_polite_client(settings, clock) as http:
        http.get(server.url("/a"), max_bytes=MIB)
        http.get(server.url("/b"), max_bytes=MIB)
    # The Crawl-delay is learnt from robots.txt, and spaces even the first page from it.
    assert arrivals["/a"] - arrivals["/robots.txt"] == pytest.approx(3.0)
    assert arrivals["/b"] - arrivals["/a"] == pytest.approx(3.0)
    assert clock.sleeps == [pytest.approx(3.0), pytest.approx(3.0)]


def test_requests_to_different_hosts_run_in_parallel(tmp_path: Path) -> None:
    # Each handler waits until both requests have arrived: that can only happen if the one client
    # lets the two hosts' requests be in flight together.
    barrier = threading.Barrier(2, timeout=5)

    def meet(handler: BaseHTTPRequestHandler) -> None:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            send(handler, 500, b"alone")
            return
        send(handler, 200, b"met")

    routes = {"/meet": meet, "/robots.txt": status(404)}
    settings = client_settings(tmp_path, retries=0)
    results: dict[int, object] = {}
    with hostile_server(routes) as first, hostile_server(routes) as second, HttpClient(settings) as http:

        def fetch(server: Hostile) -> None:
            try:
                results[server.port] = http.get(server.url("/meet"), max_bytes=MIB).body
            except Exception as exc:
                results[server.port] = exc

        threads = [threading.Thread(target=fetch, args=(server,)) for server in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == {first.port: b"met", second.port: b"met"}


def test_requests_to_one_host_are_never_in_flight_together(tmp_path: Path) -> None:
    lock = threading.Lock()
    second_arrived = threading.Event()
    counts = {"active": 0, "max_active": 0, "arrivals": 0}

    def one_at_a_time(handler: BaseHTTPRequestHandler) -> None:
        with lock:
            counts["active"] += 1
            counts["max_active"] = max(counts["max_active"], counts["active"])
            counts["arrivals"] += 1
            if counts["arrivals"] >= 2:
                second_arrived.set()
        # The first request lingers until the second arrives (or 0.3 s pass), so that an overlap
        # would be seen if the client allowed one.
        second_arrived.wait(0.3)
        with lock:
            counts["active"] -= 1
        send(handler, 200, b"ok")

    routes = {"/one": one_at_a_time, "/robots.txt": status(404)}
    results: list[object] = []
    with hostile_server(routes) as server, HttpClient(client_settings(tmp_path, retries=0)) as http:

        def fetch() -> None:
            results.append(http.get(server.url("/one"), max_bytes=MIB).body)

        threads = [threading.Thread(target=fetch) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == [b"ok", b"ok"]
    assert counts["arrivals"] == 2
    assert counts["max_active"] == 1


def test_a_retry_after_longer_than_we_wait_fails_without_waiting(client: HttpClient) -> None:
    routes = {"/later": status(503, headers={"Retry-After": "86400"}), "/robots.txt": status(404)}
    with hostile_server(routes) as server, pytest.raises(ServerError, match="Retry-After") as raised:
        client.get(server.url("/later"), max_bytes=MIB)
    assert raised.value.status == 503
    assert not raised.value.permanent
    assert server.hits["/later"] == 1


def test_503_then_200_succeeds_after_a_retry(client: HttpClient) -> None:
    routes = {"/flaky": sequence(status(503), page(b"<p>back</p>")), "/robots.txt": status(404)}
    with hostile_server(routes) as server:
        assert client.get(server.url("/flaky"), max_bytes=MIB).body == b"<p>back</p>"
        assert server.hits["/flaky"] == 2


@pytest.mark.parametrize(
    ("retries", "limit", "expected"),
    [
        # Each attempt that reaches the server and fails adds one failure; an attempt starts only
        # while the host has fewer than `limit` failures in a row.
        # retries=2, limit=4: call 1 fails 3 times (failures 3) -> ServerError; call 2's first
        # attempt makes 4, its second is refused -> HostBackedOffError; call 3 sends nothing.
        (2, 4, [(ServerError, 3), (HostBackedOffError, 1), (HostBackedOffError, 0)]),
        # retries=2, limit=3: call 1 reaches exactly the limit and reports the server's error.
        (2, 3, [(ServerError, 3), (HostBackedOffError, 0)]),
        # retries=1, limit=5: two calls of two attempts (4), then one more attempt (5) and refusal.
        (1, 5, [(ServerError, 2), (ServerError, 2), (HostBackedOffError, 1), (HostBackedOffError, 0)]),
    ],
)
def test_persistent_5xx_gives_up_after_the_retries_then_backs_the_host_off(
    retries: int, limit: int, expected: list[tuple[type[Exception], int]], tmp_path: Path
) -> None:
    settings = client_settings(tmp_path, retries=retries, host_failure_limit=limit)
    with hostile_server({"/down": status(500), "/robots.txt": status(404)}) as server, HttpClient(settings) as http:
        for call, (error, hits) in enumerate(expected, start=1):
            before = server.hits["/down"]
            with pytest.raises(Exception) as raised:  # noqa: PT011 - the exact type is asserted below
                http.get(server.url("/down"), max_bytes=MIB)
            assert type(raised.value) is error, f"call {call}: {raised.value!r}"
            assert server.hits["/down"] - before == hits, f"call {call}"
        assert server.hits["/down"] == sum(hits for _, hits in expected)


def test_4xx_is_permanent(client: HttpClient) -> None:
    with hostile_server({"/robots.txt": status(404)}) as server, pytest.raises(HTTPStatusError) as raised:
        client.get(server.url("/missing"), max_bytes=MIB)
    assert raised.value.status == 404
    assert raised.value.permanent


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (status(302), "HTTP 302 without a Location header"),
        (status(301, headers={"Location": "  "}), "HTTP 301 without a Location header"),
        (status(307), "HTTP 307 without a Location header"),
        (status(300, headers={"Location": "/elsewhere"}), "HTTP 300 is not a redirect"),
        (status(304), "unexpected 304 to an unconditional request"),
    ],
    ids=["302-no-location", "301-blank-location", "307-no-location", "300", "304-unconditional"],
)
def test_protocol_oddities_are_clear_errors(route: Route, message: str, client: HttpClient) -> None:
    with hostile_server({"/odd": route, "/robots.txt": status(404)}) as server:
        with pytest.raises(HTTPStatusError, match=message) as raised:
            client.get(server.url("/odd"), max_bytes=MIB)
        assert raised.value.permanent
        assert server.hits["/odd"] == 1


def test_conditional_get_sends_validators_and_reports_304(client: HttpClient) -> None:
    seen: dict[str, str | None] = {}

    def route(handler: object) -> None:
        from tests.hostile import send

        seen["etag"] = handler.headers.get("If-None-Match")  # type: ignore[attr-defined]
        seen["since"] = handler.headers.get("If-Modified-Since")  # type: ignore[attr-defined]
        send(handler, 304)  # type: ignore[arg-type]

    with hostile_server({"/feed": route, "/robots.txt": status(404)}) as server:
        response = client.get(
            server.url("/feed"), max_bytes=MIB, etag='"v1"', last_modified="Mon, 05 Jan 2026 09:30:00 GMT"
        )
    assert response.not_modified
    assert seen == {"etag": '"v1"', "since": "Mon, 05 Jan 2026 09:30:00 GMT"}


def test_user_agent_is_honest(client: HttpClient) -> None:
    agents: list[str] = []

    def route(handler: object) -> None:
        from tests.hostile import send

        agents.append(handler.headers["User-Agent"])  # type: ignore[attr-defined]
        send(handler, 200, b"ok")  # type: ignore[arg-type]

    with hostile_server({"/ua": route, "/robots.txt": status(404)}) as server:
        client.get(server.url("/ua"), max_bytes=MIB)
    assert agents[0].startswith("Readout/")
    assert "+http" in agents[0]


# --- robots.txt (RFC 9309 status handling) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("robots", "outcome"),
    [
        (status(404), "allowed"),
        (status(403), "allowed"),
        (status(401), "allowed"),
        (page(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"), "disallowed"),
        (page(b"User-agent: Readout\nDisallow: /\n", content_type="text/plain"), "disallowed"),
        (page(b"User-agent: OtherBot\nDisallow: /\n", content_type="text/plain"), "allowed"),
        (page(b"<html><body>Welcome</body></html>"), "allowed"),
        (status(500), "unavailable"),
        (status(503), "unavailable"),
        (status(429), "unavailable"),
    ],
    ids=["404", "403", "401", "disallow-path", "disallow-us", "other-bot", "html-page", "500", "503", "429"],
)
def test_robots_status_handling(robots: object, outcome: str, tmp_path: Path) -> None:
    settings = client_settings(tmp_path, retries=0)
    routes = {"/robots.txt": robots, "/private/page": page(b"<p>x</p>")}
    with hostile_server(routes) as server, HttpClient(settings) as http:  # type: ignore[arg-type]
        if outcome == "allowed":
            assert http.get(server.url("/private/page"), max_bytes=MIB).status == 200
        elif outcome == "disallowed":
            with pytest.raises(RobotsDisallowedError):
                http.get(server.url("/private/page"), max_bytes=MIB)
        else:
            with pytest.raises(RobotsUnavailableError) as raised:
                http.get(server.url("/private/page"), max_bytes=MIB)
            assert not raised.value.permanent
        if outcome != "allowed":
            assert server.hits["/private/page"] == 0


def test_robots_redirecting_to_an_html_page_means_no_rules(client: HttpClient) -> None:
    routes = {
        "/robots.txt": redirect("/home/index.html", 302),
        "/home/index.html": page(b"<html><body>Portal</body></html>"),
        "/news": page(b"<p>news</p>"),
    }
    with hostile_server(routes) as server:
        assert client.get(server.url("/news"), max_bytes=MIB).status == 200
        client.get(server.url("/news"), max_bytes=MIB)
        assert server.hits["/robots.txt"] == 1, "robots.txt is cached"


def test_a_robots_txt_over_the_size_cap_is_parsed_from_its_beginning(client: HttpClient) -> None:
    # RFC 9309 §2.5: parse at least the first 500 KiB; a longer file is not "unavailable".
    head = b"User-agent: *\nDisallow: /private/\n"
    filler = b"# " + b"x" * 60 + b"\n"
    body = head + filler * (600 * 1024 // len(filler)) + b"Disallow: /beyond-the-cap/\n"
    assert len(body) > 600 * 1024
    robots = page(body, content_type="text/plain")
    routes = {
        "/robots.txt": robots,
        "/private/page": page(b"x"),
        "/public": page(b"y"),
        "/beyond-the-cap/z": page(b"z"),
    }
    with hostile_server(routes) as server:
        with pytest.raises(RobotsDisallowedError):
            client.get(server.url("/private/page"), max_bytes=MIB)
        assert client.get(server.url("/public"), max_bytes=MIB).body == b"y"
        # The rule past the cap was never read.
        assert client.get(server.url("/beyond-the-cap/z"), max_bytes=MIB).body == b"z"
        assert server.hits["/private/page"] == 0
        assert server.hits["/robots.txt"] == 1


def test_crawl_delay_raises_the_host_delay_up_to_the_cap(tmp_path: Path) -> None:
    settings = client_settings(tmp_path, max_crawl_delay=0.2)
    robots = page(b"User-agent: *\nCrawl-delay: 120\n", content_type="text/plain")
    with hostile_server({"/robots.txt": robots, "/a": page(b"a")}) as server, HttpClient(settings) as http:
        http.get(server.url("/a"), max_bytes=MIB)
        assert http.politeness.delay(f"localhost:{server.port}") == pytest.approx(0.2)


def test_retry_after_parsing() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
