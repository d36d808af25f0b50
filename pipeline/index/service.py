"""The index stage: feed the search index from the catalog's outbox, rebuild it, and search it.

One search target is active: Elasticsearch when ``READOUT_ELASTICSEARCH_URL`` is set, otherwise the
embedded SQLite FTS5 index in the data folder. A document is pending for the target while its
``revision`` is newer than the one the target acknowledged (``index_acks``); it is acknowledged only
after the target says it has it, rejected revisions go to ``index_dead_letters`` with the reason, and
anything else (429 after retries, 5xx, the target unreachable) stays pending for the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config import Settings
from pipeline.errors import SearchBackendError
from pipeline.index.coverage_projection import coverage_lookup
from pipeline.index.damage import IndexDamagedError, inspect, set_aside
from pipeline.index.query import parse
from pipeline.index.search import BulkOutcome, SearchFilters, SearchResult, TurnSearchResult

if TYPE_CHECKING:
    from pipeline.index.projection import Projectable

    # Only for annotations: a search answers from the index without importing SQLAlchemy and Alembic.
    from pipeline.store.catalog import Catalog

log = logging.getLogger(__name__)

ELASTICSEARCH = "elasticsearch"
EMBEDDED = "embedded"
#: Documents per batch when rebuilding the embedded index.
REBUILD_BATCH = 500


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
    #: The physical index acknowledgements are kept for (see :func:`ack_key`).
    index: str | None = None
    error: str | None = None
    #: The embedded index file is damaged: no later run can fill it, ``readout reindex`` rebuilds it.
    damaged: bool = False
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
    #: Where a damaged embedded index was moved before the rebuild (``search.db.corrupt-<time>``).
    set_aside: str | None = None
    #: Turns of briefings in the rebuilt index (Elasticsearch: in ``turns_index``, swapped with the documents').
    turns: int = 0
    turns_index: str | None = None


def ack_key(kind: str, backend: Any) -> str:
    """The key the catalog keeps acknowledgements under: the target kind and the physical index's identity.

    A new cluster, a deleted index, a rebuilt one or a deleted ``search.db`` has a new identity, so
    nothing is taken as acknowledged there and every document is sent again.
    """
    return f"{kind}:{backend.identity()}"


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
            elastic.probe()  # seconds, not every request's timeouts and retries, when the cluster is not there
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
    kind = active_target(settings)
    report = IndexReport(kind)
    key: str | None = None
    try:
        with open_backend(settings) as backend:
            key = ack_key(kind, backend)
            report.index = key
            coverage_for = coverage_lookup(catalog)
            try:
                for batch in catalog.pending_for_index(key, batch=settings.elasticsearch_bulk_chunk):
                    # The batch's turns ride with it: a document is acknowledged only with all its turns. Its
                    # citations and its turns' coverage too (two queries for the whole batch).
                    ids = [document.doc_id for document in batch]
                    turns = catalog.turns_for_documents(ids)
                    outcome: BulkOutcome = backend.index_documents(batch, turns, coverage_for(ids, turns))
                    _record(catalog, key, outcome, report, sent=len(batch))
            except SearchBackendError as exc:
                # A batch interrupted half-way still tells which documents arrived.
                partial = getattr(exc, "outcome", None)
                if isinstance(partial, BulkOutcome):
                    _record(catalog, key, partial, report, sent=0)
                raise
            if kind == ELASTICSEARCH:
                report.runs_indexed = _index_runs(catalog, backend)
    except IndexDamagedError as exc:
        # Not transient: no later run can write into that file, so nothing promises a catch-up. The caller
        # says it (one line), with the command that rebuilds it.
        report.error, report.damaged = str(exc), True
    except SearchBackendError as exc:
        report.error = str(exc)
        log.warning("indexing into %s failed; documents stay pending for the next run: %s", kind, exc)
    report.pending_after = catalog.pending_count(key) if key else catalog.count_documents()
    log.info(
        "index %s: %d sent, %d acknowledged, %d rejected, %d left for later, %d pending",
        kind,
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
    try:
        outcome: BulkOutcome = backend.index_runs(rows)
    except SearchBackendError as exc:
        # Keep what arrived; re-raise without the partial outcome, which holds run ids, not documents.
        partial = getattr(exc, "outcome", None)
        if isinstance(partial, BulkOutcome):
            _mark_runs(catalog, rows, partial)
        raise SearchBackendError(f"run results: {exc}") from exc
    return _mark_runs(catalog, rows, outcome)


def _mark_runs(catalog: Catalog, rows: list[dict[str, Any]], outcome: BulkOutcome) -> int:
    """Mark acknowledged run rows indexed. A rejected row is marked too (with a warning): a malformed
    run result must not block newer ones from the dashboard for ever."""
    done = {doc_id for doc_id, _ in outcome.acked}
    for rejection in outcome.rejected:
        log.warning("the runs index rejected %s: %s", rejection.doc_id, rejection.reason)
        done.add(rejection.doc_id)
    keys = [(row["run_id"], row["source"]) for row in rows if f"{row['run_id']}:{row['source']}" in done]
    catalog.mark_run_results_indexed(keys)
    return len(keys)


def reindex(settings: Settings, catalog: Catalog, *, drop_old: bool = False) -> ReindexReport:
    """Rebuild the active target from the catalog (never from the old index).

    Elasticsearch: a new ``vN+1`` index is filled, its count verified, and the alias swapped in one
    atomic request; the old index is kept unless ``drop_old``. Documents that change while the new
    index is built stay pending and reach it through the alias on the next index run.
    Embedded: the contents are replaced in one transaction (searches see the old index until it commits);
    a damaged file (:mod:`pipeline.index.damage`) is moved aside first and a new one built.
    """
    kind = active_target(settings)
    # A fixed snapshot: documents stored while the rebuild runs are not part of it (and stay pending).
    snapshot = catalog.document_ids()

    def documents() -> Iterator[Projectable]:
        for start in range(0, len(snapshot), REBUILD_BATCH):
            yield from catalog.documents_by_ids(snapshot[start : start + REBUILD_BATCH])

    if kind == ELASTICSEARCH:
        from pipeline.index.elastic import ElasticIndex

        elastic = ElasticIndex.from_settings(settings)
        try:
            # Templates only: a reindex is also how a lost alias is recovered, which ensure_ready refuses.
            elastic.apply_templates()
            # Raises (leaving the alias alone) unless the new index counts every document of the snapshot.
            result = elastic.reindex(
                documents(),
                len(snapshot),
                drop_old=drop_old,
                turns_for=catalog.turns_for_documents,
                coverage_for=coverage_lookup(catalog),
            )
            key = ack_key(kind, elastic)
        finally:
            elastic.close()
        # Acknowledged under the new index's identity: only what it confirmed.
        _record(catalog, key, result.outcome, IndexReport(kind), sent=len(snapshot))
        return ReindexReport(
            kind,
            result.old_index,
            result.new_index,
            result.count,
            drop_old,
            turns=result.turns_counted or 0,
            turns_index=result.turns_new_index,
        )

    path = settings.effective_search_db
    # A damaged file cannot be rebuilt in place (dropping its tables reads the damaged pages): check it
    # whole (quick_check), and move it aside rather than delete it.
    moved = set_aside(path) if inspect(path) is not None else None
    try:
        outcome, key, count, turns = _rebuild_embedded(path, documents(), catalog)
    except IndexDamagedError:
        if moved is not None:
            raise  # a new file damaged too: the disk, not the index
        # Damage quick_check does not read (the FTS index's own structure) showed when the rebuild touched it.
        moved = set_aside(path)
        outcome, key, count, turns = _rebuild_embedded(path, documents(), catalog)
    _record(catalog, key, outcome, IndexReport(kind), sent=len(snapshot))
    return ReindexReport(kind, None, str(path), count, set_aside=str(moved) if moved else None, turns=turns)


def _rebuild_embedded(
    path: Path, documents: Iterable[Projectable], catalog: Catalog
) -> tuple[BulkOutcome, str, int, int]:
    """Rebuild the embedded index at ``path`` (documents and their turns): the outcome, the new identity's
    ack key, the counts of documents and turns."""
    from pipeline.index.embedded import EmbeddedIndex

    with EmbeddedIndex(path) as embedded:
        # One transaction: searches see the old index until the new one commits, under a new identity.
        outcome = embedded.rebuild(documents, catalog.turns_for_documents, coverage_lookup(catalog))
        return outcome, ack_key(EMBEDDED, embedded), embedded.count(), embedded.count_turns()


def search(
    settings: Settings, text: str, filters: SearchFilters, *, limit: int = 20, fold: bool = True
) -> SearchResult:
    """Search the active target with Readout's query language (:mod:`pipeline.index.query`). Folded (the
    default): one hit per near-duplicate cluster, its best-ranked matching document, with the number of
    other matching copies (``docs/duplicates.md``); ``fold=False``: every matching document."""
    query = parse(text)
    if active_target(settings) == ELASTICSEARCH:
        from pipeline.index.elastic import ElasticIndex

        elastic = ElasticIndex.from_settings(settings)
        try:
            result: SearchResult = elastic.search(query, filters, limit, fold=fold)
        finally:
            elastic.close()
        return result
    from pipeline.index.embedded import EmbeddedIndex

    # Read-only: a search never empties an index built with another analysis, it says how to rebuild it.
    with EmbeddedIndex(settings.effective_search_db, read_only=True) as embedded:
        found: SearchResult = embedded.search(query, filters, limit, fold=fold)
        return found


def search_turns(settings: Settings, text: str, filters: SearchFilters, *, limit: int = 20) -> TurnSearchResult:
    """Search the briefings' turns (question and answer) on the active target, with the same query language."""
    query = parse(text)
    if active_target(settings) == ELASTICSEARCH:
        from pipeline.index.elastic import ElasticIndex

        elastic = ElasticIndex.from_settings(settings)
        try:
            result: TurnSearchResult = elastic.search_turns(query, filters, limit)
        finally:
            elastic.close()
        return result
    from pipeline.index.embedded import EmbeddedIndex

    with EmbeddedIndex(settings.effective_search_db, read_only=True) as embedded:
        found: TurnSearchResult = embedded.search_turns(query, filters, limit)
        return found
