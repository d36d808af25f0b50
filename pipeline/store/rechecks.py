"""Re-checks and removals in the catalog: which pages are due to be fetched again, pages dropped from a
listing and listed again, and edits and removals per source and day (health, ``readout sources``).

The schedule itself is :func:`pipeline.recheck.next_recheck`; :func:`schedule` applies it to a document
after every fetch (stored, answered 304, found removed), so a document's ``recheck_at`` is always the
next age still ahead of its last fetch.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from pipeline.models import DiscoveredItem
from pipeline.recheck import next_recheck
from pipeline.store.base import CatalogBase
from pipeline.store.frontier import KNOWN_CHUNK, KnownItem
from pipeline.store.schema import Document

#: The removal a fetch of the page itself cannot undo: the page may answer, it is just not listed any more.
LISTING_KIND = "dropped-from-listing"


@dataclass(frozen=True, slots=True)
class DueRecheck:
    """A document due to be fetched again, as planning needs it."""

    item: DiscoveredItem
    known: KnownItem
    due_at: datetime


@dataclass(frozen=True, slots=True)
class HistoryDay:
    """Edits and removals of one source on one day (UTC)."""

    day: str
    edited: int = 0
    removed: int = 0


def schedule(document: Document, ages: Sequence[timedelta] | None, fetched_at: datetime) -> None:
    """Plan ``document``'s next re-check after a fetch at ``fetched_at`` (``ages``: its source's; None leaves
    the schedule as it is, for callers that do not know the source)."""
    if ages is None:
        return
    document.recheck_step, document.recheck_at = next_recheck(document.first_seen_at, ages, fetched_at)


def came_back(document: Document, *, run_id: str | None, listed: bool = False) -> bool:
    """Clear ``document``'s removal when the page answers again; True when it was cleared (a new revision).

    A page dropped from its listing is back only when a listing shows it again (``listed``): that it still
    answers at its address is what such a withdrawal looks like. Its versions are kept either way."""
    if document.removed_at is None:
        return False
    kind = (document.removal_evidence or {}).get("kind")
    if (kind == LISTING_KIND) != listed:
        return False
    document.removed_at = None
    document.removal_evidence = None
    document.revision += 1
    document.run_id = run_id or document.run_id
    return True


class RecheckQueries(CatalogBase):
    """Due re-checks, listing removals and the per-day history counts."""

    def due_rechecks(self, source_id: str, *, now: datetime, limit: int) -> list[DueRecheck]:
        """The source's documents whose re-check is due by ``now``, longest overdue first, at most ``limit``
        (the rest stay due for the next run: nothing is lost by waiting)."""
        query = (
            select(
                Document.canonical_url,
                Document.doc_id,
                Document.title,
                Document.published_at,
                Document.listed_updated_at,
                Document.http_etag,
                Document.http_last_modified,
                Document.removed_at,
                Document.recheck_at,
                Document.removal_evidence,
            )
            .where(Document.source_id == source_id, Document.recheck_at <= now)
            .order_by(Document.recheck_at, Document.doc_id)
            .limit(limit)
        )
        with self.session() as session:
            return [
                DueRecheck(
                    # The key it was stored under, as a refetch asks for it (the page may have redirected).
                    DiscoveredItem(url=row[0], source_id=source_id, title=row[2], published_at=row[3]),
                    KnownItem(
                        row[1],
                        row[4],
                        row[5],
                        row[6],
                        row[7] is not None,
                        (row[9] or {}).get("kind") if row[7] else None,
                    ),
                    row[8],
                )
                for row in session.execute(query)
            ]

    def mark_dropped(
        self, source_id: str, urls: Collection[str], evidence: dict[str, Any], *, when: datetime, run_id: str | None
    ) -> list[str]:
        """Record that the source's documents at canonical ``urls`` were dropped from a listing that still
        shows their neighbours (``evidence``); returns those newly marked (never deletes anything)."""
        marked: list[str] = []
        with self.session() as session, session.begin():
            for document in self._documents_at(session, source_id, urls):
                if document.removed_at is None:
                    document.removed_at = when
                    document.removal_evidence = dict(evidence)
                    document.revision += 1
                    document.run_id = run_id or document.run_id
                    marked.append(document.canonical_url)
        return marked

    def listed_again(self, source_id: str, urls: Collection[str], *, run_id: str | None) -> list[str]:
        """Clear the removal of the source's documents at canonical ``urls`` that had been dropped from a
        listing and are listed again; returns those cleared."""
        back: list[str] = []
        with self.session() as session, session.begin():
            for document in self._documents_at(session, source_id, urls, removed=True):
                if came_back(document, run_id=run_id, listed=True):
                    back.append(document.canonical_url)
        return back

    @staticmethod
    def _documents_at(
        session: Any, source_id: str, urls: Collection[str], *, removed: bool | None = None
    ) -> list[Document]:
        wanted = sorted(set(urls))
        found: list[Document] = []
        for start in range(0, len(wanted), KNOWN_CHUNK):
            query = select(Document).where(Document.canonical_url.in_(wanted[start : start + KNOWN_CHUNK]))
            if removed is not None:
                query = query.where(Document.removed_at.is_not(None) if removed else Document.removed_at.is_(None))
            found += [document for document in session.scalars(query) if document.source_id == source_id]
        return found

    def history_days(self, *, since: datetime, source_ids: Sequence[str] = ()) -> dict[str, list[HistoryDay]]:
        """Edits (``edited_at``) and removals (``removed_at``, pages still removed) per source and UTC day
        since ``since``, newest day first; sources and days with neither are left out."""
        counts: dict[str, dict[str, list[int]]] = {}
        with self.session() as session:
            for column, slot in ((Document.edited_at, 0), (Document.removed_at, 1)):
                query = select(Document.source_id, column).where(column >= since)
                if source_ids:
                    query = query.where(Document.source_id.in_(list(source_ids)))
                for source_id, moment in session.execute(query):
                    if moment is None:
                        continue
                    day = _utc_day(moment)
                    counts.setdefault(source_id, {}).setdefault(day, [0, 0])[slot] += 1
        return {
            source_id: [
                HistoryDay(day, edited, removed) for day, (edited, removed) in sorted(days.items(), reverse=True)
            ]
            for source_id, days in counts.items()
        }


def _utc_day(moment: datetime) -> str:
    """The UTC day of ``moment``; SQLite gives the stored instants back without their zone (they are UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date().isoformat()
