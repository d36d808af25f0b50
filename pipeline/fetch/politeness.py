"""Per-host politeness: one request in flight per host, a minimum delay between requests, deferrals.

Hosts are independent: threads working on different hosts never wait for each other. A thread that
wants a host holds that host's lock for the whole exchange, so requests to one host are serial.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class _HostState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    delay: float = 0.0
    next_allowed: float = 0.0
    consecutive_failures: int = 0


class Politeness:
    """Spacing of requests per host (``host_key``), shared by every thread of a run."""

    def __init__(self, default_delay: float, *, max_delay: float = 30.0) -> None:
        self._default_delay = default_delay
        self._max_delay = max_delay
        self._hosts: dict[str, _HostState] = {}
        self._guard = threading.Lock()

    def _state(self, host: str) -> _HostState:
        with self._guard:
            state = self._hosts.get(host)
            if state is None:
                state = self._hosts[host] = _HostState(delay=self._default_delay)
            return state

    def require_delay(self, host: str, seconds: float) -> None:
        """Raise the host's delay to at least ``seconds`` (a source's min_delay or a Crawl-delay, capped)."""
        state = self._state(host)
        state.delay = max(state.delay, min(seconds, self._max_delay))

    def delay(self, host: str) -> float:
        return self._state(host).delay

    def defer(self, host: str, seconds: float) -> None:
        """No request to ``host`` before ``seconds`` from now (Retry-After, backoff)."""
        state = self._state(host)
        state.next_allowed = max(state.next_allowed, time.monotonic() + seconds)

    @contextmanager
    def turn(self, host: str) -> Iterator[None]:
        """Wait for the host's turn, hold it for one exchange, then start the host's delay."""
        state = self._state(host)
        with state.lock:
            wait = state.next_allowed - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                yield
            finally:
                state.next_allowed = max(state.next_allowed, time.monotonic() + state.delay)

    def record(self, host: str, *, ok: bool) -> int:
        """Count a success or failure for the host; returns the consecutive failure count."""
        state = self._state(host)
        state.consecutive_failures = 0 if ok else state.consecutive_failures + 1
        return state.consecutive_failures

    def failures(self, host: str) -> int:
        return self._state(host).consecutive_failures
