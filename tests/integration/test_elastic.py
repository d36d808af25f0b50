"""The Elasticsearch adapter against a loopback stand-in (tests/esstub.py), through the real client.

The stand-in answers with the response bodies Elastic documents; each test names the page whose shape
it relies on. Nothing of ours is mocked: ``ElasticIndex`` builds a real ``Elasticsearch`` client that
speaks HTTP to 127.0.0.1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Settings
from pipeline.errors import SearchBackendError
from pipeline.index.elastic import ElasticIndex, IndexRefusedError, ReindexAbortedError, build_client, redact_url
from pipeline.index.es_bulk import BULK_RETRY_STATUSES, BulkInterruptedError, build_actions, classify_item
from pipeline.index.es_search import HIT_SOURCE_FIELDS, build_search_body, parse_search_response
from pipeline.index.mappings import CONFIG_DIR, load_templates
from pipeline.index.projection import project_document
from pipeline.index.query import parse
from pipeline.index.search import MARK_END, MARK_START, BulkOutcome, Rejection, SearchFilters, SearchHit, SearchResult
from tests.conftest import make_settings
from tests.esstub import DOC_PAGES, EsStub, running_stub

# The documented shapes these tests rely on (the stand-in's handlers cite the same pages):
BULK_DOC = DOC_PAGES["bulk"]  # https://www.elastic.co/docs/api/doc/elasticsearch/operation/operation-bulk
ALIASES_DOC = DOC_PAGES["aliases"]  # .../operation-indices-update-aliases
COUNT_DOC = DOC_PAGES["count"]  # .../operation-count
SEARCH_DOC = DOC_PAGES["search"]  # .../operation-search
TEMPLATE_DOCS = (DOC_PAGES["component_template"], DOC_PAGES["index_template"])
HIGHLIGHT_DOC = "https://www.elastic.co/docs/reference/elasticsearch/rest-apis/highlighting"
TERMS_AGG_DOC = "https://www.elastic.co/docs/reference/aggregations/search-aggregations-bucket-terms-aggregation"


@dataclass
class Doc:
    """A catalog document as the projection reads it (``Projectable``)."""

    doc_id: str
    revision: int = 1
    language: str | None = "en"
    url: str = "https://www.fmprc.gov.cn/eng/xw/fyrbt/t1.html"
    canonical_url: str = "https://www.fmprc.gov.cn/eng/xw/fyrbt/t1.html"
    source_id: str = "cn-mfa-en"
    source_kind: str = "briefing"
    publisher: str = "Ministry of Foreign Affairs of the PRC"
    source_country: str = "CN"
    title: str | None = "Regular Press Conference on April 26, 2021"
    text: str = "We oppose the willful use of unilateral sanctions."
    published_at: datetime | None = datetime(2021, 4, 26, 7, 0, tzinfo=UTC)
    fetched_at: datetime = datetime(2021, 4, 26, 9, 0, tzinfo=UTC)
    first_seen_at: datetime = datetime(2021, 4, 26, 9, 0, tzinfo=UTC)
    content_hash: str = "0" * 64
    version: Any = 1
    removed_at: datetime | None = None
    removal_evidence: dict[str, Any] | None = None
    edited_at: datetime | None = None
    twin_doc_id: str | None = None
    twin_unmatched: list[Any] = field(default_factory=list)
    authors: list[Any] = field(default_factory=list)
    topics: list[Any] = field(default_factory=lambda: ["sanctions"])
    countries: list[Any] = field(default_factory=lambda: ["US"])
    key_phrases: list[Any] = field(default_factory=lambda: ["unilateral sanctions"])
    tagged_with: str | None = "1-0123456789ab"
    duplicate_of: str | None = None
    cluster_id: str | None = None
    date_source: str | None = "page"
    extractor_version: str = "trafilatura-2.0"
    warc_file: str | None = "readout-0001.warc.gz"
    warc_offset: int | None = 1024
    run_id: str | None = "3f0b1c7e-9a51-5d55-8f0c-6a0d2b1e7c3e"


@pytest.fixture
def stub() -> Iterator[EsStub]:
    with running_stub() as running:
        yield running


def es_settings(tmp_path: Path, url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "elasticsearch_url": url,
        "elasticsearch_max_retries": 2,
        "elasticsearch_timeout": 5.0,
        "backoff_base": 0.0,  # the bulk helper's backoff: no waiting in tests
    }
    values.update(overrides)
    return make_settings(tmp_path / "data", **values)


@pytest.fixture
def index(stub: EsStub, tmp_path: Path) -> Iterator[ElasticIndex]:
    with ElasticIndex.from_settings(es_settings(tmp_path, stub.url)) as es:
        yield es


def bulk_lines(stub: EsStub) -> list[list[dict[str, Any]]]:
    return [request.body for request in stub.calls("PUT", "/_bulk")]


# --- setup: templates and aliases ------------------------------------------------------------------------


def test_ensure_ready_applies_templates_and_creates_v1_once(stub: EsStub, index: ElasticIndex) -> None:
    # PUT _component_template / _index_template answer {"acknowledged": true} (TEMPLATE_DOCS).
    templates = load_templates()
    index.ensure_ready()
    first = [(r.method, r.path, r.body) for r in stub.requests if r.method == "PUT"]
    assert first == [
        (
            "PUT",
            "/_component_template/readout-document-mappings",
            templates.component_templates["readout-document-mappings"],
        ),
        ("PUT", "/_component_template/readout-run-mappings", templates.component_templates["readout-run-mappings"]),
        ("PUT", "/_component_template/readout-settings", templates.component_templates["readout-settings"]),
        ("PUT", "/_component_template/readout-turn-mappings", templates.component_templates["readout-turn-mappings"]),
        ("PUT", "/_index_template/readout-documents", templates.index_templates["readout-documents"]),
        ("PUT", "/_index_template/readout-runs", templates.index_templates["readout-runs"]),
        ("PUT", "/_index_template/readout-turns", templates.index_templates["readout-turns"]),
        ("PUT", "/readout-documents-v1", {"aliases": {"readout-documents": {"is_write_index": True}}}),
        ("PUT", "/readout-turns-v1", {"aliases": {"readout-turns": {"is_write_index": True}}}),
        ("PUT", "/readout-runs-v1", {"aliases": {"readout-runs": {"is_write_index": True}}}),
    ]
    stub.requests.clear()
    index.ensure_ready()
    second = [(r.method, r.path, r.body) for r in stub.requests if r.method == "PUT"]
    assert second == first[:7], "the same template PUTs again, and no second index"
    assert sorted(stub.indices) == ["readout-documents-v1", "readout-runs-v1", "readout-turns-v1"]
    assert stub.aliases == {
        "readout-documents": {"readout-documents-v1": {"is_write_index": True}},
        "readout-turns": {"readout-turns-v1": {"is_write_index": True}},
        "readout-runs": {"readout-runs-v1": {"is_write_index": True}},
    }
    assert stub.indices["readout-turns-v1"].mappings["dynamic"] == "strict"
    # The new index got the strict mapping from the templates (what the stand-in validates against).
    assert stub.indices["readout-documents-v1"].mappings["dynamic"] == "strict"
    assert index.alias_target() == index.write_index() == "readout-documents-v1"
    assert index.alias_target("runs") == "readout-runs-v1"


def test_ensure_ready_uses_the_configured_prefix(stub: EsStub, tmp_path: Path) -> None:
    with ElasticIndex.from_settings(es_settings(tmp_path, stub.url, index_prefix="news")) as es:
        es.ensure_ready()
    assert set(stub.component_templates) == {
        "news-settings",
        "news-document-mappings",
        "news-run-mappings",
        "news-turn-mappings",
    }
    assert stub.index_templates["news-documents"]["composed_of"] == ["news-settings", "news-document-mappings"]
    assert stub.index_templates["news-turns"]["composed_of"] == ["news-settings", "news-turn-mappings"]
    assert sorted(stub.indices) == ["news-documents-v1", "news-runs-v1", "news-turns-v1"]


def test_ensure_ready_refuses_to_hide_an_orphaned_index(stub: EsStub, index: ElasticIndex) -> None:
    index.ensure_ready()
    del stub.aliases["readout-documents"]  # someone removed the alias by hand
    with pytest.raises(SearchBackendError, match=r"readout-documents-v1 exists .* alias readout-documents does not"):
        index.ensure_ready()


def test_client_settings_and_secrets(stub: EsStub, tmp_path: Path) -> None:
    settings = es_settings(tmp_path, stub.url, elasticsearch_api_key="c2VjcmV0LWtleQ==")
    with ElasticIndex.from_settings(settings) as es:
        es.ensure_ready()
        assert "c2VjcmV0" not in repr(es)
    assert stub.requests[0].headers["authorization"] == "ApiKey c2VjcmV0LWtleQ=="
    assert stub.requests[0].headers["x-elastic-client-meta"].startswith("es=9")
    client = build_client(
        es_settings(
            tmp_path,
            stub.url,
            elasticsearch_username="readout",
            elasticsearch_password="pw",
            elasticsearch_ca_certs=None,
        )
    )
    client.close()
    assert redact_url("https://readout:s3cret@es.internal:9200/") == "https://es.internal:9200/"
    with pytest.raises(Exception, match="READOUT_ELASTICSEARCH_URL"):
        build_client(make_settings(tmp_path / "data"))


# --- bulk indexing -----------------------------------------------------------------------------------------


def test_bulk_with_mixed_item_results(stub: EsStub, index: ElasticIndex) -> None:
    # Per-item results as in BULK_DOC: 201 "created", 200 "updated", 409 version_conflict_engine_exception,
    # 429 es_rejected_execution_exception (retried), 400 mapper_parsing_exception, inside one 200 response.
    index.ensure_ready()
    assert index.index_documents([Doc("upd", revision=1), Doc("old", revision=5)]).acked == [("upd", 1), ("old", 5)]
    stub.requests.clear()
    stub.reject_ids.add("bad")
    stub.throttle_once.add("busy")

    outcome = index.index_documents([Doc("new", 1), Doc("upd", 2), Doc("old", 3), Doc("busy", 1), Doc("bad", 1)])

    assert outcome == BulkOutcome(
        acked=[("new", 1), ("upd", 2), ("old", 3), ("busy", 1)],
        rejected=[
            Rejection(
                doc_id="bad",
                revision=1,
                status=400,
                error_type="mapper_parsing_exception",
                reason="400 mapper_parsing_exception: failed to parse "
                "(caused by illegal_argument_exception: stand-in told to reject [bad])",
            )
        ],
        retry_later=[],
    )
    first, retry = bulk_lines(stub)
    assert [line for line in first if "index" in line] == [
        {"index": {"_index": "readout-documents", "_id": doc_id, "version": revision, "version_type": "external"}}
        for doc_id, revision in [("new", 1), ("upd", 2), ("old", 3), ("busy", 1), ("bad", 1)]
    ]
    assert retry == [first[6], first[7]], "only the 429 item is sent again"
    assert all(r.params == {"require_alias": "true"} for r in stub.calls("PUT", "/_bulk"))
    # Revision 3 of "old" lost to the stored revision 5: the index keeps the newest whatever the order.
    assert stub.indices["readout-documents-v1"].docs["old"]["_version"] == 5
    assert stub.source("readout-documents", "upd") == project_document(Doc("upd", 2))


def test_the_bulk_helper_resends_429_items_only(stub: EsStub, index: ElasticIndex) -> None:
    # streaming_bulk re-sends the items whose status is in retry_on_status (429 unless told more); a 503 item
    # (an unavailable shard) is left pending for the next run, not re-sent in this one.
    index.ensure_ready()
    stub.requests.clear()
    stub.throttle_once.add("busy")
    stub.unavailable_once.add("shard")
    outcome = index.index_documents([Doc("busy"), Doc("shard")])
    assert outcome.acked == [("busy", 1)]
    assert [(doc_id, revision) for doc_id, revision, _ in outcome.retry_later] == [("shard", 1)]
    assert "503 unavailable_shards_exception" in outcome.retry_later[0][2]
    sent = [line["index"]["_id"] for body in bulk_lines(stub) for line in body if "index" in line]
    assert sent == ["busy", "shard", "busy"]


def test_the_readme_names_the_item_statuses_the_helper_retries() -> None:
    # config/elasticsearch/README.md's table of item results must say what BULK_RETRY_STATUSES does.
    readme = (CONFIG_DIR / "README.md").read_text("utf-8")
    (row,) = [line for line in readme.splitlines() if "retried by the bulk helper" in line]
    statuses = set(re.findall(r"\b(?:\d{3}|\dxx)\b", row.split("|")[1]))
    assert statuses == {str(status) for status in BULK_RETRY_STATUSES}


def test_429_on_the_whole_request_then_success(stub: EsStub, index: ElasticIndex) -> None:
    # A whole-request 429 carries the error envelope {"error": {"type": "es_rejected_execution_exception"...}}.
    index.ensure_ready()
    stub.fail("PUT", "/_bulk", 429, times=2)
    outcome = index.index_documents([Doc("a"), Doc("b")])
    assert outcome == BulkOutcome(acked=[("a", 1), ("b", 1)])
    assert len(stub.calls("PUT", "/_bulk")) == 3
    assert bulk_lines(stub)[0] == bulk_lines(stub)[2]


def test_429_that_never_ends_leaves_everything_pending(stub: EsStub, index: ElasticIndex) -> None:
    index.ensure_ready()
    stub.fail("PUT", "/_bulk", 429, times=99)
    with pytest.raises(BulkInterruptedError, match="es_rejected_execution_exception") as caught:
        index.index_documents([Doc("a"), Doc("b")])
    assert isinstance(caught.value, SearchBackendError)
    assert caught.value.outcome.acked == []
    assert [(d, r) for d, r, _ in caught.value.outcome.retry_later] == [("a", 1), ("b", 1)]
    assert len(stub.calls("PUT", "/_bulk")) == 3, "1 try + elasticsearch_max_retries"


def test_a_500_on_the_whole_request_stops_the_run(stub: EsStub, tmp_path: Path) -> None:
    settings = es_settings(tmp_path, stub.url, elasticsearch_bulk_chunk=2)
    with ElasticIndex.from_settings(settings) as es:
        es.ensure_ready()
        stub.requests.clear()
        stub.fail("PUT", "/_bulk", 500, times=1)
        with pytest.raises(BulkInterruptedError, match="HTTP 500") as caught:
            es.index_documents([Doc("a"), Doc("b"), Doc("c"), Doc("d")])
    assert caught.value.outcome.acked == []
    # The first chunk failed; the second was never sent; nothing of either is lost.
    assert len(stub.calls("PUT", "/_bulk")) == 1
    assert {d for d, _, _ in caught.value.outcome.retry_later} <= {"a", "b", "c", "d"}
    assert {d for d, _, _ in caught.value.outcome.retry_later} >= {"a", "b"}


def test_connection_refused(stub: EsStub, index: ElasticIndex) -> None:
    index.ensure_ready()
    stub.stop()
    with pytest.raises(SearchBackendError, match="Connection refused") as caught:
        index.index_documents([Doc("a"), Doc("b")])
    assert isinstance(caught.value, BulkInterruptedError)
    assert [(d, r) for d, r, _ in caught.value.outcome.retry_later] == [("a", 1), ("b", 1)]
    with pytest.raises(SearchBackendError, match=r"cannot apply index templates: ConnectionError"):
        index.ensure_ready()
    with pytest.raises(SearchBackendError, match="cannot search readout-documents"):
        index.search(parse("sanctions"), SearchFilters(), 5)


def test_a_mapping_error_is_a_rejection_with_status_and_reason(stub: EsStub, index: ElasticIndex) -> None:
    # The stand-in validates every _source against the strict mapping the template gave the index and
    # answers as Elasticsearch does: 400 document_parsing_exception / strict_dynamic_mapping_exception items.
    index.ensure_ready()
    # "3" would be coerced into an integer, as Elasticsearch does; "three" cannot be.
    outcome = index.index_documents([Doc("ok"), Doc("typo", version="three")])
    assert outcome.acked == [("ok", 1)]
    (rejection,) = outcome.rejected
    assert (rejection.doc_id, rejection.revision, rejection.status) == ("typo", 1, 400)
    assert rejection.error_type == "document_parsing_exception"
    assert "failed to parse field [version] of type [integer] in document with id 'typo'" in rejection.reason

    runs = index.index_runs(
        [
            {
                "run_id": "r1",
                "source": "cn-mfa-en",
                "status": "ok",
                "started_at": datetime(2021, 4, 26, tzinfo=UTC),
                "fetched": 3,
                "seconds": 1.5,
                "error": None,
            },
            {"run_id": "r1", "source": "ru-mid", "status": "ok", "spokesperson": "Zakharova"},
        ]
    )
    assert runs.acked == [("r1:cn-mfa-en", 0)]
    (strict,) = runs.rejected
    assert strict.doc_id == "r1:ru-mid"
    assert strict.error_type == "strict_dynamic_mapping_exception"
    assert "dynamic introduction of [spokesperson]" in strict.reason
    assert stub.source("readout-runs", "r1:cn-mfa-en") == {
        "run_id": "r1",
        "source": "cn-mfa-en",
        "status": "ok",
        "started_at": "2021-04-26T00:00:00+00:00",
        "fetched": 3,
        "seconds": 1.5,
    }


def test_writes_never_create_an_index_behind_a_missing_alias(stub: EsStub, index: ElasticIndex) -> None:
    # require_alias=true: a missing alias is a 404 item, not an auto-created index with dynamic mappings;
    # it is the deployment's problem, so the document stays pending instead of being dead-lettered.
    outcome = index.index_documents([Doc("a")])
    assert outcome.acked == []
    assert outcome.rejected == []
    assert outcome.retry_later[0][:2] == ("a", 1)
    assert "require_alias" in outcome.retry_later[0][2]
    assert stub.indices == {}


# --- reindex and the alias swap --------------------------------------------------------------------------------


def test_reindex_swaps_the_alias_in_one_request(stub: EsStub, index: ElasticIndex) -> None:
    index.ensure_ready()
    index.index_documents([Doc("a"), Doc("b")])
    stub.requests.clear()

    report = index.reindex([Doc("a", 2), Doc("b", 1), Doc("c", 1)], expected_count=3)

    assert (report.old_index, report.new_index, report.counted, report.swapped) == (
        "readout-documents-v1",
        "readout-documents-v2",
        3,
        True,
    )
    assert report.outcome.acked == [("a", 2), ("b", 1), ("c", 1)]
    # Exactly one _aliases request, remove + add, which Elasticsearch applies atomically (ALIASES_DOC).
    # Both families (documents and turns) in the same request.
    (swap,) = stub.calls("POST", "/_aliases")
    assert swap.body == {
        "actions": [
            {"remove": {"index": "readout-documents-v1", "alias": "readout-documents"}},
            {"add": {"index": "readout-documents-v2", "alias": "readout-documents", "is_write_index": True}},
            {"remove": {"index": "readout-turns-v1", "alias": "readout-turns"}},
            {"add": {"index": "readout-turns-v2", "alias": "readout-turns", "is_write_index": True}},
        ]
    }
    sequence = [(r.method, r.path) for r in stub.requests if not r.path.startswith(("/_component", "/_index_t"))]
    assert sequence == [
        ("GET", "/_alias/readout-documents"),
        ("GET", "/_alias/readout-turns"),
        ("GET", "/_cat/indices/readout-*"),
        ("GET", "/readout-*/_alias"),
        ("PUT", "/readout-documents-v2"),
        ("PUT", "/readout-turns-v2"),
        ("PUT", "/_bulk"),
        ("POST", "/readout-documents-v2/_refresh"),
        ("POST", "/readout-documents-v2/_count"),
        ("POST", "/readout-turns-v2/_refresh"),
        ("POST", "/readout-turns-v2/_count"),
        ("POST", "/_aliases"),
    ]
    # The new index is built by name, not through the alias, and created without any alias.
    assert stub.calls("PUT", "/readout-documents-v2")[0].body is None
    assert {line["index"]["_index"] for line in bulk_lines(stub)[0] if "index" in line} == {"readout-documents-v2"}
    assert stub.calls("PUT", "/_bulk")[0].params == {"require_alias": "false"}
    # The old index is kept; writes now go to the new one.
    assert "readout-documents-v1" in stub.indices
    assert index.write_index() == "readout-documents-v2"
    index.index_documents([Doc("d")])
    assert "d" in stub.indices["readout-documents-v2"].docs

    again = index.reindex([Doc("a", 2)], expected_count=1, drop_old=True)
    assert (again.old_index, again.new_index, again.dropped_old) == (
        "readout-documents-v2",
        "readout-documents-v3",
        True,
    )
    assert sorted(stub.indices) == [
        "readout-documents-v1",
        "readout-documents-v3",
        "readout-runs-v1",
        "readout-turns-v1",
        "readout-turns-v3",
    ]


def test_reindex_aborts_when_the_count_does_not_match(stub: EsStub, index: ElasticIndex) -> None:
    # _count answers {"count": N, "_shards": {...}} (COUNT_DOC), counting refreshed documents only.
    index.ensure_ready()
    stub.reject_ids.add("bad")
    stub.requests.clear()
    with pytest.raises(ReindexAbortedError, match="holds 2 documents, expected 3") as caught:
        index.reindex([Doc("a"), Doc("bad"), Doc("c")], expected_count=3)
    report = caught.value.report
    assert (report.swapped, report.counted, report.new_index) == (False, 2, "readout-documents-v2")
    assert [r.doc_id for r in report.outcome.rejected] == ["bad"]
    assert stub.calls("POST", "/_aliases") == []
    assert index.alias_target() == "readout-documents-v1"
    assert "readout-documents-v2" in stub.indices, "kept for inspection"
    # A later attempt never reuses the leftover: it builds v3.
    assert index.reindex([Doc("a"), Doc("c")], expected_count=2).new_index == "readout-documents-v3"


def test_drop_index_refuses_the_live_index(stub: EsStub, index: ElasticIndex) -> None:
    index.ensure_ready()
    with pytest.raises(IndexRefusedError, match="alias readout-documents points at it"):
        index.drop_index("readout-documents-v1")
    for name in ("kibana_sample_data", "readout-documents", "readout-*", "readout-documents-v1,readout-runs-v1"):
        with pytest.raises(IndexRefusedError, match="not a readout-<family>-v<N> index"):
            index.drop_index(name)
    with pytest.raises(IndexRefusedError, match="no index readout-documents-v7"):
        index.drop_index("readout-documents-v7")
    assert stub.calls("DELETE") == []
    index.reindex([], expected_count=0)
    index.drop_index("readout-documents-v1")
    assert [r.path for r in stub.calls("DELETE")] == ["/readout-documents-v1"]
    assert [(i.name, i.aliases, i.is_write_index, i.docs) for i in index.list_indices()] == [
        ("readout-documents-v2", ("readout-documents",), True, 0),
        ("readout-runs-v1", ("readout-runs",), True, 0),
        ("readout-turns-v1", (), False, 0),
        ("readout-turns-v2", ("readout-turns",), True, 0),
    ]


# --- search -----------------------------------------------------------------------------------------------------

EN_FIELDS = ["title^3", "title_en^3", "text", "text_en"]


def M(word: str) -> str:
    """A word as a highlight marks it."""
    return f"{MARK_START}{word}{MARK_END}"


FACET_AGGS = {
    facet: {"terms": {"field": facet, "size": 20}} for facet in ("source", "kind", "language", "topics", "countries")
}


def test_search_request_body(stub: EsStub, index: ElasticIndex) -> None:
    index.ensure_ready()
    stub.search_response = {
        "took": 1,
        "timed_out": False,
        "hits": {"total": {"value": 0, "relation": "eq"}, "max_score": None, "hits": []},
    }
    filters = SearchFilters(sources=("cn-mfa-en",), languages=("en",), since=date(2021, 4, 26), until=date(2021, 4, 27))
    index.search(parse('"unilateral sanctions" OR taiwan -sport'), filters, limit=5)

    (request,) = stub.calls("POST", "/readout-documents/_search")
    assert request.body == {
        "query": {
            "bool": {
                "should": [
                    {
                        "bool": {
                            "must": [
                                {
                                    # Phrases keep every token: the standard-analysed fields only.
                                    "multi_match": {
                                        "query": "unilateral sanctions",
                                        "fields": ["title^3", "text"],
                                        "type": "phrase",
                                    }
                                },
                            ]
                        }
                    },
                    {
                        "bool": {
                            "must": [{"multi_match": {"query": "taiwan", "fields": EN_FIELDS, "type": "phrase"}}],
                            "must_not": [{"multi_match": {"query": "sport", "fields": EN_FIELDS, "type": "phrase"}}],
                        }
                    },
                ],
                "minimum_should_match": 1,
                "filter": [
                    {"terms": {"source": ["cn-mfa-en"]}},
                    {"terms": {"language": ["en"]}},
                    {"range": {"published_at": {"gte": "2021-04-26", "lt": "2021-04-28", "format": "strict_date"}}},
                    {"term": {"removed": False}},
                ],
            }
        },
        "size": 5,
        "track_total_hits": True,
        "_source": list(HIT_SOURCE_FIELDS),
        "aggs": FACET_AGGS,
        "highlight": {
            "pre_tags": [MARK_START],
            "post_tags": [MARK_END],
            "fragment_size": 200,
            "number_of_fragments": 1,
            "no_match_size": 200,
            "fields": {"text": {}, "text_en": {}},
        },
    }


def test_search_body_for_words_prefixes_all_languages_and_filter_only_queries() -> None:
    prefixed = build_search_body(parse("sanction*"), SearchFilters(include_removed=True), 10)
    (group,) = prefixed["query"]["bool"]["should"]
    assert group["bool"]["must"][0]["multi_match"]["type"] == "bool_prefix"
    body = build_search_body(parse("sanctions"), SearchFilters(include_removed=True), 10)
    (group,) = body["query"]["bool"]["should"]
    clause = group["bool"]["must"][0]["multi_match"]
    assert clause["type"] == "phrase"
    assert clause["fields"] == [
        "title^3",
        *(f"title_{c}^3" for c in ("en", "ru", "fr", "es", "de", "ar", "zh", "ja")),
        "text",
        *(f"text_{c}" for c in ("en", "ru", "fr", "es", "de", "ar", "zh", "ja")),
    ]
    assert "filter" not in body["query"]["bool"], "include_removed: no removed filter"
    assert "sort" not in body

    browse = build_search_body(parse(""), SearchFilters(topics=("sanctions",), countries=("US",)), 20)
    assert browse["query"] == {
        "bool": {
            "filter": [
                {"terms": {"topics": ["sanctions"]}},
                {"terms": {"countries": ["US"]}},
                {"term": {"removed": False}},
            ]
        }
    }
    assert browse["sort"] == [{"published_at": {"order": "desc", "missing": "_last"}}, {"doc_id": "asc"}]
    assert build_search_body(parse(""), SearchFilters(include_removed=True), 1)["query"] == {"match_all": {}}
    # A language without its own analyzed fields still searches title/text (standard analyzer).
    hindi = build_search_body(parse("x"), SearchFilters(languages=("hi",)), 1)
    assert hindi["query"]["bool"]["should"][0]["bool"]["must"][0]["multi_match"]["fields"] == ["title^3", "text"]


#: A _search response as SEARCH_DOC documents it, with highlight (HIGHLIGHT_DOC: fragments per field)
#: and terms aggregations (TERMS_AGG_DOC: buckets of key/doc_count).
SEARCH_RESPONSE: dict[str, Any] = {
    "took": 12,
    "timed_out": False,
    "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
    "hits": {
        "total": {"value": 42, "relation": "eq"},
        "max_score": 7.25,
        "hits": [
            {
                "_index": "readout-documents-v3",
                "_id": "a" * 64,
                "_score": 7.25,
                "_source": {
                    "doc_id": "a" * 64,
                    "title": "Regular Press Conference on April 26, 2021",
                    "url": "https://www.fmprc.gov.cn/eng/xw/fyrbt/t1.html",
                    "source": "cn-mfa-en",
                    "kind": "briefing",
                    "language": "en",
                    "published_at": "2021-04-26T07:00:00+00:00",
                },
                "highlight": {
                    "text": [f"We oppose the willful use of {M('unilateral')} {M('sanctions')}."],
                    "text_en": [
                        f"We oppose the willful use of\n{M('unilateral')}  {M('sanctions')} and long-arm jurisdiction."
                    ],
                },
            },
            {
                "_index": "readout-documents-v3",
                "_id": "b" * 64,
                "_score": 3.5,
                "_source": {
                    "doc_id": "b" * 64,
                    "url": "https://sputnikglobe.com/20210427/x.html",
                    "source": "sputnik",
                    "kind": "news",
                    "language": "ru",
                },
                "highlight": {"text_ru": ["Мы выступаем против [санкций]."]},
            },
        ],
    },
    "aggregations": {
        "source": {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": 0,
            "buckets": [{"key": "cn-mfa-en", "doc_count": 30}, {"key": "sputnik", "doc_count": 12}],
        },
        "kind": {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": 0,
            "buckets": [{"key": "briefing", "doc_count": 30}, {"key": "news", "doc_count": 12}],
        },
        "language": {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": 0,
            "buckets": [{"key": "en", "doc_count": 30}, {"key": "ru", "doc_count": 12}],
        },
        "topics": {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": 3,
            "buckets": [{"key": "sanctions", "doc_count": 42}],
        },
        "countries": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": []},
    },
}


def test_search_response_becomes_the_shared_result(stub: EsStub, index: ElasticIndex) -> None:
    index.ensure_ready()
    stub.search_response = SEARCH_RESPONSE
    result = index.search(parse('"unilateral sanctions"'), SearchFilters(), limit=2)
    assert result == SearchResult(
        backend="elasticsearch",
        query='"unilateral sanctions"',
        total=42,
        hits=[
            SearchHit(
                doc_id="a" * 64,
                title="Regular Press Conference on April 26, 2021",
                url="https://www.fmprc.gov.cn/eng/xw/fyrbt/t1.html",
                source="cn-mfa-en",
                kind="briefing",
                language="en",
                published_at="2021-04-26T07:00:00+00:00",
                score=7.25,
                snippet=f"We oppose the willful use of {M('unilateral')} {M('sanctions')} and long-arm jurisdiction.",
            ),
            SearchHit(
                doc_id="b" * 64,
                title=None,
                url="https://sputnikglobe.com/20210427/x.html",
                source="sputnik",
                kind="news",
                language="ru",
                published_at=None,
                score=3.5,
                snippet="Мы выступаем против [санкций].",
            ),
        ],
        facets={
            "source": {"cn-mfa-en": 30, "sputnik": 12},
            "kind": {"briefing": 30, "news": 12},
            "language": {"en": 30, "ru": 12},
            "topics": {"sanctions": 42},
            "countries": {},
        },
    )
    assert json.loads(json.dumps(result.as_dict()))["hits"][0]["score"] == 7.25


def test_parse_handles_sorted_hits_and_plain_fragments() -> None:
    response = {
        "hits": {
            "total": {"value": 1, "relation": "eq"},
            "max_score": None,
            "hits": [
                {
                    "_id": "x",
                    "_score": None,
                    "_source": {"doc_id": "x", "url": "u", "source": "s", "kind": "news"},
                    "highlight": {"text": ["First two hundred characters of the text, no match marks."]},
                },
            ],
        }
    }
    (hit,) = parse_search_response("", response).hits
    assert (hit.score, hit.snippet, hit.language) == (
        0.0,
        "First two hundred characters of the text, no match marks.",
        None,
    )
    assert parse_search_response("", {"hits": {"total": 0, "hits": []}}).total == 0


def test_search_without_the_alias_is_a_backend_error(stub: EsStub, index: ElasticIndex) -> None:
    # A missing index answers 404 index_not_found_exception (the error envelope).
    with pytest.raises(SearchBackendError, match="HTTP 404 index_not_found_exception"):
        index.search(parse("sanctions"), SearchFilters(), 5)


# --- pure functions -----------------------------------------------------------------------------------------------


def test_build_actions_on_projected_docs() -> None:
    docs = [Doc("a" * 64, revision=7, language="zh", title="外交部发言人", text="我们反对单边制裁。"), Doc("b", 1)]
    actions = list(build_actions(docs, "readout-documents"))
    assert actions[0] == {
        "_op_type": "index",
        "_index": "readout-documents",
        "_id": "a" * 64,
        "version": 7,
        "version_type": "external",
        "_source": project_document(docs[0]),
    }
    assert actions[0]["_source"]["text_zh"] == "我们反对单边制裁。"
    assert [a["_id"] for a in actions] == ["a" * 64, "b"]
    assert list(build_actions([])) == []


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"index": {"_id": "1", "result": "created", "status": 201}}, "acked"),
        ({"index": {"_id": "1", "result": "updated", "status": 200}}, "acked"),
        ({"update": {"_id": "1", "result": "noop", "status": 200}}, "acked"),
        ({"_id": "1", "result": "created", "status": 201}, "acked"),  # the inner object works too
        (
            {
                "index": {
                    "_id": "1",
                    "status": 409,
                    "error": {"type": "version_conflict_engine_exception", "reason": "[1]: version conflict"},
                }
            },
            "acked",
        ),
        ({"index": {"_id": "1", "status": 429, "error": {"type": "es_rejected_execution_exception"}}}, "retry"),
        ({"index": {"_id": "1", "status": 500, "error": {"type": "exception"}}}, "retry"),
        ({"index": {"_id": "1", "status": 503, "error": {"type": "unavailable_shards_exception"}}}, "retry"),
        ({"index": {"_id": "1", "status": 408, "error": {"type": "timeout"}}}, "retry"),
        ({"index": {"_id": "1", "status": 403, "error": {"type": "security_exception"}}}, "retry"),
        ({"index": {"_id": "1", "status": 404, "error": {"type": "index_not_found_exception"}}}, "retry"),
        ({"index": {"_id": "1"}}, "retry"),
        ({"index": {"_id": "1", "status": 400, "error": {"type": "mapper_parsing_exception"}}}, "rejected"),
        ({"index": {"_id": "1", "status": 400, "error": {"type": "document_parsing_exception"}}}, "rejected"),
        ({"index": {"_id": "1", "status": 400, "error": {"type": "strict_dynamic_mapping_exception"}}}, "rejected"),
        ({"index": {"_id": "1", "status": 400, "error": {"type": "illegal_argument_exception"}}}, "retry"),
        (
            {
                "index": {
                    "_id": "1",
                    "status": 400,
                    "error": {
                        "type": "illegal_argument_exception",
                        "reason": "Document contains at least one immense term",
                    },
                }
            },
            "rejected",
        ),
        ({"index": {"_id": "1", "status": 413, "error": {"type": "request_entity_too_large"}}}, "rejected"),
        ({"index": {"_id": "1", "status": 404, "error": {"type": "document_missing_exception"}}}, "rejected"),
    ],
)
def test_classify_item(item: dict[str, Any], expected: str) -> None:
    assert classify_item(item) == expected


def test_stand_in_answers_with_documented_shapes(stub: EsStub, index: ElasticIndex) -> None:
    """Guard the stand-in itself: the keys each documented response has (pages in DOC_PAGES)."""
    client = index.client
    info = client.info().body  # DOC_PAGES["info"]
    assert info["version"]["number"].startswith("9.")
    assert info["tagline"] == "You Know, for Search"
    index.ensure_ready()
    response = client.bulk(
        operations=[{"index": {"_index": "readout-documents", "_id": "x"}}, project_document(Doc("x"))]
    ).body  # BULK_DOC
    assert set(response) == {"took", "errors", "items"}
    assert response["errors"] is False
    assert set(response["items"][0]["index"]) == {
        "_index",
        "_id",
        "_version",
        "result",
        "_shards",
        "_seq_no",
        "_primary_term",
        "status",
    }
    assert client.count(index="readout-documents").body == {  # COUNT_DOC: nothing refreshed yet
        "count": 0,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
    }
    client.indices.refresh(index="readout-documents")
    assert client.count(index="readout-documents").body["count"] == 1
    assert client.indices.get_alias(name="readout-documents").body == {  # DOC_PAGES["get_alias"]
        "readout-documents-v1": {"aliases": {"readout-documents": {"is_write_index": True}}}
    }
    assert client.indices.update_aliases(actions=[]).body == {"acknowledged": True}  # ALIASES_DOC


def test_prefixes_are_bool_prefix_queries_that_expand_every_term() -> None:
    from pipeline.index.es_search import term_query
    from pipeline.index.query import Term

    # match_bool_prefix: the last token is a `prefix` query (every term with it), not phrase_prefix's
    # first 50 expansions; the text goes as typed, the field's analyzer lower-cases it.
    query = term_query(Term("prefix", "Negotiat"), EN_FIELDS)
    assert query == {
        "multi_match": {"query": "Negotiat", "fields": ["title^3", "text"], "type": "bool_prefix", "operator": "and"}
    }


def test_deployment_errors_are_retried_not_dead_lettered() -> None:
    closed = {"status": 400, "error": {"type": "index_closed_exception", "reason": "closed"}}
    no_writer = {"status": 400, "error": {"type": "illegal_argument_exception", "reason": "no write index"}}
    mapping = {"status": 400, "error": {"type": "document_parsing_exception", "reason": "bad date"}}
    assert classify_item({"index": closed}) == "retry"
    assert classify_item({"index": no_writer}) == "retry"
    assert classify_item({"index": mapping}) == "rejected"
