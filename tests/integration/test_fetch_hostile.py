"""The guarded client against servers that misbehave: every case ends in a clear, typed failure.

The "public" side of each test is reached as ``localhost``, the only name the test settings exempt
from the private-address guard; anything else on loopback plays the part of an internal service.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
    TooManyRedirectsError,
)
from pipeline.fetch.client import HttpClient, parse_retry_after
from tests.conftest import make_settings
from tests.hostile import (
    Hostile,
    brotli_bomb,
    deflate_bomb,
    encoded,
    endless,
    gzip_bomb,
    hostile_server,
    page,
    redirect,
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


def test_a_server_that_never_answers_times_out_and_is_retried(tmp_path: Path) -> None:
    settings = client_settings(tmp_path, read_timeout=0.3, retries=1)
    with hostile_server({"/silent": silent, "/robots.txt": status(404)}) as server, HttpClient(settings) as http:
        with pytest.raises(NetworkError, match="timed out"):
            http.get(server.url("/silent"), max_bytes=MIB)
        assert server.hits["/silent"] == 2


def test_connection_refused_is_a_network_error(client: HttpClient) -> None:
    with hostile_server() as server:
        port = server.port
    with pytest.raises(NetworkError, match="connection failed"):
        client.get(f"http://localhost:{port}/", max_bytes=MIB)


def test_429_with_retry_after_is_honoured(client: HttpClient) -> None:
    routes = {
        "/busy": sequence(status(429, headers={"Retry-After": "1"}), page(b"<p>ok</p>")),
        "/robots.txt": status(404),
    }
    with hostile_server(routes) as server:
        response = client.get(server.url("/busy"), max_bytes=MIB)
    assert response.status == 200
    assert server.hits["/busy"] == 2


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


def test_persistent_5xx_gives_up_after_the_retries_then_backs_the_host_off(tmp_path: Path) -> None:
    settings = client_settings(tmp_path, retries=2, host_failure_limit=4)
    with hostile_server({"/down": status(500), "/robots.txt": status(404)}) as server, HttpClient(settings) as http:
        with pytest.raises(ServerError, match="HTTP 500 after 3 attempt"):
            http.get(server.url("/down"), max_bytes=MIB)
        assert server.hits["/down"] == 3
        with pytest.raises((ServerError, HostBackedOffError)):
            http.get(server.url("/down"), max_bytes=MIB)
        with pytest.raises(HostBackedOffError):
            http.get(server.url("/down"), max_bytes=MIB)
        assert server.hits["/down"] == 4


def test_4xx_is_permanent(client: HttpClient) -> None:
    with hostile_server({"/robots.txt": status(404)}) as server, pytest.raises(HTTPStatusError) as raised:
        client.get(server.url("/missing"), max_bytes=MIB)
    assert raised.value.status == 404
    assert raised.value.permanent


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
