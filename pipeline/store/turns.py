"""A briefing's turns in the catalog: written with their document, read by the CLI and the search indexer.

Turns follow their document. Whenever a document's enrichment carries exchanges (ingest, re-extraction,
re-tagging), :func:`replace_turns` replaces the document's turns with them, in the transaction that writes
the document:

* an exchange whose content (:func:`pipeline.enrich.exchanges.exchange_hash`) an existing turn has keeps
  that turn's ``number``, so its id ``<doc_id>:<number>`` stays the same across versions, re-extractions
  and re-tagging; among identical exchanges the earlier keeps the lower number;
* a new exchange gets a number above every number the document ever gave (``documents.turns_next``), so an
  id never names other content, not even after the turn it named was dropped;
* a turn whose exchange is gone is deleted.

Any change to the rows (a new or dropped turn, a moved one, new tags, a renamed speaker) returns True, and
the caller bumps the document's ``revision``: the search outbox then sends the document and its turns
again. The same transcript segmented and tagged the same way changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, distinct, func, or_, select
from sqlalchemy.orm import Session

from pipeline.store.base import CatalogBase
from pipeline.store.schema import Document, Turn

if TYPE_CHECKING:
    from pipeline.enrich.exchanges import ExchangeTags

#: Document ids per ``IN (...)`` query (SQLite's limit on bound parameters is 999 in old builds).
_CHUNK = 500
#: Every column of a turn but its key: what decides whether a turn changed.
_FIELDS = tuple(column.key for column in Turn.__table__.columns if column.key != "turn_id")
#: Widths of the short text columns: a longer value is cut rather than refused (by PostgreSQL), which
#: would cost the whole document.
_WIDTHS = {"spokesperson_id": 64, "outlet_id": 64, "language": 8}


def turn_id(doc_id: str, number: int) -> str:
    """A turn's id: ``<doc_id>:<number>``."""
    return f"{doc_id}:{number}"


class TurnQueries(CatalogBase):
    """Reads of the ``turns`` table (the writes go with their document: :func:`replace_turns`)."""

    def turns_of(self, doc_id: str) -> list[Turn]:
        """A document's turns in document order (``position``); [] for a document without turns."""
        with self.session() as session:
            return list(session.scalars(select(Turn).where(Turn.doc_id == doc_id).order_by(Turn.position)))

    def turns_for_documents(self, doc_ids: Sequence[str]) -> dict[str, list[Turn]]:
        """The turns of each of ``doc_ids``, each document's in ``position`` order; a document without turns
        (not a briefing, or not segmented yet) is absent. For the search indexer: one query per 500 ids."""
        found: dict[str, list[Turn]] = {}
        with self.session() as session:
            for start in range(0, len(doc_ids), _CHUNK):
                chunk = list(doc_ids[start : start + _CHUNK])
                query = select(Turn).where(Turn.doc_id.in_(chunk)).order_by(Turn.doc_id, Turn.position)
                for turn in session.scalars(query):
                    found.setdefault(turn.doc_id, []).append(turn)
        return found

    def list_turns(
        self,
        *,
        source_ids: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        spokesperson: str | None = None,
        outlet: str | None = None,
        kind: str | None = None,
        limit: int | None = 100,
    ) -> list[Turn]:
        """Turns of the briefings of ``source_ids`` (all when None) dated in [since, until), newest briefing
        first and in document order within one. ``spokesperson`` and ``outlet`` match the normalised id or
        the label as written (all a label the speakers file does not know has); ``kind`` is "exchange" or
        "announcement"."""
        query = select(Turn).where(*_conditions(source_ids, since, until, spokesperson, outlet, kind))
        query = query.order_by(Turn.briefing_date.desc().nulls_last(), Turn.doc_id, Turn.position)
        if limit is not None:
            query = query.limit(limit)
        with self.session() as session:
            return list(session.scalars(query))

    def count_turns(
        self,
        *,
        source_ids: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        spokesperson: str | None = None,
        outlet: str | None = None,
        kind: str | None = None,
    ) -> tuple[int, int]:
        """(turns, briefings) that :meth:`list_turns` with the same filters and no limit would list."""
        query = select(func.count(), func.count(distinct(Turn.doc_id))).select_from(Turn)
        query = query.where(*_conditions(source_ids, since, until, spokesperson, outlet, kind))
        with self.session() as session:
            counted = session.execute(query).one()
        return int(counted[0]), int(counted[1])

    def unknown_speaker_labels(self, doc_ids: Sequence[str]) -> dict[str, list[str]]:
        """The speaker and outlet labels the speakers file did not know, by document (from the documents' tag
        explanations, where segmenting put them); documents with none are absent."""
        found: dict[str, list[str]] = {}
        with self.session() as session:
            for start in range(0, len(doc_ids), _CHUNK):
                chunk = list(doc_ids[start : start + _CHUNK])
                rows = session.execute(
                    select(Document.doc_id, Document.tag_explanation).where(Document.doc_id.in_(chunk))
                )
                for identifier, explanation in rows:
                    labels = ((explanation or {}).get("turns") or {}).get("unknown_labels") or []
                    if labels:
                        found[identifier] = [str(label) for label in labels]
        return found

    def turns_would_change(self, doc_id: str, exchanges: Sequence[ExchangeTags]) -> bool:
        """Whether storing ``exchanges`` as the document's turns would change them (a dry run's question);
        nothing is written."""
        with self.session() as session:
            document = session.get(Document, doc_id)
            if document is None:
                return False
            existing = _existing(session, doc_id)
            rows, _ = _planned(document, existing, exchanges)
            return _as_compared(existing) != rows


