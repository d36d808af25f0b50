"""The one guarded HTTP client every stage fetches through.

It applies DESIGN.md's security and robustness defaults: only http/https, private and other
non-public addresses refused on the address actually connected to (see :mod:`pipeline.fetch.guard`),
redirects followed by hand with every hop re-checked, a total deadline per request on top of the
connect/read timeouts, body caps counted after decompression, robots.txt, per-host politeness,
retries with exponential backoff that honour Retry-After, and hosts that keep failing left alone.

Time limits, from the innermost:

* ``connect_timeout`` / ``read_timeout`` bound each single connect, read or write;
* ``request_deadline`` bounds one request and response, from name lookup to the last body byte
  (enforced under httpx, on every socket operation, by :class:`~pipeline.fetch.guard.DeadlineStream`);
* a *budget* of :data:`BUDGET_DEADLINES` request deadlines bounds one :meth:`HttpClient.get` call:
  every redirect hop, every retry and the politeness waits between them.

A timeout (connect, read or deadline) is never retried in the same call: a server that hangs or trickles
would cost its host the whole wait again, while the host's other items queue behind it. And a host that
times out ``host_timeout_limit`` times in one run (one client) is left alone for the rest of it.
"""

from __future__ import annotations

import logging
import ssl
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from urllib.parse import urljoin

import certifi
import httpcore
import httpx
import idna

from pipeline import clock
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
    TimedOutError,
    TooManyRedirectsError,
)
from pipeline.fetch.decoders import ACCEPT_ENCODING, CorruptStreamError, decoder_for
from pipeline.fetch.guard import REQUEST_DEADLINE, AddressGuard, GuardedBackend
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
#: Request headers that make a GET conditional: only then may the answer be 304.
_VALIDATORS = ("If-None-Match", "If-Modified-Since")
#: One get() call may last this many times ``request_deadline`` in all: enough for a slow answer,
#: a retry or two and a redirect, but a host that keeps answering slowly cannot hold a worker for
#: ``(max_redirects + 1) * (retries + 1)`` deadlines.
BUDGET_DEADLINES = 3


@dataclass(frozen=True)
class _Budget:
    """When one get() call (or one robots.txt fetch) must be over, on the ``time.monotonic()`` clock."""

    end: float
    seconds: float

    @classmethod
    def starting_now(cls, seconds: float) -> _Budget:
        """A budget of ``seconds`` from now."""
        return cls(time.monotonic() + seconds, seconds)

    def left(self) -> float:
        """Seconds left (negative once passed)."""
        return self.end - time.monotonic()

    def exceeded(self, url: str) -> DeadlineExceededError:
        """The error for a fetch of ``url`` that ran out of budget."""
        return DeadlineExceededError(
            f"the {self.seconds:g}s deadline for the whole fetch (redirects and retries included) passed", url=url
        )


class _SingleRequestClient(httpx.Client):
    """An httpx client that sends exactly the request it is given and never looks at a redirect.

    Even with ``follow_redirects=False``, httpx parses the Location of every redirect to prepare
    ``response.next_request``, and fails the whole exchange (as a RemoteProtocolError, which would
    look like a transient network failure) when it cannot. :meth:`HttpClient.get` follows redirects
    itself, checking each hop, so that preparation is skipped. Relies on httpx 0.28's private
    ``_send_handling_redirects``/``_send_single_request``, like the pool replacement below.
    """

    def _send_handling_redirects(
        self, request: httpx.Request, follow_redirects: bool, history: list[httpx.Response]
    ) -> httpx.Response:
        """Send ``request`` alone; the caller handles any redirect."""
        return self._send_single_request(request)


