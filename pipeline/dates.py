"""Dates: parse what pages, listings and URLs say, normalise to UTC, reject the impossible."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

#: How far in the future a publication date may lie before we call it impossible (clock skew, time zones).
FUTURE_TOLERANCE = timedelta(days=1)

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_TEXT_FORMATS = (
    "%B %d, %Y",  # July 29, 2025
    "%b %d, %Y",  # Jul 29, 2025
    "%d %B %Y",  # 30 September 2026
    "%d %b %Y",
    "%d %B, %Y",  # 30 September, 2026
    "%A, %B %d, %Y",  # Wednesday, December 12, 2018
    "%A %d %B %Y",  # Tuesday 27 April 2021
    "%d.%m.%Y",  # 20.08.2026
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y-%m-%d %H:%M",  # 2020-07-18 00:48
    "%Y-%m-%d %H:%M:%S",
)
_CJK_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def to_utc(value: datetime, default_tz: tzinfo = UTC) -> datetime:
    """Make ``value`` aware (naive values are taken to be in ``default_tz``) and convert it to UTC."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        value = value.replace(tzinfo=default_tz)
    return value.astimezone(UTC)


def from_date(day: date, default_tz: tzinfo = UTC) -> datetime:
    """Midnight of ``day`` in ``default_tz``, in UTC: how a date without a time is stored."""
    return to_utc(datetime.combine(day, time()), default_tz)


def parse_date_text(text: str, default_tz: tzinfo = UTC) -> datetime | None:
    """Parse a date as sites print it ("July 29, 2025", "20.08.2026", "2021年4月26日", ISO 8601...).

    Returns an aware UTC datetime, or ``None`` when the text holds no recognisable date.
    """
    cleaned = " ".join(text.replace("\u00a0", " ").split()).strip(" ,.|()[]")
    if not cleaned:
        return None
    if _ISO.match(cleaned):
        try:
            return to_utc(datetime.fromisoformat(cleaned.replace("Z", "+00:00")), default_tz)
        except ValueError:
            return None
    cjk = _CJK_DATE.search(cleaned)
    if cjk:
        return _safe_date(int(cjk[1]), int(cjk[2]), int(cjk[3]), default_tz)
    for fmt in _TEXT_FORMATS:
        try:
            parsed = datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        return to_utc(parsed, default_tz)
    return _search_date(cleaned, default_tz)


def _search_date(text: str, default_tz: tzinfo) -> datetime | None:
    """Find a date inside longer text ("Wednesday, December 12, 2018, 4:31 p.m. Ministry...")."""
    for pattern, fmt in _embedded_patterns():
        match = pattern.search(text)
        if match:
            try:
                return to_utc(datetime.strptime(match.group(0).replace(",", ""), fmt), default_tz)
            except ValueError:
                continue
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)
    if iso:
        return _safe_date(int(iso[1]), int(iso[2]), int(iso[3]), default_tz)
    return None


@lru_cache(maxsize=1)
def _embedded_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    return (
        (re.compile(rf"\b(?:{months}) \d{{1,2}},? \d{{4}}\b"), "%B %d %Y"),
        (re.compile(rf"\b\d{{1,2}} (?:{months}),? \d{{4}}\b"), "%d %B %Y"),
        (re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b"), "%d.%m.%Y"),
    )


def date_from_match(match: re.Match[str], default_tz: tzinfo = UTC) -> datetime | None:
    """Build a date from a regex match with the named groups ``year``, ``month`` and ``day``."""
    try:
        return _safe_date(int(match["year"]), int(match["month"]), int(match["day"]), default_tz)
    except (IndexError, TypeError, ValueError):
        return None


def date_from_pattern(pattern: str, text: str, default_tz: tzinfo = UTC) -> datetime | None:
    """Search ``text`` with a configured ``year``/``month``/``day`` pattern."""
    match = re.search(pattern, text)
    return date_from_match(match, default_tz) if match else None


def is_plausible(value: datetime, *, earliest: date, now: datetime | None = None) -> bool:
    """Whether a publication date can be true: not before the source existed, not in the future."""
    now = now or datetime.now(UTC)
    return earliest <= value.astimezone(UTC).date() and value <= now + FUTURE_TOLERANCE


def _safe_date(year: int, month: int, day: int, default_tz: tzinfo) -> datetime | None:
    try:
        return from_date(date(year, month, day), default_tz)
    except ValueError:
        return None
