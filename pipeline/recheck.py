"""Transcript history's schedule and evidence: when a page is fetched again, and why a page counts as removed.

Pure functions, no I/O: the sources file validates ``recheck`` ages with :func:`parse_ages`, the catalog
plans each document's next re-check with :func:`next_recheck`, and ingest tells deletions apart with
:func:`redirected_to_index` and :func:`dropped_from_listing`. Removal evidence is a small dict
(:func:`evidence`) kept in ``documents.removal_evidence``.

Kinds of evidence, strongest first:

``gone``
    the page answers 404 or 410.
``deleted-page``
    the site answers with its "deleted page" (a final URL matching the source's ``removed_url_patterns``:
    the MFA's 200 system page).
``redirect-to-index``
    the page redirects to its section's index (a listing page of the source, or a folder above the page).
``dropped-from-listing``
    the listing page that showed it between two items still shows both, and it is listed nowhere else.
    The page itself may still answer: it was taken out of the listing, which is how some ministries
    withdraw a transcript. It counts as back when a listing shows it again.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any, Literal
from urllib.parse import urlsplit

from pipeline.urls import canonical_url, host_key

EvidenceKind = Literal["gone", "deleted-page", "redirect-to-index", "dropped-from-listing"]

#: Re-check ages of a briefing source that sets none: transcripts are corrected within the hour, edited
#: the next day, and withdrawn within weeks; after a month a page rarely changes.
DEFAULT_BRIEFING_AGES: tuple[timedelta, ...] = (
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=7),
    timedelta(days=30),
)
#: Ages are written as a number and a unit: ``90m``, ``1h``, ``7d``, ``2w``.
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$")
_UNITS = {"m": timedelta(minutes=1), "min": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
_UNITS["w"] = timedelta(weeks=1)
#: Enough for any sensible schedule; more would be a crawler, not a re-check.
MAX_AGES = 12
#: The latest age accepted: past a year, re-fetching a page is an archive job, not a re-check.
MAX_AGE = timedelta(days=366)
#: Values of ``recheck`` that turn re-checks off for a source.
OFF = frozenset({"off", "none", "false", "no"})
#: Folder index files a redirect to the section may name.
_INDEX_FILES = re.compile(r"/(?:index|default)\.(?:s?html?|aspx?|php)$", re.IGNORECASE)


def parse_ages(value: Any) -> tuple[timedelta, ...] | None:
    """The ``recheck`` ages of a source entry: a list such as ``[1h, 1d, 7d, 30d]``, ``on`` for the briefing
    default (a news source opting in), or ``off`` (or ``false``, or ``[]``) for none; None (not given) leaves
    the kind's default. Raises ValueError with a message fit for the sources file's error report."""
    if value is None:
        return None
    if value is True or (isinstance(value, str) and value.strip().lower() == "on"):
        return DEFAULT_BRIEFING_AGES
    if value is False or (isinstance(value, str) and value.strip().lower() in OFF):
        return ()
    if isinstance(value, str):
        raise ValueError(f"use a list of ages such as [1h, 1d, 7d, 30d], on or off; got {value!r}")
    if not isinstance(value, list | tuple):
        raise ValueError(f"use a list of ages such as [1h, 1d, 7d, 30d], on or off; got {value!r}")
    ages = tuple(_parse_age(raw) for raw in value)
    if len(ages) > MAX_AGES:
        raise ValueError(f"at most {MAX_AGES} ages, got {len(ages)}")
    for before, after in pairwise(ages):
        if after <= before:
            raise ValueError(f"ages must increase: {format_age(after)} comes after {format_age(before)}")
    return ages


def _parse_age(raw: Any) -> timedelta:
    if isinstance(raw, timedelta):
        age = raw
    else:
        match = _AGE.match(str(raw)) if isinstance(raw, str) else None
        if match is None:
            raise ValueError(f"{raw!r} is not an age: use a number and m, h, d or w, such as 1h, 7d or 30d")
        age = float(match[1]) * _UNITS[match[2]]
    if age <= timedelta(0):
        raise ValueError(f"{raw!r}: an age must be after the first fetch")
    if age > MAX_AGE:
        raise ValueError(f"{raw!r}: ages go up to {MAX_AGE.days} days")
    return age


def default_ages(kind: str) -> tuple[timedelta, ...]:
    """The ages of a source of ``kind`` that sets none: briefings are re-checked, news and statements not."""
    return DEFAULT_BRIEFING_AGES if kind == "briefing" else ()


def format_age(age: timedelta) -> str:
    """``1h``, ``7d``, ``90m``: the way ages are written in the sources file (weeks in days, as the defaults)."""
    minutes = age / timedelta(minutes=1)
    for unit, size in (("d", 24 * 60), ("h", 60)):
        if minutes >= size and minutes % size == 0:
            return f"{minutes / size:g}{unit}"
    return f"{minutes:g}m"


def next_recheck(
    first_seen_at: datetime, ages: Sequence[timedelta], fetched_at: datetime
) -> tuple[int, datetime | None]:
    """After a fetch at ``fetched_at``: which age comes next (its index in ``ages``) and when it is due;
    ``(len(ages), None)`` when every age is past. Overdue ages (a run that came late) are not made up for:
    the fetch that just happened stands for them."""
    for step, age in enumerate(ages):
        due = first_seen_at + age
        if due > fetched_at:
            return step, due
    return len(ages), None


def evidence(
    kind: EvidenceKind, *, url: str, at: datetime, status: int | None = None, detail: str = ""
) -> dict[str, Any]:
    """The ``removal_evidence`` of a document: what was seen, where, when."""
    return {"kind": kind, "status": status, "url": url, "at": at.isoformat(), "detail": detail}


def redirected_to_index(item_url: str, final_url: str, listings: Iterable[str]) -> bool:
    """Whether fetching ``item_url`` ended at its section's index: one of the source's ``listings``, or a
    folder above the page on the same host (the home page included). A redirect elsewhere (https, a new
    address for the same page, a trailing slash) is not a deletion."""
    item, final = canonical_url(item_url), canonical_url(final_url)
    if item == final:
        return False
    if final in {canonical_url(url) for url in listings}:
        return True
    item_parts, final_parts = urlsplit(item), urlsplit(final)
    if final_parts.query or host_key(item) != host_key(final):
        return False
    # ``/a/b/index.html`` and ``/a/b/`` are one page: compare folders with their index files dropped.
    page = _INDEX_FILES.sub("/", item_parts.path)
    folder = _INDEX_FILES.sub("/", final_parts.path)
    if not folder.endswith("/"):
        folder += "/"
    return page.startswith(folder) and page.rstrip("/") != folder.rstrip("/")


def dropped_from_listing(previous: Sequence[str], current: Sequence[str], listed: Collection[str]) -> list[str]:
    """Items of a listing page's ``previous`` read (canonical URLs, in order) that it dropped while still
    showing items before and after them: those between the first and the last of its previous items that
    the ``current`` read of the same page still shows, and that are in none of the ``listed`` items (every
    item the source's discovery found this time, on any page).

    Pagination cannot fake it: new items push the bottom of a page onto the next one, and an item pushed
    off has nothing after it left on the page; an item re-dated to the top is still listed."""
    shown = set(current)
    kept = [index for index, url in enumerate(previous) if url in shown]
    if len(kept) < 2:
        return []
    between = previous[kept[0] + 1 : kept[-1]]
    return [url for url in between if url not in shown and url not in listed]