class HttpClient:
    """Guarded, polite HTTP GETs. Thread-safe: one instance serves a whole run.

    Use as a context manager or call :meth:`close`.
    """

    def __init__(
        self, settings: Settings, *, robots_cache_dir: Path | None = None, politeness: Politeness | None = None
    ) -> None:
        """A client for ``settings``; robots.txt is cached on disk in ``robots_cache_dir`` if given.

        ``politeness`` defaults to :meth:`Politeness.from_settings`; tests pass one with a fake
        clock to check the spacing of requests without waiting for it.
        """
        self.settings = settings
        self.guard = AddressGuard.from_settings(settings)
        self.politeness = politeness if politeness is not None else Politeness.from_settings(settings)
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
        self._http = _SingleRequestClient(
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
        """Close the pooled connections."""
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
        budget: float | None = None,
    ) -> FetchedResponse:
        """GET ``url``, following up to ``max_redirects`` redirects, each hop checked again.

        Returns the final response for 2xx and 304 (``not_modified``, only when ``etag`` or
        ``last_modified`` made the request conditional). Raises
        :class:`~pipeline.errors.HTTPStatusError` for 4xx, for a 3xx that is not a redirect we can
        follow and for an unasked-for 304; :class:`~pipeline.errors.ServerError` when 5xx/429 persist
        through the retries; :class:`~pipeline.errors.DeadlineExceededError` when one request passes
        ``request_deadline`` or the whole call passes ``budget`` seconds (default
        :data:`BUDGET_DEADLINES` x ``request_deadline``; robots.txt is fetched on its own budget);
        and the other :class:`~pipeline.errors.FetchError` subclasses for refused, oversized or
        broken exchanges.
        """
        if budget is None:
            budget = BUDGET_DEADLINES * self.settings.request_deadline
        whole = _Budget.starting_now(budget)
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        hops: list[str] = []
        current = url
        for _ in range(self.settings.max_redirects + 1):
            response = self._get_with_retries(
                current, headers, max_bytes=max_bytes, min_delay=min_delay, robots=True, budget=whole
            )
            if response.status not in REDIRECT_STATUSES:
                return replace(response, url=url, final_url=current, redirects=tuple(hops))
            hops.append(current)
            current = _next_hop(current, response, origin=url)
        raise TooManyRedirectsError(f"more than {self.settings.max_redirects} redirects", url=url)

    def _fetch_robots(self, url: str) -> FetchedResponse:
        """GET a robots.txt, following redirects, reading at most ROBOTS_MAX_BYTES (the rest is cut off)."""
        # Its own budget: it is fetched once per host on behalf of whichever page came first, and
        # that page's own fetch should not be charged for it.
        whole = _Budget.starting_now(BUDGET_DEADLINES * self.settings.request_deadline)
        hops = 0
        current = url
        while True:
            response = self._get_with_retries(
                current,
                {"Accept": "text/plain, */*"},
                max_bytes=ROBOTS_MAX_BYTES,
                min_delay=None,
                robots=False,
                budget=whole,
                truncate=True,
            )
            if response.status not in REDIRECT_STATUSES:
                return response
            hops += 1
            if hops > self.settings.max_redirects:
                raise TooManyRedirectsError(f"more than {self.settings.max_redirects} redirects", url=url)
            current = _next_hop(current, response, origin=url)

    def _check_url(self, url: str) -> None:
        """The guard's checks, plus httpx's own reading of the URL, before anything is sent or looked up."""
        self.guard.check_url(url)
        try:
            httpx.URL(url)
        except (httpx.InvalidURL, idna.IDNAError) as exc:
            # The guard accepts a few spellings httpx cannot send (a full-width host name, which
            # UTS 46 maps but httpx's strict IDNA does not); refuse them here, before robots.txt is
            # fetched for them, so that they fail as the permanent errors they are.
            raise BlockedURLError(f"invalid URL: {exc}", url=url) from None

    def _get_with_retries(
        self,
        url: str,
        headers: dict[str, str],
        *,
        max_bytes: int,
        min_delay: float | None,
        robots: bool,
        budget: _Budget,
        truncate: bool = False,
    ) -> FetchedResponse:
        """One hop: robots.txt and politeness, then the exchange, retried on 5xx/429/network failures.

        Returns a 2xx, a redirect with a Location, or a 304 to a conditional request; raises for
        anything else.
        """
        self._check_url(url)
        host = host_key(url)
        # Before robots.txt too: a host left alone is not asked for that either.
        self._refuse_if_backed_off(host, url)
        if min_delay:
            self.politeness.require_delay(host, min_delay)
        if robots:
            crawl_delay = self.robots.check(url)
            if crawl_delay:
                self.politeness.require_delay(host, crawl_delay)
        settings = self.settings
        for attempt in range(settings.retries + 1):
            if budget.left() <= 0:
                raise budget.exceeded(url)
            self._refuse_if_backed_off(host, url)
            try:
                with self.politeness.turn(host):
                    response = self._exchange(url, headers, max_bytes, budget=budget, truncate=truncate)
            except (NetworkError, DeadlineExceededError) as exc:
                self.politeness.record(host, ok=False)
                if isinstance(exc, TimedOutError | DeadlineExceededError):
                    # A server that hangs or trickles would make every retry cost the whole wait again,
                    # with the host's other items queued behind it: later runs try again instead.
                    self._count_timeout(host)
                    raise
                if attempt == settings.retries:
                    raise
                delay = settings.backoff_base * 2**attempt
                if delay >= budget.left():
                    # Sleeping first would only end in the same error: give up now.
                    raise budget.exceeded(url) from exc
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
                if delay >= budget.left():
                    # Sleeping first would only end in the same error: give up now.
                    raise DeadlineExceededError(
                        f"HTTP {response.status}; retrying in {delay:.3g}s would pass the {budget.seconds:g}s"
                        " deadline for the whole fetch",
                        url=url,
                    )
                log.info("HTTP %s from %s; retrying in %.1fs", response.status, url, delay)
                self.politeness.defer(host, delay)
                continue
            self.politeness.record(host, ok=True)
            _check_status(response, url, conditional=any(name in headers for name in _VALIDATORS))
            return response
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _refuse_if_backed_off(self, host: str, url: str) -> None:
        """Raise :class:`HostBackedOffError` when the host failed or timed out too often in this run."""
        settings = self.settings
        timeouts = self.politeness.timeouts(host)
        if timeouts >= settings.host_timeout_limit:
            raise HostBackedOffError(
                f"{host} timed out {timeouts} times in this run; left alone until the next run", url=url
            )
        failures = self.politeness.failures(host)
        if failures >= settings.host_failure_limit:
            raise HostBackedOffError(f"{host} failed {failures} times in a row; left alone until the next run", url=url)

    def _count_timeout(self, host: str) -> None:
        """Count a timeout against the host, and say so once when that leaves the host alone for the run."""
        timeouts = self.politeness.record_timeout(host)
        if timeouts == self.settings.host_timeout_limit:
            log.warning(
                "%s timed out %d times in this run; left alone until the next run (its other items wait)",
                host,
                timeouts,
            )

    def _exchange(
        self, url: str, headers: dict[str, str], max_bytes: int, *, budget: _Budget, truncate: bool = False
    ) -> FetchedResponse:
        """One request and response, no redirects and no retries, within the total deadline.

        The deadline is ``request_deadline`` from now or the end of ``budget``, whichever comes first.
        With ``truncate``, a body longer than ``max_bytes`` is cut there instead of refused.
        """
        settings = self.settings
        started = time.monotonic()
        deadline = min(started + settings.request_deadline, budget.end)
        if deadline <= started:
            # The politeness wait used up what the fetch had left.
            raise budget.exceeded(url)
        timeout = httpx.Timeout(
            connect=min(settings.connect_timeout, settings.request_deadline),
            read=min(settings.read_timeout, settings.request_deadline),
            write=min(settings.read_timeout, settings.request_deadline),
            pool=settings.connect_timeout,
        )
        # Seen by the guarded backend's streams, which cut every socket operation short at the
        # deadline: that bounds the status line and headers too, which httpx reads before we can
        # look at the clock.
        token = REQUEST_DEADLINE.set(deadline)
        try:
            with self._http.stream("GET", url, headers=headers, timeout=timeout) as resp:
                peer = _peer_address(resp)
                status = resp.status_code
                body = b""
                if status < 300:
                    body = self._read_body(resp, url, max_bytes, deadline, budget=budget, truncate=truncate)
                sent = tuple((k, v) for k, v in resp.request.headers.items())
                received = tuple((k, v) for k, v in resp.headers.multi_items() if k.lower() not in _WIRE_HEADERS)
        except BlockedURLError as exc:
            # Raised inside the connection, where only the host is known; name the URL for the record.
            raise BlockedURLError(f"refused: {exc}", url=url) from exc
        except httpx.TimeoutException as exc:
            if time.monotonic() >= deadline:
                raise self._deadline_error(url, deadline, budget) from exc
            raise TimedOutError(f"timed out ({type(exc).__name__}: {exc})", url=url) from exc
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, idna.IDNAError) as exc:
            # _check_url should have caught these; a URL httpx cannot send is still not worth retrying.
            raise BlockedURLError(f"invalid URL: {exc}", url=url) from exc
        except httpx.TransportError as exc:
            raise NetworkError(f"connection failed: {exc or type(exc).__name__}", url=url) from exc
        except httpx.HTTPError as exc:
            # Nothing else is expected from a streamed, unredirected GET; keep it a FetchError anyway.
            raise NetworkError(f"HTTP exchange failed: {type(exc).__name__}: {exc}", url=url) from exc
        finally:
            REQUEST_DEADLINE.reset(token)
        return FetchedResponse(
            url=url,
            final_url=url,
            status=status,
            headers=(*received, ("Content-Length", str(len(body)))),
            body=body,
            fetched_at=clock.now(),
            peer=peer,
            request_headers=sent,
        )

    def _deadline_error(self, url: str, deadline: float, budget: _Budget) -> DeadlineExceededError:
        """The error for an exchange that passed ``deadline``, naming whichever limit it was."""
        if deadline >= budget.end:
            return budget.exceeded(url)
        return DeadlineExceededError(
            f"response not complete within the {self.settings.request_deadline:g}s deadline", url=url
        )

    def _read_body(
        self,
        resp: httpx.Response,
        url: str,
        max_bytes: int,
        deadline: float,
        *,
        budget: _Budget,
        truncate: bool = False,
    ) -> bytes:
        """The decoded body, at most ``max_bytes`` (longer: BodyTooLargeError, or cut there with ``truncate``)."""
        try:
            decoder = decoder_for(resp.headers.get("content-encoding"))
            body = bytearray()
            # iter_raw() without a chunk size yields each read as it arrives. The guarded backend's
            # streams already refuse to read past the deadline; checking here too keeps the deadline
            # whatever network backend is underneath.
            for chunk in resp.iter_raw():
                if time.monotonic() > deadline:
                    raise self._deadline_error(url, deadline, budget)
                body += decoder.decode(chunk, max_bytes - len(body) + 1)
                if len(body) > max_bytes:
                    if truncate:
                        # Stop reading: closing the response drops the connection with the rest.
                        return bytes(body[:max_bytes])
                    raise BodyTooLargeError(f"body larger than {max_bytes} bytes after decompression", url=url)
            body += decoder.flush(max_bytes - len(body) + 1)
        except CorruptStreamError as exc:
            raise DecodingError(str(exc), url=url) from exc
        if len(body) > max_bytes:
            if truncate:
                return bytes(body[:max_bytes])
            raise BodyTooLargeError(f"body larger than {max_bytes} bytes after decompression", url=url)
        return bytes(body)


