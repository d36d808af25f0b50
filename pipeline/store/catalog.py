"""The catalog: Readout's system of record (SQLite by default, PostgreSQL in the stack).

Only the main thread of a run writes here; workers get what they need (the seen set, HTTP validators)
up front and hand their results back. Every write is idempotent: storing the same page twice changes
nothing the second time.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from pipeline.config import Source
from pipeline.errors import CatalogError, ExtractionError, HostBackedOffError, HTTPStatusError, ReadoutError
from pipeline.models import ArchiveRef, DiscoveredItem, ExtractedDocument, FetchedResponse
from pipeline.store.access import CatalogMissingError, check_schema_current, normalised_url, read_only_engine
from pipeline.store.outbox import SearchOutbox
from pipeline.store.schema import (
    Document,
    DocumentVersion,
    Endpoint,
    Failure,
    FrontierItem,
    Run,
    RunSource,
    SourceState,
)

if TYPE_CHECKING:
    from pipeline.enrich import Enrichment
from pipeline.urls import canonical_url, doc_id

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

StoreOutcome = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class KnownItem:
    """What a worker needs to know of an item the catalog already has."""

    doc_id: str
    listed_updated_at: datetime | None
    etag: str | None
    last_modified: str | None
    removed: bool


@dataclass(frozen=True, slots=True)
class Frontier:
    """Unsettled items of a source: to try again, and given up on (canonical URLs)."""

    pending: list[DiscoveredItem]
    given_up: set[str]


_RUN_COUNTS = ("discovered", "new", "updated", "unchanged", "fetched", "not_modified", "removed", "skipped", "failed")

#: Attempts (one per run) before an item failing with a transient error is given up on.
TRANSIENT_ATTEMPTS = 5
#: Attempts for answers that often mean "not published yet" (404, 410, 403, no text).
CONTENT_NOT_YET_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Validators:
    etag: str | None
    last_modified: str | None


def content_hash(title: str | None, text: str) -> str:
    """Hash of what a reader sees; a change means a new version."""
    return hashlib.sha256(f"{title or ''}\n\n{text}".encode()).hexdigest()


def migrate(engine: Engine) -> None:
    """Bring the catalog's schema to the newest migration (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def create_catalog_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys, and its folder created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(normalised_url(parsed), pool_pre_ping=True)


