"""The re-check schedule and the removal evidence (pipeline.recheck): pure functions, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline import clock
from pipeline.config import load_sources
from pipeline.errors import ConfigError
from pipeline.ingest.outcomes import Rechecks
from pipeline.ingest.record import count_recheck
from pipeline.recheck import (
    DEFAULT_BRIEFING_AGES,
    dropped_from_listing,
    format_age,
    next_recheck,
    parse_ages,
    redirected_to_index,
)
from tests.conftest import DEFAULT_SOURCES

T0 = datetime(2027, 3, 8, 12, 0, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.mark.parametrize(
    ("raw", "ages"),
    [
        (["1h", "1d", "7d", "30d"], (HOUR, DAY, 7 * DAY, 30 * DAY)),
        (["90m", "2w"], (timedelta(minutes=90), 14 * DAY)),
        ("off", ()),
        (False, ()),
        ([], ()),
        (True, DEFAULT_BRIEFING_AGES),
        (None, None),
    ],
)
def test_ages_are_read_as_written(raw: object, ages: tuple[timedelta, ...] | None) -> None:
    assert parse_ages(raw) == ages


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (["1d", "1h"], "ages must increase: 1h comes after 1d"),
        (["1x"], "'1x' is not an age"),
        (["0h"], "an age must be after the first fetch"),
        (["400d"], "ages go up to 366 days"),
        ("weekly", "use a list of ages"),
    ],
)
def test_bad_ages_are_refused_with_what_to_write(raw: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_ages(raw)


def _with_recheck(value: str) -> str:
    text = DEFAULT_SOURCES.read_text("utf-8")
    marker = "  - id: cn-mfa-en\n"
    return text.replace(marker, marker + f"    recheck: {value}\n", 1)


def test_sources_file_defaults_and_errors() -> None:
    shipped = {source.id: source for source in load_sources(DEFAULT_SOURCES)}
    briefing = next(source for source in shipped.values() if source.kind == "briefing")
    news = next(source for source in shipped.values() if source.kind == "news")
    assert briefing.recheck_ages == DEFAULT_BRIEFING_AGES
    assert news.recheck_ages == ()
    set_off = {source.id: source for source in load_sources("s.yaml", text=_with_recheck("off"))}
    assert set_off["cn-mfa-en"].recheck_ages == ()
    with pytest.raises(ConfigError) as refused:
        load_sources("s.yaml", text=_with_recheck("[7d, 1d]"))
    assert "entry 'cn-mfa-en'" in str(refused.value)
    assert "field 'recheck'" in str(refused.value)
    assert "ages must increase: 1d comes after 7d" in str(refused.value)


def test_format_age_writes_ages_back() -> None:
    assert [format_age(age) for age in DEFAULT_BRIEFING_AGES] == ["1h", "1d", "7d", "30d"]
    assert format_age(timedelta(minutes=90)) == "90m"


def test_next_recheck_walks_the_ages_and_skips_the_overdue() -> None:
    ages = DEFAULT_BRIEFING_AGES
    assert next_recheck(T0, ages, T0) == (0, T0 + HOUR)
    assert next_recheck(T0, ages, T0 + HOUR) == (1, T0 + DAY)
    # A run that came ten days late does not make up the +7 d check: its fetch stands for it.
    assert next_recheck(T0, ages, T0 + 10 * DAY) == (3, T0 + 30 * DAY)
    assert next_recheck(T0, ages, T0 + 31 * DAY) == (4, None)
    assert next_recheck(T0, (), T0) == (0, None)


@pytest.mark.parametrize(
    ("item", "final", "index"),
    [
        ("https://s.example/eng/list/202703/t1.html", "https://s.example/eng/list/", True),
        ("https://s.example/eng/list/202703/t1.html", "https://s.example/eng/list/index.html", True),
        ("https://s.example/eng/list/202703/t1.html", "https://s.example/", True),
        ("https://s.example/news/story", "https://s.example/listing?page=1", True),  # a listing URL of the source
        ("https://s.example/news/story", "https://s.example/news/story/", False),  # a trailing slash
        ("http://s.example/news/story", "https://s.example/news/story", False),  # https
        ("https://s.example/a/b/index.html", "https://s.example/a/b/", False),  # the same page
        ("https://s.example/news/story", "https://s.example/news/2027/story", False),  # moved, not removed
        ("https://s.example/news/story", "https://other.example/", False),  # another site
        ("https://s.example/news/story", "https://s.example/news/story", False),
    ],
)
def test_redirect_to_the_section_index(item: str, final: str, index: bool) -> None:
    assert redirected_to_index(item, final, ["https://s.example/listing?page=1"]) is index


def test_a_page_dropped_between_neighbours_that_stay() -> None:
    before = ["a", "b", "c", "d", "e"]
    assert dropped_from_listing(before, ["a", "b", "d", "e", "f"], {"a", "b", "d", "e", "f"}) == ["c"]
    # Two neighbours dropped together: each has items before and after it that stay.
    assert dropped_from_listing(before, ["a", "d", "e"], {"a", "d", "e"}) == ["b", "c"]


def test_pagination_is_not_deletion() -> None:
    before = ["a", "b", "c", "d"]
    # New items push c and d onto page 2, which this run did not read: nothing after them stayed on the page.
    assert dropped_from_listing(before, ["x", "y", "a", "b"], {"x", "y", "a", "b"}) == []
    # A page 2 that was read lists it: moved, not dropped.
    assert dropped_from_listing(before, ["a", "b", "d", "x"], {"a", "b", "d", "x", "c"}) == []
    # The first item gone with nothing before it left: re-dated, or dropped? Not judged.
    assert dropped_from_listing(before, ["b", "c", "d", "e"], {"b", "c", "d", "e"}) == []
    # A page never read before says nothing.
    assert dropped_from_listing([], ["a"], {"a"}) == []


def test_the_clock_stops_at_readout_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READOUT_NOW", "2027-03-08T20:00:00+08:00")
    assert clock.now() == T0
    monkeypatch.setenv("READOUT_NOW", "2027-03-08T12:00:00")
    with pytest.raises(ConfigError, match="needs a time zone"):
        clock.now()
    monkeypatch.setenv("READOUT_NOW", "tomorrow")
    with pytest.raises(ConfigError, match="not an ISO 8601 instant"):
        clock.now()
    monkeypatch.delenv("READOUT_NOW")
    assert clock.now().tzinfo is not None


def test_a_recheck_that_only_reformatted_the_page_is_not_counted_as_a_change() -> None:
    rechecks = Rechecks()
    count_recheck(rechecks, "updated", removed_as=None, cosmetic=True)
    count_recheck(rechecks, "updated", removed_as=None)
    count_recheck(rechecks, "not_modified", removed_as=None)
    assert (rechecks.checked, rechecks.changed, rechecks.reformatted) == (3, 1, 1)
    assert str(rechecks) == "re-checked 3, changed 1, removed 0, reformatted only 1"