def _check_status(response: FetchedResponse, url: str, *, conditional: bool) -> None:
    """Raise for an answer that is not a usable page, a redirect to follow or an expected 304."""
    status = response.status
    if status >= 400:
        raise HTTPStatusError(f"HTTP {status}", url=url, status=status)
    if status == 304:
        if not conditional:
            # Nothing was cached to be "not modified": treating it as success would lose the page.
            raise HTTPStatusError("unexpected 304 to an unconditional request", url=url, status=status)
        return
    if 300 <= status < 400:
        location = (response.header("location") or "").strip()
        if not location:
            raise HTTPStatusError(f"HTTP {status} without a Location header", url=url, status=status)
        if status not in REDIRECT_STATUSES:
            # 300 Multiple Choices, 305 Use Proxy (deprecated) and unassigned codes: nothing to follow safely.
            raise HTTPStatusError(f"HTTP {status} is not a redirect Readout follows", url=url, status=status)


def _next_hop(current: str, response: FetchedResponse, *, origin: str) -> str:
    """The absolute URL a redirect points to; its checks happen when it is fetched."""
    location = (response.header("location") or "").strip()
    try:
        return urljoin(current, location)
    except ValueError as exc:
        # urljoin refuses a few malformed URLs itself ("http://[::1" raises "Invalid IPv6 URL").
        raise BlockedURLError(f"redirect to an invalid URL {location!r}: {exc}", url=origin) from None


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
