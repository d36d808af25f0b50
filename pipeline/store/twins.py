"""Twin briefings in the catalog: each briefing of a paired source linked to the same briefing in its twin source's
language, with the exchanges each version lacks (issue 15).

The pairs of sources come from the sources file (``twin:``, :mod:`pipeline.twin_sources`). Whenever a briefing of
a paired source is stored, or its turns change (a new version, a re-extraction, a re-tag), :func:`relink_twins`
solves its day again, in the transaction that writes it: the briefings of both sources held on that local day
(:func:`pipeline.enrich.twins.held_day`) are paired (:func:`pipeline.enrich.twins.pair_briefings`) and every one
of them gets

* ``twin_doc_id``: its twin (None when it has none yet: the other language comes later, or never);
* ``twin_unmatched``: its turn ids (in document order) that have no counterpart in the twin;
* ``twin_delay_seconds``: the twin's publication time minus its own (positive when the twin came later).

So the link is made from whichever side arrives second, both ways, and a briefing that loses its twin (its own
date was corrected, a better partner arrived) is unlinked. Only the briefings of one day of two sources are read
(``ix_documents_source_published``). A document whose twin fields change gets a new revision (the search
index shows them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.config import Source
from pipeline.enrich.twins import Briefing, ExchangeView, exchange_view, held_day, pair_briefings
from pipeline.store.schema import Document, Turn
from pipeline.twin_sources import twin_pairs

#: How long after the day it was held a briefing's text may be published and still be read as that day's: the
#: English text of a Chinese MFA press conference comes the next day, after a weekend at worst.
PUBLISHED_WITHIN = timedelta(days=7)


@dataclass(frozen=True)
class TwinSources:
    """The configured pairs of sources (each id to its twin's) and each paired source's time zone."""

    pairs: Mapping[str, str] = field(default_factory=dict)
    zones: Mapping[str, tzinfo] = field(default_factory=dict)

    @classmethod
    def of(cls, sources: Sequence[Source]) -> TwinSources:
        """The pairs declared in ``sources`` (validated by :func:`pipeline.config.load_sources`)."""
        pairs = twin_pairs(sources)
        return cls(pairs, {source.id: source.tz for source in sources if source.id in pairs})

    def zone(self, source_id: str) -> tzinfo:
        return self.zones.get(source_id, UTC)


@dataclass(frozen=True)
class TwinState:
    """What a document's twin columns should hold."""

    twin_doc_id: str | None = None
    unmatched: tuple[str, ...] = ()
    delay_seconds: int | None = None


def relink_twins(session: Session, document: Document, twins: TwinSources) -> bool:
    """Pair again the briefings of ``document``'s day in its source and its twin source, and those of the days of
    the twins it had (see the module's docstring). Other documents whose twin columns changed get a new revision
    here; True when ``document``'s own changed (the caller bumps it)."""
    if document.source_id not in twins.pairs:
        return False
    session.flush()
    days = {_day(document, twins)}
    for partner_id in _partners(session, document):
        partner = session.get(Document, partner_id)
        if partner is not None:
            days.add(_day(partner, twins))
    changed: set[str] = set()
    for day in sorted(d for d in days if d is not None):
        changed |= _solve_day(session, document.source_id, twins.pairs[document.source_id], day, twins)
    for doc_id in changed - {document.doc_id}:
        other = session.get(Document, doc_id)
        if other is not None:
            other.revision += 1
    return document.doc_id in changed


def _partners(session: Session, document: Document) -> set[str]:
    """The documents linked with ``document`` now, from either side."""
    linked = set(session.scalars(select(Document.doc_id).where(Document.twin_doc_id == document.doc_id)))
    if document.twin_doc_id:
        linked.add(document.twin_doc_id)
    return linked - {document.doc_id}


def _day(document: Document, twins: TwinSources) -> date | None:
    return held_day(document.title, document.published_at, twins.zone(document.source_id), document.language)


def _held_on(session: Session, source_id: str, day: date, twins: TwinSources) -> list[Document]:
    """The briefings of ``source_id`` held on ``day`` (its local day), in doc_id order."""
    zone = twins.zone(source_id)
    start = datetime.combine(day, time.min, zone).astimezone(UTC)
    query = (
        select(Document)
        .where(
            Document.source_id == source_id,
            Document.published_at >= start - timedelta(days=1),
            Document.published_at < start + PUBLISHED_WITHIN,
        )
        .order_by(Document.doc_id)
    )
    return [found for found in session.scalars(query) if _day(found, twins) == day]


def _solve_day(session: Session, source_id: str, twin_source_id: str, day: date, twins: TwinSources) -> set[str]:
    """Pair the two sources' briefings held on ``day`` and write their twin columns; the ids whose columns changed."""
    left = _held_on(session, source_id, day, twins)
    right = _held_on(session, twin_source_id, day, twins)
    states: dict[str, TwinState] = {}
    if left and right:
        turns = _turns(session, [d.doc_id for d in (*left, *right)])
        found = pair_briefings(
            [_briefing(d, turns.get(d.doc_id, [])) for d in left],
            [_briefing(d, turns.get(d.doc_id, [])) for d in right],
            twins.zone(source_id),
            twins.zone(twin_source_id),
        )
        for pair in found:
            a, b = left[pair.left], right[pair.right]
            a_turns, b_turns = turns.get(a.doc_id, []), turns.get(b.doc_id, [])
            delay = _delay(a, b)
            states[a.doc_id] = TwinState(
                b.doc_id, tuple(a_turns[i].turn_id for i in pair.alignment.left_unmatched), delay
            )
            states[b.doc_id] = TwinState(
                a.doc_id,
                tuple(b_turns[j].turn_id for j in pair.alignment.right_unmatched),
                -delay if delay is not None else None,
            )
    changed: set[str] = set()
    for document in (*left, *right):
        if _write(document, states.get(document.doc_id, TwinState())):
            changed.add(document.doc_id)
    # A twin it had that is no longer held that day (or no longer listed) lets go of it too.
    for document in (*left, *right):
        for partner_id in _partners(session, document) - {d.doc_id for d in (*left, *right)}:
            partner = session.get(Document, partner_id)
            if partner is not None and partner.twin_doc_id == document.doc_id and _write(partner, TwinState()):
                changed.add(partner_id)
    return changed


def _write(document: Document, state: TwinState) -> bool:
    """Set ``document``'s twin columns to ``state``; True when they changed."""
    current = TwinState(document.twin_doc_id, tuple(document.twin_unmatched or ()), document.twin_delay_seconds)
    if current == state:
        return False
    document.twin_doc_id = state.twin_doc_id
    document.twin_unmatched = list(state.unmatched)
    document.twin_delay_seconds = state.delay_seconds
    return True


def _delay(a: Document, b: Document) -> int | None:
    """Seconds from ``a``'s publication to ``b``'s (None when either date is unknown)."""
    if a.published_at is None or b.published_at is None:
        return None
    return round((b.published_at - a.published_at).total_seconds())


def _turns(session: Session, doc_ids: Iterable[str]) -> dict[str, list[Turn]]:
    found: dict[str, list[Turn]] = {}
    query = select(Turn).where(Turn.doc_id.in_(list(doc_ids))).order_by(Turn.doc_id, Turn.position)
    for turn in session.scalars(query):
        found.setdefault(turn.doc_id, []).append(turn)
    return found


def turn_view(turn: Turn) -> ExchangeView:
    """A stored turn as the aligner reads it (as :func:`pipeline.enrich.twins.view_of` reads a segmented one)."""
    first: dict[str, Any] | None = next((u for u in turn.utterances or [] if u.get("kind") == "question"), None)
    labelled = first is not None and (first.get("outlet") is not None or first.get("journalist") is not None)
    return exchange_view(
        turn.turn_id, turn.kind, turn.question, turn.answer, turn.outlet_id, question_labelled=labelled
    )


def _briefing(document: Document, turns: Sequence[Turn]) -> Briefing:
    return Briefing(
        document.doc_id,
        document.title,
        document.language,
        document.published_at,
        tuple(turn_view(turn) for turn in turns),
    )
