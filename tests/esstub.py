"""A loopback stand-in for Elasticsearch 9: just enough of its REST API for ``pipeline.index.elastic``.

No Elasticsearch server can run on the test machines, so the real ``elasticsearch`` client talks to
this server over HTTP on 127.0.0.1 instead. It keeps templates, indices, aliases and documents in
memory and answers with the response bodies Elastic documents (each handler names its doc page):

- every response carries ``X-Elastic-Product: Elasticsearch`` (the client refuses a 2xx without it);
- it refuses what Elasticsearch 9 refuses, with the same error bodies, by the rules of
  :mod:`tests.esrules`, :mod:`tests.eswrites` and :mod:`tests.essearch` (each citing the Elasticsearch
  source or doc page it follows): a component template whose mappings do not build on their own (an
  analyzer it does not define, an unknown mapping parameter...), an index template composed of missing
  or incompatible components, a malformed bulk body (the whole request), documents that break the
  index's mapping (per item: ``strict_dynamic_mapping_exception``, ``document_parsing_exception``...),
  a sort on a field that cannot be sorted on, a filter value its field cannot parse (:mod:`tests.esfilters`),
  and a ``collapse`` Elasticsearch refuses (:mod:`tests.esgroups`);
- index creation applies the matching composable index template (components merged as Elasticsearch
  does), and every indexed ``_source`` is checked against the resulting mapping;
- external versioning, ``require_alias``, write indices behind aliases, atomic ``_aliases``, and
  refresh semantics (``_count`` and ``_search`` see only refreshed documents) behave as documented.

It is not a search engine: ``_search`` returns the canned response a test sets, or the refreshed
documents its query matches, in order and unscored (the query evaluated by :mod:`tests.esquery` with
the documented semantics of each query and analyzer), collapsed with their inner hits, with ``terms`` and
``cardinality`` aggregations (:mod:`tests.esgroups`); ``_count`` ignores its query.

Faults, for the error paths: :meth:`EsStub.fail` (a whole request answers an error status N times),
``reject_ids`` (those documents get a 400 ``mapper_parsing_exception`` item), ``throttle_once``
(those documents get one 429 item, then succeed), ``unavailable_once`` (one 503 item, then succeed),
and :meth:`EsStub.stop` (connection refused).
Every request is recorded (:attr:`EsStub.requests`) so tests can assert exact bodies.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.esfilters import check_query, field_types
from tests.esgroups import aggregate, check_collapse, collapse_hits
from tests.esquery import Evaluator
from tests.esrules import (
    StubError,
    bad_request,
    check_mappings,
    check_template_fields,
    compose,
    error_body,
    find_template,
    missing_components,
)
from tests.essearch import after, sort_hits
from tests.esstub_bulk import bulk_item
from tests.eswrites import parse_bulk

API = "https://www.elastic.co/docs/api/doc/elasticsearch/operation"
#: The doc pages whose response shapes the handlers follow.
DOC_PAGES = {
    "info": f"{API}/operation-info",
    "component_template": f"{API}/operation-cluster-put-component-template",
    "index_template": f"{API}/operation-indices-put-index-template",
    "create_index": f"{API}/operation-indices-create",
    "delete_index": f"{API}/operation-indices-delete",
    "exists_alias": f"{API}/operation-indices-exists-alias",
    "get_alias": f"{API}/operation-indices-get-alias",
    "aliases": f"{API}/operation-indices-update-aliases",
    "bulk": f"{API}/operation-bulk",
    "refresh": f"{API}/operation-indices-refresh",
    "count": f"{API}/operation-count",
    "search": f"{API}/operation-search",
    "cat_indices": f"{API}/operation-cat-indices",
}

VERSION = "9.1.0"
SHARDS = {"total": 1, "successful": 1, "skipped": 0, "failed": 0}


def _missing_index_fields(name: str) -> dict[str, Any]:
    return {"resource.type": "index_or_alias", "resource.id": name, "index_uuid": "_na_", "index": name}


def not_found(name: str) -> StubError:
    return StubError(
        404,
        error_body(
            404,
            "index_not_found_exception",
            f"no such index [{name}]",
            **_missing_index_fields(name),
        ),
    )


@dataclass
class Request:
    """One request as the stand-in received it."""

    method: str
    path: str
    params: dict[str, str]
    body: Any
    headers: dict[str, str]
    #: The body as sent (the bulk parser reads the bytes, as Elasticsearch does).
    raw: bytes = b""


@dataclass
class StubIndex:
    name: str
    settings: dict[str, Any]
    mappings: dict[str, Any]
    uuid: str = field(default_factory=lambda: uuid.uuid4().hex[:22])
    #: _id → {"_source", "_version", "_seq_no"}
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: _ids a search or count can see (set by refresh, as in Elasticsearch).
    visible: set[str] = field(default_factory=set)
    seq_no: int = 0


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    body: dict[str, Any]


_DEFAULT_ERRORS = {
    429: ("es_rejected_execution_exception", "rejected execution of coordinating operation [stub]"),
    500: ("exception", "stub internal failure"),
    503: ("cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];"),
}


class EsStub:
    """The in-memory cluster and its HTTP server (start with :func:`running_stub`)."""

    def __init__(self) -> None:
        self.component_templates: dict[str, dict[str, Any]] = {}
        self.index_templates: dict[str, dict[str, Any]] = {}
        self.indices: dict[str, StubIndex] = {}
        #: alias → index → alias properties (``{"is_write_index": true}`` or ``{}``)
        self.aliases: dict[str, dict[str, dict[str, Any]]] = {}
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        #: Documents answered with a 400 mapper_parsing_exception item.
        self.reject_ids: set[str] = set()
        #: Documents answered once with a 429 item (then accepted).
        self.throttle_once: set[str] = set()
        #: Documents answered once with a 503 unavailable_shards_exception item (then accepted).
        self.unavailable_once: set[str] = set()
        #: The body ``_search`` answers with; None: refreshed documents, unscored.
        self.search_response: dict[str, Any] | None = None
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- test controls ---

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(
        self, method: str, path: str, status: int, *, times: int = 1, error_type: str | None = None, reason: str = ""
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` and the ``path`` regex with ``status``."""
        default_type, default_reason = _DEFAULT_ERRORS.get(status, ("exception", "stub failure"))
        body = error_body(status, error_type or default_type, reason or default_reason)
        self.faults.append(Fault(method, re.compile(path), status, times, body))

    def calls(self, method: str | None = None, path: str | None = None) -> list[Request]:
        """Recorded requests, optionally only those with this method and a path matching this regex."""
        return [
            request
            for request in self.requests
            if (method is None or request.method == method) and (path is None or re.fullmatch(path, request.path))
        ]

    def source(self, index_or_alias: str, doc_id: str) -> dict[str, Any] | None:
        with self._lock:
            for name in self._resolve(index_or_alias):
                doc = self.indices[name].docs.get(doc_id)
                if doc:
                    source: dict[str, Any] = copy.deepcopy(doc["_source"])
                    return source
        return None

    # --- lifecycle ---

    def start(self) -> None:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                stub._serve(self)

            def do_HEAD(self) -> None:
                stub._serve(self)

            def do_PUT(self) -> None:
                stub._serve(self)

            def do_POST(self) -> None:
                stub._serve(self)

            def do_DELETE(self) -> None:
                stub._serve(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        # A short poll interval only makes stop() return quickly (shutdown waits for the loop to notice).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="esstub", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Close the listening socket: from now on connections to the port are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    # --- HTTP plumbing ---

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        path = unquote(split.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        content_type = handler.headers.get("Content-Type", "")
        body: Any = None
        unreadable: StubError | None = None
        if raw:
            text = raw.decode("utf-8")
            try:
                if "ndjson" in content_type:
                    # Recorded for the tests' assertions; _bulk parses the raw bytes itself.
                    body = [json.loads(line) for line in text.splitlines() if line.strip()]
                else:
                    body = json.loads(text)
            except ValueError as exc:
                # A JSON body that does not parse: 400 x_content_parse_exception (ES RestRequest → XContentParser).
                unreadable = bad_request("x_content_parse_exception", f"[1:{getattr(exc, 'colno', 1)}] {exc}")
        request = Request(handler.command, path, params, body, {k.lower(): v for k, v in handler.headers.items()}, raw)
        with self._lock:
            self.requests.append(request)
            try:
                if unreadable is not None and "ndjson" not in content_type:
                    raise unreadable
                status, payload = self._fault(request) or self._route(request)
            except StubError as exc:
                status, payload = exc.status, exc.body
        self._send(handler, status, payload, request)

    def _send(self, handler: BaseHTTPRequestHandler, status: int, payload: Any, request: Request) -> None:
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        handler.send_response(status)
        # The client's product check: every response must say it comes from Elasticsearch.
        handler.send_header("X-Elastic-Product", "Elasticsearch")
        compat = "compatible-with" in request.headers.get("accept", "")
        handler.send_header(
            "Content-Type", "application/vnd.elasticsearch+json;compatible-with=9" if compat else "application/json"
        )
        handler.send_header("Content-Length", str(len(data)))
        # No keep-alive: after stop() no open connection may keep answering.
        handler.send_header("Connection", "close")
        handler.end_headers()
        if request.method != "HEAD":
            handler.wfile.write(data)

    def _fault(self, request: Request) -> tuple[int, Any] | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.method and fault.path.fullmatch(request.path):
                fault.times -= 1
                return fault.status, fault.body
        return None

    def _route(self, request: Request) -> tuple[int, Any]:
        method, path = request.method, request.path
        routes: list[tuple[str, str, Callable[..., tuple[int, Any]]]] = [
            ("GET", r"/", self._info),
            ("HEAD", r"/", lambda _r: (200, None)),
            ("PUT", r"/_component_template/(?P<name>[^/]+)", self._put_component_template),
            ("PUT", r"/_index_template/(?P<name>[^/]+)", self._put_index_template),
            ("HEAD", r"/_alias/(?P<name>[^/]+)", self._exists_alias),
            ("GET", r"/_alias/(?P<name>[^/]+)", self._get_alias),
            ("GET", r"/(?P<index>[^/_][^/]*)/_alias", self._get_index_aliases),
            ("POST", r"/_aliases", self._update_aliases),
            ("POST", r"/_bulk", self._bulk),
            ("PUT", r"/_bulk", self._bulk),
            ("POST", r"/(?P<index>[^/_][^/]*)/_bulk", self._bulk),
            ("PUT", r"/(?P<index>[^/_][^/]*)/_bulk", self._bulk),
            ("POST", r"/(?P<index>[^/_][^/]*)/_refresh", self._refresh),
            ("GET", r"/(?P<index>[^/_][^/]*)/_count", self._count),
            ("POST", r"/(?P<index>[^/_][^/]*)/_count", self._count),
            ("GET", r"/(?P<index>[^/_][^/]*)/_search", self._search),
            ("POST", r"/(?P<index>[^/_][^/]*)/_search", self._search),
            ("GET", r"/_cat/indices(?:/(?P<index>[^/]+))?", self._cat_indices),
            ("PUT", r"/(?P<index>[^/_][^/]*)", self._create_index),
            ("DELETE", r"/(?P<index>[^/_][^/]*)", self._delete_index),
        ]
        for route_method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if route_method == method and match:
                return handler(request, **match.groupdict())
        status = 405 if any(re.fullmatch(pattern, path) for _, pattern, _ in routes) else 400
        raise StubError(
            status, error_body(status, "illegal_argument_exception", f"the stand-in does not emulate [{method} {path}]")
        )

    # --- names ---

    def _resolve(self, expression: str) -> list[str]:
        """Concrete indices for an index name, alias or wildcard pattern (comma lists allowed)."""
        names: list[str] = []
        for part in expression.split(","):
            if "*" in part:
                names += sorted(name for name in self.indices if fnmatch.fnmatchcase(name, part))
            elif part in self.aliases:
                names += sorted(self.aliases[part])
            elif part in self.indices:
                names.append(part)
            else:
                raise not_found(part)
        return names

    def write_index(self, alias: str) -> str | None:
        members = self.aliases.get(alias, {})
        flagged = [name for name, props in members.items() if props.get("is_write_index")]
        if flagged:
            return flagged[0]
        if len(members) == 1 and next(iter(members.values())).get("is_write_index") is not False:
            return next(iter(members))
        return None

    def _aliases_of(self, index: str) -> dict[str, dict[str, Any]]:
        return {alias: dict(members[index]) for alias, members in self.aliases.items() if index in members}

    # --- handlers (shapes from the pages in DOC_PAGES) ---

    def _info(self, _request: Request) -> tuple[int, Any]:
        # DOC_PAGES["info"]
        return 200, {
            "name": "esstub-node-1",
            "cluster_name": "readout-test",
            "cluster_uuid": "Xo1Nwc2TTUGWn3ul1Nvs6A",
            "version": {
                "number": VERSION,
                "build_flavor": "default",
                "build_type": "docker",
                "build_hash": "0000000000000000000000000000000000000000",
                "build_date": "2025-07-22T00:00:00.000000000Z",
                "build_snapshot": False,
                "lucene_version": "10.2.2",
                "minimum_wire_compatibility_version": "8.19.0",
                "minimum_index_compatibility_version": "8.0.0",
            },
            "tagline": "You Know, for Search",
        }

    def _put_component_template(self, request: Request, name: str) -> tuple[int, Any]:
        # DOC_PAGES["component_template"]. MetadataIndexTemplateService.addComponentTemplate validates the
        # component template ON ITS OWN (validateTemplate(its settings, its mappings)): an analyzer defined
        # only in another component is "not configured"; then every index template using it, composed anew.
        body = request.body or {}
        check_template_fields("component_template", body)
        template = body.get("template") or {}
        check_mappings(template.get("mappings") or {}, template.get("settings") or {})
        components = {**self.component_templates, name: body}
        for index_template, index_body in sorted(self.index_templates.items()):
            if name in index_body.get("composed_of", []):
                self._check_composed(
                    index_body,
                    components,
                    f"updating component template [{name}] results in invalid composable template "
                    f"[{index_template}] after templates are merged",
                )
        self.component_templates[name] = copy.deepcopy(body)
        return 200, {"acknowledged": True}

    def _put_index_template(self, request: Request, name: str) -> tuple[int, Any]:
        # DOC_PAGES["index_template"]: components must exist before the template naming them, and the
        # composition must build (MetadataIndexTemplateService.validateIndexTemplateV2 → validateCompositeTemplate).
        body = request.body or {}
        check_template_fields("index_template", body)
        missing = missing_components(name, body, self.component_templates)
        if missing:
            raise missing
        composed_of = body.get("composed_of", [])
        self._check_composed(
            body,
            self.component_templates,
            f"composable template [{name}] template after composition "
            + (f"with component templates [{', '.join(composed_of)}] " if composed_of else "")
            + "is invalid",
        )
        self.index_templates[name] = copy.deepcopy(body)
        return 200, {"acknowledged": True}

    @staticmethod
    def _check_composed(body: dict[str, Any], components: dict[str, dict[str, Any]], context: str) -> None:
        """The composed settings and mappings must build; a failure is wrapped as Elasticsearch wraps it
        (an illegal_argument_exception naming the template, ``caused_by`` the mapping error)."""
        composed = compose(body, components)
        try:
            check_mappings(composed["mappings"], composed["settings"])
        except StubError as exc:
            inner = exc.body["error"]
            raise StubError(
                400,
                error_body(
                    400,
                    "illegal_argument_exception",
                    context,
                    root_cause=inner["root_cause"][0],
                    caused_by={key: value for key, value in inner.items() if key != "root_cause"},
                ),
            ) from None

    def _exists_alias(self, _request: Request, name: str) -> tuple[int, Any]:
        # DOC_PAGES["exists_alias"]: 200 or 404, no body.
        return (200 if all(part in self.aliases for part in name.split(",")) else 404), None

    def _get_alias(self, _request: Request, name: str) -> tuple[int, Any]:
        # DOC_PAGES["get_alias"]; a missing alias is the short {"error": "alias [x] missing"} form.
        result: dict[str, Any] = {}
        missing = []
        for part in name.split(","):
            if part not in self.aliases:
                missing.append(part)
                continue
            for index, props in self.aliases[part].items():
                result.setdefault(index, {"aliases": {}})["aliases"][part] = dict(props)
        if missing:
            return 404, {"error": f"alias [{','.join(missing)}] missing", "status": 404, **result}
        return 200, result

    def _get_index_aliases(self, _request: Request, index: str) -> tuple[int, Any]:
        # DOC_PAGES["get_alias"] with an index: every matching index, with {} when it has no alias.
        return 200, {name: {"aliases": self._aliases_of(name)} for name in self._resolve(index)}

    def _create_index(self, request: Request, index: str) -> tuple[int, Any]:
        # DOC_PAGES["create_index"]; settings/mappings from the highest-priority matching template.
        if index in self.indices or index in self.aliases:
            existing = self.indices.get(index)
            raise StubError(
                400,
                error_body(
                    400,
                    "resource_already_exists_exception",
                    f"index [{index}/{existing.uuid if existing else '_na_'}] already exists",
                    index=index,
                ),
            )
        if index != index.lower() or index.startswith(("-", "_", "+")):
            raise StubError(400, error_body(400, "invalid_index_name_exception", f"Invalid index name [{index}]"))
        body = request.body or {}
        template_name = find_template(index, self.index_templates)
        composed: dict[str, Any] = (
            compose(self.index_templates[template_name], self.component_templates)
            if template_name
            else {"settings": {}, "mappings": {}}
        )
        composed = compose(
            {"composed_of": ["_t", "_b"]},
            {
                "_t": {"template": composed},
                "_b": {"template": {k: body[k] for k in ("settings", "mappings") if k in body}},
            },
        )
        # MetadataCreateIndexService builds the mapper service: the same mapping rules as for templates.
        check_mappings(composed["mappings"], composed["settings"])
        self.indices[index] = StubIndex(index, composed["settings"], composed["mappings"])
        for alias, props in (body.get("aliases") or {}).items():
            self.aliases.setdefault(alias, {})[index] = dict(props)
        return 200, {"acknowledged": True, "shards_acknowledged": True, "index": index}

    def _delete_index(self, _request: Request, index: str) -> tuple[int, Any]:
        # DOC_PAGES["delete_index"]: no wildcards (action.destructive_requires_name), no aliases.
        if "*" in index or index == "_all":
            raise StubError(
                400,
                error_body(400, "illegal_argument_exception", "Wildcard expressions or all indices are not allowed"),
            )
        if index in self.aliases:
            raise StubError(
                400,
                error_body(
                    400,
                    "illegal_argument_exception",
                    f"The provided expression [{index}] matches an alias, specify the corresponding concrete "
                    "indices instead.",
                ),
            )
        if index not in self.indices:
            raise not_found(index)
        del self.indices[index]
        for alias in list(self.aliases):
            self.aliases[alias].pop(index, None)
            if not self.aliases[alias]:
                del self.aliases[alias]
        return 200, {"acknowledged": True}

    def _update_aliases(self, request: Request) -> tuple[int, Any]:
        # DOC_PAGES["aliases"]: all actions or none.
        aliases = copy.deepcopy(self.aliases)
        for action in (request.body or {}).get("actions", []):
            ((kind, spec),) = action.items()
            index, alias = spec.get("index"), spec.get("alias")
            if index not in self.indices:
                raise not_found(str(index))
            if kind == "add":
                if alias in self.indices:
                    raise StubError(
                        400,
                        error_body(
                            400,
                            "invalid_alias_name_exception",
                            f"Invalid alias name [{alias}]: an index or data stream exists with the same name as the "
                            "alias",
                        ),
                    )
                props = {"is_write_index": True} if spec.get("is_write_index") else {}
                if spec.get("is_write_index") is False:
                    props = {"is_write_index": False}
                aliases.setdefault(alias, {})[index] = props
            elif kind == "remove":
                if index not in aliases.get(alias, {}):
                    raise StubError(404, error_body(404, "aliases_not_found_exception", f"aliases [{alias}] missing"))
                del aliases[alias][index]
                if not aliases[alias]:
                    del aliases[alias]
            else:
                raise StubError(400, error_body(400, "illegal_argument_exception", f"stand-in has no [{kind}]"))
        for alias, members in aliases.items():
            if sum(1 for props in members.values() if props.get("is_write_index")) > 1:
                raise StubError(
                    400,
                    error_body(400, "illegal_state_exception", f"alias [{alias}] has more than one write index"),
                )
        self.aliases = aliases
        return 200, {"acknowledged": True}

    def _refresh(self, _request: Request, index: str) -> tuple[int, Any]:
        # DOC_PAGES["refresh"]
        names = self._resolve(index)
        for name in names:
            self.indices[name].visible = set(self.indices[name].docs)
        return 200, {"_shards": {"total": len(names), "successful": len(names), "failed": 0}}

    def _count(self, _request: Request, index: str) -> tuple[int, Any]:
        # DOC_PAGES["count"]: refreshed documents only (the query is not evaluated by the stand-in).
        count = sum(len(self.indices[name].visible) for name in self._resolve(index))
        return 200, {"count": count, "_shards": SHARDS}

    def _search(self, request: Request, index: str) -> tuple[int, Any]:
        # DOC_PAGES["search"]
        names = self._resolve(index)
        if self.search_response is not None:
            return 200, self.search_response
        body = request.body or {}
        check_query(body.get("query"), field_types(self.indices[name].mappings for name in names), index)
        specs = self._field_specs(names)
        types = {name: str(spec.get("type", "object")) for name, spec in specs.items()}
        check_collapse(body, specs, scroll="scroll" in request.params)
        size = int(body.get("size", 10))
        hits = [
            {"_index": name, "_id": doc_id, "_score": 1.0, "_source": self.indices[name].docs[doc_id]["_source"]}
            for name in names
            for doc_id in sorted(self.indices[name].visible)
            if doc_id in self.indices[name].docs  # deleted since the last refresh
        ]
        # The query is evaluated with its documented semantics (tests/esquery.py); scores are not.
        found = Evaluator.by_id((hit["_id"], hit["_source"]) for hit in hits).search(body)
        hits = [hit for hit in hits if hit["_id"] in found]
        if "sort" in body:
            hits = sort_hits(hits, body["sort"], types)
            if "search_after" in body:
                hits = after(hits, body["search_after"], body["sort"])
        elif "search_after" in body:
            raise bad_request("illegal_argument_exception", "stand-in: search_after without sort is not modelled")
        # Aggregations and the total count every matching document; collapsing changes only the hits.
        aggregations = aggregate(body.get("aggs") or {}, hits, types)
        total = len(hits)
        if "collapse" in body:
            hits = collapse_hits(hits, body["collapse"], types)
        response: dict[str, Any] = {
            "took": 1,
            "timed_out": False,
            "_shards": SHARDS,
            "hits": {
                "total": {"value": total, "relation": "eq"},
                "max_score": 1.0 if hits else None,
                "hits": hits[:size],
            },
        }
        if aggregations:
            response["aggregations"] = aggregations
        return 200, response

    def _field_specs(self, names: list[str]) -> dict[str, dict[str, Any]]:
        """Field → its mapping over the searched indices (top-level properties)."""
        specs: dict[str, dict[str, Any]] = {}
        for name in names:
            specs.update(self.indices[name].mappings.get("properties", {}))
        return specs

    def _cat_indices(self, request: Request, index: str | None = None) -> tuple[int, Any]:
        # DOC_PAGES["cat_indices"] with format=json: one object per index, every value a string.
        names = self._resolve(index) if index else sorted(self.indices)
        rows = []
        for name in names:
            stub_index = self.indices[name]
            row = {
                "health": "green",
                "status": "open",
                "index": name,
                "uuid": stub_index.uuid,
                "pri": "1",
                "rep": "0",
                "docs.count": str(len(stub_index.visible)),
                "docs.deleted": "0",
                "store.size": "1kb",
                "pri.store.size": "1kb",
            }
            columns = [c for c in request.params.get("h", "").split(",") if c]
            rows.append({c: row.get(c) for c in columns} if columns else row)
        return 200, rows

    def _bulk(self, request: Request, index: str | None = None) -> tuple[int, Any]:
        # DOC_PAGES["bulk"]: one item per action, in order; "errors" true when any item failed. A malformed
        # body refuses the whole request (tests.eswrites.parse_bulk, after BulkRequestParser).
        require_alias = request.params.get("require_alias") == "true"
        items = [{action.op: bulk_item(self, action, require_alias)} for action in parse_bulk(request.raw, index)]
        errors = any("error" in next(iter(item.values())) for item in items)
        if request.params.get("refresh") in ("true", ""):
            for stub_index in self.indices.values():
                stub_index.visible = set(stub_index.docs)
        return 200, {"errors": errors, "took": 3, "items": items}


@contextmanager
def running_stub() -> Iterator[EsStub]:
    """A started stand-in, stopped afterwards."""
    stub = EsStub()
    stub.start()
    try:
        yield stub
    finally:
        stub.stop()
