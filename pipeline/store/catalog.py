"""The catalog: Readout's system of record (SQLite by default, PostgreSQL in the stack).

Only the main thread of a run writes here; workers get what they need (the seen set, HTTP validators)
up front and hand their results back. Every write is idempotent: storing the same page twice changes
nothing the second time.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, delete, event, func, select
from sqlalchemy.orm import Session

from pipeline.config import (
    DEFAULT_DUPLICATE_THRESHOLD,
    Settings,
    Source,
    load_sources,
    validate_source_entries,
)
from pipeline.errors import CatalogError, ConfigError
from pipeline.models import ArchiveRef, DiscoveredItem, ExtractedDocument, FetchedResponse
from pipeline.store.access import (
    CatalogMissingError,
    Timeouts,
    check_schema_current,
    engine_options,
    explain_errors,
    first_line,
    normalised_url,
    read_only_engine,
    shown_url,
)
from pipeline.store.schema import (
    Document,
    DocumentVersion,
    FrontierItem,
)

if TYPE_CHECKING:
    from pipeline.enrich import Enrichment
    from pipeline.enrich.dedup import Fingerprint
from pipeline.enrich.coverage.meaning import default_meaning
from pipeline.store import history
from pipeline.store.citations import CitationQueries, Linker, default_linker
from pipeline.store.duplicates import DuplicateQueries, assign_cluster
from pipeline.store.enrichment import link_enrichment, set_enrichment, write_enrichment
from pipeline.store.frontier import (
    FrontierQueries,
    fit_header,
)
from pipeline.store.history import HistoryQueries
from pipeline.store.outbox import OutboxQueries
from pipeline.store.rechecks import RecheckQueries, came_back, schedule
from pipeline.store.runs import RunQueries
from pipeline.store.turns import TurnQueries
from pipeline.store.twins import TwinSources
from pipeline.urls import canonical_url, doc_id, legacy_doc_id

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

StoreOutcome = Literal["new", "updated", "unchanged"]


def content_hash(title: str | None, text: str) -> str:
    """Hash of what a reader sees; a change means a new version."""
    return hashlib.sha256(f"{title or ''}\n\n{text}".encode()).hexdigest()


def migrate(engine: Engine) -> None:
    """Bring the catalog's schema to the newest migration (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # A migration may rewrite a large table: only the lock timeout bounds it, not the statement timeout.
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def create_catalog_engine(url: str, timeouts: Timeouts | None = None) -> Engine:
    """An engine for ``url`` that waits for locks and statements only as long as ``timeouts`` say and raises a
    one-line :class:`CatalogError` for the database's errors (:mod:`pipeline.store.access`); SQLite gets WAL
    and foreign keys, and its folder created."""
    timeouts = timeouts or Timeouts()
    parsed = normalised_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **engine_options(parsed, timeouts))
    if parsed.get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    explain_errors(engine, url, timeouts)
    return engine


