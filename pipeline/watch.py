"""Change detection for a watched feed or listing page: one conditional GET, and whether it changed.

This is the body of the Airflow event trigger (``plugins/readout_airflow/trigger.py``), kept free of
Airflow so that it can be tested and reused on its own. One :func:`poll`:

* sends a conditional GET (``If-None-Match`` / ``If-Modified-Since``) with the validators of the
  previous poll, through the guarded client, so a server that honours them answers ``304`` with no body;
* on a ``200``, takes a :func:`fingerprint` of the body and compares it with the previous one, so a
  server that ignores validators (or rotates its ETag) does not look changed when nothing changed.

The fingerprint is over *the items the page lists*, read with the pipeline's own feed and listing
parsers, rather than over the raw bytes: many CMSs rewrite ``lastBuildDate``, a clock, a CSRF token or
a visitor counter on every request, and a raw hash would then "change" on every poll. A body that
lists no items (or is not a feed or HTML page) falls back to a hash of its bytes.

The very first poll (no previous state) only sets the baseline: it never reports a change, because
nothing says the page changed since the last run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Literal

from pipeline.config import Discovery, Source
from pipeline.fetch.client import HttpClient
from pipeline.sources.common import looks_like_html

#: The longest wait between polls after repeated failures (the interval itself when that is longer).
MAX_ERROR_DELAY = 15 * 60.0
#: What a watched URL may be: a feed or an HTML listing page.
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
#: Bumped whenever :func:`fingerprint` changes, so that a stored hash of the old kind is recognisable.
FINGERPRINT_VERSION = "1"


@dataclass(frozen=True)
class WatchState:
    """What the last poll of ``url`` saw: its validators and the fingerprint of its body."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None

    def to_json(self) -> dict[str, str | None]:
        """A JSON object, for Airflow's asset state store."""
        return {
            "url": self.url,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "content_hash": self.content_hash,
        }

    @classmethod
    def from_json(cls, value: object, *, url: str) -> WatchState | None:
        """The state stored by :meth:`to_json`, or ``None`` when there is none for ``url``.

        A state stored for another URL (the source's watch URL was changed in the config) is ignored:
        its validators mean nothing for the new URL.
        """
        if not isinstance(value, dict) or value.get("url") != url:
            return None

        def text(key: str) -> str | None:
            field = value.get(key)
            return field if isinstance(field, str) and field else None

        return cls(url, etag=text("etag"), last_modified=text("last_modified"), content_hash=text("content_hash"))


@dataclass(frozen=True)
class PollResult:
    """One poll: the new state, the HTTP status, and whether it counts as a change."""

    state: WatchState
    status: int
    changed: bool
    #: The first poll, which only records what the page looks like now.
    baseline: bool = False


def poll(client: HttpClient, url: str, previous: WatchState | None, *, max_bytes: int) -> PollResult:
    """GET ``url`` conditionally on ``previous`` and say whether it changed.

    Raises the client's :class:`~pipeline.errors.FetchError` subclasses (the caller decides how long
    to wait before the next try).
    """
    known = previous if previous is not None and previous.content_hash else None
    response = client.get(
        url,
        max_bytes=max_bytes,
        # Validators only with a fingerprint to fall back on: a 304 must mean "same as what we know".
        etag=known.etag if known else None,
        last_modified=known.last_modified if known else None,
        accept=ACCEPT,
    )
    if response.not_modified and known is not None:
        # A 304 may carry fresh validators (RFC 9110 §15.4.5); keep the old ones where it does not.
        state = replace(
            known,
            etag=response.header("etag") or known.etag,
            last_modified=response.header("last-modified") or known.last_modified,
        )
        return PollResult(state, status=response.status, changed=False)
    digest = fingerprint(response.body, url=response.final_url, content_type=response.header("content-type"))
    state = WatchState(
        url,
        etag=response.header("etag"),
        last_modified=response.header("last-modified"),
        content_hash=digest,
    )
    if known is None:
        return PollResult(state, status=response.status, changed=False, baseline=True)
    return PollResult(state, status=response.status, changed=digest != known.content_hash)


def fingerprint(body: bytes, *, url: str, content_type: str | None = None) -> str:
    """A hash of what ``body`` lists: its items (link, title and dates) when it is a feed or an HTML page
    with links, else its bytes. Prefixed with the kind and :data:`FINGERPRINT_VERSION`."""
    from pipeline.sources.feed import parse_feed
    from pipeline.sources.listing import parse_listing

    if looks_like_html(body):
        listing = parse_listing(body, url=url, source=_generic_source(url, "listing"))
    else:
        listing = parse_feed(body, url=url, source=_generic_source(url, "feed"), content_type=content_type)
    if listing.error is None and listing.items:
        lines = sorted(
            "\t".join(
                (
                    item.url,
                    item.title or "",
                    item.published_at.isoformat() if item.published_at else "",
                    item.updated_at.isoformat() if item.updated_at else "",
                )
            )
            for item in listing.items
        )
        digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
        return f"items-v{FINGERPRINT_VERSION}:{digest}"
    return f"bytes-v{FINGERPRINT_VERSION}:{hashlib.sha256(body).hexdigest()}"


def error_delay(interval: float, failures: int, *, cap: float = MAX_ERROR_DELAY) -> float:
    """Seconds to wait after ``failures`` failed polls in a row: the interval, doubling from the second
    failure, up to ``cap`` (or the interval, when that is longer)."""
    if failures <= 1:
        return interval
    # The exponent is bounded so that a feed failing for weeks cannot overflow the float.
    return min(max(cap, interval), interval * 2.0 ** min(failures - 1, 32))


def _generic_source(url: str, method: Literal["feed", "listing"]) -> Source:
    """A source with no rules of its own, so the parsers read every item link on the page."""
    return Source(
        id="watch",
        name="watch",
        kind="news",
        publisher="watch",
        country="ZZ",
        language="en",
        discovery=Discovery(method=method, urls=[url]),
    )
