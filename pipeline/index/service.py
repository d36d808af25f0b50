"""The index stage: feed the search index from the catalog's outbox, rebuild it, and search it.

One search target is active: Elasticsearch when ``READOUT_ELASTICSEARCH_URL`` is set, otherwise the
embedded SQLite FTS5 index in the data folder. A document is pending for the target while its
``revision`` is newer than the one the target acknowledged (``index_acks``); it is acknowledged only
after the target says it has it, rejected revisions go to ``index_dead_letters`` with the reason, and
anything else (429 after retries, 5xx, the target unreachable) stays pending for the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.config import Settings
from pipeline.errors import SearchBackendError
from pipeline.index.query import parse
from pipeline.index.search import BulkOutcome, SearchFilters, SearchResult
from pipeline.store.catalog import Catalog

if TYPE_CHECKING:
    from pipeline.index.projection import Projectable
    from pipeline.index.query import Query

log = logging.getLogger(__name__)

ELASTICSEARCH = "elasticsearch"
EMBEDDED = "embedded"
#: Documents per batch when rebuilding the embedded index.
REBUILD_BATCH = 500


class Backend(Protocol):
    """What the index stage needs of a search target."""

    def index_documents(self, documents: list[Projectable]) -> BulkOutcome: ...

    def search(self, query: Query, filters: SearchFilters, limit: int) -> SearchResult: ...


@dataclass
class IndexReport:
    """What one pass over the outbox did."""

    target: str
    sent: int = 0
    acked: int = 0
    rejected: int = 0
    retry_later: int = 0
    runs_indexed: int = 0
    pending_after: int = 0
    error: str | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class ReindexReport:
    """What a rebuild did: the index it replaced and the one now searched."""

    target: str
    old_index: str | None
    new_index: str | None
    documents: int
    dropped_old: bool = False


def active_target(settings: Settings) -> str:
    """``elasticsearch`` when an Elasticsearch URL is configured, else ``embedded``."""
    return ELASTICSEARCH if settings.elasticsearch_url else EMBEDDED


@contextmanager
def open_backend(settings: Settings) -> Iterator[Any]:
    """The active search target, ready to take documents (templates and aliases in place)."""
    if active_target(settings) == ELASTICSEARCH:
        from pipeline.index.elastic import ElasticIndex

        elastic = ElasticIndex.from_settings(settings)
        try:
            elastic.ensure_ready()
            yield elastic
        finally:
            elastic.close()
    else:
        from pipeline.index.embedded import EmbeddedIndex

        with EmbeddedIndex(settings.effective_search_db) as embedded:
            yield embedded


def index_pending(settings: Settings, catalog: Catalog) -> IndexReport:
    """Send every catalog change the active target has not acknowledged. Never raises for the target's
    failures: they are in the report, and the documents stay pending."""
    target = active_target(settings)
    report = IndexReport(target)
    try:
        with open_backend(settings) as backend:
            for batch in catalog.pending_for_index(target, batch=settings.elasticsearch_bulk_chunk):
                outcome: BulkOutcome = backend.index_documents(batch)
                _record(catalog, target, outcome, report, sent=len(batch))
            if target == ELASTICSEARCH:
                report.runs_indexed = _index_runs(catalog, backend)
    except SearchBackendError as exc:
        # A batch interrupted half-way still tells which documents arrived.
        partial = getattr(exc, "outcome", None)
        if isinstance(partial, BulkOutcome):
            _record(catalog, target, partial, report, sent=0)
        report.error = str(exc)
        log.warning("indexing into %s failed; documents stay pending for the next run: %s", target, exc)
    report.pending_after = catalog.pending_count(target)
    log.info(
        "index %s: %d sent, %d acknowledged, %d rejected, %d left for later, %d pending",
        target,
        report.sent,
        report.acked,
        report.rejected,
        report.retry_later,
        report.pending_after,
    )
    return report


def _record(catalog: Catalog, target: str, outcome: BulkOutcome, report: IndexReport, *, sent: int) -> None:
    catalog.ack(target, outcome.acked)
    for rejection in outcome.rejected:
        catalog.dead_letter(
            target,
            rejection.doc_id,
            rejection.revision,
            status=rejection.status,
            error_type=rejection.error_type,
            reason=rejection.reason,
        )
        log.warning("index %s rejected %s: %s", target, rejection.doc_id[:12], rejection.reason)
    report.sent += sent
    report.acked += len(outcome.acked)
    report.rejected += len(outcome.rejected)
    report.retry_later += len(outcome.retry_later)
    report.reasons.extend(reason for _, _, reason in outcome.retry_later[:3])


def _index_runs(catalog: Catalog, backend: Any) -> int:
    """Per-source run results for the "Pipeline health" dashboard (Elasticsearch only)."""
    rows = catalog.unindexed_run_results()
    if not rows:
        return 0
    outcome: BulkOutcome = backend.index_runs(rows)
    done = {doc_id for doc_id, _ in outcome.acked}
    keys = [(row["run_id"], row["source"]) for row in rows if f"{row['run_id']}:{row['source']}" in done]
    catalog.mark_run_results_indexed(keys)
    return len(keys)


def reindex(settings: Settings, catalog: Catalog, *, drop_old: bool = False) -> ReindexReport:
    """Rebuild the active target from the catalog (never from the old index).

    Elasticsearch: a new ``vN+1`` index is filled, its count verified, and the alias swapped in one
    atomic request; the old index is kept unless ``drop_old``. Documents that change while the new
    index is built stay pending and reach it through the alias on the next index run.
    Embedded: the index file is rebuilt in place.
    """
    target = active_target(settings)
    sent: dict[str, int] = {}

    def documents() -> Iterator[Projectable]:
        for batch in catalog.all_documents():
            for document in batch:
                sent[document.doc_id] = document.revision
                yield document

    if target == ELASTICSEARCH:
        from pipeline.index.elastic import ElasticIndex

        elastic = ElasticIndex.from_settings(settings)
        try:
            # Templates only: a reindex is also how a lost alias is recovered, which ensure_ready refuses.
            elastic.apply_templates()
            # Raises (leaving the alias alone) unless every document arrived and the count matches.
            result = elastic.reindex(documents(), catalog.count_documents(), drop_old=drop_old)
        finally:
            elastic.close()
        # The new index holds exactly the revisions sent; anything newer stays pending.
        catalog.forget_acks(target)
        catalog.ack(target, list(sent.items()))
        return ReindexReport(target, result.old_index, result.new_index, result.count, drop_old)

    from pipeline.index.embedded import EmbeddedIndex

    outcome = BulkOutcome()
    with EmbeddedIndex(settings.effective_search_db) as embedded:
        embedded.clear()
        catalog.forget_acks(target)
        batch: list[Projectable] = []
        for document in documents():
            batch.append(document)
            if len(batch) >= REBUILD_BATCH:
                outcome.merge(embedded.index_documents(batch))
                batch = []
        if batch:
            outcome.merge(embedded.index_documents(batch))
        count = embedded.count()
    # Only what the index took is acknowledged; rejections are dead-lettered like in index_pending.
    _record(catalog, target, outcome, IndexReport(target), sent=len(sent))
    return ReindexReport(target, None, str(settings.effective_search_db), count)


def search(settings: Settings, text: str, filters: SearchFilters, *, limit: int = 20) -> SearchResult:
    """Search the active target with Readout's query language (:mod:`pipeline.index.query`)."""
    query = parse(text)
    if active_target(settings) == ELASTICSEARCH:
        from pipeline.index.elastic import ElasticIndex

        elastic = ElasticIndex.from_settings(settings)
        try:
            result: SearchResult = elastic.search(query, filters, limit)
        finally:
            elastic.close()
        return result
    from pipeline.index.embedded import EmbeddedIndex

    with EmbeddedIndex(settings.effective_search_db) as embedded:
        found: SearchResult = embedded.search(query, filters, limit)
        return found
