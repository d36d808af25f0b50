"""The catalog's tables (SQLAlchemy 2 declarative). Migrations in ``migrations/`` must match this file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the catalog; convert to UTC first")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: The condition of the outbox's candidates (the partial index ``ix_documents_unsettled``); queries must spell
#: it the same way (SQL in this form), or the database will not use the index.
UNSETTLED = "indexed_revision IS NULL OR indexed_revision < revision"


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class SourceState(Base):
    """What the catalog knows of each source between runs."""

    __tablename__ = "sources"

    source_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_poll_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_new_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    #: The run that last polled the source: its warnings are the source's current ones.
    last_run_id: Mapped[str | None] = mapped_column(String(36))


class Endpoint(Base):
    """A feed, listing page or sitemap URL with its HTTP validators for conditional GET."""

    __tablename__ = "endpoints"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), index=True)
    #: The sitemap index a child sitemap was listed in, so that a 304 on the index still reaches it.
    parent_url: Mapped[str | None] = mapped_column(String(2048), index=True)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    last_status: Mapped[int | None]
    last_fetched_at: Mapped[datetime | None]


class FrontierItem(Base):
    """An item discovery wants fetched and that is not settled yet (the frontier).

    A row is written before the item is fetched and deleted once it is stored, found unchanged or
    removed; it stays ``pending`` (with ``attempts`` counted) after a failure worth retrying, and
    becomes ``given_up`` when retrying cannot help or the attempts ran out. So a feed answering 304,
    a crash or the per-run item limit can never hide an item that was found but not yet ingested.
    """

    __tablename__ = "frontier"

    source_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    found_on: Mapped[str | None] = mapped_column(String(2048))
    first_seen_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    settled_at: Mapped[datetime | None]


class Document(Base):
    """The current version of one page; older versions live in ``document_versions``."""

    __tablename__ = "documents"

    doc_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    canonical_url: Mapped[str] = mapped_column(String(2048))
    source_id: Mapped[str] = mapped_column(String(64))
    source_kind: Mapped[str] = mapped_column(String(16))
    publisher: Mapped[str] = mapped_column(String(256))
    source_country: Mapped[str] = mapped_column(String(2))
    language: Mapped[str | None] = mapped_column(String(8))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    date_source: Mapped[str | None] = mapped_column(String(16))
    fetched_at: Mapped[datetime]
    first_seen_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: Bumped on every change the search index must see (new version, removal, re-tagging).
    revision: Mapped[int] = mapped_column(Integer, default=1)
    removed_at: Mapped[datetime | None]
    authors: Mapped[list[Any]] = mapped_column(default=list)
    topics: Mapped[list[Any]] = mapped_column(default=list)
    topic_scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    countries: Mapped[list[Any]] = mapped_column(default=list)
    #: The language the page declared (``language`` is the detected one; the declared one was a hint).
    declared_language: Mapped[str | None] = mapped_column(String(16))
    key_phrases: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    #: Why the document has its language, topics and countries (``readout show --explain``).
    tag_explanation: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    #: The enricher version and rules digest that produced the tags.
    tagged_with: Mapped[str | None] = mapped_column(String(32))
    #: The first-seen document of the near-duplicate cluster this one is a later copy of (None: not a copy).
    duplicate_of: Mapped[str | None] = mapped_column(String(64))
    #: The first-seen document of its cluster (its own id when it is the first or alone); None for the kinds
    #: that are never clustered (briefings) and for documents stored before clustering existed.
    cluster_id: Mapped[str | None] = mapped_column(String(64), index=True)
    warc_file: Mapped[str | None] = mapped_column(String(512))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)
    extractor_version: Mapped[str] = mapped_column(String(128))
    encoding: Mapped[str | None] = mapped_column(String(32))
    http_etag: Mapped[str | None] = mapped_column(String(512))
    http_last_modified: Mapped[str | None] = mapped_column(String(64))
    #: What the listing last said of the item's update time; a later one triggers a re-fetch.
    listed_updated_at: Mapped[datetime | None]
    #: The run that last changed it (new, updated, removed, back): "Open in Kibana" filters on it.
    run_id: Mapped[str | None] = mapped_column(String(36))
    #: The revision the search outbox's current target (:class:`OutboxTarget`) has settled: acknowledged
    #: or dead-lettered. NULL or lower than ``revision``: a candidate for the next index pass. Every
    #: change bumps ``revision``, so a change makes the row a candidate without its writer knowing.
    indexed_revision: Mapped[int | None] = mapped_column(Integer)
    #: The number the document's next new turn gets (:class:`Turn`): every number below it was given once
    #: and is never given to other content, even after the turn it named was dropped.
    turns_next: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # --- transcript history (issue 15) ---
    #: Why ``removed_at`` is set: {"kind": "gone" | "deleted-page" | "redirect-to-index" | "dropped-from-listing",
    #: "status", "url", "at", "detail"}; None while the page is there.
    removal_evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: When the page is next fetched again to catch edits and deletions (None: no re-check planned), and which
    #: of its source's re-check ages that is (0: the first).
    recheck_at: Mapped[datetime | None] = mapped_column(index=True)
    recheck_step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: When a version that changed its substance (not only its formatting) was last stored; None: never edited.
    edited_at: Mapped[datetime | None]
    #: The same briefing published in the other language of its twin source (configured pairs), this
    #: document's turns missing from it, and the seconds between the two publications (twin's minus this one's).
    twin_doc_id: Mapped[str | None] = mapped_column(String(64), index=True)
    twin_unmatched: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    twin_delay_seconds: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_documents_source_published", "source_id", "published_at"),
        Index("ix_documents_canonical_url", "canonical_url"),
        # Only the candidates are in it: an index pass with nothing to do reads no document row.
        Index(
            "ix_documents_unsettled",
            "doc_id",
            sqlite_where=sql_text(UNSETTLED),
            postgresql_where=sql_text(UNSETTLED),
        ),
    )


class DocumentSignature(Base):
    """A news document's MinHash signature (:mod:`pipeline.enrich.dedup`), for comparing it with later ones."""

    __tablename__ = "document_signatures"

    doc_id: Mapped[str] = mapped_column(String(64), ForeignKey("documents.doc_id"), primary_key=True)
    #: :func:`pipeline.enrich.dedup.scheme`: signatures of other schemes are never compared with each other.
    scheme: Mapped[str] = mapped_column(String(64))
    #: The document's ``content_hash`` when it was computed: another one means it must be computed again.
    content_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    shingles: Mapped[int] = mapped_column(Integer)