class Catalog(SearchOutbox):
    """Queries and writes over the catalog's tables (the search outbox's in :class:`SearchOutbox`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = True, read_only: bool = False) -> Catalog:
        """Connect to the catalog at ``url`` and migrate it to the current schema; ``read_only`` (for commands
        that only read) writes nothing at all and refuses a schema it would have to migrate."""
        try:
            if read_only:
                engine = read_only_engine(url)
                check_schema_current(engine, MIGRATIONS)
            else:
                engine = create_catalog_engine(url)
                if migrate_schema:
                    migrate(engine)
        except CatalogMissingError:
            raise  # says where it looked, and what creates it
        except Exception as exc:  # the driver's own errors vary; the user needs the URL and the reason
            raise CatalogError(f"cannot open the catalog at {_safe_url(url)}: {exc}") from exc
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        return self._sessions()

    # --- what workers need before a run ------------------------------------------------------------

    def known_items(self, source_id: str) -> dict[str, KnownItem]:
        """The seen set of a source: canonical URL → what we know of it."""
        with self.session() as session:
            rows = session.execute(
                select(
                    Document.canonical_url,
                    Document.doc_id,
                    Document.listed_updated_at,
                    Document.http_etag,
                    Document.http_last_modified,
                    Document.removed_at,
                ).where(Document.source_id == source_id)
            )
            return {row[0]: KnownItem(row[1], row[2], row[3], row[4], row[5] is not None) for row in rows}

    def frontier(self, source_id: str, *, now: datetime, retry_given_up_after: timedelta) -> Frontier:
        """The source's unsettled items: those to try again, and those given up on (canonical URLs).

        Items given up longer than ``retry_given_up_after`` ago are offered again: sites fix pages,
        robots.txt rules change, firewalls relent.
        """
        pending: list[DiscoveredItem] = []
        given_up: set[str] = set()
        with self.session() as session:
            for row in session.scalars(select(FrontierItem).where(FrontierItem.source_id == source_id)):
                if row.state == "given_up" and row.settled_at and now - row.settled_at < retry_given_up_after:
                    given_up.add(row.canonical_url)
                    continue
                pending.append(
                    DiscoveredItem(
                        url=row.url,
                        source_id=source_id,
                        title=row.title,
                        published_at=row.published_at,
                        updated_at=row.updated_at,
                        found_on=row.found_on,
                    )
                )
        return Frontier(pending, given_up)

    def add_to_frontier(self, source_id: str, items: Sequence[DiscoveredItem]) -> None:
        """Record items about to be fetched (or deferred to a later run) as pending, before any fetch."""
        now = datetime.now(UTC)
        with self.session() as session, session.begin():
            for item in items:
                key = canonical_url(item.url)
                row = session.get(FrontierItem, (source_id, key))
                if row is None:
                    row = FrontierItem(
                        source_id=source_id, canonical_url=key, first_seen_at=now, state="pending", attempts=0
                    )
                    session.add(row)
                elif row.state == "given_up":
                    row.state, row.attempts, row.settled_at = "pending", 0, None
                row.url = item.url
                row.title = item.title
                row.published_at = item.published_at
                row.updated_at = item.updated_at
                row.found_on = item.found_on

    def settle(self, source_id: str, item_url: str, *, error: BaseException | None = None) -> str:
        """Settle a frontier item after an attempt: ``done`` (removed from the frontier), ``pending``
        (to be retried: attempts counted) or ``given_up``. Returns the new state.

        An item whose host was left alone for the run (:class:`HostBackedOffError`) was never asked for:
        it stays pending with its reason and no attempt counted."""
        key = canonical_url(item_url)
        with self.session() as session, session.begin():
            row = session.get(FrontierItem, (source_id, key))
            if error is None:
                if row is not None:
                    session.delete(row)
                return "done"
            if row is None:
                row = FrontierItem(
                    source_id=source_id, canonical_url=key, url=item_url, first_seen_at=datetime.now(UTC), attempts=0
                )
                session.add(row)
            row.last_error = str(error)[:4000]
            if isinstance(error, HostBackedOffError):
                row.state = "pending"
                return row.state
            row.attempts = (row.attempts or 0) + 1
            limit = retry_limit(error)
            if limit is None or row.attempts >= limit:
                row.state = "given_up"
                row.settled_at = datetime.now(UTC)
            else:
                row.state = "pending"
            return row.state

    def validators(self, urls: Sequence[str]) -> dict[str, Validators]:
        """ETag and Last-Modified last seen for feed, listing and sitemap URLs."""
        with self.session() as session:
            rows = session.execute(
                select(Endpoint.url, Endpoint.etag, Endpoint.last_modified).where(Endpoint.url.in_(list(urls)))
            )
            return {row[0]: Validators(row[1], row[2]) for row in rows}

    # --- writes --------------------------------------------------------------------------------------

    def sitemap_children(self, parents: Sequence[str]) -> dict[str, list[str]]:
        """Child sitemaps last listed by each sitemap index in ``parents``."""
        children: dict[str, list[str]] = {}
        with self.session() as session:
            rows = session.execute(
                select(Endpoint.parent_url, Endpoint.url).where(Endpoint.parent_url.in_(list(parents)))
            )
            for parent, child in rows:
                if parent is not None:
                    children.setdefault(parent, []).append(child)
        return children

    def save_endpoint(self, source_id: str, response: FetchedResponse, *, parent_url: str | None = None) -> None:
        """Remember a discovery URL's validators (a 304 keeps the ones we had)."""
        with self.session() as session, session.begin():
            row = session.get(Endpoint, response.url) or Endpoint(url=response.url, source_id=source_id)
            if parent_url is not None:
                row.parent_url = parent_url
            if not response.not_modified:
                row.etag = _fit(response.header("etag"), 512)
                row.last_modified = _fit(response.header("last-modified"), 64)
            row.last_status = response.status
            row.last_fetched_at = response.fetched_at
            session.add(row)

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
    ) -> StoreOutcome:
        """Insert or update a document; a changed content hash writes a new version. ``run_id`` is
        recorded on the document when this call changes it. With ``enrichment``, the document's language,
        topics, countries and key phrases are set too; on an unchanged page, tags that changed (new rules)
        still give a new revision."""
        digest = content_hash(extracted.title, extracted.text)
        identifier = doc_id(item_url)
        with self.session() as session, session.begin():
            existing = session.get(Document, identifier)
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
                    http_etag=_fit(response.header("etag"), 512),
                    http_last_modified=_fit(response.header("last-modified"), 64),
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
                    _set_enrichment(document, enrichment)
                session.add(document)
                session.flush()
                session.add(_version_of(document))
                outcome: StoreOutcome = "new"
            else:
                existing.fetched_at = response.fetched_at
                if existing.removed_at is not None:
                    existing.removed_at = None  # it came back
                    existing.revision += 1
                    existing.run_id = run_id or existing.run_id
                existing.http_etag = _fit(response.header("etag"), 512)
                existing.http_last_modified = _fit(response.header("last-modified"), 64)
                existing.listed_updated_at = _later(existing.listed_updated_at, listed_updated_at)
                if existing.content_hash == digest:
                    outcome = "unchanged"
                    if enrichment is not None and _set_enrichment(existing, enrichment):
                        existing.revision += 1
                        existing.run_id = run_id or existing.run_id
                else:
                    for key, value in fields.items():
                        setattr(existing, key, value)
                    if enrichment is not None:
                        _set_enrichment(existing, enrichment)
                    existing.content_hash = digest
                    existing.version += 1
                    existing.revision += 1
                    existing.run_id = run_id or existing.run_id
                    session.add(_version_of(existing))
                    outcome = "updated"
            self._resolve_failures(session, source.id, item_url)
        return outcome

    def touch_document(self, item_url: str, *, fetched_at: datetime, listed_updated_at: datetime | None) -> None:
        """A conditional GET answered 304: the document is current as of ``fetched_at``."""
        with self.session() as session, session.begin():
            document = session.get(Document, doc_id(item_url))
            if document is not None:
                document.fetched_at = fetched_at
                document.listed_updated_at = _later(document.listed_updated_at, listed_updated_at)

    def mark_removed(self, item_url: str, when: datetime, *, run_id: str | None = None) -> bool:
        """Record that a page is gone (404/410 or a "deleted" page). Never deletes. True if it was known."""
        with self.session() as session, session.begin():
            document = session.get(Document, doc_id(item_url))
            if document is None:
                return False
            if document.removed_at is None:
                document.removed_at = when
                document.revision += 1
                document.run_id = run_id or document.run_id
            return True

    def record_failure(
        self, *, run_id: str | None, source_id: str, url: str | None, stage: str, error: BaseException
    ) -> None:
        """Record a failure with its reason; :class:`ReadoutError` says whether it is permanent."""
        permanent = error.permanent if isinstance(error, ReadoutError) else False
        kind = error.kind if isinstance(error, ReadoutError) else type(error).__name__
        with self.session() as session, session.begin():
            session.add(
                Failure(
                    run_id=run_id,
                    source_id=source_id,
                    url=url,
                    stage=stage,
                    error_kind=kind,
                    message=str(error)[:4000],
                    permanent=permanent,
                    occurred_at=datetime.now(UTC),
                )
            )

    @staticmethod
    def _resolve_failures(session: Session, source_id: str, url: str) -> None:
        session.execute(
            update(Failure)
            .where(Failure.source_id == source_id, Failure.url == url, Failure.resolved_at.is_(None))
            .values(resolved_at=datetime.now(UTC))
        )

    # --- runs and source state ---------------------------------------------------------------------

    def start_run(self, mode: str, params: dict[str, Any], *, run_id: str | None = None) -> str:
        """Open a run. Given an existing ``run_id`` (an Airflow DAG run retried), reopen that run instead."""
        run_id = run_id or str(uuid.uuid4())
        with self.session() as session, session.begin():
            run = session.get(Run, run_id)
            if run is None:
                session.add(
                    Run(run_id=run_id, mode=mode, started_at=datetime.now(UTC), status="running", params=params)
                )
            else:
                run.status, run.finished_at = "running", None
        return run_id

    def run_status(self, run_id: str) -> str | None:
        """A run's status, or None when there is no such run."""
        with self.session() as session:
            run = session.get(Run, run_id)
            return run.status if run is not None else None

    def close_stale_runs(self, older_than: timedelta) -> int:
        """Mark runs still "running" after ``older_than`` as interrupted (their process died)."""
        cutoff = datetime.now(UTC) - older_than
        with self.session() as session, session.begin():
            result = session.execute(
                update(Run)
                .where(Run.status == "running", Run.started_at < cutoff)
                .values(status="interrupted", finished_at=datetime.now(UTC))
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def finish_run(self, run_id: str, status: str) -> None:
        with self.session() as session, session.begin():
            run = session.get(Run, run_id)
            if run is not None:
                run.status = status
                run.finished_at = datetime.now(UTC)

    def save_source_result(
        self,
        run_id: str,
        source_id: str,
        status: str,
        counts: dict[str, int],
        error: str | None,
        seconds: float,
        *,
        update_state: bool = True,
    ) -> None:
        """Write the run's counts for a source and, for runs that polled it, update the source's state.

        Health checks and catalog-only work (re-extract, re-tag) say nothing about whether the source can
        be reached, so their results leave the source's state alone (``update_state=False`` or a
        ``health`` run)."""
        now = datetime.now(UTC)
        with self.session() as session, session.begin():
            session.merge(
                RunSource(run_id=run_id, source_id=source_id, status=status, error=error, seconds=seconds, **counts)
            )
            run = session.get(Run, run_id)
            if not update_state or (run is not None and run.mode == "health"):
                return
            state = session.get(SourceState, source_id) or SourceState(source_id=source_id, consecutive_failures=0)
            state.last_poll_at = now
            state.last_status = status
            state.last_error = error
            if status == "failed":
                state.consecutive_failures = (state.consecutive_failures or 0) + 1
            else:
                state.consecutive_failures = 0
                state.last_success_at = now
            if counts.get("new", 0) or counts.get("updated", 0):
                state.last_new_at = now
            state.documents = (
                session.scalar(select(func.count()).select_from(Document).where(Document.source_id == source_id)) or 0
            )
            session.add(state)

    # --- reads for the CLI ---------------------------------------------------------------------------

    def source_states(self) -> dict[str, SourceState]:
        with self.session() as session:
            return {row.source_id: row for row in session.scalars(select(SourceState))}

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

    def failures(self, *, source_ids: Sequence[str] = (), limit: int = 50, unresolved: bool = True) -> list[Failure]:
        query = select(Failure).order_by(Failure.occurred_at.desc(), Failure.id.desc()).limit(limit)
        if source_ids:
            query = query.where(Failure.source_id.in_(list(source_ids)))
        if unresolved:
            query = query.where(Failure.resolved_at.is_(None))
        with self.session() as session:
            return list(session.scalars(query))

    def unindexed_run_results(self, *, limit: int = 1000) -> list[dict[str, Any]]:
        """Per-source run results not yet in the search index's runs index, as index rows."""
        with self.session() as session:
            rows = session.execute(
                select(RunSource, Run)
                .join(Run, Run.run_id == RunSource.run_id)
                .where(RunSource.indexed_at.is_(None), Run.finished_at.is_not(None))
                .order_by(Run.started_at)
                .limit(limit)
            ).all()
        return [
            {
                "run_id": result.run_id,
                "source": result.source_id,
                "mode": run.mode,
                "status": result.status,
                "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                **{name: getattr(result, name) for name in _RUN_COUNTS},
                "error": result.error,
                "seconds": result.seconds,
            }
            for result, run in rows
        ]

    def mark_run_results_indexed(self, keys: Sequence[tuple[str, str]]) -> None:
        """(run_id, source_id) pairs the runs index acknowledged."""
        now = datetime.now(UTC)
        with self.session() as session, session.begin():
            for run_id, source_id in keys:
                row = session.get(RunSource, (run_id, source_id))
                if row is not None:
                    row.indexed_at = now

    def apply_enrichment(self, identifier: str, enrichment: Enrichment, *, run_id: str | None = None) -> bool:
        """Store a document's new enrichment; True (and a new revision for the search index) when what
        the index shows (language, topics, countries, key phrases) changed. The explanation and scores
        are always updated."""
        with self.session() as session, session.begin():
            document = session.get(Document, identifier)
            if document is None:
                return False
            changed = _set_enrichment(document, enrichment)
            if changed:
                document.revision += 1
                document.run_id = run_id or document.run_id
            return changed

    def documents_by_ids(self, ids: Sequence[str]) -> list[Document]:
        with self.session() as session:
            return list(
                session.scalars(select(Document).where(Document.doc_id.in_(list(ids))).order_by(Document.doc_id))
            )

    def run_results(self, run_id: str) -> list[RunSource]:
        with self.session() as session:
            return list(session.scalars(select(RunSource).where(RunSource.run_id == run_id)))

    def count_documents(self) -> int:
        with self.session() as session:
            return session.scalar(select(func.count()).select_from(Document)) or 0


def shown_tags(document: Document) -> tuple[Any, ...]:
    """The enrichment fields of ``document`` the search index shows, as :meth:`Enrichment.indexed` gives them."""
    return (document.language, sorted(document.topics), sorted(document.countries), list(document.key_phrases))


def _set_enrichment(document: Document, enrichment: Enrichment) -> bool:
    """Copy ``enrichment`` onto ``document``; True when a field the search index shows changed."""
    before = shown_tags(document)
    after = enrichment.indexed(document.declared_language)
    document.language = after[0]
    document.topics = sorted(enrichment.topics)
    document.topic_scores = dict(enrichment.topic_scores)
    document.countries = sorted(enrichment.countries)
    document.key_phrases = list(enrichment.key_phrases)
    document.tag_explanation = dict(enrichment.explanation)
    document.tagged_with = enrichment.rules
    return before != after


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


def retry_limit(error: BaseException) -> int | None:
    """How many attempts an item gets before it is given up on, given its last error; None: give up now.

    Transient errors get several runs. Some "permanent" answers are often temporary for a ministry's
    page: a transcript listed minutes before it is published (404), an empty page (no text), a
    firewall's 403. Refusals that cannot change by themselves (a forbidden address, a body over the
    cap, robots.txt) give up at once.
    """
    if isinstance(error, HTTPStatusError) and error.status in (403, 404, 410):
        return CONTENT_NOT_YET_ATTEMPTS
    if isinstance(error, ExtractionError):
        return CONTENT_NOT_YET_ATTEMPTS
    if isinstance(error, ReadoutError) and error.permanent:
        return None
    return TRANSIENT_ATTEMPTS


def _fit(value: str | None, size: int) -> str | None:
    """A header value for a column of ``size``; a longer one is useless truncated, so it is dropped."""
    return value if value is None or len(value) <= size else None


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as given, minus nothing secret we could find
        return url.split("@")[-1]
