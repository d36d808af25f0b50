"""Per-host politeness: one request in flight per host, a minimum delay between requests, deferrals.

Hosts are independent: threads working on different hosts never wait for each other. A thread that
wants a host holds that host's *turn* lock for the whole exchange, so requests to one host are
serial. The host's numbers (delay, next allowed start, failures, timeouts) sit behind a separate, briefly held
lock, so that other threads can raise the delay, defer the host or count a failure while an
exchange is in progress without waiting for it to end.

The clock and the sleep are injectable so tests can check the spacing without waiting for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config import Settings


@dataclass
class _HostState:
    delay: float
    #: Held for a whole exchange: one request in flight per host.
    turn: threading.Lock = field(default_factory=threading.Lock)
    #: Guards the fields below; never held while sleeping or fetching.
    mutex: threading.Lock = field(default_factory=threading.Lock)
    next_allowed: float = float("-inf")
    #: When the last exchange with the host ended, so that a delay raised afterwards (a Crawl-delay
    #: learnt from the robots.txt just fetched) can still space the next request from it.
    last_end: float | None = None
    consecutive_failures: int = 0
    #: Timeouts in this run, successes or not in between: each cost the host a whole timeout.
    timeouts: int = 0


class Politeness:
    """Spacing of requests per host (``host_key``), shared by every thread of a run."""

    def __init__(
        self,
        default_delay: float,
        *,
        max_delay: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``default_delay`` seconds between requests to a host; :meth:`require_delay` raises it up to ``max_delay``.

        ``clock`` and ``sleep`` must agree (seconds on the same monotonic scale).
        """
        self._default_delay = default_delay
        self._max_delay = max_delay
        self._clock = clock
        self._sleep = sleep
        self._hosts: dict[str, _HostState] = {}
        self._guard = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Politeness:
        """The run's politeness: ``min_delay`` by default, capped at ``max_crawl_delay`` (or min_delay if larger)."""
        return cls(
            settings.min_delay,
            max_delay=max(settings.max_crawl_delay, settings.min_delay),
            clock=clock,
            sleep=sleep,
        )

    def _state(self, host: str) -> _HostState:
        with self._guard:
            state = self._hosts.get(host)
            if state is None:
                state = self._hosts[host] = _HostState(delay=self._default_delay)
            return state

    def require_delay(self, host: str, seconds: float) -> None:
        """Raise the host's delay to at least ``seconds`` (a source's min_delay or a Crawl-delay, capped).

        A raised delay also counts from the end of the host's last request, which may already have
        scheduled the next one with the old, shorter delay.
        """
        wanted = min(seconds, self._max_delay)
        state = self._state(host)
        with state.mutex:
            if wanted <= state.delay:
                return
            state.delay = wanted
            if state.last_end is not None:
                state.next_allowed = max(state.next_allowed, state.last_end + wanted)

    def delay(self, host: str) -> float:
        """The host's current delay between requests, in seconds."""
        state = self._state(host)
        with state.mutex:
            return state.delay

    def defer(self, host: str, seconds: float) -> None:
        """No request to ``host`` before ``seconds`` from now (Retry-After, backoff)."""
        state = self._state(host)
        with state.mutex:
            state.next_allowed = max(state.next_allowed, self._clock() + seconds)

    @contextmanager
    def turn(self, host: str) -> Iterator[None]:
        """Wait for the host's turn, hold it for one exchange, then start the host's delay."""
        state = self._state(host)
        with state.turn:
            # A loop, not one sleep: another thread may defer the host (a Retry-After it just got)
            # while this one sleeps, and that later start must be honoured too.
            while True:
                with state.mutex:
                    wait = state.next_allowed - self._clock()
                if wait <= 0:
                    break
                self._sleep(wait)
            try:
                yield
            finally:
                with state.mutex:
                    end = self._clock()
                    state.last_end = end
                    state.next_allowed = max(state.next_allowed, end + state.delay)

    def record(self, host: str, *, ok: bool) -> int:
        """Count a success or failure for the host; returns the consecutive failure count."""
        state = self._state(host)
        with state.mutex:
            state.consecutive_failures = 0 if ok else state.consecutive_failures + 1
            return state.consecutive_failures

    def failures(self, host: str) -> int:
        """The host's consecutive failures so far."""
        state = self._state(host)
        with state.mutex:
            return state.consecutive_failures

    def record_timeout(self, host: str) -> int:
        """Count a timed-out exchange with the host; returns the host's timeouts so far."""
        state = self._state(host)
        with state.mutex:
            state.timeouts += 1
            return state.timeouts

    def timeouts(self, host: str) -> int:
        """The host's timed-out exchanges so far (a success does not reset them)."""
        state = self._state(host)
        with state.mutex:
            return state.timeouts
