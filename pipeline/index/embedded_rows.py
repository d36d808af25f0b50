"""What the embedded index stores of a catalog document: its rows, or why it cannot be indexed.

A document is projected as for Elasticsearch (:func:`pipeline.index.projection.project_document`), checked
(an id, a revision SQLite can store, some text, valid Unicode, a readable date) and turned into the values
of its ``docs`` and ``texts`` rows. A document that fails a check is rejected with the reason and costs
only itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from pipeline.index.coverage_projection import (
    CitationLike,
    CoverageLike,
    document_coverage_fields,
    turn_coverage_fields,
)
from pipeline.index.history_projection import missing_in_twin
from pipeline.index.projection import Projectable, project_document
from pipeline.index.search import BulkOutcome, Rejection
from pipeline.index.turn_projection import TurnLike

_INT64_MAX = 2**63 - 1


def row_batches(documents: Iterable[Projectable], outcome: BulkOutcome, size: int) -> Iterator[list[Row]]:
    """Prepared rows in batches of ``size``; documents that cannot be indexed go to ``outcome``."""
    iterator = iter(documents)
    while batch := list(islice(iterator, size)):
        rows: list[Row] = []
        for document in batch:
            prepared = prepare(document)
            if isinstance(prepared, Rejection):
                outcome.rejected.append(prepared)
            else:
                rows.append(prepared)
        if rows:
            yield rows


@dataclass(frozen=True, slots=True)
class Row:
    """A document ready to write: the values of the ``docs`` row and of the ``texts`` row, in the columns' order
    (:data:`pipeline.index.embedded_schema.META_COLUMNS`, ``TEXT_COLUMNS``)."""

    doc_id: str
    revision: int
    meta: tuple[Any, ...]
    texts: tuple[Any, ...]
    #: Its turns missing from its other-language twin (``turns.missing_in_twin``).
    missing_in_twin: frozenset[str] = frozenset()

    @property
    def language(self) -> str | None:
        """The document's (projected, lower-case) language."""
        return self.texts[2]  # type: ignore[no-any-return]

    @property
    def removed(self) -> int:
        """1 when the document was removed from its site, else 0 (the ``docs.removed`` value)."""
        return int(self.meta[5])


def prepare(document: Projectable) -> Row | Rejection:
    """A document's rows, or why it cannot be indexed."""
    doc_id = getattr(document, "doc_id", None)
    revision = getattr(document, "revision", None)
    key_id = doc_id if isinstance(doc_id, str) else str(doc_id)
    key_revision = revision if isinstance(revision, int) and not isinstance(revision, bool) else -1

    def reject(reason: str, error_type: str = "invalid_document") -> Rejection:
        return Rejection(key_id, key_revision, None, error_type, reason)

    try:
        projected = project_document(document)
    except Exception as exc:  # a document the projection cannot read costs itself, not the batch
        return reject(f"cannot project the document: {type(exc).__name__}: {exc}", "projection_error")
    if not isinstance(doc_id, str) or not doc_id.strip():
        return reject("no doc_id")
    if key_revision < 0 or key_revision > _INT64_MAX:
        return reject(f"revision must be a non-negative 64-bit integer, not {revision!r}")
    text = projected.get("text")
    if not isinstance(text, str) or not any(ch.isalnum() for ch in text):
        return reject("no text to index")
    for field in ("url", "source", "kind"):
        if not isinstance(projected.get(field), str) or not projected[field]:
            return reject(f"no {field}")
    title = projected.get("title")
    strings = [
        doc_id,
        text,
        title,
        projected["url"],
        projected.get("publisher"),
        *projected.get("topics", ()),
        *projected.get("countries", ()),
    ]
    for value in strings:
        if isinstance(value, str) and not _valid_unicode(value):
            return reject("text is not valid Unicode (lone surrogate code points)")
    try:
        published_at, published_ts = _utc(projected.get("published_at"))
    except ValueError as exc:
        return reject(f"published_at is not an ISO date-time: {exc}")
    meta = (
        doc_id,
        key_revision,
        projected["source"],
        projected["kind"],
        projected.get("language"),
        1 if projected.get("removed") else 0,
        published_ts,
        _json_set(projected.get("topics", ())),
        _json_set(projected.get("countries", ())),
        published_at,
        projected["url"],
        projected.get("publisher"),
        projected.get("country"),
        projected["cluster_id"],
        1 if projected["edited"] else 0,
    )
    texts = (title, text, projected.get("language"))
    return Row(doc_id, key_revision, meta, texts, missing_in_twin(document))


def _valid_unicode(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _utc(value: object) -> tuple[str | None, int | None]:
    """ISO UTC text and epoch seconds of a projected date (naive means UTC, as in the catalog)."""
    if value is None:
        return None, None
    parsed = datetime.fromisoformat(str(value))
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return parsed.isoformat(), int(parsed.timestamp())


def _json_set(values: Iterable[Any]) -> str:
    # Unique values, so that a facet never counts one document twice.
    return json.dumps(sorted({str(value) for value in values}), ensure_ascii=False)


def turn_values(turn: TurnLike, row: Row, reports: Sequence[CoverageLike] = ()) -> tuple[Any, ...]:
    """A turn of the document ``row`` as the values of its ``turns`` row
    (:data:`pipeline.index.embedded_schema.TURN_COLUMNS`); removed with its document, in its language
    (the document's when the turn has none), dated as the briefing (naive means UTC), with its coverage
    by the news ``reports`` of it and whether it is missing from the document's twin."""
    language = (turn.language or row.language or "").lower() or None
    date_iso, date_ts = _utc(turn.briefing_date.isoformat() if turn.briefing_date is not None else None)
    return (
        turn.turn_id,
        turn.doc_id,
        turn.position,
        turn.kind,
        turn.source_id,
        turn.ministry,
        language,
        row.removed,
        date_ts,
        date_iso,
        turn.spokesperson,
        turn.spokesperson_id,
        turn.outlet,
        turn.outlet_id,
        _json_set(turn.topics),
        _json_set(turn.countries),
        turn.question,
        turn.answer,
        *_coverage_values(turn_coverage_fields(reports)),
        1 if turn.turn_id in row.missing_in_twin else 0,
    )


def _coverage_values(fields: Mapping[str, Any]) -> tuple[Any, ...]:
    """A turn's coverage columns (``coverage_count`` … ``worst_verdict``) from its projected fields."""
    return (
        fields["coverage_count"],
        _json_set(fields.get("covered_by", ())),
        _json_set(fields.get("covered_by_source", ())),
        fields.get("worst_verdict"),
    )


def citation_values(doc_id: str, citations: Sequence[CitationLike]) -> tuple[Any, ...]:
    """A document's ``citations`` row (:data:`pipeline.index.embedded_schema.INSERT_CITATIONS`); it must have
    citations."""
    fields = document_coverage_fields(citations)
    cited = json.dumps(fields["cited_turns"], ensure_ascii=False)
    return (doc_id, fields["citation_count"], fields["worst_verdict"], cited)
