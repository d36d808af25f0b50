"""What a catalog document looks like in the search index: one flat JSON object per document.

The same projection feeds Elasticsearch (``_source``, with ``doc_id`` as ``_id``) and the embedded
index. Its fields are exactly those of ``config/elasticsearch/`` (``dynamic: strict``): a test checks
that every projected fixture document validates against the mapping.

Text is indexed twice: ``title``/``text`` with the standard analyzer (every language, phrase search),
and ``title_<lang>``/``text_<lang>`` with the language's own analyzer (stemming; CJK bigrams for
``zh`` and ``ja``), filled only for the document's own language.

A news document's citations (briefing quotes linked to exchanges) add ``citation_count``,
``cited_turns`` and ``worst_verdict`` (:mod:`pipeline.index.coverage_projection`); every document carries its
history (``edited``, ``removal_kind``, ``version_count``, ``has_twin``...: :mod:`pipeline.index.history_projection`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from pipeline.index.coverage_projection import CitationLike, document_coverage_fields
from pipeline.index.history_projection import document_history_fields

#: Languages with their own analyzed fields (Elasticsearch analyzer in the mapping).
ANALYZED_LANGUAGES: dict[str, str] = {
    "en": "english",
    "ru": "russian",
    "fr": "french",
    "es": "spanish",
    "de": "german",
    "ar": "arabic",
    "zh": "cjk",
    "ja": "cjk",
}


def analyzed_codes(languages: Iterable[str] | None = None) -> list[str]:
    """The languages whose own fields a query runs over: every analysed one, or those of ``languages``."""
    wanted = set(ANALYZED_LANGUAGES) if languages is None else set(languages)
    return [code for code in ANALYZED_LANGUAGES if code in wanted]


class Projectable(Protocol):
    """The catalog document fields the projection reads (``pipeline.store.schema.Document``)."""

    doc_id: str
    url: str
    canonical_url: str
    source_id: str
    source_kind: str
    publisher: str
    source_country: str
    language: str | None
    title: str | None
    text: str
    published_at: datetime | None
    fetched_at: datetime
    first_seen_at: datetime
    content_hash: str
    version: int
    revision: int
    removed_at: datetime | None
    removal_evidence: dict[str, Any] | None
    edited_at: datetime | None
    twin_doc_id: str | None
    twin_unmatched: list[Any]
    authors: list[Any]
    topics: list[Any]
    countries: list[Any]
    key_phrases: list[Any]
    tagged_with: str | None
    duplicate_of: str | None
    cluster_id: str | None
    date_source: str | None
    extractor_version: str
    warc_file: str | None
    warc_offset: int | None
    run_id: str | None


def project_document(document: Projectable, citations: Sequence[CitationLike] = ()) -> dict[str, Any]:
    """The search-index form of a catalog document, with its ``citations`` (none: no citation fields)."""
    language = (document.language or "").lower() or None
    projected: dict[str, Any] = {
        "doc_id": document.doc_id,
        "url": document.url,
        "canonical_url": document.canonical_url,
        "source": document.source_id,
        "kind": document.source_kind,
        "publisher": document.publisher,
        "ministry": document.publisher if document.source_kind == "briefing" else None,
        "country": document.source_country,
        "language": language,
        "title": document.title,
        "text": document.text,
        "published_at": _iso(document.published_at),
        "fetched_at": _iso(document.fetched_at),
        "first_seen_at": _iso(document.first_seen_at),
        "removed": document.removed_at is not None,
        "removed_at": _iso(document.removed_at),
        "version": document.version,
        "revision": document.revision,
        "content_hash": document.content_hash,
        "authors": [str(a) for a in document.authors],
        "topics": [str(t) for t in document.topics],
        "countries": [str(c) for c in document.countries],
        "key_phrases": [str(p) for p in document.key_phrases],
        "tagged_with": document.tagged_with,
        "duplicate_of": document.duplicate_of,
        # Every document has one, so that folding by it never lumps unclustered documents (briefings, and
        # documents stored before clustering) together: a document of no cluster is a cluster of one.
        "cluster_id": document.cluster_id or document.doc_id,
        "date_source": document.date_source,
        "extractor_version": document.extractor_version,
        "run_id": document.run_id,
        "archive": {"file": document.warc_file, "offset": document.warc_offset} if document.warc_file else None,
    }
    if language in ANALYZED_LANGUAGES:
        projected[f"title_{language}"] = document.title
        projected[f"text_{language}"] = document.text
    projected.update(document_history_fields(document))
    projected.update(document_coverage_fields(citations))
    return {key: value for key, value in projected.items() if value is not None}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
