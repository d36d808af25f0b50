"""Citations in the catalog: news quotes linked to the briefing exchanges they report (issue 14).

The ``citations`` table holds one row per briefing quote of a news document (:class:`CitationRow`): what
was quoted, the ministry, spokesperson and days it points to, and, once a briefing says it, the turn, the
passage matched, the similarity, the verdict and the differing words. Rows are written in the transaction
that stores their document, and kept right from both sides:

* a news document stored (new, a new version, re-extracted or re-tagged): :func:`link_document` aligns its
  quotes (found in the extraction workers) with the turns of the briefings they point to and replaces its
  rows when they changed;
* a briefing stored or changed: :func:`relink_for_briefing` aligns again the rows whose candidate days (or
  the days before them that an unmatched quote is looked for in) hold its day, and those linked to it.

Either way only the turns of one ministry on a few days are read (``ix_turns_ministry_date``,
``ix_citations_ministry_days``), never the whole catalog. A change in a news document's rows bumps its
revision (its citations are in the search index) and the revision of every briefing whose coverage
changed (its turns carry their coverage count and outlets).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from pipeline.enrich.coverage import (
    LOOKBACK_DAYS,
    VERDICT_SEVERITY,
    Aligner,
    Passage,
    Target,
    ministry_zone,
)
from pipeline.enrich.coverage.dates import MAX_SPAN_DAYS
from pipeline.enrich.coverage.linker import FORWARD_DAYS, align_quote, shown
from pipeline.enrich.coverage.meaning import Meaning, default_meaning, kept_in
from pipeline.enrich.quotes import Quote
from pipeline.enrich.text import default_normaliser
from pipeline.store.base import CatalogBase
from pipeline.store.schema import CitationRow, Document, Turn
from pipeline.store.vectors import SessionVectors

#: Ids per ``IN (...)`` query.
_CHUNK = 500
#: The columns whose values make two sets of rows the same (what a re-link compares).
_COMPARED = (
    "number",
    "quoted",
    "kind",
    "context",
    "speaker",
    "ministry",
    "spokesperson_id",
    "day_from",
    "day_to",
    "expression",
    "outlets",
    "closed",
    "turn_id",
    "briefing_doc_id",
    "briefing_day",
    "matched",
    "similarity",
    "verdict",
    "added",
    "dropped",
    "elsewhere",
    "matched_by",
)


class Linker:
    """What linking needs besides the catalog: the aligner (its caches, and the model that matches by meaning
    when ``meaning`` is given) and each ministry's time zone."""

    def __init__(self, zones: Mapping[str, tzinfo] | None = None, *, meaning: Meaning | None = None) -> None:
        self.aligner = Aligner(default_normaliser(), meaning)
        self.zones = dict(zones or {})

    def zone(self, ministry: str) -> tzinfo:
        return ministry_zone(ministry, self.zones)


_default_linker: Linker | None = None


def default_linker() -> Linker:
    """The process-wide linker with the built-in ministry time zones, matching by meaning too."""
    global _default_linker
    if _default_linker is None:
        _default_linker = Linker(meaning=default_meaning())
    return _default_linker


@dataclass(frozen=True)
class CoverageEntry:
    """One news document reporting a turn, for ``readout coverage`` and the search index."""

    doc_id: str
    title: str | None
    url: str
    source_id: str
    publisher: str | None
    published_at: datetime | None
    cluster_id: str | None
    duplicate_of: str | None
    quoted: str
    matched: str | None
    similarity: float | None
    verdict: str
    added: list[str]
    dropped: list[str]
    #: The reported clause the quote stands in, when it quotes only some of its words.
    context: str | None = None
    #: "words" or "meaning" (:attr:`~pipeline.store.schema.CitationRow.matched_by`).
    matched_by: str | None = None


class CitationQueries(CatalogBase):
    """Reads of the ``citations`` table (the writes go with their documents: :func:`link_document`,
    :func:`relink_for_briefing`)."""

    def citations_of(self, doc_id: str) -> list[CitationRow]:
        """A news document's briefing quotes in order; [] for any other document."""
        with self.session() as session:
            query = select(CitationRow).where(CitationRow.doc_id == doc_id).order_by(CitationRow.number)
            return [row for row in session.scalars(query) if reported(row)]

    def citations_for_documents(self, doc_ids: Sequence[str]) -> dict[str, list[CitationRow]]:
        """The citations of each of ``doc_ids`` (documents without any are absent), for the indexer."""
        found: dict[str, list[CitationRow]] = {}
        with self.session() as session:
            for start in range(0, len(doc_ids), _CHUNK):
                chunk = list(doc_ids[start : start + _CHUNK])
                query = select(CitationRow).where(CitationRow.doc_id.in_(chunk))
                for row in session.scalars(query.order_by(CitationRow.doc_id, CitationRow.number)):
                    if reported(row):
                        found.setdefault(row.doc_id, []).append(row)
        return found

    def coverage(self, turn_ids: Sequence[str]) -> dict[str, list[CoverageEntry]]:
        """The news documents reporting each of ``turn_ids`` (one entry per citing quote, earliest published
        first); turns nobody reported are absent."""
        found: dict[str, list[CoverageEntry]] = {}
        with self.session() as session:
            for start in range(0, len(turn_ids), _CHUNK):
                chunk = list(turn_ids[start : start + _CHUNK])
                query = (
                    select(CitationRow, Document)
                    .join(Document, Document.doc_id == CitationRow.doc_id)
                    .where(CitationRow.turn_id.in_(chunk))
                    .order_by(Document.published_at.asc().nulls_last(), Document.doc_id, CitationRow.number)
                )
                for row, document in session.execute(query):
                    assert row.turn_id is not None
                    if reported(row):
                        found.setdefault(row.turn_id, []).append(_entry(row, document))
        return found


