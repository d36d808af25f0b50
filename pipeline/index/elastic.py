"""The Elasticsearch side of search: templates, versioned indices behind aliases, bulk indexing, search.

Thin on purpose: the decisions live in pure functions tested directly (:func:`build_actions`,
:func:`classify_item`, :func:`build_search_body`, :func:`parse_search_response`), and
:class:`ElasticIndex` only sequences requests through the official client (major version 9, like the
server).

Names (prefix ``readout`` by default, ``Settings.index_prefix``)::

    alias readout-documents ──▶ readout-documents-v3     (the write index; v1, v2 kept until dropped)
    alias readout-runs      ──▶ readout-runs-v1
    (alias readout-turns    ──▶ readout-turns-vN          a later issue; same machinery)

Writes go through the alias (``require_alias`` so a missing alias can never auto-create an index with
dynamic mappings); a reindex writes to ``vN+1`` by name, checks ``_count`` and swaps the alias in one
``_aliases`` request.

Versioning: each document is indexed with ``version = revision`` and ``version_type = external``.
Elasticsearch then keeps the highest revision whatever order writes arrive in, and answers 409 to a
revision it already has (or has a newer one of). A 409 therefore means "the index holds this revision or
a newer one": the outbox can count it as acknowledged. Re-sending a batch after a crash is harmless.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, cast
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import (
    ApiError,
    BadRequestError,
    ConnectionTimeout,
    Elasticsearch,
    NotFoundError,
    TransportError,
    helpers,
)

from pipeline.config import Settings
from pipeline.errors import ConfigError, ReadoutError, SearchBackendError
from pipeline.index.mappings import Templates, load_templates
from pipeline.index.projection import ANALYZED_LANGUAGES, Projectable, analyzed_codes, project_document
from pipeline.index.query import Group, Query, Term
from pipeline.index.search import (
    FACETS,
    MARK_END,
    MARK_START,
    BulkOutcome,
    Rejection,
    SearchFilters,
    SearchHit,
    SearchResult,
)

log = logging.getLogger(__name__)

Classification = Literal["acked", "retry", "rejected"]

#: Index families this module manages (``turns`` joins when its template exists).
FAMILIES: tuple[str, ...] = ("documents", "runs")

#: Fields of a runs row (the ``<prefix>-run-mappings`` component template).
RUN_FIELDS: tuple[str, ...] = (
    "run_id",
    "source",
    "mode",
    "status",
    "started_at",
    "finished_at",
    "discovered",
    "new",
    "updated",
    "unchanged",
    "not_modified",
    "fetched",
    "removed",
    "skipped",
    "failed",
    "error",
    "seconds",
)

#: How many values each facet aggregation returns.
FACET_SIZE = 20
#: Characters of text around the matches in a snippet.
SNIPPET_CHARS = 200
#: The ``_source`` fields a search hit needs (never the full text: it can be megabytes).
HIT_SOURCE_FIELDS: tuple[str, ...] = ("doc_id", "title", "url", "source", "kind", "language", "published_at")
#: Field boosts: a match in the title counts three times a match in the body.
TITLE_BOOST = 3

_BULK_OPS = ("index", "create", "update", "delete")


class IndexRefusedError(ReadoutError):
    """An index operation was refused on purpose (dropping the live index, a name that is not ours)."""


class BulkInterruptedError(SearchBackendError):
    """A bulk run stopped part-way: Elasticsearch unreachable, or it refused a whole request.

    ``outcome`` holds what was settled before the failure (acked, rejected) and, in ``retry_later``,
    every document that was sent or about to be sent without an answer. Documents not listed were never
    read from the input; like those in ``retry_later`` they stay pending in the outbox.
    """

    def __init__(self, message: str, outcome: BulkOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome


class ReindexAbortedError(SearchBackendError):
    """A reindex stopped before the alias swap (the count did not match); ``report`` says why.

    The alias still points at the old index, so search is untouched; the new index is kept for
    inspection. Raised rather than returned so that no caller can mistake an aborted rebuild for a
    finished one.
    """

    def __init__(self, report: ReindexReport) -> None:
        super().__init__(f"reindex aborted: {report.reason}")
        self.report = report


@dataclass(frozen=True)
class IndexInfo:
    """One of our indices, as ``list_indices`` reports it."""

    name: str
    family: str | None
    version: int | None
    docs: int | None
    health: str | None
    status: str | None
    aliases: tuple[str, ...] = ()
    is_write_index: bool = False
    uuid: str | None = None


@dataclass
class ReindexReport:
    """What ``reindex`` did; ``swapped`` is False when it stopped before touching the alias (see ``reason``)."""

    alias: str
    old_index: str | None
    new_index: str
    expected: int
    counted: int | None
    swapped: bool
    dropped_old: bool = False
    reason: str | None = None
    outcome: BulkOutcome = field(default_factory=BulkOutcome)

    @property
    def count(self) -> int:
        """Documents in the new index (0 when it could not be counted)."""
        return self.counted or 0


# --- pure functions: actions, classification, search translation --------------------------------------


def build_actions(documents: Iterable[Projectable], index: str = "readout-documents") -> Iterator[dict[str, Any]]:
    """One bulk ``index`` action per document: ``_id`` = doc_id, external version = revision."""
    for document in documents:
        yield {
            "_op_type": "index",
            "_index": index,
            "_id": document.doc_id,
            "version": int(document.revision),
            "version_type": "external",
            "_source": project_document(document),
        }


def project_run(row: Mapping[str, Any]) -> dict[str, Any]:
    """A runs row as JSON: dates as ISO 8601, ``None`` dropped (unknown keys are kept, so the strict
    mapping rejects them visibly instead of their vanishing here)."""
    projected: dict[str, Any] = {}
    for key, value in row.items():
        if value is None:
            continue
        projected[key] = value.isoformat() if isinstance(value, datetime | date) else value
    return projected


def build_run_actions(rows: Iterable[Mapping[str, Any]], index: str = "readout-runs") -> Iterator[dict[str, Any]]:
    """One bulk ``index`` action per runs row, ``_id`` = ``run_id:source`` (a re-sent row overwrites itself)."""
    for row in rows:
        try:
            run_id, source = row["run_id"], row["source"]
        except KeyError as exc:
            raise ValueError(f"a runs row needs run_id and source (missing {exc.args[0]!r})") from None
        yield {"_op_type": "index", "_index": index, "_id": f"{run_id}:{source}", "_source": project_run(row)}


#: Item errors that are about the document itself: sending it again cannot succeed.
DOCUMENT_ERRORS = frozenset(
    {
        "mapper_parsing_exception",
        "document_parsing_exception",
        "strict_dynamic_mapping_exception",
        "max_bytes_length_exceeded_exception",
        "request_entity_too_large",
        "document_missing_exception",
    }
)


#: Item statuses the bulk helper re-sends within the run, with exponential backoff (``streaming_bulk``'s
#: ``retry_on_status``). Only 429: the helper also retries a whole request answered with these statuses,
#: and the transport already retries 502/503/504 (:func:`build_client`), so adding 5xx here would multiply
#: the two loops. Other retryable items (408, 5xx...) stay pending for the next run (:func:`classify_item`).
BULK_RETRY_STATUSES: tuple[int, ...] = (429,)


def classify_item(item: Mapping[str, Any]) -> Classification:
    """What a bulk item result means for the outbox.

    Accepts a response item (``{"index": {...}}``) or its inner object.

    - 2xx (``created``, ``updated``, ``noop``): **acked**.
    - 409 ``version_conflict_engine_exception``: **acked**. We index with external versions equal to the
      catalog revision, so a conflict means the index already holds this revision or a newer one.
    - 408, 429 and 5xx: **retry** (overload, timeouts, unavailable shards): a 429 item is first re-sent
      by the bulk helper (:data:`BULK_RETRY_STATUSES`); the others are left pending for the next run.
    - 401/403 (credentials, privileges) and 404 ``index_not_found_exception`` (alias or index missing):
      **retry**. They are the deployment's problem, not the document's; dead-lettering every document
      because an API key expired would be wrong.
    - a 4xx whose error type is about the document (:data:`DOCUMENT_ERRORS`: mapping and parsing errors,
      an immense term): **rejected**; sending the same document again cannot succeed.
    - any other 4xx (``index_closed_exception``, "no write index is defined for alias"...): **retry**.
    - no status at all: **retry** (we do not know, so we do not drop it).
    """
    info = _item_info(item)
    status = info.get("status")
    if not isinstance(status, int) or isinstance(status, bool):
        return "retry"
    if 200 <= status < 300 or status == 409:
        return "acked"
    if status in (401, 403, 408, 429) or status >= 500:
        return "retry"
    error_type = _error_type(info)
    if error_type in DOCUMENT_ERRORS:
        return "rejected"
    reason = str((info.get("error") or {}).get("reason") or "") if isinstance(info.get("error"), Mapping) else ""
    if error_type == "illegal_argument_exception" and "immense term" in reason:
        return "rejected"  # a keyword value over Lucene's 32,766-byte limit: the document's own problem
    # Anything else (a closed index, an alias without a write index, a missing index...) is about the
    # deployment, not the document: dead-lettering every document for it would lose them from the index.
    return "retry"


def search_fields(languages: Iterable[str] | None = None) -> list[str]:
    """The analyzed fields a query runs over: ``title``/``text`` (standard analyzer, every language) and
    the language fields (stemming, CJK bigrams), restricted to ``languages`` when given."""
    codes = analyzed_codes(languages)
    return [
        f"title^{TITLE_BOOST}",
        *(f"title_{code}^{TITLE_BOOST}" for code in codes),
        "text",
        *(f"text_{code}" for code in codes),
    ]


#: The fields that keep every token (standard analyzer: no stemming, no stopwords).
EXACT_FIELDS = [f"title^{TITLE_BOOST}", "text"]


def term_query(term: Term, fields: list[str]) -> dict[str, Any]:
    """A term of the query as Elasticsearch should run it: the user's text as typed, analysed by each
    field's own analyzer (never split or lower-cased here, so ``China's``, ``U.S.``, ``1,000`` reach the
    standard tokenizer whole).

    * **word** (``China's``): ``multi_match`` of type ``phrase`` over every analysed field. A word that is
      one token is a term query per field (``china's`` on ``text``, ``china`` on ``text_en``); a word the
      tokenizer cuts in several (``U.S.-China``, ``制裁措施``) needs them in order.
    * **phrase** (``"unilateral sanctions"``): ``multi_match`` of type ``phrase`` on the standard-analysed
      fields only: the exact words. The language analyzers drop stop words and stem, which would turn
      "the hague" into any text with "hague".
    * **prefix** (``sanction*``): ``multi_match`` of type ``bool_prefix`` with ``operator: and`` on the
      standard fields: every token of the text, the last one as a ``prefix`` query, which matches every
      term with that prefix (``phrase_prefix`` expands only the first 50 and would miss some).
    """
    if term.kind == "phrase":
        return {"multi_match": {"query": term.text, "fields": EXACT_FIELDS, "type": "phrase"}}
    if term.kind == "prefix":
        return {"multi_match": {"query": term.text, "fields": EXACT_FIELDS, "type": "bool_prefix", "operator": "and"}}
    return {"multi_match": {"query": term.text, "fields": fields, "type": "phrase"}}


def group_query(group: Group, fields: list[str]) -> dict[str, Any]:
    """Every term of the group must match; none of its exclusions may."""
    clause: dict[str, Any] = {"must": [term_query(term, fields) for term in group.must]}
    if group.must_not:
        clause["must_not"] = [term_query(term, fields) for term in group.must_not]
    return {"bool": clause}


def filter_clauses(filters: SearchFilters) -> list[dict[str, Any]]:
    """Filters as non-scoring clauses: ``terms`` per facet, publication days inclusive, removed hidden."""
    clauses: list[dict[str, Any]] = []
    for name, values in (
        ("source", filters.sources),
        ("kind", filters.kinds),
        ("language", filters.languages),
        ("topics", filters.topics),
        ("countries", filters.countries),
    ):
        if values:
            clauses.append({"terms": {name: list(values)}})
    if filters.since or filters.until:
        # Whole UTC days on both ends: from the start of `since` to before the day after `until`.
        bounds: dict[str, Any] = {}
        if filters.since:
            bounds["gte"] = filters.since.isoformat()
        if filters.until:
            bounds["lt"] = (filters.until + timedelta(days=1)).isoformat()
        bounds["format"] = "strict_date"
        clauses.append({"range": {"published_at": bounds}})
    if not filters.include_removed:
        clauses.append({"term": {"removed": False}})
    return clauses


def build_search_body(query: Query, filters: SearchFilters, limit: int) -> dict[str, Any]:
    """The ``_search`` request body for a parsed query, its filters and a result limit."""
    languages = [code for code in filters.languages if code in ANALYZED_LANGUAGES] if filters.languages else None
    fields = search_fields(languages)
    text_fields = [field.split("^")[0] for field in fields if field.startswith("text")]
    clause: dict[str, Any] = {}
    if query.groups:
        clause["should"] = [group_query(group, fields) for group in query.groups]
        clause["minimum_should_match"] = 1
    filters_list = filter_clauses(filters)
    if filters_list:
        clause["filter"] = filters_list
    body: dict[str, Any] = {
        "query": {"bool": clause} if clause else {"match_all": {}},
        "size": limit,
        "track_total_hits": True,
        "_source": list(HIT_SOURCE_FIELDS),
        "aggs": {facet: {"terms": {"field": facet, "size": FACET_SIZE}} for facet in FACETS},
        "highlight": {
            "pre_tags": [MARK_START],
            "post_tags": [MARK_END],
            "fragment_size": SNIPPET_CHARS,
            "number_of_fragments": 1,
            # A snippet even when only the title matched, or for filter-only searches.
            "no_match_size": SNIPPET_CHARS,
            "fields": {name: {} for name in text_fields},
        },
    }
    if query.match_all:
        # No relevance to rank by: newest first, ties in a stable order.
        body["sort"] = [{"published_at": {"order": "desc", "missing": "_last"}}, {"doc_id": "asc"}]
    return body


def parse_search_response(query_text: str, response: Mapping[str, Any]) -> SearchResult:
    """A ``_search`` response body as the shared :class:`SearchResult`."""
    hits_part = response.get("hits") or {}
    total_part = hits_part.get("total", 0)
    total = int(total_part.get("value", 0)) if isinstance(total_part, Mapping) else int(total_part or 0)
    hits: list[SearchHit] = []
    for hit in hits_part.get("hits") or []:
        source = hit.get("_source") or {}
        hits.append(
            SearchHit(
                doc_id=str(source.get("doc_id") or hit.get("_id")),
                title=source.get("title"),
                url=str(source.get("url", "")),
                source=str(source.get("source", "")),
                kind=str(source.get("kind", "")),
                language=source.get("language"),
                published_at=source.get("published_at"),
                score=float(hit.get("_score") or 0.0),
                snippet=pick_snippet(hit.get("highlight") or {}, source.get("language")),
            )
        )
    aggregations = response.get("aggregations") or {}
    # Every facet is present, empty when there is nothing to count, exactly as the embedded backend answers.
    facets = {
        facet: {
            str(bucket["key"]): int(bucket["doc_count"])
            for bucket in (aggregations.get(facet) or {}).get("buckets", [])
        }
        for facet in FACETS
    }
    return SearchResult(backend="elasticsearch", query=query_text, total=total, hits=hits, facets=facets)


def pick_snippet(highlight: Mapping[str, list[str]], language: str | None) -> str:
    """The best highlighted fragment: one with marks, from the document's language field (stemmed
    matches), then ``text``, then any field; whitespace collapsed."""
    order = [f"text_{language}"] if language else []
    order += ["text", *sorted(name for name in highlight if name not in order and name != "text")]
    fragments = [fragment for name in order for fragment in highlight.get(name, [])]
    marked = [fragment for fragment in fragments if MARK_START in fragment]
    chosen = (marked or fragments or [""])[0]
    return " ".join(chosen.split())


# --- the client ---------------------------------------------------------------------------------------


def redact_url(url: str) -> str:
    """The URL without any ``user:password@`` (safe for logs and error messages)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def build_client(settings: Settings) -> Elasticsearch:
    """The official client from ``READOUT_ELASTICSEARCH_*`` settings.

    Transport-level retries (``READOUT_ELASTICSEARCH_REQUEST_RETRIES``, few: each can cost a whole request
    timeout) cover timeouts, lost connections and 502/503/504 (with jittered backoff); 429 is left to the
    bulk helper, which retries only the rejected documents with exponential backoff, so the two retry
    loops never multiply.
    """
    if not settings.elasticsearch_url:
        raise ConfigError("no Elasticsearch URL configured", field="READOUT_ELASTICSEARCH_URL")
    options: dict[str, Any] = {
        "request_timeout": settings.elasticsearch_timeout,
        "retry_on_timeout": True,
        "max_retries": settings.elasticsearch_request_retries,
        "retry_on_status": (502, 503, 504),
    }
    if settings.backoff_base > 0:
        options["retry_backoff_base"] = settings.backoff_base
        options["retry_backoff_cap"] = 30.0
    if settings.elasticsearch_api_key is not None:
        options["api_key"] = settings.elasticsearch_api_key.get_secret_value()
        if settings.elasticsearch_username:
            log.warning("both an Elasticsearch API key and a username are set; using the API key")
    elif settings.elasticsearch_username:
        password = settings.elasticsearch_password.get_secret_value() if settings.elasticsearch_password else ""
        options["basic_auth"] = (settings.elasticsearch_username, password)
    if settings.elasticsearch_ca_certs is not None:
        options["ca_certs"] = str(settings.elasticsearch_ca_certs)
    return Elasticsearch(settings.elasticsearch_url, **options)


class ElasticIndex:
    """Readout's indices on one Elasticsearch cluster."""

    def __init__(
        self,
        settings: Settings,
        client: Elasticsearch | None = None,
        *,
        templates: Templates | None = None,
        max_backoff: float = 60.0,
    ) -> None:
        self.settings = settings
        self.prefix = settings.index_prefix
        self.client = client if client is not None else build_client(settings)
        self.templates = templates if templates is not None else load_templates(self.prefix)
        self.initial_backoff = settings.backoff_base
        self.max_backoff = max_backoff
        self.url = redact_url(settings.elasticsearch_url or "(client given)")
        self._index_name = re.compile(rf"^{re.escape(self.prefix)}-(?P<family>[a-z_]+)-v(?P<version>\d+)$")

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticIndex:
        """An index on the cluster the settings name (see :func:`build_client`)."""
        return cls(settings, build_client(settings))

    def __repr__(self) -> str:
        return f"ElasticIndex({self.url!r}, prefix={self.prefix!r})"

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()

    def __enter__(self) -> ElasticIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def probe(self) -> None:
        """Ask the cluster once whether it answers (``HEAD /``), waiting at most
        ``READOUT_ELASTICSEARCH_PROBE_TIMEOUT`` seconds and never retrying: a cluster that is down or black-holed
        costs a command seconds here instead of every request's timeout and retries."""
        timeout = self.settings.elasticsearch_probe_timeout
        quick = self.client.options(request_timeout=timeout, max_retries=0, retry_on_timeout=False)
        try:
            quick.perform_request("HEAD", "/", headers={"accept": "application/json"})
        except ApiError as exc:
            raise SearchBackendError(f"Elasticsearch at {self.url} answers {_exception_detail(exc)}") from exc
        except TransportError as exc:
            raise SearchBackendError(
                f"Elasticsearch at {self.url} is not answering ({_transport_detail(exc, timeout)})"
            ) from exc

    # --- names and aliases ---

    def alias(self, family: str = "documents") -> str:
        """The alias searches and writes of a family go through (``<prefix>-documents``)."""
        return f"{self.prefix}-{family}"

    def alias_target(self, family: str = "documents") -> str | None:
        """The index the family's alias writes to, or None when the alias does not exist."""
        alias = self.alias(family)
        with self._backend(f"read alias {alias}"):
            try:
                body = self.client.indices.get_alias(name=alias).body
            except NotFoundError:
                return None
        return _write_target(body, alias)

    def identity(self, family: str = "documents") -> str:
        """Which physical index the alias writes to: ``<name>:<uuid>``.

        The catalog's acknowledgements are kept per identity, so a new cluster, a deleted index or a
        rebuilt one starts with nothing acknowledged instead of trusting acks for documents it lacks.
        """
        target = self.write_index(family)
        for info in self.list_indices():
            if info.name == target:
                return f"{target}:{info.uuid or 'unknown'}"
        raise SearchBackendError(f"index {target} behind alias {self.alias(family)} is not listed at {self.url}")

    def write_index(self, family: str = "documents") -> str:
        """Like :meth:`alias_target`, but a missing alias is an error."""
        target = self.alias_target(family)
        if target is None:
            raise SearchBackendError(f"alias {self.alias(family)} does not exist at {self.url}; run ensure_ready first")
        return target

    # --- setup ---

    def apply_templates(self) -> None:
        """PUT every component template, then every index template (which need their components)."""
        with self._backend("apply index templates"):
            for name, body in self.templates.component_templates.items():
                self.client.cluster.put_component_template(name=name, body=body)
            for name, body in self.templates.index_templates.items():
                self.client.indices.put_index_template(name=name, body=body)

    def ensure_ready(self) -> None:
        """Templates applied, and each family's alias pointing at a write index (``-v1`` the first time).

        Idempotent: templates are PUT again (a no-op for Elasticsearch when unchanged) and an existing
        alias is left alone.
        """
        self.apply_templates()
        for family in FAMILIES:
            self._ensure_alias(family)

    def _ensure_alias(self, family: str) -> None:
        alias = self.alias(family)
        with self._backend(f"check alias {alias}"):
            if self.client.indices.exists_alias(name=alias):
                return
        first = f"{alias}-v1"
        try:
            with self._backend(f"create index {first}"):
                self.client.indices.create(index=first, aliases={alias: {"is_write_index": True}})
        except SearchBackendError as exc:
            cause = exc.__cause__
            if not isinstance(cause, BadRequestError) or _error_type(cause.body) != "resource_already_exists_exception":
                raise
            # Another process created it first (fine), or the alias was removed by hand (not fine: a
            # fresh empty index behind the alias would hide every acknowledged document).
            with self._backend(f"check alias {alias}"):
                if self.client.indices.exists_alias(name=alias):
                    return
            raise SearchBackendError(
                f"index {first} exists at {self.url} but alias {alias} does not; point the alias at the right "
                "index, or run `readout reindex` to build a new one"
            ) from None
        log.info("created %s behind alias %s", first, alias)

    # --- writing ---

    def index_documents(self, documents: Iterable[Projectable]) -> BulkOutcome:
        """Send documents through the alias; every one ends in exactly one list of the outcome.

        Raises :class:`BulkInterruptedError` (a :class:`SearchBackendError`) when Elasticsearch cannot be
        reached or refuses a whole request; ``exc.outcome`` has what was settled before that.
        """
        outcome = self._bulk(build_actions(documents, self.alias("documents")), require_alias=True)
        log.info(
            "indexed into %s: %d acked, %d rejected, %d left for later",
            self.alias("documents"),
            len(outcome.acked),
            len(outcome.rejected),
            len(outcome.retry_later),
        )
        return outcome

    def index_runs(self, rows: Iterable[Mapping[str, Any]]) -> BulkOutcome:
        """Send runs rows (keys: :data:`RUN_FIELDS`) through the runs alias; revisions are reported as 0."""
        return self._bulk(build_run_actions(rows, self.alias("runs")), require_alias=True)

    def reindex(self, documents: Iterable[Projectable], expected_count: int, drop_old: bool = False) -> ReindexReport:
        """Build ``<alias>-v(N+1)`` from ``documents``, verify it holds ``expected_count``, swap the alias.

        N is the highest existing version (an aborted earlier attempt is never reused). Templates are
        applied first, since a new mapping is the usual reason to reindex. If the count differs, the alias
        is left alone, the new index kept for inspection (drop it with :meth:`drop_index`) and
        :class:`ReindexAbortedError` raised with the report. The swap is
        one ``_aliases`` request (remove + add), which Elasticsearch applies atomically: searches see the
        old index or the new one, never neither. The old index is kept unless ``drop_old``.

        Writes that go through the alias while this runs land in the old index only; run the outbox
        again after the swap for documents changed since ``documents`` was read.
        """
        alias = self.alias("documents")
        self.apply_templates()
        old = self.alias_target("documents")
        versions = [info.version for info in self.list_indices() if info.family == "documents" and info.version]
        new = f"{alias}-v{max(versions, default=0) + 1}"
        with self._backend(f"create index {new}"):
            self.client.indices.create(index=new)
        log.info("reindex: building %s (alias %s now on %s)", new, alias, old)
        outcome = self._bulk(build_actions(documents, new), require_alias=False)
        with self._backend(f"refresh {new}"):
            self.client.indices.refresh(index=new)
        with self._backend(f"count {new}"):
            counted = int(self.client.count(index=new).body["count"])
        report = ReindexReport(
            alias=alias,
            old_index=old,
            new_index=new,
            expected=expected_count,
            counted=counted,
            swapped=False,
            outcome=outcome,
        )
        if counted != expected_count:
            report.reason = (
                f"{new} holds {counted} documents, expected {expected_count} "
                f"({len(outcome.rejected)} rejected, {len(outcome.retry_later)} not indexed); "
                f"alias {alias} left on {old or 'nothing'}, {new} kept for inspection"
            )
            log.warning("reindex aborted: %s", report.reason)
            raise ReindexAbortedError(report)
        actions: list[dict[str, Any]] = []
        if old:
            actions.append({"remove": {"index": old, "alias": alias}})
        actions.append({"add": {"index": new, "alias": alias, "is_write_index": True}})
        with self._backend(f"swap alias {alias} to {new}"):
            self.client.indices.update_aliases(actions=actions)
        report.swapped = True
        log.info("reindex: alias %s now on %s (%d documents)", alias, new, counted)
        if drop_old and old:
            self.drop_index(old)
            report.dropped_old = True
        return report

    def drop_index(self, name: str) -> None:
        """Delete one of our versioned indices; refuses any index an alias points at, and foreign names."""
        if not self._index_name.match(name):
            raise IndexRefusedError(f"refusing to drop {name!r}: not a {self.prefix}-<family>-v<N> index")
        with self._backend(f"read aliases of {name}"):
            try:
                body = self.client.indices.get_alias(index=name).body
            except NotFoundError:
                raise IndexRefusedError(f"no index {name} at {self.url}") from None
        aliases = sorted(body.get(name, {}).get("aliases", {}))
        if aliases:
            raise IndexRefusedError(
                f"refusing to drop {name}: alias {', '.join(aliases)} points at it (it is live); "
                "reindex first so the alias moves to a newer index"
            )
        with self._backend(f"delete {name}"):
            self.client.indices.delete(index=name)
        log.info("dropped index %s", name)

    def list_indices(self) -> list[IndexInfo]:
        """Every ``<prefix>-*`` index with its document count and aliases, by family and version."""
        pattern = f"{self.prefix}-*"
        with self._backend("list indices"):
            response = self.client.cat.indices(index=pattern, format="json", h="index,uuid,health,status,docs.count")
            rows = cast(list[dict[str, Any]], response.body)
            aliases = self.client.indices.get_alias(index=pattern).body
        writers = {
            alias: _write_target(aliases, alias) for spec in aliases.values() for alias in spec.get("aliases", {})
        }
        infos: list[IndexInfo] = []
        for row in rows:
            name = str(row["index"])
            match = self._index_name.match(name)
            index_aliases = tuple(sorted(aliases.get(name, {}).get("aliases", {})))
            count = row.get("docs.count")
            infos.append(
                IndexInfo(
                    name=name,
                    family=match["family"] if match else None,
                    version=int(match["version"]) if match else None,
                    docs=int(count) if count not in (None, "") else None,
                    health=row.get("health"),
                    status=row.get("status"),
                    aliases=index_aliases,
                    is_write_index=any(writers.get(alias) == name for alias in index_aliases),
                    uuid=row.get("uuid"),
                )
            )
        return sorted(infos, key=lambda info: (info.family or "", info.version or 0, info.name))

    # --- searching ---

    def search(self, query: Query, filters: SearchFilters | None = None, limit: int = 10) -> SearchResult:
        """Run a parsed query through the documents alias; the same result shape as the embedded index."""
        body = build_search_body(query, filters or SearchFilters(), limit)
        alias = self.alias("documents")
        with self._backend(f"search {alias}"):
            response = self.client.search(index=alias, body=body).body
        return parse_search_response(query.text, response)

    # --- internals ---

    def _bulk(self, actions: Iterable[dict[str, Any]], *, require_alias: bool) -> BulkOutcome:
        outcome = BulkOutcome()
        # doc_id → revisions sent and not yet answered (a deque in case a batch repeats a document).
        pending: dict[str, deque[int]] = defaultdict(deque)

        def tracked() -> Iterator[dict[str, Any]]:
            for action in actions:
                pending[str(action["_id"])].append(int(action.get("version", 0)))
                yield action

        results = helpers.streaming_bulk(
            self.client,
            tracked(),
            chunk_size=self.settings.elasticsearch_bulk_chunk,
            max_retries=self.settings.elasticsearch_max_retries,
            retry_on_status=BULK_RETRY_STATUSES,
            initial_backoff=self.initial_backoff,
            max_backoff=self.max_backoff,
            raise_on_error=False,
            raise_on_exception=False,
            yield_ok=True,
            require_alias=require_alias,
        )
        try:
            for _ok, item in results:
                info = _item_info(item)
                doc_id = str(info.get("_id"))
                revision = _take(pending, doc_id)
                if "exception" in info:
                    # The whole request failed (429 after every retry, 5xx, 401...): stop here rather
                    # than hammer a cluster that refuses everything; the rest stays pending.
                    detail = _exception_detail(info["exception"])
                    outcome.retry_later.append((doc_id, revision, detail))
                    raise BulkInterruptedError(self._interrupted(outcome, pending, detail), outcome)
                self._settle(outcome, info, doc_id, revision)
        except (TransportError, ApiError) as exc:
            detail = _exception_detail(exc)
            raise BulkInterruptedError(self._interrupted(outcome, pending, detail), outcome) from exc
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()
        for doc_id, revisions in pending.items():
            # Cannot happen with a well-behaved server; if it does, nothing is dropped silently.
            outcome.retry_later.extend((doc_id, revision, "no result from Elasticsearch") for revision in revisions)
        return outcome

    def _settle(self, outcome: BulkOutcome, info: Mapping[str, Any], doc_id: str, revision: int) -> None:
        verdict = classify_item(info)
        if verdict == "acked":
            outcome.acked.append((doc_id, revision))
        elif verdict == "retry":
            outcome.retry_later.append((doc_id, revision, _item_reason(info)))
        else:
            error = info.get("error")
            outcome.rejected.append(
                Rejection(
                    doc_id=doc_id,
                    revision=revision,
                    status=info.get("status"),
                    error_type=_error_type(error),
                    reason=_item_reason(info),
                )
            )

    def _interrupted(self, outcome: BulkOutcome, pending: dict[str, deque[int]], detail: str) -> str:
        for doc_id, revisions in pending.items():
            outcome.retry_later.extend((doc_id, revision, detail) for revision in revisions)
        pending.clear()
        return (
            f"Elasticsearch at {self.url} did not take the bulk request ({detail}); "
            f"{len(outcome.acked)} acknowledged, {len(outcome.retry_later)} left pending for the next run"
        )

    @contextmanager
    def _backend(self, action: str) -> Iterator[None]:
        """Turn client errors into :class:`SearchBackendError` naming the action and the (redacted) URL."""
        try:
            yield
        except (TransportError, ApiError) as exc:
            raise SearchBackendError(f"Elasticsearch at {self.url}: cannot {action}: {_exception_detail(exc)}") from exc


def _item_info(item: Mapping[str, Any]) -> Mapping[str, Any]:
    if len(item) == 1:
        ((key, value),) = item.items()
        if key in _BULK_OPS and isinstance(value, Mapping):
            return value
    return item


def _take(pending: dict[str, deque[int]], doc_id: str) -> int:
    revisions = pending.get(doc_id)
    if not revisions:
        return 0
    revision = revisions.popleft()
    if not revisions:
        del pending[doc_id]
    return revision


def _error_type(error: Any) -> str | None:
    """The ``type`` of an Elasticsearch error object (also inside ``{"error": ...}`` and bulk items)."""
    if isinstance(error, Mapping):
        inner = error.get("error", error)
        if isinstance(inner, Mapping) and isinstance(inner.get("type"), str):
            return str(inner["type"])
    return None


def _item_reason(info: Mapping[str, Any]) -> str:
    status = info.get("status")
    error = info.get("error")
    if isinstance(error, Mapping):
        text = f"{error.get('type', 'error')}: {error.get('reason', '')}".rstrip(": ")
        cause = error.get("caused_by")
        if isinstance(cause, Mapping):
            text += f" (caused by {cause.get('type', 'error')}: {cause.get('reason', '')})"
    else:
        text = str(error) if error else "no error detail"
    return f"{status} {text}" if status is not None else text


def _exception_detail(exc: Any) -> str:
    if isinstance(exc, ApiError):
        body = exc.body
        error = body.get("error") if isinstance(body, Mapping) else None
        if isinstance(error, Mapping):
            return f"HTTP {exc.status_code} {error.get('type', '')}: {error.get('reason', '')}".strip()
        return f"HTTP {exc.status_code} {error or exc.message}"
    if isinstance(exc, TransportError):
        return f"{type(exc).__name__}: {exc.message}"
    return str(exc)


def _transport_detail(exc: TransportError, timeout: float) -> str:
    """Why a request got no answer, in a few words: "no answer within 3 s" or the connection's own error."""
    if isinstance(exc, ConnectionTimeout):
        return f"no answer within {timeout:g} s"
    return _exception_detail(exc)


def _write_target(body: Mapping[str, Any], alias: str) -> str | None:
    """The write index among ``GET _alias`` results: the one flagged ``is_write_index``, or the only one."""
    holders = [
        (index, spec["aliases"][alias] or {})
        for index, spec in body.items()
        if isinstance(spec, Mapping) and alias in spec.get("aliases", {})
    ]
    flagged = [index for index, alias_spec in holders if alias_spec.get("is_write_index")]
    if flagged:
        return flagged[0]
    if len(holders) == 1 and holders[0][1].get("is_write_index") is not False:
        return holders[0][0]
    return None
