"""pipeline.watch: what counts as a change of a watched page, the stored state, the waits after errors, and
one poll against a real server on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.fetch.client import HttpClient
from pipeline.watch import MAX_ERROR_DELAY, WatchState, error_delay, fingerprint, poll
from tests.conftest import make_settings
from tests.hostile import hostile_server, rss, send

LISTING = "https://www.fmprc.gov.cn/eng/xw/fyrbt/"


def listing(*links: str, clock: str = "10:00", token: str = "abc") -> bytes:
    """An HTML listing page with a clock and a CSRF token that change on every request."""
    items = "".join(f'<li><a href="{link}">Briefing {n}</a></li>' for n, link in enumerate(links))
    return (
        f'<!DOCTYPE html><html><head><meta name="csrf" content="{token}"></head><body>'
        f'<nav><a href="/eng/">Home</a></nav><p>Updated {clock}</p><ul>{items}</ul></body></html>'
    ).encode()


def test_html_noise_is_not_a_change_but_a_new_item_is() -> None:
    one = fingerprint(listing("t1.html"), url=LISTING)
    assert fingerprint(listing("t1.html", clock="10:05", token="xyz"), url=LISTING) == one
    assert fingerprint(listing("t2.html", "t1.html"), url=LISTING) != one
    # A retitled item is a change too.
    retitled = listing("t1.html").replace(b"Briefing 0", b"Briefing of 26 April")
    assert fingerprint(retitled, url=LISTING) != one


def test_feed_fingerprint_follows_items_not_channel_metadata() -> None:
    url = "https://mid.ru/rss.xml"
    base = rss("https://mid.ru/1", date="Mon, 26 Apr 2021 10:00:00 GMT")
    stamped = base.replace(b"<channel>", b"<channel><lastBuildDate>Tue, 27 Apr 2021 00:00:00 GMT</lastBuildDate>")
    updated = rss("https://mid.ru/1", date="Mon, 26 Apr 2021 12:00:00 GMT")
    assert fingerprint(stamped, url=url) == fingerprint(base, url=url)
    assert fingerprint(updated, url=url) != fingerprint(base, url=url)
    assert fingerprint(base, url=url).startswith("items-v")


@pytest.mark.parametrize("body", [b"", b"plain text", b"<rss version='2.0'><channel></channel></rss>", b"\xff\xfe\x00"])
def test_bodies_without_items_fall_back_to_their_bytes(body: bytes) -> None:
    digest = fingerprint(body, url=LISTING)
    assert digest.startswith("bytes-v")
    assert fingerprint(body + b" ", url=LISTING) != digest


def test_state_json_round_trip_and_url_check() -> None:
    state = WatchState("https://a/feed", etag='"x"', last_modified=None, content_hash="items-v1:00")
    assert WatchState.from_json(state.to_json(), url="https://a/feed") == state
    assert WatchState.from_json(state.to_json(), url="https://b/feed") is None
    assert WatchState.from_json(None, url="https://a/feed") is None
    assert WatchState.from_json(["not", "a", "dict"], url="https://a/feed") is None
    assert WatchState.from_json({"url": "https://a/feed", "etag": 3}, url="https://a/feed") == WatchState(
        "https://a/feed"
    )


def test_error_delay_doubles_up_to_the_cap() -> None:
    assert [error_delay(60, n) for n in range(6)] == [60, 60, 120, 240, 480, 900]
    assert error_delay(60, 10_000) == MAX_ERROR_DELAY
    # An interval longer than the cap is never shortened.
    assert error_delay(3600, 5) == 3600


def test_poll_against_a_server_that_honours_validators(tmp_path: Path) -> None:
    body = rss("http://127.0.0.1/1.html")
    seen: list[str | None] = []

    def route(handler: object) -> None:
        from http.server import BaseHTTPRequestHandler

        assert isinstance(handler, BaseHTTPRequestHandler)
        seen.append(handler.headers.get("If-None-Match"))
        if handler.headers.get("If-None-Match") == '"1"':
            handler.send_response(304)
            handler.send_header("ETag", '"1"')
            handler.end_headers()
        else:
            send(handler, 200, body, {"ETag": '"1"', "Content-Type": "application/rss+xml"})

    with hostile_server({"/feed": route}) as server, HttpClient(make_settings(tmp_path)) as client:
        url = server.url("/feed", host="127.0.0.1")
        first = poll(client, url, None, max_bytes=1 << 20)
        second = poll(client, url, first.state, max_bytes=1 << 20)

    assert (first.status, first.baseline, first.changed) == (200, True, False)
    assert first.state.etag == '"1"'
    assert (second.status, second.baseline, second.changed) == (304, False, False)
    assert second.state == first.state
    assert seen == [None, '"1"']
