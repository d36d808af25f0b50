"""The one guarded HTTP client every stage fetches through.

It applies DESIGN.md's security and robustness defaults: only http/https, private and other
non-public addresses refused on the address actually connected to (see :mod:`pipeline.fetch.guard`),
redirects followed by hand with every hop re-checked, a total deadline per request on top of the
connect/read timeouts, body caps counted after decompression, robots.txt, per-host politeness,
retries with exponential backoff that honour Retry-After, and hosts that keep failing left alone.
"""

from __future__ import annotations

import logging
import ssl
import time
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from urllib.parse import urljoin

import certifi
import httpcore
import httpx

from pipeline.config import Settings
from pipeline.errors import (
    BlockedURLError,
    BodyTooLargeError,
    DeadlineExceededError,
    DecodingError,
    HostBackedOffError,
    HTTPStatusError,
    NetworkError,
    ServerError,
    TooManyRedirectsError,
)
from pipeline.fetch.decoders import ACCEPT_ENCODING, CorruptStreamError, decoder_for
from pipeline.fetch.guard import AddressGuard, GuardedBackend
from pipeline.fetch.politeness import Politeness
from pipeline.fetch.robots import ROBOTS_MAX_BYTES, RobotsPolicy
from pipeline.models import FetchedResponse
from pipeline.urls import host_key

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Statuses worth retrying: the server is overloaded or briefly broken.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Headers that describe the wire format, not the decoded body we keep.
_WIRE_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length", "connection", "keep-alive"})