class DocumentBand(Base):
    """One LSH band key of a document's signature: a new document looks its keys up here (``ix_document_bands_key``)
    and is compared only with the documents that share one. The key hashes the band's number with its rows, so
    keys of different bands never meet and the lookup needs no band condition."""

    __tablename__ = "document_bands"

    doc_id: Mapped[str] = mapped_column(String(64), ForeignKey("documents.doc_id"), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_document_bands_key", "key", "doc_id"),)


class DocumentVersion(Base):
    """Every version of a document's content, kept when a re-fetched page's content hash changes."""

    __tablename__ = "document_versions"

    doc_id: Mapped[str] = mapped_column(String(64), ForeignKey("documents.doc_id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime]
    warc_file: Mapped[str | None] = mapped_column(String(512))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)
    extractor_version: Mapped[str] = mapped_column(String(128))
    #: What changed from the version before (None for the first): {"added": [paragraphs], "removed": [...],
    #: "changed": [{"before", "after", "words": {"added": [...], "removed": [...]}}], and for a briefing
    #: "exchanges_added", "exchanges_removed", "exchanges_changed": [{"turn_id", "outlet", "summary"}]}.
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: Only formatting changed (whitespace, a view counter, a related-links box): not an edit.
    cosmetic: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class Turn(Base):
    """One exchange of a briefing (a question and its answer, with follow-ups) or one opening announcement.

    Rows follow their document: a new version or a re-extraction or re-tag of the document replaces its
    rows, and a row whose content did not change keeps its ``number`` (so its ``turn_id``).
    """

    __tablename__ = "turns"

    #: ``<doc_id>:<number>``.
    turn_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(64), ForeignKey("documents.doc_id"), index=True)
    #: The id's suffix: assigned once, kept while the exchange's content stays the same.
    number: Mapped[int] = mapped_column(Integer)
    #: Order in the document now (0-based); differs from ``number`` after an edit removed or added one.
    position: Mapped[int] = mapped_column(Integer)
    #: "announcement" or "exchange".
    kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(64))
    #: The source's country (ISO 3166-1 alpha-2): the ministry.
    ministry: Mapped[str] = mapped_column(String(2))
    #: The briefing's date: the document's ``published_at``.
    briefing_date: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(8))
    #: Normalised id from the speakers file; None when the label is unknown (kept as written below).
    spokesperson_id: Mapped[str | None] = mapped_column(String(64))
    spokesperson: Mapped[str | None] = mapped_column(Text)
    outlet_id: Mapped[str | None] = mapped_column(String(64))
    outlet: Mapped[str | None] = mapped_column(Text)
    journalist: Mapped[str | None] = mapped_column(Text)
    #: The question(s) asked, "" for an announcement.
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    #: The exchange's parts in order: [{"kind", "speaker", "speaker_id", "outlet", "outlet_id",
    #: "journalist", "text", "paragraph"}].
    utterances: Mapped[list[Any]] = mapped_column(default=list)
    topics: Mapped[list[Any]] = mapped_column(default=list)
    countries: Mapped[list[Any]] = mapped_column(default=list)
    question_countries: Mapped[list[Any]] = mapped_column(default=list)
    answer_countries: Mapped[list[Any]] = mapped_column(default=list)
    #: SHA-256 of the exchange's kind and texts: what decides whether ``number`` is kept.
    content_hash: Mapped[str] = mapped_column(String(64))
    #: The first document version whose text has this exchange (kept while its content stays the same).
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_turns_source_date", "source_id", "briefing_date"),
        Index("ix_turns_ministry_date", "ministry", "briefing_date"),
    )


