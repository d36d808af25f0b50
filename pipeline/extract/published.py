"""The publication date of a page, from the strongest evidence that is plausible.

Evidence, strongest first (the first plausible one wins; its name goes in ``date_source``):

``rule``
    the source's configured ``date_selector`` (its ``datetime``/``content`` attribute or text) and/or
    ``date_pattern`` (searched in the selector's text, else in the page's text);
``page``
    the date the page declares in its markup (meta tags, JSON-LD, ``<time>``, its URL), as htmldate finds
    it *without* its extensive search (:mod:`pipeline.extract.metadata`): what the page says about itself;
``listing``
    the date the feed or listing page gave for the item;
``htmldate``
    htmldate's extensive search (URL, text patterns, dateparser), bounded to plausible dates: only when
    there is no plausible listing date, because it is slow (dateparser takes ~140 ms on a page where it runs)
    and a guess from the page's text is weaker evidence than the feed's date.

Naive values are taken to be in the source's time zone; everything is returned in UTC. A date that
is not plausible (before the source's ``earliest`` date, or in the future) is rejected with a warning
and the next evidence is tried. A date-only value whose day matches a listing date that has a time
takes the listing's time, which is more precise. htmldate reports a copyright year (``copyrightYear``
meta, "© 2025") as January 1st; when the listing date lies in that year, the listing's date is used
(``date_source`` "listing"). Its extensive search reports a month (``2025-06``) as the 1st, which
matters only without a listing date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from htmldate import find_date
from lxml import html as lxml_html

from pipeline.dates import date_from_pattern, from_date, is_plausible, parse_date_text, to_utc
from pipeline.extract.text import normalize_space

#: htmldate output format that keeps the time and offset when the page gives them.
HTMLDATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
#: Bounds for the "page" evidence: wide, so that an impossible declared date is seen (and reported)
#: rather than silently skipped by htmldate.
_WIDE_MIN = "1900-01-01"
_WIDE_MAX = "2199-12-31"


@dataclass(frozen=True, slots=True)
class FoundDate:
    """One piece of date evidence: an aware UTC value, and the calendar day when no time was given."""

    value: datetime
    day: date | None = None
    #: The day may stand for a whole month or year: htmldate's extensive search falls back to "YYYY-MM"
    #: and to the copyright year, and reports them as the 1st of the month / January 1st.
    coarse: bool = False


def page_date_params() -> dict[str, Any]:
    """htmldate parameters for trafilatura's metadata date (the "page" evidence)."""
    return {
        "original_date": True,
        "extensive_search": False,
        "outputformat": HTMLDATE_FORMAT,
        "min_date": _WIDE_MIN,
        "max_date": _WIDE_MAX,
    }


def parse_found(value: str | None, tz: tzinfo) -> FoundDate | None:
    """Read an htmldate result (``HTMLDATE_FORMAT``; midnight without offset means date only)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed_text = parse_date_text(value, tz)
        return _from_utc(parsed_text, tz) if parsed_text else None
    if parsed.time() == time(0):
        # htmldate reports a bare date as midnight: keep it as a day (in the offset given, if any).
        return FoundDate(from_date(parsed.date(), parsed.tzinfo or tz), parsed.date())
    return FoundDate(to_utc(parsed, tz))


def _from_utc(value: datetime, tz: tzinfo) -> FoundDate:
    """Wrap a UTC value from :mod:`pipeline.dates`; local midnight means the text gave no time."""
    local = value.astimezone(tz)
    return FoundDate(value, local.date() if local.time() == time(0) else None)


def rule_date(
    tree: lxml_html.HtmlElement,
    *,
    selector: str | None,
    pattern: str | None,
    tz: tzinfo,
    page_text: Callable[[], str],
) -> FoundDate | None:
    """The date given by the source's configured selector and/or pattern."""
    text: str | None = None
    if selector:
        for element in tree.cssselect(selector):
            raw = element.get("datetime") or element.get("content") or element.text_content()
            candidate = normalize_space(raw or "")
            if candidate:
                text = candidate
                break
        if text is None:
            return None
    if pattern:
        found = date_from_pattern(pattern, text if text is not None else page_text(), tz)
        if found is not None:
            return FoundDate(found, found.astimezone(tz).date())
    if text:
        parsed = parse_date_text(text, tz)
        if parsed is not None:
            return _from_utc(parsed, tz)
    return None


def htmldate_date(
    tree: lxml_html.HtmlElement, *, url: str | None, tz: tzinfo, earliest: date, now: datetime
) -> FoundDate | None:
    """htmldate's extensive search, bounded to plausible dates so that it skips impossible candidates."""
    found = find_date(
        tree,
        extensive_search=True,
        original_date=True,
        outputformat=HTMLDATE_FORMAT,
        url=url,
        min_date=earliest.isoformat(),
        max_date=(now + timedelta(days=1)).date().isoformat(),
    )
    return mark_coarse(parse_found(found, tz), months=True)


def mark_coarse(found: FoundDate | None, *, months: bool) -> FoundDate | None:
    """Flag a date-only January 1st (and, with ``months``, any 1st) as possibly standing for a period.

    htmldate turns a copyright year (``itemprop="copyrightYear"`` even in its header search) into
    January 1st, and its extensive search turns "June 2025" into June 1st.
    """
    if found is not None and found.day is not None and (found.day.day == 1 and (months or found.day.month == 1)):
        return replace(found, coarse=True)
    return found


def choose_date(
    evidence: Iterable[tuple[str, Callable[[], FoundDate | None]]],
    *,
    without_listing: Iterable[tuple[str, Callable[[], FoundDate | None]]] = (),
    listing_date: datetime | None,
    tz: tzinfo,
    earliest: date,
    now: datetime,
) -> tuple[datetime | None, str | None, list[str]]:
    """(published_at in UTC, evidence name, warnings): the first plausible evidence, else the listing's.

    Evidence is lazy so that costly searches run only when needed: ``evidence`` is tried in order, then the
    listing date, and ``without_listing`` (htmldate's extensive search) only when there is no plausible
    listing date.
    """
    warnings: list[str] = []
    listing: datetime | None = None
    if listing_date is not None:
        listing = to_utc(listing_date, tz)
        if not is_plausible(listing, earliest=earliest, now=now):
            warnings.append(f"implausible listing date {listing.isoformat()} rejected")
            listing = None
    for name, produce in evidence if listing is not None else (*evidence, *without_listing):
        found = produce()
        if found is None:
            continue
        if not is_plausible(found.value, earliest=earliest, now=now):
            warnings.append(f"implausible {name} date {found.value.isoformat()} rejected")
            continue
        if found.day is not None and listing is not None:
            local = listing.astimezone(tz)
            if local.date() == found.day and local.time() != time(0):
                # Same day, and the listing knows the time: it is the more precise of the two.
                return listing, name, warnings
            if found.coarse and _within_period(local.date(), found.day):
                # "2025-01-01" from a copyright line and a feed saying 12 June 2025: the listing is not
                # contradicted, only more precise, and it gives the day.
                return listing, "listing", warnings
        return found.value, name, warnings
    if listing is not None:
        return listing, "listing", warnings
    return None, None, warnings


def _within_period(day: date, coarse: date) -> bool:
    """Whether ``day`` lies in the year (January 1st) or the month (other 1sts) that ``coarse`` may mean."""
    if coarse.month == 1:
        return day.year == coarse.year
    return (day.year, day.month) == (coarse.year, coarse.month)


def utc_now(now: datetime | None) -> datetime:
    """``now`` as aware UTC (naive values are UTC), defaulting to the current time."""
    return to_utc(now) if now is not None else datetime.now(UTC)