class HttpClient:
    """Guarded, polite HTTP GETs. Thread-safe: one instance serves a whole run.

    Use as a context manager or call :meth:`close`.
    """

    def __init__(self, settings: Settings, *, robots_cache_dir: Path | None = None) -> None:
        self.settings = settings
        self.guard = AddressGuard.from_settings(settings)
        self.politeness = Politeness(settings.min_delay, max_delay=max(settings.max_crawl_delay, settings.min_delay))
        self.robots = RobotsPolicy(self._fetch_robots, ttl=settings.robots_ttl, cache_dir=robots_cache_dir)
        transport = httpx.HTTPTransport(trust_env=False, retries=0)
        # httpx does not expose httpcore's network_backend, which is where the connected address can be
        # checked; the pool is rebuilt with the same defaults plus the guarded backend.
        transport._pool = httpcore.ConnectionPool(
            ssl_context=ssl.create_default_context(cafile=certifi.where()),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(self.guard),
        )
        self._http = httpx.Client(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": settings.effective_user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(
        self,
        url: str,
        *,
        max_bytes: int,
        etag: str | None = None,
        last_modified: str | None = None,
        min_delay: float | None = None,
        accept: str = "*/*",
    ) -> FetchedResponse:
        """GET ``url``, following up to ``max_redirects`` redirects, each hop checked again.

        Returns the final response for 2xx and 304 (``not_modified``). Raises
        :class:`~pipeline.errors.HTTPStatusError` for 4xx, :class:`~pipeline.errors.ServerError` when
        5xx/429 persist through the retries, and the other :class:`~pipeline.errors.FetchError`
        subclasses for refused, oversized, slow or broken exchanges.
        """
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        hops: list[str] = []
        current = url
        for _ in range(self.settings.max_redirects + 1):
            response = self._get_with_retries(current, headers, max_bytes=max_bytes, min_delay=min_delay, robots=True)
            location = response.header("location")
            if response.status in REDIRECT_STATUSES and location:
                hops.append(current)
                current = urljoin(current, location.strip())
                continue
            return replace(response, url=url, final_url=current, redirects=tuple(hops))
        raise TooManyRedirectsError(f"more than {self.settings.max_redirects} redirects", url=url)

    def _fetch_robots(self, url: str) -> FetchedResponse:
        hops = 0
        current = url
        while True:
            response = self._get_with_retries(
                current, {"Accept": "text/plain, */*"}, max_bytes=ROBOTS_MAX_BYTES, min_delay=None, robots=False
            )
            location = response.header("location")
            if response.status not in REDIRECT_STATUSES or not location:
                return response
            hops += 1
            if hops > self.settings.max_redirects:
                raise TooManyRedirectsError(f"more than {self.settings.max_redirects} redirects", url=url)
            current = urljoin(current, location.strip())

    def _get_with_retries(
        self, url: str, headers: dict[str, str], *, max_bytes: int, min_delay: float | None, robots: bool
    ) -> FetchedResponse:
        self.guard.check_url(url)
        host = host_key(url)
        if min_delay:
            self.politeness.require_delay(host, min_delay)
        if robots:
            crawl_delay = self.robots.check(url)
            if crawl_delay:
                self.politeness.require_delay(host, crawl_delay)
        settings = self.settings
        for attempt in range(settings.retries + 1):
            if self.politeness.failures(host) >= settings.host_failure_limit:
                raise HostBackedOffError(
                    f"{host} failed {self.politeness.failures(host)} times in a row; left alone until the next run",
                    url=url,
                )
            try:
                with self.politeness.turn(host):
                    response = self._exchange(url, headers, max_bytes)
            except (NetworkError, DeadlineExceededError) as exc:
                self.politeness.record(host, ok=False)
                # A server that trickles would make every retry last the whole deadline again.
                if attempt == settings.retries or isinstance(exc, DeadlineExceededError):
                    raise
                delay = settings.backoff_base * 2**attempt
                log.info("retrying %s in %.1fs after: %s", url, delay, exc)
                self.politeness.defer(host, delay)
                continue
            if response.status in RETRY_STATUSES:
                self.politeness.record(host, ok=False)
                retry_after = parse_retry_after(response.header("retry-after"))
                delay = retry_after if retry_after is not None else settings.backoff_base * 2**attempt
                if attempt == settings.retries or delay > settings.max_retry_after:
                    why = f"HTTP {response.status} after {attempt + 1} attempt(s)"
                    if delay > settings.max_retry_after:
                        why += f"; Retry-After of {delay:.0f}s is longer than we wait in one run"
                    raise ServerError(why, url=url, status=response.status)
                log.info("HTTP %s from %s; retrying in %.1fs", response.status, url, delay)
                self.politeness.defer(host, delay)
                continue
            self.politeness.record(host, ok=True)
            if response.status >= 400:
                raise HTTPStatusError(f"HTTP {response.status}", url=url, status=response.status)
            return response
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _exchange(self, url: str, headers: dict[str, str], max_bytes: int) -> FetchedResponse:
        """One request and response, no redirects and no retries, within the total deadline."""
        settings = self.settings
        started = time.monotonic()
        deadline = started + settings.request_deadline
        timeout = httpx.Timeout(
            connect=min(settings.connect_timeout, settings.request_deadline),
            read=min(settings.read_timeout, settings.request_deadline),
            write=min(settings.read_timeout, settings.request_deadline),
            pool=settings.connect_timeout,
        )
        try:
            with self._http.stream("GET", url, headers=headers, timeout=timeout) as resp:
                peer = _peer_address(resp)
                status = resp.status_code
                body = b""
                if status < 300:
                    body = self._read_body(resp, url, max_bytes, deadline)
                sent = tuple((k, v) for k, v in resp.request.headers.items())
                received = tuple((k, v) for k, v in resp.headers.multi_items() if k.lower() not in _WIRE_HEADERS)
        except BlockedURLError as exc:
            # Raised inside the connection, where only the host is known; name the URL for the record.
            raise BlockedURLError(f"refused: {exc}", url=url) from exc
        except httpx.TimeoutException as exc:
            raise NetworkError(f"timed out ({type(exc).__name__})", url=url) from exc
        except httpx.TransportError as exc:
            raise NetworkError(f"connection failed: {exc or type(exc).__name__}", url=url) from exc
        return FetchedResponse(
            url=url,
            final_url=url,
            status=status,
            headers=(*received, ("Content-Length", str(len(body)))),
            body=body,
            fetched_at=datetime.now(UTC),
            peer=peer,
            request_headers=sent,
        )

    def _read_body(self, resp: httpx.Response, url: str, max_bytes: int, deadline: float) -> bytes:
        try:
            decoder = decoder_for(resp.headers.get("content-encoding"))
            body = bytearray()
            # iter_raw() without a chunk size yields each read as it arrives, so the deadline is
            # checked at least once per read timeout even against a server that trickles.
            for chunk in resp.iter_raw():
                if time.monotonic() > deadline:
                    raise DeadlineExceededError(
                        f"body not complete within the {self.settings.request_deadline:g}s deadline", url=url
                    )
                body += decoder.decode(chunk, max_bytes - len(body) + 1)
                if len(body) > max_bytes:
                    raise BodyTooLargeError(f"body larger than {max_bytes} bytes after decompression", url=url)
            body += decoder.flush(max_bytes - len(body) + 1)
        except CorruptStreamError as exc:
            raise DecodingError(str(exc), url=url) from exc
        if len(body) > max_bytes:
            raise BodyTooLargeError(f"body larger than {max_bytes} bytes after decompression", url=url)
        return bytes(body)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); ``None`` if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _peer_address(resp: httpx.Response) -> str | None:
    stream = resp.extensions.get("network_stream")
    if stream is None:
        return None
    addr = stream.get_extra_info("server_addr")
    return str(addr[0]) if addr else None