class CitationRow(Base):
    """One briefing quote of a news document and the exchange it reports (:mod:`pipeline.store.citations`).

    Rows follow their news document (a new version or re-extraction replaces them) and are re-aligned when a
    briefing of their ministry and days is stored or changes; ``turn_id`` None means no briefing says it yet
    (verdict ``unmatched``).
    """

    __tablename__ = "citations"

    doc_id: Mapped[str] = mapped_column(String(64), ForeignKey("documents.doc_id"), primary_key=True)
    #: The quote's order among the document's briefing quotes.
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    quoted: Mapped[str] = mapped_column(Text)
    #: "direct" or "reported".
    kind: Mapped[str] = mapped_column(String(16))
    #: The reported clause a direct quote stands in, when it quotes only some of its words; None otherwise
    #: (:attr:`~pipeline.enrich.quotes.Quote.context`).
    context: Mapped[str | None] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(Text)
    #: The ministry (ISO country code) and, when the report names one, the spokesperson it is attributed to.
    ministry: Mapped[str] = mapped_column(String(2))
    spokesperson_id: Mapped[str | None] = mapped_column(String(64))
    #: The candidate days (the ministry's local dates) and the expression that gave them ("" for the window).
    day_from: Mapped[date] = mapped_column(Date)
    day_to: Mapped[date] = mapped_column(Date)
    #: The last day a briefing after the candidate days may be quoted from (the report's publication day), or
    #: None when the quote's own sentence names its day (:attr:`~pipeline.enrich.coverage.targets.Target.until`).
    day_until: Mapped[date | None] = mapped_column(Date)
    expression: Mapped[str] = mapped_column(Text, default="")
    #: Outlet ids the quote's sentence names as having asked ("answering a question from the Global Times").
    outlets: Mapped[list[Any]] = mapped_column(default=list)
    #: The report presents the quote as a whole clause (a stop or comma ends it, inside or after its marks).
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    turn_id: Mapped[str | None] = mapped_column(String(80), index=True)
    briefing_doc_id: Mapped[str | None] = mapped_column(String(64), index=True)
    briefing_day: Mapped[date | None] = mapped_column(Date)
    matched: Mapped[str | None] = mapped_column(Text)
    similarity: Mapped[float | None] = mapped_column(Float)
    #: "verbatim", "paraphrase", "divergent" or "unmatched".
    verdict: Mapped[str] = mapped_column(String(16))
    added: Mapped[list[Any]] = mapped_column(default=list)
    dropped: Mapped[list[Any]] = mapped_column(default=list)
    #: The passage is from a briefing outside the candidate days.
    elsewhere: Mapped[bool] = mapped_column(Boolean, default=False)
    #: How the passage was found: "words" (the alignment rules; ``similarity`` is their token similarity) or
    #: "meaning" (the sentence model; ``similarity`` is its cosine); None when no briefing says it.
    matched_by: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (Index("ix_citations_ministry_days", "ministry", "day_to", "day_from"),)


