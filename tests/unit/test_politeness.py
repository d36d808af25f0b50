"""Per-host politeness on a fake clock: spacing, independence of hosts, deferrals, Crawl-delay, caps.

The clock is fake (its sleep advances it and records how long it was asked to sleep), so the tests
check the exact waits without spending them. The politeness key (``host_key``) is tested here too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from pipeline.fetch.politeness import Politeness
from pipeline.urls import host_key


class FakeClock:
    """A monotonic clock that moves only when slept on (or advanced by hand)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        #: Called at the start of each sleep, to act as another thread would meanwhile.
        self.during_sleep: Callable[[], None] | None = None

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.during_sleep is not None:
            hook, self.during_sleep = self.during_sleep, None
            hook()
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def politeness(clock: FakeClock, delay: float, *, max_delay: float = 30.0) -> Politeness:
    return Politeness(delay, max_delay=max_delay, clock=clock, sleep=clock.sleep)


def fetch(polite: Politeness, clock: FakeClock, host: str, *, takes: float = 0.0) -> float:
    """Take a turn on ``host`` for an exchange lasting ``takes`` seconds; return when it started."""
    with polite.turn(host):
        started = clock()
        clock.advance(takes)
    return started


def test_the_first_request_to_a_host_does_not_wait(clock: FakeClock) -> None:
    polite = politeness(clock, 5.0)
    fetch(polite, clock, "a.example")
    assert clock.sleeps == []


def test_two_turns_on_one_host_are_spaced_by_the_delay(clock: FakeClock) -> None:
    polite = politeness(clock, 2.0)
    first = fetch(polite, clock, "a.example", takes=0.5)
    second = fetch(polite, clock, "a.example", takes=0.5)
    # The delay runs from the end of the previous exchange, not its start.
    assert second - (first + 0.5) == pytest.approx(2.0)
    assert clock.sleeps == [pytest.approx(2.0)]


def test_time_already_spent_counts_towards_the_delay(clock: FakeClock) -> None:
    polite = politeness(clock, 2.0)
    fetch(polite, clock, "a.example")
    clock.advance(1.5)  # the worker was busy parsing
    fetch(polite, clock, "a.example")
    assert clock.sleeps == [pytest.approx(0.5)]


def test_two_hosts_do_not_wait_for_each_other(clock: FakeClock) -> None:
    polite = politeness(clock, 5.0)
    fetch(polite, clock, "a.example", takes=1.0)
    fetch(polite, clock, "b.example", takes=1.0)
    fetch(polite, clock, "c.example:8080", takes=1.0)
    assert clock.sleeps == []
    fetch(polite, clock, "a.example")
    assert clock.sleeps == [pytest.approx(3.0)]  # 5 s after a's end, 2 s of which went on b and c


def test_defer_is_honoured(clock: FakeClock) -> None:
    polite = politeness(clock, 0.0)
    fetch(polite, clock, "a.example")
    polite.defer("a.example", 7.0)  # Retry-After: 7
    started = fetch(polite, clock, "a.example")
    assert clock.sleeps == [pytest.approx(7.0)]
    assert started == pytest.approx(1007.0)


def test_defer_never_shortens_a_wait(clock: FakeClock) -> None:
    polite = politeness(clock, 0.0)
    polite.defer("a.example", 10.0)
    polite.defer("a.example", 1.0)
    fetch(polite, clock, "a.example")
    assert clock.sleeps == [pytest.approx(10.0)]


def test_a_defer_that_lands_while_sleeping_is_honoured(clock: FakeClock) -> None:
    polite = politeness(clock, 1.0)
    fetch(polite, clock, "a.example")
    # Another thread gets a Retry-After of 5 s while this one sleeps out the 1 s delay.
    clock.during_sleep = lambda: polite.defer("a.example", 5.0)
    started = fetch(polite, clock, "a.example")
    assert started == pytest.approx(1005.0)
    assert clock.sleeps == [pytest.approx(1.0), pytest.approx(4.0)]


def test_a_crawl_delay_learnt_after_a_request_pushes_the_next_turn(clock: FakeClock) -> None:
    polite = politeness(clock, 0.0)
    robots_started = fetch(polite, clock, "a.example", takes=0.2)  # robots.txt, with no delay known yet
    polite.require_delay("a.example", 3.0)  # its Crawl-delay
    page_started = fetch(polite, clock, "a.example")
    assert page_started - (robots_started + 0.2) == pytest.approx(3.0)
    assert clock.sleeps == [pytest.approx(3.0)]


def test_require_delay_only_raises(clock: FakeClock) -> None:
    polite = politeness(clock, 2.0)
    polite.require_delay("a.example", 1.0)
    assert polite.delay("a.example") == 2.0
    polite.require_delay("a.example", 4.0)
    assert polite.delay("a.example") == 4.0
    assert polite.delay("b.example") == 2.0


def test_max_delay_caps_a_requested_delay(clock: FakeClock) -> None:
    polite = politeness(clock, 1.0, max_delay=10.0)
    polite.require_delay("a.example", 120.0)  # Crawl-delay: 120
    assert polite.delay("a.example") == 10.0
    fetch(polite, clock, "a.example")
    fetch(polite, clock, "a.example")
    assert clock.sleeps == [pytest.approx(10.0)]


def test_failures_count_in_a_row_and_reset_on_success(clock: FakeClock) -> None:
    polite = politeness(clock, 0.0)
    assert polite.record("a.example", ok=False) == 1
    assert polite.record("a.example", ok=False) == 2
    assert polite.failures("a.example") == 2
    assert polite.failures("b.example") == 0
    assert polite.record("a.example", ok=True) == 0
    assert polite.failures("a.example") == 0


def test_bookkeeping_does_not_wait_for_an_exchange_in_progress(clock: FakeClock) -> None:
    # Another thread holds the host's turn for a whole exchange; counting a failure, deferring or
    # raising the delay meanwhile must not queue behind it (they take the host's state lock only).
    polite = politeness(clock, 1.0)
    done = threading.Event()

    def bookkeeping() -> None:
        polite.record("a.example", ok=False)
        polite.defer("a.example", 2.0)
        polite.require_delay("a.example", 3.0)
        polite.failures("a.example")
        polite.delay("a.example")
        done.set()

    with polite.turn("a.example"):
        worker = threading.Thread(target=bookkeeping)
        worker.start()
        finished = done.wait(5)
    worker.join(5)
    assert finished, "bookkeeping blocked on the exchange's turn lock"
    assert polite.failures("a.example") == 1


def test_failure_counts_are_exact_under_threads() -> None:
    polite = Politeness(0.0)
    threads = [
        threading.Thread(target=lambda: [polite.record("a.example", ok=False) for _ in range(2000)]) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert polite.failures("a.example") == 16_000


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://Example.com/a", "example.com"),
        ("https://example.com./a", "example.com"),
        ("https://example.com:443/a", "example.com"),
        ("https://EXAMPLE.com.:443/", "example.com"),
        ("http://example.com:80/", "example.com"),
        ("http://example.com:443/", "example.com:443"),
        ("https://example.com:80/", "example.com:80"),
        ("http://localhost:8080/x", "localhost:8080"),
        ("http://[::1]:8080/", "[::1]:8080"),
        ("https://[2001:db8::1]/", "[2001:db8::1]"),
    ],
)
def test_host_key_joins_spellings_of_one_server(url: str, key: str) -> None:
    assert host_key(url) == key