class Catalog(
    CitationQueries,
    DuplicateQueries,
    FrontierQueries,
    HistoryQueries,
    OutboxQueries,
    RecheckQueries,
    RunQueries,
    TurnQueries,
):
    """Queries and writes over the catalog's tables."""

    _linker: Linker | None = None
    _twins: TwinSources | None = None
    #: The sources file whose briefing sources give each ministry's time zone (``for_settings`` sets it).
    sources_path: Path | None = None
    #: Whether quotes no word rule links are matched by meaning (the ``match_by_meaning`` setting).
    match_by_meaning: bool = True

    @property
    def linker(self) -> Linker:
        """Aligns news quotes with briefings when documents are stored. Built on first use: each ministry's
        briefing days are read in the time zone of its configured briefing sources (the built-in zones when
        the sources file is not given or cannot be read: storing must not depend on it)."""
        if self._linker is None:
            meaning = default_meaning() if self.match_by_meaning else None
            self._linker = default_linker() if meaning is not None else Linker()
            if self.sources_path is not None:
                try:
                    sources = load_sources(self.sources_path)
                except (ConfigError, OSError):
                    return self._linker
                zones = {s.country: s.tz for s in sources if s.kind == "briefing" and s.country}
                self._linker = Linker(zones, meaning=meaning)
        return self._linker

    @linker.setter
    def linker(self, linker: Linker) -> None:
        self._linker = linker

    @property
    def twins(self) -> TwinSources:
        """The configured pairs of twin sources (:mod:`pipeline.store.twins`), read from the sources file on first
        use; none when it is not given or cannot be read (storing must not depend on it)."""
        if self._twins is None:
            self._twins = TwinSources()
            if self.sources_path is not None:
                # The valid entries: one broken entry must not unpair the others.
                with contextlib.suppress(ConfigError, OSError):
                    self._twins = TwinSources.of(validate_source_entries(self.sources_path)[0])
        return self._twins

    @classmethod
    def open(
        cls,
        url: str,
        *,
        migrate_schema: bool = True,
        read_only: bool = False,
        timeouts: Timeouts | None = None,
        duplicate_threshold: float | None = None,
    ) -> Catalog:
        """Connect to the catalog at ``url`` and migrate it to the current schema; ``read_only`` (for commands
        that only read) writes nothing at all and refuses a schema it would have to migrate. ``timeouts`` bound
        the waits for locks and statements (default: the settings' defaults); ``duplicate_threshold`` is the
        similarity from which a stored news document is a copy (default: the settings' default)."""
        try:
            if read_only:
                engine = read_only_engine(url, timeouts)
                check_schema_current(engine, MIGRATIONS)
            else:
                engine = create_catalog_engine(url, timeouts)
                if migrate_schema:
                    migrate(engine)
        except CatalogMissingError:
            raise  # says where it looked, and what creates it
        except CatalogError as exc:
            if exc.url is not None:  # the engine's own: names the catalog and the reason
                raise exc.during("be opened") from exc.__cause__
            raise CatalogError(f"cannot open the catalog at {shown_url(url)}: {exc}") from exc
        except Exception as exc:  # the driver's own errors vary; the user needs the URL and the reason
            raise CatalogError(
                f"cannot open the catalog at {shown_url(url)}: {first_line(str(exc)) or type(exc).__name__}"
            ) from exc
        catalog = cls(engine)
        catalog.duplicate_threshold = duplicate_threshold
        return catalog

    @classmethod
    def for_settings(cls, settings: Settings, *, read_only: bool = False) -> Catalog:
        """:meth:`open` the catalog ``settings`` name, with the timeouts they set."""
        catalog = cls.open(
            settings.effective_catalog_url,
            read_only=read_only,
            timeouts=Timeouts.of(settings),
            duplicate_threshold=settings.duplicate_threshold,
        )
        catalog.sources_path = settings.sources
        catalog.match_by_meaning = settings.match_by_meaning
        return catalog

    def close(self) -> None:
        self.engine.dispose()

    # --- writes --------------------------------------------------------------------------------------

    def store_document(
        self,
        *,
        source: Source,
        item_url: str,
        response: FetchedResponse,
        extracted: ExtractedDocument,
        archive: ArchiveRef | None,
        listed_updated_at: datetime | None,
        run_id: str | None = None,
        enrichment: Enrichment | None = None,
        settle: bool = False,
    ) -> StoreOutcome:
        """Insert or update a document; a changed content hash writes a new version. ``run_id`` is
        recorded on the document when this call changes it. With ``enrichment``, the document's language,
        topics, countries and key phrases are set too, and a briefing's turns replaced by its exchanges
        (:mod:`pipeline.store.turns`); on an unchanged page, tags or turns that changed (new rules, a new
        segmenter) still give a new revision. A news or statement document's near-duplicate cluster is
        assigned when its content is new (:mod:`pipeline.store.duplicates`). The item's earlier failures are
        resolved.

        With ``settle`` (ingest, not re-extraction), the item's frontier row is settled in the same
        transaction: no crash can leave a stored item pending."""
        digest = content_hash(extracted.title, extracted.text)
        with self.session() as session, session.begin():
            identifier, existing = _stored(session, item_url)
            fields: dict[str, Any] = {
                "url": response.final_url,
                "title": extracted.title,
                "text": extracted.text,
                "language": extracted.language,
                "published_at": extracted.published_at,
                "date_source": extracted.date_source,
                "authors": list(extracted.authors),
                "extractor_version": extracted.extractor_version,
                "encoding": extracted.encoding,
                "declared_language": extracted.language,
                "warc_file": archive.file if archive else None,
                "warc_offset": archive.offset if archive else None,
                "warc_length": archive.length if archive else None,
            }
            if existing is None:
                document = Document(
                    doc_id=identifier,
                    canonical_url=canonical_url(item_url),
                    source_id=source.id,
                    source_kind=source.kind,
                    publisher=source.publisher,
                    source_country=source.country,
                    fetched_at=response.fetched_at,
                    first_seen_at=response.fetched_at,
                    content_hash=digest,
                    version=1,
                    revision=1,
                    http_etag=fit_header(response.header("etag"), 512),
                    http_last_modified=fit_header(response.header("last-modified"), 64),
                    listed_updated_at=listed_updated_at,
                    run_id=run_id,
                    topics=[],
                    topic_scores={},
                    countries=[],
                    key_phrases=[],
                    tag_explanation={},
                    **fields,
                )
                if enrichment is not None:
                    set_enrichment(document, enrichment)
                schedule(document, source.recheck_ages, response.fetched_at)
                session.add(document)
                session.flush()
                session.add(_version_of(document))
                assign_cluster(session, document, self._threshold(), new=True, fingerprint=_fingerprint(enrichment))
                if enrichment is not None:
                    link_enrichment(session, document, enrichment, self.linker, self.twins, turns_changed=True)
                outcome: StoreOutcome = "new"
            else:
                existing.fetched_at = response.fetched_at
                schedule(existing, source.recheck_ages, response.fetched_at)
                came_back(existing, run_id=run_id)
                existing.http_etag = fit_header(response.header("etag"), 512)
                existing.http_last_modified = fit_header(response.header("last-modified"), 64)
                existing.listed_updated_at = _later(existing.listed_updated_at, listed_updated_at)
                if existing.content_hash == digest:
                    outcome = "unchanged"
                    if existing.warc_file is None and archive is not None:
                        # Its raw record was found unreadable and dropped (`readout archive-check --repair`):
                        # this fetch gives it a readable one again.
                        existing.warc_file, existing.warc_offset = archive.file, archive.offset
                        existing.warc_length = archive.length
                    retagged = enrichment is not None and write_enrichment(
                        session, existing, enrichment, self.linker, self.twins
                    )
                    # A document stored before clustering existed gets its cluster on its next fetch.
                    clustered = assign_cluster(
                        session, existing, self._threshold(), new=False, fingerprint=_fingerprint(enrichment)
                    )
                    if retagged or clustered:
                        existing.revision += 1
                        existing.run_id = run_id or existing.run_id
                else:
                    was = history.before(session, existing, archive)
                    for key, value in fields.items():
                        setattr(existing, key, value)
                    existing.content_hash = digest
                    existing.version += 1
                    existing.revision += 1
                    existing.run_id = run_id or existing.run_id
                    if enrichment is not None:
                        write_enrichment(session, existing, enrichment, self.linker, self.twins)
                    assign_cluster(
                        session, existing, self._threshold(), new=False, fingerprint=_fingerprint(enrichment)
                    )
                    version = _version_of(existing)
                    session.add(version)
                    # What changed, and whether it is an edit or only formatting (:mod:`pipeline.store.history`).
                    turns = enrichment is not None and enrichment.exchanges is not None
                    history.record(session, existing, version, was, turns=turns)
                    outcome = "updated"
            self._resolve_failures(session, source.id, item_url)
            if settle:
                _settle_in(session, source.id, item_url)
        return outcome

    def _threshold(self) -> float:
        return DEFAULT_DUPLICATE_THRESHOLD if self.duplicate_threshold is None else self.duplicate_threshold

    def touch_document(
        self,
        item_url: str,
        *,
        fetched_at: datetime,
        listed_updated_at: datetime | None,
        source_id: str | None = None,
        run_id: str | None = None,
        recheck: Sequence[timedelta] | None = None,
    ) -> bool:
        """A conditional GET answered 304: the document is current as of ``fetched_at`` (and back, if it had
        been found removed: True then). Given the ``source_id`` it was fetched for, the item's frontier row is
        settled and its earlier failures are resolved in the same transaction; given its source's ``recheck``
        ages, its next re-check is planned."""
        back = False
        with self.session() as session, session.begin():
            document = _stored(session, item_url)[1]
            if document is not None:
                document.fetched_at = fetched_at
                document.listed_updated_at = _later(document.listed_updated_at, listed_updated_at)
                schedule(document, recheck, fetched_at)
                back = came_back(document, run_id=run_id)
            if source_id is not None:
                self._resolve_failures(session, source_id, item_url)
                _settle_in(session, source_id, item_url)
        return back

    def mark_removed(
        self,
        item_url: str,
        when: datetime,
        *,
        run_id: str | None = None,
        source_id: str | None = None,
        evidence: dict[str, Any] | None = None,
        recheck: Sequence[timedelta] | None = None,
    ) -> bool:
        """Record that a page is gone (404/410, a "deleted" page, a redirect to its section's index), with the
        ``evidence`` (:func:`pipeline.recheck.evidence`). Never deletes. True if it was known. A page already
        removed keeps the time and evidence it was first found removed with. Given the ``source_id`` it was
        fetched for, the item's frontier row is settled and its earlier failures are resolved in the same
        transaction (the item is dealt with: it is gone); given its source's ``recheck`` ages, its next
        re-check is planned (a page that comes back is caught by one)."""
        with self.session() as session, session.begin():
            if source_id is not None:
                self._resolve_failures(session, source_id, item_url)
                _settle_in(session, source_id, item_url)
            document = _stored(session, item_url)[1]
            if document is None:
                return False
            schedule(document, recheck, when)
            if document.removed_at is None:
                document.removed_at = when
                document.removal_evidence = evidence
                document.revision += 1
                document.run_id = run_id or document.run_id
            return True

    def plan_recheck(self, item_url: str, recheck: Sequence[timedelta], at: datetime) -> None:
        """Move a document's re-check schedule past an attempt at ``at`` that failed: the frontier retries the
        fetch itself, and a page that keeps failing must not stay at the front of the due list."""
        with self.session() as session, session.begin():
            document = _stored(session, item_url)[1]
            if document is not None:
                schedule(document, recheck, at)

    # --- reads for the CLI ---------------------------------------------------------------------------

    def documents(
        self,
        *,
        source_ids: Sequence[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[Document]:
        """Documents, newest publication first."""
        query = select(Document).order_by(Document.published_at.desc().nulls_last(), Document.doc_id)
        if source_ids:
            query = query.where(Document.source_id.in_(list(source_ids)))
        if since is not None:
            query = query.where(Document.published_at >= since)
        if until is not None:
            query = query.where(Document.published_at < until)
        if limit is not None:
            query = query.limit(limit)
        with self.session() as session:
            yield from session.scalars(query)

    def document_ids(
        self, *, source_ids: Sequence[str] = (), since: datetime | None = None, until: datetime | None = None
    ) -> list[str]:
        """Ids of the documents of ``source_ids`` (all when empty) published in [since, until)."""
        query = select(Document.doc_id).order_by(Document.doc_id)
        if source_ids:
            query = query.where(Document.source_id.in_(list(source_ids)))
        if since is not None:
            query = query.where(Document.published_at >= since)
        if until is not None:
            query = query.where(Document.published_at < until)
        with self.session() as session:
            return list(session.scalars(query))

    def document(self, identifier: str) -> Document | None:
        """A document by id, or by unique id prefix."""
        with self.session() as session:
            found = session.get(Document, identifier)
            if found is not None or len(identifier) >= 64:
                return found
            matches = session.scalars(select(Document).where(Document.doc_id.like(f"{identifier}%")).limit(2)).all()
            return matches[0] if len(matches) == 1 else None

    def versions(self, identifier: str) -> list[DocumentVersion]:
        with self.session() as session:
            return list(
                session.scalars(
                    select(DocumentVersion)
                    .where(DocumentVersion.doc_id == identifier)
                    .order_by(DocumentVersion.version)
                )
            )

    def apply_enrichment(self, identifier: str, enrichment: Enrichment, *, run_id: str | None = None) -> bool:
        """Store a document's new enrichment; True (and a new revision for the search index) when what
        the index shows (language, topics, countries, key phrases, a briefing's turns) changed. The
        explanation and scores are always updated."""
        with self.session() as session, session.begin():
            document = session.get(Document, identifier)
            if document is None:
                return False
            changed = write_enrichment(session, document, enrichment, self.linker, self.twins)
            if changed:
                document.revision += 1
                document.run_id = run_id or document.run_id
            return changed

    def documents_by_ids(self, ids: Sequence[str]) -> list[Document]:
        with self.session() as session:
            return list(
                session.scalars(select(Document).where(Document.doc_id.in_(list(ids))).order_by(Document.doc_id))
            )

    def archive_pointers(
        self, *, source_ids: Sequence[str] = (), batch: int = 1000
    ) -> Iterator[list[tuple[str, str, str, ArchiveRef]]]:
        """(doc_id, source_id, url, pointer) of every document with a raw record, in batches by doc_id."""
        last = ""
        while True:
            query = (
                select(
                    Document.doc_id,
                    Document.source_id,
                    Document.url,
                    Document.warc_file,
                    Document.warc_offset,
                    Document.warc_length,
                )
                .where(Document.doc_id > last, Document.warc_file.is_not(None))
                .order_by(Document.doc_id)
                .limit(batch)
            )
            if source_ids:
                query = query.where(Document.source_id.in_(list(source_ids)))
            with self.session() as session:
                rows = session.execute(query).all()
            if not rows:
                return
            yield [(r[0], r[1], r[2], ArchiveRef(file=str(r[3]), offset=r[4] or 0, length=r[5] or 0)) for r in rows]
            last = rows[-1][0]

    def refetch_documents(self, doc_ids: Sequence[str]) -> int:
        """Queue documents whose raw record is unreadable to be fetched again in full.

        Their pointer and HTTP validators are dropped (a 304 could not give a record back) and they go
        into the frontier; the next run fetches them, and an unchanged page gets its new record's pointer.
        The versions keep their old pointers: history is never rewritten. Returns how many were queued."""
        by_source: dict[str, list[DiscoveredItem]] = {}
        with self.session() as session, session.begin():
            for document in session.scalars(select(Document).where(Document.doc_id.in_(list(doc_ids)))):
                document.warc_file = document.warc_offset = document.warc_length = None
                document.http_etag = document.http_last_modified = None
                by_source.setdefault(document.source_id, []).append(
                    DiscoveredItem(
                        # The key it was stored under (the page may have redirected to ``url``).
                        url=document.canonical_url,
                        source_id=document.source_id,
                        title=document.title,
                        published_at=document.published_at,
                    )
                )
        for source_id, items in by_source.items():
            self.add_to_frontier(source_id, items)
        return sum(len(items) for items in by_source.values())

    def count_documents(self) -> int:
        with self.session() as session:
            return session.scalar(select(func.count()).select_from(Document)) or 0


def _stored(session: Session, item_url: str) -> tuple[str, Document | None]:
    """The id of ``item_url``'s document and the document, if stored. A document stored before AMP, mobile and
    print views were folded into their page (migration 0008) keeps the id it was given: one stored under such a
    view's URL is found by :func:`legacy_doc_id` when its :func:`doc_id` holds nothing."""
    identifier = doc_id(item_url)
    found = session.get(Document, identifier)
    if found is None:
        legacy = legacy_doc_id(item_url)
        if legacy != identifier:
            old = session.get(Document, legacy)
            if old is not None:
                return legacy, old
    return identifier, found


def _fingerprint(enrichment: Enrichment | None) -> Fingerprint | None:
    """The text's near-duplicate fingerprint when the enrichment (computed in a worker) carries it."""
    return enrichment.fingerprint if enrichment is not None else None


def _version_of(document: Document) -> DocumentVersion:
    return DocumentVersion(
        doc_id=document.doc_id,
        version=document.version,
        content_hash=document.content_hash,
        title=document.title,
        text=document.text,
        published_at=document.published_at,
        fetched_at=document.fetched_at,
        warc_file=document.warc_file,
        warc_offset=document.warc_offset,
        warc_length=document.warc_length,
        extractor_version=document.extractor_version,
    )


def _settle_in(session: Session, source_id: str, item_url: str) -> None:
    """Settle an item's frontier row as done (see :meth:`FrontierQueries.settle`) inside ``session``'s
    transaction."""
    session.execute(
        delete(FrontierItem).where(
            FrontierItem.source_id == source_id, FrontierItem.canonical_url == canonical_url(item_url)
        )
    )


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)