def _entry(row: CitationRow, document: Document) -> CoverageEntry:
    return CoverageEntry(
        doc_id=document.doc_id,
        title=document.title,
        url=document.url,
        source_id=document.source_id,
        publisher=document.publisher,
        published_at=document.published_at,
        cluster_id=document.cluster_id,
        duplicate_of=document.duplicate_of,
        quoted=row.quoted,
        matched=row.matched,
        similarity=row.similarity,
        matched_by=row.matched_by,
        verdict=row.verdict,
        added=list(row.added or []),
        dropped=list(row.dropped or []),
        context=row.context,
    )


def reported(row: CitationRow) -> bool:
    """Whether a citation is shown (:func:`~pipeline.enrich.coverage.linker.shown`): rows of two-word quotes
    and of quotes attributed to nobody are kept so that a briefing stored later aligns them again (news usually
    comes first), but shown only once an answer says them."""
    return shown(row.speaker, row.quoted, row.verdict if row.turn_id is not None else None, context=row.context)


def worst_verdict(rows: Iterable[CitationRow]) -> str | None:
    """The least faithful verdict among a document's citations (divergent, unmatched, paraphrase, verbatim)."""
    verdicts = [row.verdict for row in rows]
    return max(verdicts, key=lambda v: VERDICT_SEVERITY.get(v, 0)) if verdicts else None


def passages_in(session: Session, ministry: str, first: date, last: date, zone: tzinfo) -> list[Passage]:
    """The answers and announcements of ``ministry``'s briefings held from ``first`` to ``last`` (its local
    days), as alignment candidates."""
    start = datetime.combine(first, time.min, zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, zone).astimezone(UTC)
    query = select(
        Turn.turn_id, Turn.doc_id, Turn.briefing_date, Turn.spokesperson_id, Turn.answer, Turn.outlet_id, Turn.question
    ).where(Turn.ministry == ministry, Turn.briefing_date >= start, Turn.briefing_date < end)
    found: list[Passage] = []
    for turn_id, doc_id, held, spokesperson_id, answer, outlet_id, question in session.execute(
        query.order_by(Turn.briefing_date)
    ):
        if answer and held is not None:
            day = held.astimezone(zone).date()
            found.append(Passage(turn_id, doc_id, ministry, day, spokesperson_id, answer, outlet_id, question or ""))
    return found


def link_document(session: Session, document: Document, quoted: Sequence[tuple[Quote, Target]], linker: Linker) -> bool:
    """Align a news document's briefing quotes and replace its citations when they changed; True then (the
    caller bumps the document's revision). Briefings whose coverage changed get a new revision here."""
    read: dict[tuple[str, date, date], list[Passage]] = {}
    rows = [
        _row(
            document.doc_id,
            number,
            quote.text,
            quote.kind,
            quote.speaker,
            quote.context,
            target,
            session,
            linker,
            document.language,
            read,
        )
        for number, (quote, target) in enumerate(quoted)
    ]
    existing = list(
        session.scalars(select(CitationRow).where(CitationRow.doc_id == document.doc_id).order_by(CitationRow.number))
    )
    if _compared(existing) == _compared(rows):
        return False
    _bump_briefings(session, _covered(existing) ^ _covered(rows), besides=document.doc_id)
    session.execute(delete(CitationRow).where(CitationRow.doc_id == document.doc_id))
    session.flush()
    session.add_all(rows)
    return True


