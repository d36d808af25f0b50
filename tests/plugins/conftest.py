"""Fixtures for the Airflow plugin tests: a loopback feed that honours (or ignores) validators, the
READOUT_* environment the plugins read, and a driver that steps the trigger's loop without waiting."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.hostile import Hostile, hostile_server, rss, send


@dataclass
class FeedSite:
    """One feed at ``/feed.xml`` whose body, ETag and behaviour the test changes between polls.

    Records every request's validators and what it answered, so tests can assert that a poll was
    conditional and got a 304.
    """

    server: Hostile
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    #: False: answer 200 with the full body whatever the request says (servers that ignore validators).
    honour_validators: bool = True
    #: When set, every request is answered with this status and no body.
    fail_with: int | None = None
    #: (If-None-Match, If-Modified-Since, status answered) per request, in order.
    requests: list[tuple[str | None, str | None, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _version: int = 0

    @property
    def url(self) -> str:
        return self.server.url("/feed.xml", host="127.0.0.1")

    def publish(self, body: bytes, *, last_modified: str | None = None) -> None:
        """Serve a new version of the feed, with a new ETag."""
        with self._lock:
            self._version += 1
            self.body = body
            self.etag = f'"v{self._version}"'
            self.last_modified = last_modified

    @property
    def statuses(self) -> list[int]:
        return [status for _, _, status in self.requests]

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            if_none_match = handler.headers.get("If-None-Match")
            if_modified_since = handler.headers.get("If-Modified-Since")
            if self.fail_with is not None:
                status, body, headers = self.fail_with, b"", {}
            else:
                headers = {"Content-Type": "application/rss+xml; charset=utf-8"}
                if self.etag:
                    headers["ETag"] = self.etag
                if self.last_modified:
                    headers["Last-Modified"] = self.last_modified
                fresh = self.honour_validators and (
                    (if_none_match is not None and if_none_match == self.etag)
                    or (
                        if_none_match is None
                        and if_modified_since is not None
                        and if_modified_since == self.last_modified
                    )
                )
                status, body = (304, b"") if fresh else (200, self.body)
            self.requests.append((if_none_match, if_modified_since, status))
        if status == 304:
            # A 304 has no body and no Content-Length worth trusting: send the headers only.
            handler.send_response(304)
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.end_headers()
        else:
            send(handler, status, body, headers)


@pytest.fixture
def feed_site() -> Iterator[FeedSite]:
    """A feed on loopback, first published with one item."""
    with hostile_server() as server:
        site = FeedSite(server)
        server.routes["/feed.xml"] = site.handle
        site.publish(rss("http://127.0.0.1/briefing/1.html"))
        yield site


@pytest.fixture
def readout_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """READOUT_* variables for code that builds ``Settings()`` itself: loopback allowed, no politeness
    delay, no retries inside one poll (the trigger's own loop is what retries), a throwaway data dir.
    Returns the data dir."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    values = {
        "READOUT_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
        "READOUT_MIN_DELAY": "0",
        "READOUT_MAX_CRAWL_DELAY": "0",
        "READOUT_RETRIES": "0",
        "READOUT_BACKOFF_BASE": "0",
        "READOUT_CONNECT_TIMEOUT": "2",
        "READOUT_READ_TIMEOUT": "2",
        "READOUT_REQUEST_DEADLINE": "10",
        "READOUT_DATA_DIR": str(data_dir),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    for name in ("READOUT_CATALOG_URL", "READOUT_ELASTICSEARCH_URL", "READOUT_KIBANA_URL", "READOUT_SEARCH_DB"):
        monkeypatch.delenv(name, raising=False)
    # Settings also read a .env file from the working directory; make sure none is picked up.
    monkeypatch.chdir(tmp_path)
    return data_dir


class StopPollingError(Exception):
    """Raised by the driver's sleep to end the trigger's endless loop after the polls a test wants."""


@dataclass
class Drive:
    """What a driven trigger did: the events it fired and the delays it asked to sleep."""

    events: list[Any]
    delays: list[float]


def drive(
    trigger: Any,
    *,
    polls: int,
    between: dict[int, Callable[[], None]] | None = None,
) -> Drive:
    """Run ``trigger.run()`` for ``polls`` polls, replacing its sleep so nothing waits.

    ``between[n]`` is called after the n-th poll (1-based), before the next one: the test's chance to
    change the feed "while the trigger sleeps". The trigger is cleaned up at the end, as the
    triggerer does.
    """
    events: list[Any] = []
    delays: list[float] = []
    actions = between or {}

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)
        done = len(delays)
        if done in actions:
            actions[done]()
        if done >= polls:
            raise StopPollingError
        await asyncio.sleep(0)

    async def main() -> None:
        trigger.sleep = fake_sleep
        try:
            async for event in trigger.run():
                events.append(event)
        except StopPollingError:
            pass
        finally:
            await trigger.cleanup()

    asyncio.run(main())
    return Drive(events, delays)


class MemoryStateStore:
    """Stands in for Airflow's ``AssetStateStoreAccessors`` of one watched asset (the ``aget``/``aset``
    the trigger uses), which outside the triggerer has no supervisor to talk to."""

    def __init__(self, *, broken: bool = False) -> None:
        self.values: dict[str, Any] = {}
        self.writes = 0
        self.broken = broken

    async def aget(self, key: str, default: Any = None) -> Any:
        if self.broken:
            raise ValueError("Task has 2 concrete inlets and outlets")
        return self.values.get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        if self.broken:
            raise ValueError("Task has 2 concrete inlets and outlets")
        if value is None:
            raise ValueError("Cannot set value as None")
        self.values[key] = value
        self.writes += 1
