"""What a briefing turn looks like in the search indices: one flat JSON object per exchange or announcement.

The same projection feeds Elasticsearch (``_source`` of ``<prefix>-turns``, ``_id`` = ``turn_id``) and
the embedded index's ``turns`` table. Its fields are exactly those of
``config/elasticsearch/component_templates/readout-turn-mappings.json`` (``dynamic: strict``); a test
checks that projected turns validate against the mapping.

Like documents, the question and answer are indexed twice: ``question``/``answer`` with the standard
analyzer (every language, phrases), and ``question_<lang>``/``answer_<lang>`` with the turn's own
language analyzer (stemming; CJK bigrams), filled only for that language. A turn carries from its
document what the index needs on its own: the document's ``revision`` (the external version every turn
of that revision is written with), its ``url``, whether it was ``removed`` and whether the turn is
``missing_in_twin`` (:mod:`pipeline.index.history_projection`); and from the news that
reports it, its coverage (``coverage_count``, ``covered_by``, ``covered_by_source``, ``worst_verdict``:
:mod:`pipeline.index.coverage_projection`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from pipeline.index.coverage_projection import CoverageLike, turn_coverage_fields
from pipeline.index.history_projection import missing_in_twin
from pipeline.index.projection import ANALYZED_LANGUAGES, Projectable

#: Text parts of a turn, each with its language fields.
TURN_TEXTS: tuple[str, ...] = ("question", "answer")


class TurnLike(Protocol):
    """The catalog turn fields the projection reads (``pipeline.store.schema.Turn``)."""

    turn_id: str
    doc_id: str
    number: int
    position: int
    kind: str
    source_id: str
    ministry: str
    briefing_date: datetime | None
    language: str | None
    spokesperson_id: str | None
    spokesperson: str | None
    outlet_id: str | None
    outlet: str | None
    journalist: str | None
    question: str
    answer: str
    topics: list[Any]
    countries: list[Any]
    question_countries: list[Any]
    answer_countries: list[Any]
    content_hash: str
    version: int


#: A batch's turns: doc_id → its current turns (a document absent from it has none).
TurnsByDocument = Mapping[str, Sequence[TurnLike]]
#: Looks up a batch's current turns in the catalog (doc_ids → turns).
TurnLookup = Callable[[Sequence[str]], TurnsByDocument]


def project_turn(turn: TurnLike, document: Projectable, reports: Sequence[CoverageLike] = ()) -> dict[str, Any]:
    """The search-index form of a turn of ``document`` (the document at the revision being indexed), with the
    news ``reports`` of it."""
    language = (turn.language or document.language or "").lower() or None
    projected: dict[str, Any] = {
        "turn_id": turn.turn_id,
        "doc_id": turn.doc_id,
        "number": turn.number,
        "position": turn.position,
        "kind": turn.kind,
        "source": turn.source_id,
        "ministry": turn.ministry,
        "language": language,
        "date": turn.briefing_date.isoformat() if turn.briefing_date is not None else None,
        "url": document.url,
        "spokesperson_id": turn.spokesperson_id,
        "spokesperson": turn.spokesperson,
        "outlet_id": turn.outlet_id,
        "outlet": turn.outlet,
        "journalist": turn.journalist,
        "question": turn.question,
        "answer": turn.answer,
        "topics": [str(t) for t in turn.topics],
        "countries": [str(c) for c in turn.countries],
        "question_countries": [str(c) for c in turn.question_countries],
        "answer_countries": [str(c) for c in turn.answer_countries],
        "removed": document.removed_at is not None,
        "missing_in_twin": turn.turn_id in missing_in_twin(document),
        "version": turn.version,
        "revision": document.revision,
        "content_hash": turn.content_hash,
    }
    if language in ANALYZED_LANGUAGES:
        for part in TURN_TEXTS:
            projected[f"{part}_{language}"] = projected[part]
    projected.update(turn_coverage_fields(reports))
    return {key: value for key, value in projected.items() if value is not None}
