"""A document's history in the catalog: each version's diff from the one before, written when the version is
stored, and the reads behind ``readout history``.

When a re-fetched page's content hash changes, :meth:`Catalog.store_document` takes a :class:`Before` of the
document (title, text, and a briefing's turns) before replacing it, and :func:`record` writes onto the new
:class:`DocumentVersion`:

* ``diff``: the paragraphs added, removed and changed, with the words (:func:`pipeline.enrich.diff.text_diff`),
  and for a briefing whose turns were replaced, the exchanges added, removed and changed
  (:func:`exchange_diff`), each with a one-line summary ("the exchange with AFP on taiwan ("Will the US…")
  was removed");
* ``cosmetic``: only formatting changed (whitespace, a view counter, a related-links box). A cosmetic
  version is kept like any other (its text replaces the document's), but it is not an edit: only a
  substantive one sets ``documents.edited_at``.

Versions stored before diffs were written have none: :meth:`HistoryQueries.history` computes their text diff
from the two versions' texts when asked (their turns are gone, so their exchanges are not compared).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.enrich.diff import normalised, spaced, substance, text_diff, word_changes
from pipeline.enrich.exchanges import BRIEFING
from pipeline.extract.text import PARAGRAPH_SEPARATOR
from pipeline.models import ArchiveRef
from pipeline.store.base import CatalogBase
from pipeline.store.schema import Document, DocumentVersion, Turn
from pipeline.urls import doc_id

#: How alike (0-100) the questions of a removed and an added exchange of the same outlet must be for the
#: added one to be the removed one changed (an edited answer, a reworded question).
SAME_QUESTION = 60.0
#: The same for announcements (no question: their text is compared) and for exchanges whose outlet changed.
SAME_TEXT = 70.0
#: Words of a question quoted in a summary.
_QUOTED_WORDS = 8


@dataclass(frozen=True, slots=True)
class TurnState:
    """What a summary and a comparison need of one turn (a stored :class:`Turn`, or an exchange segmented
    from an old version's text, whose ``turn_id`` is None and ``key`` its content hash)."""

    key: str
    turn_id: str | None
    kind: str
    outlet: str | None
    outlet_id: str | None
    question: str
    answer: str
    topics: tuple[str, ...] = ()

    @classmethod
    def of(cls, turn: Turn) -> TurnState:
        return cls(
            turn.turn_id,
            turn.turn_id,
            turn.kind,
            turn.outlet,
            turn.outlet_id,
            turn.question,
            turn.answer,
            tuple(turn.topics),
        )

    @property
    def substance(self) -> str:
        """Its question and answer without formatting or furniture (a view counter caught in the last answer)."""
        return substance(self.question).key + "\x00" + substance(self.answer).key

    def furniture(self, lines: Collection[str]) -> bool:
        """Whether the turn is page furniture the segmenter took for a turn: each of its paragraphs is one of
        the texts' furniture ``lines`` (normalised) or furniture on its own ("Views: 1,234" reads like an
        outlet's question; a related link's title like an announcement)."""
        asked = f"{self.outlet}: {self.question}" if self.outlet else self.question
        pieces = [piece for piece in (asked + PARAGRAPH_SEPARATOR + self.answer).split(PARAGRAPH_SEPARATOR) if piece]
        return all(normalised(piece) in lines or not substance(piece).kept for piece in pieces)

    @property
    def outlet_key(self) -> str | None:
        return self.outlet_id or (normalised(self.outlet).lower() if self.outlet else None)


@dataclass(frozen=True, slots=True)
class Before:
    """A document as it was before a new version replaced it."""

    title: str | None
    text: str
    #: Its turns, when it is a briefing that has them (None: not compared).
    turns: tuple[TurnState, ...] | None
    #: The new version comes from the raw record the document was stored from (a re-extraction): the page did
    #: not change, only how it is read.
    same_record: bool = False


def before(session: Session, document: Document, archive: ArchiveRef | None) -> Before:
    """Take the state of ``document`` that :func:`record` compares the new version with (a briefing's turns
    too); ``archive`` is the raw record of the new version."""
    turns = _turn_states(session, document.doc_id) if document.source_kind == BRIEFING else None
    same = archive is not None and (document.warc_file, document.warc_offset) == (archive.file, archive.offset)
    return Before(document.title, document.text, turns, same)


def record(session: Session, document: Document, version: DocumentVersion, was: Before, *, turns: bool) -> None:
    """Write the diff from ``was`` and whether it is cosmetic onto ``version`` (the document's new version), and
    set the document's ``edited_at`` when it is not cosmetic. ``turns``: the document's turns were replaced
    with the new text's, so its exchanges are compared too.

    A version extracted again from the same raw record (:attr:`Before.same_record`) is never an edit: the
    publisher changed nothing. Its diff says what the new extraction reads differently (``reextracted``), and
    it is stored as cosmetic."""
    diff, same_substance = text_diff(was.title, was.text, document.title, document.text)
    if turns and was.turns is not None:
        now = _turn_states(session, document.doc_id)
        diff.update(_exchanges(was.turns, now, was.text, document.text, cosmetic=same_substance))
    if was.same_record:
        diff["reextracted"] = True
    cosmetic = same_substance or was.same_record
    version.diff = diff
    version.cosmetic = cosmetic
    if not cosmetic:
        document.edited_at = version.fetched_at


def _exchanges(
    before: Sequence[TurnState], after: Sequence[TurnState], old_text: str, new_text: str, *, cosmetic: bool
) -> dict[str, list[dict[str, Any]]]:
    """:func:`exchange_diff` of two versions' turns; nothing when their substance is the same (whatever the
    turns show is then formatting: a counter or a link the segmenter took for a turn)."""
    if cosmetic:
        return {"exchanges_added": [], "exchanges_removed": [], "exchanges_changed": []}
    return exchange_diff(before, after, furniture_lines(old_text, new_text))


def _turn_states(session: Session, doc_id: str) -> tuple[TurnState, ...]:
    rows = session.scalars(select(Turn).where(Turn.doc_id == doc_id).order_by(Turn.position)).all()
    return tuple(TurnState.of(turn) for turn in rows)


# --- exchanges -----------------------------------------------------------------------------------------------


def furniture_lines(*texts: str) -> frozenset[str]:
    """The furniture lines of ``texts`` (:func:`pipeline.enrich.diff.substance`), normalised."""
    return frozenset(normalised(line) for text in texts for line in substance(text).furniture)


def exchange_diff(
    before: Sequence[TurnState], after: Sequence[TurnState], furniture: Collection[str] = ()
) -> dict[str, list[dict[str, Any]]]:
    """The exchanges (and announcements) removed, added and changed from ``before`` to ``after``.

    Turns are the same when their keys are (a stored turn keeps its id while its words do not change), or
    when only their formatting differs; a turn that is page furniture (:meth:`TurnState.furniture`, with the
    texts' ``furniture`` lines) is neither added nor removed. A removed turn and an added one are one turn
    *changed* when they are of the same kind and the same outlet and their questions are alike
    (:data:`SAME_QUESTION`), or their texts are (:data:`SAME_TEXT`: announcements, a corrected outlet).
    Each entry has ``turn_id``, ``outlet`` and a ``summary``; a changed one also ``previous_turn_id``,
    ``parts`` ("question", "answer") and the ``words`` added and removed in each."""
    kept = {turn.key for turn in after}
    gone = [turn for turn in before if turn.key not in kept and not turn.furniture(furniture)]
    known = {turn.key for turn in before}
    new = [turn for turn in after if turn.key not in known and not turn.furniture(furniture)]
    # Formatting only (a re-wrapped answer, a counter caught in it): the same exchange.
    same = {turn.substance for turn in gone} & {turn.substance for turn in new}
    gone = [turn for turn in gone if turn.substance not in same]
    new = [turn for turn in new if turn.substance not in same]
    changed: list[dict[str, Any]] = []
    for old in list(gone):
        match = _counterpart(old, new)
        if match is not None:
            gone.remove(old)
            new.remove(match)
            changed.append(_changed(old, match))
    return {
        "exchanges_added": [_entry(turn, "added") for turn in new],
        "exchanges_removed": [_entry(turn, "removed") for turn in gone],
        "exchanges_changed": changed,
    }


def _counterpart(old: TurnState, candidates: Sequence[TurnState]) -> TurnState | None:
    """The added turn that is ``old`` changed, if any (the most alike)."""
    best: tuple[float, TurnState] | None = None
    for new in candidates:
        if new.kind != old.kind:
            continue
        text = fuzz.ratio(normalised(old.question + " " + old.answer), normalised(new.question + " " + new.answer))
        score = text if text >= SAME_TEXT else 0.0
        if old.kind == "exchange" and old.outlet_key == new.outlet_key:
            question = fuzz.ratio(normalised(old.question), normalised(new.question))
            score = max(score, question if question >= SAME_QUESTION else 0.0)
        if score and (best is None or score > best[0]):
            best = (score, new)
    return best[1] if best is not None else None


def _subject(turn: TurnState) -> str:
    """'the exchange with AFP on taiwan ("Will the US arms sale…")', 'the announcement ("The foreign…")'."""
    quoted = (turn.question or turn.answer).split()
    opening = " ".join(quoted[:_QUOTED_WORDS]) + ("…" if len(quoted) > _QUOTED_WORDS else "")
    if turn.kind == "announcement":
        head = "the announcement"
    else:
        head = f"the exchange with {turn.outlet}" if turn.outlet else "the exchange"
    topics = " and ".join(topic.replace("-", " ") for topic in turn.topics[:2])
    on = f" on {topics}" if topics else ""
    return f'{head}{on} ("{opening}")' if opening else f"{head}{on}"


def _entry(turn: TurnState, verb: str) -> dict[str, Any]:
    return {"turn_id": turn.turn_id, "outlet": turn.outlet, "summary": f"{_subject(turn)} was {verb}"}


def _changed(old: TurnState, new: TurnState) -> dict[str, Any]:
    parts = [
        part
        for part, a, b in (("question", old.question, new.question), ("answer", old.answer, new.answer))
        if substance(a).key != substance(b).key
    ]
    what = " and ".join(f"the {part}" for part in parts) or "its speakers"
    words = {part: word_changes(spaced(getattr(old, part)), spaced(getattr(new, part))) for part in parts}
    return {
        "turn_id": new.turn_id,
        "previous_turn_id": old.turn_id,
        "outlet": new.outlet,
        "summary": f"{_subject(old)}: {what} {'were' if len(parts) > 1 else 'was'} changed",
        "parts": parts,
        "words": words,
    }


# --- reads ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VersionView:
    """One version as ``readout history`` shows it."""

    version: int
    fetched_at: datetime
    content_hash: str
    title: str | None
    #: None for the first version.
    diff: dict[str, Any] | None
    cosmetic: bool
    #: The diff was computed now from the stored texts (a version stored before diffs were written).
    computed: bool


class HistoryQueries(CatalogBase):
    """Reads of documents' versions with their diffs."""

    def last_version_cosmetic(self, item_url: str) -> bool:
        """Whether the latest version of ``item_url``'s document changed only its formatting (False when the
        page is not stored): a re-check that stored such a version found no edit."""
        with self.session() as session:
            query = (
                select(DocumentVersion.cosmetic)
                .where(DocumentVersion.doc_id == doc_id(item_url))
                .order_by(DocumentVersion.version.desc())
                .limit(1)
            )
            return bool(session.scalar(query))

    def version_count(self, doc_id: str) -> int:
        """How many versions of the document are stored."""
        with self.session() as session:
            query = select(func.count()).select_from(DocumentVersion).where(DocumentVersion.doc_id == doc_id)
            return session.scalar(query) or 0

    def history(
        self, doc_id: str, *, exchanges: Callable[[DocumentVersion], Sequence[TurnState]] | None = None
    ) -> list[VersionView]:
        """The document's versions, oldest first, each with its diff from the one before; a version stored
        without one gets it computed from the stored texts (``computed``), and with ``exchanges`` (a
        briefing's exchanges segmented from a version's text) its exchanges compared too."""
        with self.session() as session:
            versions = session.scalars(
                select(DocumentVersion).where(DocumentVersion.doc_id == doc_id).order_by(DocumentVersion.version)
            ).all()
            shown: list[VersionView] = []
            previous: DocumentVersion | None = None
            for version in versions:
                diff, cosmetic, computed = version.diff, version.cosmetic, False
                if diff is None and previous is not None:
                    diff, cosmetic = text_diff(previous.title, previous.text, version.title, version.text)
                    if exchanges is not None:
                        old, new = exchanges(previous), exchanges(version)
                        diff.update(_exchanges(old, new, previous.text, version.text, cosmetic=cosmetic))
                    computed = True
                shown.append(
                    VersionView(
                        version.version,
                        version.fetched_at,
                        version.content_hash,
                        version.title,
                        diff,
                        cosmetic,
                        computed,
                    )
                )
                previous = version
            return shown