def replace_turns(session: Session, document: Document, exchanges: Sequence[ExchangeTags]) -> bool:
    """Make ``exchanges`` the turns of ``document`` (flushed, in ``session``'s transaction; see the module's
    docstring for how numbers are kept). True when any turn changed: the caller bumps the revision.

    Call it after the document's own fields (text, version, language, date) are set: the turns copy them.
    """
    existing = _existing(session, document.doc_id)
    rows, next_number = _planned(document, existing, exchanges)
    if _as_compared(existing) == rows:
        return False
    by_id = {turn.turn_id: turn for turn in existing}
    for identifier, values in rows.items():
        turn = by_id.pop(identifier, None)
        if turn is None:
            session.add(Turn(turn_id=identifier, **values))
        else:
            for key, value in values.items():
                if getattr(turn, key) != value:
                    setattr(turn, key, value)
    for gone in by_id.values():
        session.delete(gone)
    document.turns_next = next_number
    session.flush()
    return True


def _existing(session: Session, doc_id: str) -> list[Turn]:
    return list(session.scalars(select(Turn).where(Turn.doc_id == doc_id).order_by(Turn.number)))


def _planned(
    document: Document, existing: Sequence[Turn], exchanges: Sequence[ExchangeTags]
) -> tuple[dict[str, dict[str, Any]], int]:
    """The rows ``exchanges`` make for ``document`` (by turn id, in document order), and the next free number."""
    reusable: dict[str, list[Turn]] = defaultdict(list)
    for turn in existing:  # in number order: the earlier of two identical exchanges keeps the lower number
        reusable[turn.content_hash].append(turn)
    next_number = max([document.turns_next or 0, *(turn.number + 1 for turn in existing)])
    rows: dict[str, dict[str, Any]] = {}
    for position, tags in enumerate(exchanges):
        digest = tags.content_hash
        kept = reusable[digest].pop(0) if reusable.get(digest) else None
        if kept is not None:
            number, version = kept.number, kept.version
        else:
            number, version = next_number, document.version
            next_number += 1
        rows[turn_id(document.doc_id, number)] = _row(document, tags, number, position, version, digest)
    return rows, next_number


def _row(
    document: Document, tags: ExchangeTags, number: int, position: int, version: int, digest: str
) -> dict[str, Any]:
    exchange = tags.exchange
    spokesperson, spokesperson_id = exchange.spokesperson
    outlet, outlet_id, journalist = exchange.questioner
    row: dict[str, Any] = {
        "doc_id": document.doc_id,
        "number": number,
        "position": position,
        "kind": exchange.kind,
        "source_id": document.source_id,
        "ministry": document.source_country,
        "briefing_date": document.published_at,
        "language": document.language,
        "spokesperson_id": spokesperson_id,
        "spokesperson": spokesperson,
        "outlet_id": outlet_id,
        "outlet": outlet,
        "journalist": journalist,
        "question": exchange.question,
        "answer": exchange.answer,
        "utterances": [
            {
                "kind": utterance.kind,
                "speaker": utterance.speaker,
                "speaker_id": utterance.speaker_id,
                "outlet": utterance.outlet,
                "outlet_id": utterance.outlet_id,
                "journalist": utterance.journalist,
                "text": utterance.text,
                "paragraph": utterance.paragraph,
            }
            for utterance in exchange.utterances
        ],
        "topics": sorted(tags.topics),
        "countries": sorted(tags.countries),
        "question_countries": sorted(tags.question_countries),
        "answer_countries": sorted(tags.answer_countries),
        "content_hash": digest,
        "version": version,
    }
    for key, width in _WIDTHS.items():
        if isinstance(row[key], str):
            row[key] = row[key][:width]
    return row


def _as_compared(turns: Iterable[Turn]) -> dict[str, dict[str, Any]]:
    """Stored turns in the shape :func:`_planned` gives (a moved turn differs in ``position``)."""
    return {turn.turn_id: {key: getattr(turn, key) for key in _FIELDS} for turn in turns}


def _conditions(
    source_ids: Sequence[str] | None,
    since: datetime | None,
    until: datetime | None,
    spokesperson: str | None,
    outlet: str | None,
    kind: str | None,
) -> list[ColumnElement[bool]]:
    """The filters of :meth:`TurnQueries.list_turns` as conditions."""
    conditions: list[ColumnElement[bool]] = []
    if source_ids:
        conditions.append(Turn.source_id.in_(list(source_ids)))
    if since is not None:
        conditions.append(Turn.briefing_date >= since)
    if until is not None:
        conditions.append(Turn.briefing_date < until)
    if spokesperson is not None:
        conditions.append(or_(Turn.spokesperson_id == spokesperson, Turn.spokesperson == spokesperson))
    if outlet is not None:
        conditions.append(or_(Turn.outlet_id == outlet, Turn.outlet == outlet))
    if kind is not None:
        conditions.append(Turn.kind == kind)
    return conditions