class SentenceVector(Base):
    """A briefing answer's sentence as the sentence model embeds it (:mod:`pipeline.enrich.coverage.meaning`),
    kept so that a new process (each Airflow task is one) reads it instead of embedding it again. Keyed by the
    model and a digest of the text, not by turn: the same sentence in another turn or version is the same
    vector. Float32 bytes, exactly what the model gave, so that a stored vector scores as a fresh one does."""

    __tablename__ = "sentence_vectors"

    #: :attr:`~pipeline.enrich.coverage.meaning.Meaning.model`: vectors of another model are never read.
    model: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: SHA-256 of the text, hex.
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class IndexAck(Base):
    """The outbox's other half: the revision of each document a search target has acknowledged.

    A document is pending for a target while its ``revision`` is newer than the acknowledged one, so a
    change can never be lost between the catalog and the index: it stays pending until the target says
    it has it.
    """

    __tablename__ = "index_acks"

    #: The physical index: ``elasticsearch:<index>:<uuid>`` or ``embedded:<id>``.
    target: Mapped[str] = mapped_column(String(160), primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(64), ForeignKey("documents.doc_id"), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    acked_at: Mapped[datetime]


class OutboxTarget(Base):
    """The search target ``documents.indexed_revision`` speaks for (one row, ``id`` 1).

    A pass for another target (a new Elasticsearch index, a new ``search.db``) first rewrites the column
    from that target's acknowledgements and dead letters, then makes it the current one.
    """

    __tablename__ = "index_outbox_target"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    target: Mapped[str | None] = mapped_column(String(160))
    since: Mapped[datetime | None]


class DeadLetter(Base):
    """A document revision a search target rejected for good (a mapping error, a 4xx), with the reason."""

    __tablename__ = "index_dead_letters"

    target: Mapped[str] = mapped_column(String(160), primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(64), ForeignKey("documents.doc_id"), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    status: Mapped[int | None]
    error_type: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime]


class Run(Base):
    """One run of the pipeline (a cycle, a backfill)."""

    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RunSource(Base):
    """Per-source counts of one run."""

    __tablename__ = "run_sources"

    run_id: Mapped[str] = mapped_column(String(36), ForeignKey("runs.run_id"), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    discovered: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    not_modified: Mapped[int] = mapped_column(Integer, default=0)
    extracted: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    #: Discovery warnings (texts in ``run_warnings``): what was read only in part or dropped.
    warnings: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    seconds: Mapped[float] = mapped_column(default=0.0)
    #: When Elasticsearch acknowledged this row for the "Pipeline health" dashboard (None: not yet).
    indexed_at: Mapped[datetime | None]


class Failure(Base):
    """A recorded failure: what, where, why, and whether retrying can help."""

    __tablename__ = "failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str | None] = mapped_column(String(36), index=True)
    source_id: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str | None] = mapped_column(String(2048), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    error_kind: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    permanent: Mapped[bool] = mapped_column(Boolean)
    occurred_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class RunWarning(Base):
    """Something discovery read only in part or dropped in one run of a source (a feed cut off mid-item, a
    ``file:`` link): not a failure, but not to pass in silence either."""

    __tablename__ = "run_warnings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(36), index=True)
    source_id: Mapped[str] = mapped_column(String(64))
    #: The feed, listing page or sitemap it concerns.
    url: Mapped[str | None] = mapped_column(String(2048))
    message: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime]
