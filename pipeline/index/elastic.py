"""The Elasticsearch side of search: templates, versioned indices behind aliases, and the client.

Thin on purpose: the decisions live in pure functions tested directly (:mod:`pipeline.index.es_bulk`:
actions and what each item result means; :mod:`pipeline.index.es_turns`: a document's turns in step with
it; :mod:`pipeline.index.es_search`: query bodies and results), and :class:`ElasticIndex` only sequences
requests through the official client (major version 9, like the server).

Names (prefix ``readout`` by default, ``Settings.index_prefix``)::

    alias readout-documents ──▶ readout-documents-v3     (the write index; v1, v2 kept until dropped)
    alias readout-turns     ──▶ readout-turns-v2         (one document per exchange of a briefing)
    alias readout-runs      ──▶ readout-runs-v1

Writes go through the alias (``require_alias`` so a missing alias can never auto-create an index with
dynamic mappings); a reindex writes to ``vN+1`` of documents and turns by name, checks both ``_count``
and swaps both aliases in one ``_aliases`` request.

The catalog's outbox acknowledges a document revision for the pair of physical indices the documents
and turns aliases write to (:meth:`ElasticIndex.identity`): a new, deleted or rebuilt index of either
family makes every document pending again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import (
    ApiError,
    BadRequestError,
    ConnectionTimeout,
    Elasticsearch,
    NotFoundError,
    TransportError,
)

from pipeline.config import Settings
from pipeline.errors import ConfigError, ReadoutError, SearchBackendError
from pipeline.index import es_bulk
from pipeline.index.coverage_projection import BatchCoverage, CoverageLookup
from pipeline.index.es_bulk import BulkInterruptedError, build_actions, build_run_actions, error_type, exception_detail
from pipeline.index.es_search import (
    FOLD_FIELD,
    build_search_body,
    build_turn_search_body,
    parse_search_response,
    parse_turn_response,
)
from pipeline.index.es_turns import LOOKUP_PAGE, build_turn_actions, fold, hold_back, previous_ids_body
from pipeline.index.mappings import Templates, load_templates
from pipeline.index.projection import Projectable
from pipeline.index.query import Query
from pipeline.index.search import BulkOutcome, SearchFilters, SearchResult, TurnSearchResult
from pipeline.index.turn_projection import TurnLookup, TurnsByDocument

log = logging.getLogger(__name__)

#: Index families this module manages: an index template, an alias and versioned indices each.
FAMILIES: tuple[str, ...] = ("documents", "turns", "runs")
#: The families the outbox fills together; acknowledgements are kept for this pair of physical indices.
OUTBOX_FAMILIES: tuple[str, ...] = ("documents", "turns")


class IndexRefusedError(ReadoutError):
    """An index operation was refused on purpose (dropping the live index, a name that is not ours)."""


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
    #: The turns index rebuilt beside the documents' (same swap).
    turns_old_index: str | None = None
    turns_new_index: str | None = None
    turns_expected: int = 0
    turns_counted: int | None = None

    @property
    def count(self) -> int:
        """Documents in the new index (0 when it could not be counted)."""
        return self.counted or 0


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
            raise SearchBackendError(f"Elasticsearch at {self.url} answers {exception_detail(exc)}") from exc
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

    def identity(self, family: str | None = None) -> str:
        """Which physical index the alias writes to: ``<name>:<uuid>``; without ``family``, the outbox's
        pair ``<documents index>:<uuid>+<turns index>:<uuid>``.

        The catalog's acknowledgements are kept per identity, so a new cluster, a deleted index or a
        rebuilt one (of either family) starts with nothing acknowledged instead of trusting acks for
        documents or turns it lacks.
        """
        families = OUTBOX_FAMILIES if family is None else (family,)
        targets = {name: self.write_index(name) for name in families}
        uuids = {info.name: info.uuid for info in self.list_indices()}
        parts = []
        for name, target in targets.items():
            if target not in uuids:
                raise SearchBackendError(f"index {target} behind alias {self.alias(name)} is not listed at {self.url}")
            parts.append(f"{target}:{uuids[target] or 'unknown'}")
        return "+".join(parts)

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
            if not isinstance(cause, BadRequestError) or error_type(cause.body) != "resource_already_exists_exception":
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

    def index_documents(
        self,
        documents: Iterable[Projectable],
        turns: TurnsByDocument | None = None,
        coverage: BatchCoverage | None = None,
    ) -> BulkOutcome:
        """Send documents, and their turns, through the aliases; every document ends in exactly one list.

        ``turns`` holds each document's current turns (a document absent from it has none), ``coverage``
        the documents' citations and the turns' news reports (none without it): they are
        indexed, and turns the index holds for these documents but the catalog no longer has are deleted
        (:mod:`pipeline.index.es_turns`). A document is acknowledged only when it and all its turns were.
        Raises :class:`BulkInterruptedError` (a :class:`SearchBackendError`) when Elasticsearch cannot be
        reached or refuses a whole request; ``exc.outcome`` has what was settled before that.
        """
        batch = list(documents)
        try:
            docs = self._send(build_actions(batch, self.alias("documents"), coverage), require_alias=True)
        except BulkInterruptedError as exc:
            raise BulkInterruptedError(str(exc), hold_back(exc.outcome)) from exc
        alias = self.alias("turns")
        if not docs.acked:
            # Nothing to complete (the alias missing, every document refused or left pending): the
            # turns wait for their documents.
            return fold(batch, docs, BulkOutcome(), {})
        try:
            previous = self._turn_ids(alias, [document.doc_id for document in batch])
        except SearchBackendError as exc:
            raise BulkInterruptedError(str(exc), hold_back(docs)) from exc
        built = build_turn_actions(batch, turns or {}, alias, previous, coverage)
        try:
            sent = self._send(built.actions, require_alias=True) if built.actions else BulkOutcome()
        except BulkInterruptedError as exc:
            raise BulkInterruptedError(str(exc), fold(batch, docs, exc.outcome, built.owner)) from exc
        outcome = fold(batch, docs, sent, built.owner)
        log.info(
            "indexed into %s and %s (%d turn actions): %d acked, %d rejected, %d left for later",
            self.alias("documents"),
            alias,
            len(built.actions),
            len(outcome.acked),
            len(outcome.rejected),
            len(outcome.retry_later),
        )
        return outcome

    def index_runs(self, rows: Iterable[Mapping[str, Any]]) -> BulkOutcome:
        """Send runs rows (keys: :data:`~pipeline.index.es_bulk.RUN_FIELDS`) through the runs alias; revisions
        are reported as 0."""
        return self._send(build_run_actions(rows, self.alias("runs")), require_alias=True)

    def reindex(
        self,
        documents: Iterable[Projectable],
        expected_count: int,
        drop_old: bool = False,
        turns_for: TurnLookup | None = None,
        coverage_for: CoverageLookup | None = None,
    ) -> ReindexReport:
        """Build ``<alias>-v(N+1)`` of documents and of turns from ``documents`` (their turns looked up
        with ``turns_for``, their citations and coverage with ``coverage_for``, none without them), verify
        both counts, swap both aliases.

        N is the highest existing version of each family (an aborted earlier attempt is never reused).
        Templates are applied first, since a new mapping is the usual reason to reindex. If a count
        differs (documents: ``expected_count``; turns: as many as were sent), the aliases are left alone,
        the new indices kept for inspection (drop them with :meth:`drop_index`) and
        :class:`ReindexAbortedError` raised with the report. The swap is one ``_aliases`` request (remove
        + add for both families), which Elasticsearch applies atomically: searches see the old indices or
        the new ones, never a mix. The old indices are kept unless ``drop_old``.

        Writes that go through the aliases while this runs land in the old indices only; run the outbox
        again after the swap for documents changed since ``documents`` was read.
        """
        self.apply_templates()
        old = {family: self.alias_target(family) for family in OUTBOX_FAMILIES}
        infos = self.list_indices()
        new: dict[str, str] = {}
        for family in OUTBOX_FAMILIES:
            versions = [info.version for info in infos if info.family == family and info.version]
            new[family] = f"{self.alias(family)}-v{max(versions, default=0) + 1}"
            with self._backend(f"create index {new[family]}"):
                self.client.indices.create(index=new[family])
        log.info("reindex: building %s and %s", new["documents"], new["turns"])
        outcome, turns_sent = BulkOutcome(), 0
        iterator = iter(documents)
        while batch := list(islice(iterator, self.settings.elasticsearch_bulk_chunk)):
            ids = [document.doc_id for document in batch]
            turns = turns_for(ids) if turns_for else {}
            coverage = coverage_for(ids, turns) if coverage_for else None
            docs = self._send(build_actions(batch, new["documents"], coverage), require_alias=False)
            built = build_turn_actions(batch, turns, new["turns"], coverage=coverage)
            turns_sent += built.indexed
            sent = self._send(built.actions, require_alias=False) if built.actions else BulkOutcome()
            outcome.merge(fold(batch, docs, sent, built.owner))
        counted = {family: self._count(new[family]) for family in OUTBOX_FAMILIES}
        report = ReindexReport(
            alias=self.alias("documents"),
            old_index=old["documents"],
            new_index=new["documents"],
            expected=expected_count,
            counted=counted["documents"],
            swapped=False,
            outcome=outcome,
            turns_old_index=old["turns"],
            turns_new_index=new["turns"],
            turns_expected=turns_sent,
            turns_counted=counted["turns"],
        )
        if counted["documents"] != expected_count or counted["turns"] != turns_sent:
            report.reason = (
                f"{new['documents']} holds {counted['documents']} documents, expected {expected_count}, and "
                f"{new['turns']} {counted['turns']} turns, expected {turns_sent} "
                f"({len(outcome.rejected)} rejected, {len(outcome.retry_later)} not indexed); "
                f"aliases left on {old['documents'] or 'nothing'} and {old['turns'] or 'nothing'}, "
                "the new indices kept for inspection"
            )
            log.warning("reindex aborted: %s", report.reason)
            raise ReindexAbortedError(report)
        actions: list[dict[str, Any]] = []
        for family in OUTBOX_FAMILIES:
            if old[family]:
                actions.append({"remove": {"index": old[family], "alias": self.alias(family)}})
            actions.append({"add": {"index": new[family], "alias": self.alias(family), "is_write_index": True}})
        with self._backend(f"swap aliases to {new['documents']} and {new['turns']}"):
            self.client.indices.update_aliases(actions=actions)
        report.swapped = True
        log.info(
            "reindex: aliases now on %s (%d documents) and %s (%d turns)",
            new["documents"],
            counted["documents"],
            new["turns"],
            counted["turns"],
        )
        if drop_old:
            for family in OUTBOX_FAMILIES:
                if old[family]:
                    self.drop_index(cast(str, old[family]))
            report.dropped_old = old["documents"] is not None
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

    def search(
        self, query: Query, filters: SearchFilters | None = None, limit: int = 10, *, fold: bool = False
    ) -> SearchResult:
        """Run a parsed query through the documents alias; the same result shape as the embedded index. With
        ``fold``, one hit per near-duplicate cluster (``collapse`` on ``cluster_id``)."""
        body = build_search_body(query, filters or SearchFilters(), limit, fold=fold)
        alias = self.alias("documents")
        try:
            with self._backend(f"search {alias}"):
                response = self.client.search(index=alias, body=body).body
        except SearchBackendError as exc:
            if fold and _unmapped_fold_field(exc.__cause__):
                raise SearchBackendError(
                    f"{exc}; the index {alias} was built before search folded copies (no cluster_id field): "
                    "run `readout reindex`, or search with --no-fold"
                ) from exc
            raise
        return parse_search_response(query.text, response)

    def search_turns(self, query: Query, filters: SearchFilters | None = None, limit: int = 10) -> TurnSearchResult:
        """Run a parsed query over the turns alias (question and answer); the embedded index's result shape."""
        body = build_turn_search_body(query, filters or SearchFilters(), limit)
        alias = self.alias("turns")
        with self._backend(f"search {alias}"):
            response = self.client.search(index=alias, body=body).body
        return parse_turn_response(query.text, response)

    # --- internals ---

    def _send(self, actions: Iterable[dict[str, Any]], *, require_alias: bool) -> BulkOutcome:
        return es_bulk.send(
            self.client,
            actions,
            url=self.url,
            chunk_size=self.settings.elasticsearch_bulk_chunk,
            max_retries=self.settings.elasticsearch_max_retries,
            initial_backoff=self.initial_backoff,
            max_backoff=self.max_backoff,
            require_alias=require_alias,
        )

    def _count(self, index: str) -> int:
        """Refresh ``index`` and count what it holds (a count sees only refreshed documents)."""
        with self._backend(f"refresh {index}"):
            self.client.indices.refresh(index=index)
        with self._backend(f"count {index}"):
            return int(self.client.count(index=index).body["count"])

    def _turn_ids(self, alias: str, doc_ids: Sequence[str]) -> dict[str, set[str]]:
        """doc_id → the turn ids the turns index holds for it now.

        Refreshed first: a search sees only refreshed writes, and a turn indexed a moment ago that the
        lookup missed would never be deleted.
        """
        found: dict[str, set[str]] = {}
        if not doc_ids:
            return found
        with self._backend(f"refresh {alias}"):
            self.client.indices.refresh(index=alias)
        after: str | None = None
        while True:
            with self._backend(f"look up the turns in {alias}"):
                hits = self.client.search(index=alias, body=previous_ids_body(doc_ids, after)).body["hits"]["hits"]
            for hit in hits:
                found.setdefault(str(hit["_source"]["doc_id"]), set()).add(str(hit["_id"]))
            if len(hits) < LOOKUP_PAGE:
                return found
            after = str(hits[-1]["sort"][0])

    @contextmanager
    def _backend(self, action: str) -> Iterator[None]:
        """Turn client errors into :class:`SearchBackendError` naming the action and the (redacted) URL."""
        try:
            yield
        except (TransportError, ApiError) as exc:
            raise SearchBackendError(f"Elasticsearch at {self.url}: cannot {action}: {exception_detail(exc)}") from exc


def _unmapped_fold_field(exc: BaseException | None) -> bool:
    """Whether Elasticsearch refused a collapse because the index does not map ``cluster_id`` (an index
    created before it existed): "no mapping found for `cluster_id` in order to collapse on"."""
    if not isinstance(exc, BadRequestError):
        return False
    return FOLD_FIELD in str(exc.body) and "in order to collapse on" in str(exc.body)


def _transport_detail(exc: TransportError, timeout: float) -> str:
    """Why a request got no answer, in a few words: "no answer within 3 s" or the connection's own error."""
    if isinstance(exc, ConnectionTimeout):
        return f"no answer within {timeout:g} s"
    return exception_detail(exc)


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
