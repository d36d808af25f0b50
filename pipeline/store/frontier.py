"""What workers need before a run and what a run settles: the seen set, the frontier, endpoint validators."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from pipeline import clock
from pipeline.errors import ExtractionError, HostBackedOffError, HTTPStatusError, ReadoutError
from pipeline.models import DiscoveredItem, FetchedResponse
from pipeline.store.schema import (
    Document,
    Endpoint,
    FrontierItem,
)

if TYPE_CHECKING:
    pass
from pipeline.store.base import CatalogBase
from pipeline.urls import canonical_url


@dataclass(frozen=True, slots=True)
class KnownItem:
    """What a worker needs to know of an item the catalog already has."""

    doc_id: str
    listed_updated_at: datetime | None
    etag: str | None
    last_modified: str | None
    removed: bool
    #: The kind of evidence it was found removed with (:mod:`pipeline.recheck`), when removed.
    removal_kind: str | None = None


@dataclass(frozen=True, slots=True)
class Frontier:
    """Unsettled items of a source: to try again, and given up on (canonical URLs)."""

    pending: list[DiscoveredItem]
    given_up: set[str]


#: Canonical URLs per ``IN (...)`` query of :meth:`FrontierQueries.known_items` (SQLite's limit on bound
#: parameters is 999 in old builds).
KNOWN_CHUNK = 500


#: Attempts (one per run) before an item failing with a transient error is given up on.
TRANSIENT_ATTEMPTS = 5


#: Attempts for answers that often mean "not published yet" (404, 410, 403, no text).
CONTENT_NOT_YET_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Validators:
    etag: str | None
    last_modified: str | None


def retry_limit(error: BaseException) -> int | None:
    """How many attempts an item gets before it is given up on, given its last error; None: give up now.

    Transient errors get several runs. Some "permanent" answers are often temporary for a ministry's
    page: a transcript listed minutes before it is published (404), an empty page (no text), a
    firewall's 403. Refusals that cannot change by themselves (a forbidden address, a body over the
    cap, robots.txt) give up at once.
    """
    if isinstance(error, HTTPStatusError) and error.status in (403, 404, 410):
        return CONTENT_NOT_YET_ATTEMPTS
    if isinstance(error, ExtractionError):
        return CONTENT_NOT_YET_ATTEMPTS
    if isinstance(error, ReadoutError) and error.permanent:
        return None
    return TRANSIENT_ATTEMPTS


def fit_header(value: str | None, size: int) -> str | None:
    """A header value for a column of ``size``; a longer one is useless truncated, so it is dropped."""
    return value if value is None or len(value) <= size else None


class FrontierQueries(CatalogBase):
    """What workers need before a run and what a run settles: the seen set, the frontier, endpoint validators."""

    def known_items(self, source_id: str, urls: Collection[str] | None = None) -> dict[str, KnownItem]:
        """What the catalog knows of a source's items: canonical URL → what we know of it. With ``urls``
        (canonical), only those: planning asks for what discovery found, so that it costs in proportion
        to the new work and not to the source's history; without, every document of the source."""
        columns = (
            Document.canonical_url,
            Document.doc_id,
            Document.listed_updated_at,
            Document.http_etag,
            Document.http_last_modified,
            Document.removed_at,
            Document.source_id,
            Document.removal_evidence,
        )
        if urls is None:
            queries = [select(*columns).where(Document.source_id == source_id)]
        else:
            # By canonical_url alone, its own index (ix_documents_canonical_url): with the source in the WHERE
            # too, SQLite walks the source's index instead, every document of the source. A canonical URL is
            # one document (doc_id is its hash), so the source is checked on the few rows found.
            wanted = sorted(set(urls))
            queries = [
                select(*columns).where(Document.canonical_url.in_(wanted[i : i + KNOWN_CHUNK]))
                for i in range(0, len(wanted), KNOWN_CHUNK)
            ]
        known: dict[str, KnownItem] = {}
        with self.session() as session:
            for query in queries:
                for row in session.execute(query):
                    if row[6] == source_id:
                        kind = (row[7] or {}).get("kind") if row[5] is not None else None
                        known[row[0]] = KnownItem(row[1], row[2], row[3], row[4], row[5] is not None, kind)
        return known

    def has_documents(self, source_id: str) -> bool:
        """Whether the source has at least one document (one row read, through the source's index)."""
        with self.session() as session:
            return session.scalar(select(Document.doc_id).where(Document.source_id == source_id).limit(1)) is not None

    def frontier(self, source_id: str, *, now: datetime, retry_given_up_after: timedelta) -> Frontier:
        """The source's unsettled items: those to try again, and those given up on (canonical URLs).

        Items given up longer than ``retry_given_up_after`` ago are offered again: sites fix pages,
        robots.txt rules change, firewalls relent.
        """
        pending: list[DiscoveredItem] = []
        given_up: set[str] = set()
        with self.session() as session:
            for row in session.scalars(select(FrontierItem).where(FrontierItem.source_id == source_id)):
                if row.state == "given_up" and row.settled_at and now - row.settled_at < retry_given_up_after:
                    given_up.add(row.canonical_url)
                    continue
                pending.append(
                    DiscoveredItem(
                        url=row.url,
                        source_id=source_id,
                        title=row.title,
                        published_at=row.published_at,
                        updated_at=row.updated_at,
                        found_on=row.found_on,
                    )
                )
        return Frontier(pending, given_up)

    def add_to_frontier(self, source_id: str, items: Sequence[DiscoveredItem]) -> None:
        """Record items about to be fetched (or deferred to a later run) as pending, before any fetch."""
        now = clock.now()
        with self.session() as session, session.begin():
            for item in items:
                key = canonical_url(item.url)
                row = session.get(FrontierItem, (source_id, key))
                if row is None:
                    row = FrontierItem(
                        source_id=source_id, canonical_url=key, first_seen_at=now, state="pending", attempts=0
                    )
                    session.add(row)
                elif row.state == "given_up":
                    row.state, row.attempts, row.settled_at = "pending", 0, None
                row.url = item.url
                row.title = item.title
                row.published_at = item.published_at
                row.updated_at = item.updated_at
                row.found_on = item.found_on

    def settle(self, source_id: str, item_url: str, *, error: BaseException | None = None) -> str:
        """Settle a frontier item after an attempt: ``done`` (removed from the frontier), ``pending``
        (to be retried: attempts counted) or ``given_up``. Returns the new state.

        An item whose host was left alone for the run (:class:`HostBackedOffError`) was never asked for:
        it stays pending with its reason and no attempt counted."""
        key = canonical_url(item_url)
        with self.session() as session, session.begin():
            row = session.get(FrontierItem, (source_id, key))
            if error is None:
                if row is not None:
                    session.delete(row)
                return "done"
            if row is None:
                row = FrontierItem(
                    source_id=source_id, canonical_url=key, url=item_url, first_seen_at=clock.now(), attempts=0
                )
                session.add(row)
            row.last_error = str(error)[:4000]
            if isinstance(error, HostBackedOffError):
                row.state = "pending"
                return row.state
            row.attempts = (row.attempts or 0) + 1
            limit = retry_limit(error)
            if limit is None or row.attempts >= limit:
                row.state = "given_up"
                row.settled_at = clock.now()
            else:
                row.state = "pending"
            return row.state

    def validators(self, urls: Sequence[str]) -> dict[str, Validators]:
        """ETag and Last-Modified last seen for feed, listing and sitemap URLs."""
        with self.session() as session:
            rows = session.execute(
                select(Endpoint.url, Endpoint.etag, Endpoint.last_modified).where(Endpoint.url.in_(list(urls)))
            )
            return {row[0]: Validators(row[1], row[2]) for row in rows}

    def sitemap_children(self, parents: Sequence[str]) -> dict[str, list[str]]:
        """Child sitemaps last listed by each sitemap index in ``parents``."""
        children: dict[str, list[str]] = {}
        with self.session() as session:
            rows = session.execute(
                select(Endpoint.parent_url, Endpoint.url).where(Endpoint.parent_url.in_(list(parents)))
            )
            for parent, child in rows:
                if parent is not None:
                    children.setdefault(parent, []).append(child)
        return children

    def save_endpoint(self, source_id: str, response: FetchedResponse, *, parent_url: str | None = None) -> None:
        """Remember a discovery URL's validators (a 304 keeps the ones we had)."""
        with self.session() as session, session.begin():
            row = session.get(Endpoint, response.url) or Endpoint(url=response.url, source_id=source_id)
            if parent_url is not None:
                row.parent_url = parent_url
            if not response.not_modified:
                row.etag = fit_header(response.header("etag"), 512)
                row.last_modified = fit_header(response.header("last-modified"), 64)
            row.last_status = response.status
            row.last_fetched_at = response.fetched_at
            session.add(row)