def relink_for_briefing(session: Session, briefing: Document, linker: Linker) -> set[str]:
    """A briefing was stored or its turns changed: align again every citation that may report it (its
    ministry, candidate, look-back or look-forward days holding the briefing's day, or linked to it now).
    Returns the news documents whose citations changed; their revisions, and those of other briefings whose
    coverage changed, are bumped here."""
    ministry = briefing.source_country
    if not ministry or briefing.published_at is None:
        return set()
    zone = linker.zone(ministry)
    day = briefing.published_at.astimezone(zone).date()
    query = select(CitationRow).where(
        or_(
            # A row's days span at most a month ("in May 2023"), so ``day_to`` is bounded on both sides: the
            # index range read is a few weeks of citations, however old the briefing and however large the
            # catalog.
            (CitationRow.ministry == ministry)
            & (CitationRow.day_to >= day - timedelta(days=FORWARD_DAYS))
            & (CitationRow.day_to <= day + timedelta(days=LOOKBACK_DAYS + MAX_SPAN_DAYS))
            & (CitationRow.day_from <= day + timedelta(days=LOOKBACK_DAYS))
            # Rows whose days end before the briefing's only when they look forward to it (``day_until``).
            & ((CitationRow.day_to >= day) | (CitationRow.day_until >= day)),
            CitationRow.briefing_doc_id == briefing.doc_id,
        )
    )
    by_document: dict[str, list[CitationRow]] = defaultdict(list)
    for row in session.scalars(query):
        by_document[row.doc_id].append(row)
    changed: set[str] = set()
    touched: set[str] = set()
    read: dict[tuple[str, date, date], list[Passage]] = {}
    for doc_id, rows in by_document.items():
        news = session.get(Document, doc_id)
        if news is None:
            continue
        for row in rows:
            days = (row.day_from, row.day_to)
            target = Target(
                row.ministry,
                row.spokesperson_id,
                days,
                row.expression,
                tuple(row.outlets or ()),
                row.closed,
                until=row.day_until,
            )
            fresh = _row(
                doc_id,
                row.number,
                row.quoted,
                row.kind,
                row.speaker,
                row.context,
                target,
                session,
                linker,
                news.language,
                read,
            )
            if _compared([fresh]) != _compared([row]):
                touched.update({row.briefing_doc_id, fresh.briefing_doc_id} - {None})  # type: ignore[arg-type]
                for name in _COMPARED:
                    setattr(row, name, getattr(fresh, name))
                changed.add(doc_id)
    for doc_id in changed:
        news = session.get(Document, doc_id)
        if news is not None:
            news.revision += 1
    _bump_briefings(session, touched, besides=briefing.doc_id)
    return changed


def _row(
    doc_id: str,
    number: int,
    quoted: str,
    kind: str,
    speaker: str | None,
    context: str | None,
    target: Target,
    session: Session,
    linker: Linker,
    language: str | None,
    read: dict[tuple[str, date, date], list[Passage]],
) -> CitationRow:
    def passages(ministry: str, first: date, last: date) -> list[Passage]:
        # The quotes of one document mostly point to the same briefings: each range is read once per call of
        # link_document or relink_for_briefing (``read``, made by the caller), never kept across transactions.
        key = (ministry, first, last)
        if key not in read:
            read[key] = passages_in(session, ministry, first, last, linker.zone(ministry))
        return read[key]

    # Answer sentences the model embeds are kept in this transaction, for the next process to read.
    with kept_in(SessionVectors(session)):
        cited, alignment, elsewhere = align_quote(
            quoted, kind, target, passages, linker.aligner, language=language, context=context
        )
    return CitationRow(
        doc_id=doc_id,
        number=number,
        quoted=cited,
        kind=kind,
        context=context,
        speaker=speaker,
        ministry=target.ministry,
        spokesperson_id=target.spokesperson_id,
        day_from=min(target.days),
        day_to=max(target.days),
        day_until=target.until,
        expression=target.expression,
        outlets=list(target.outlets),
        closed=target.closed,
        turn_id=alignment.passage.turn_id if alignment else None,
        briefing_doc_id=alignment.passage.doc_id if alignment else None,
        briefing_day=alignment.passage.day if alignment else None,
        matched=alignment.matched if alignment else None,
        similarity=alignment.similarity if alignment else None,
        verdict=alignment.verdict if alignment else "unmatched",
        added=list(alignment.added) if alignment else [],
        dropped=list(alignment.dropped) if alignment else [],
        elsewhere=elsewhere,
        matched_by=alignment.matched_by if alignment else None,
    )


def _compared(rows: Iterable[CitationRow]) -> list[tuple[Any, ...]]:
    return [tuple(getattr(row, name) for name in _COMPARED) for row in rows]


def _covered(rows: Iterable[CitationRow]) -> set[tuple[str, str]]:
    """(briefing, turn) pairs the rows report, with their verdicts folded in: a change in either is a
    change in the briefing's coverage."""
    return {
        (row.briefing_doc_id, f"{row.turn_id}:{row.verdict}") for row in rows if row.briefing_doc_id and reported(row)
    }


def _bump_briefings(session: Session, covered: Iterable[Any], *, besides: str) -> None:
    """A new revision for each briefing in ``covered`` (ids, or (id, turn) pairs) other than ``besides``."""
    ids = {item[0] if isinstance(item, tuple) else item for item in covered} - {besides}
    for doc_id in sorted(ids):
        briefing = session.get(Document, doc_id)
        if briefing is not None:
            briefing.revision += 1
