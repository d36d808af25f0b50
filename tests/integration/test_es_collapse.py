"""The Elasticsearch stand-in collapses as Elasticsearch 9 does and refuses the collapses it refuses
(:mod:`tests.esgroups`), over real HTTP; Readout's folded search body is accepted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.index.elastic import ElasticIndex
from pipeline.index.es_search import build_search_body
from pipeline.index.query import parse
from pipeline.index.search import SearchFilters
from tests.conftest import make_settings
from tests.esstub import running_stub
from tests.integration.test_es_rules import refused
from tests.unit.test_mappings import FakeDocument

NDJSON = {"Content-Type": "application/x-ndjson"}
#: A small index of its own: a story field (keyword), one without doc values, a text field, a list field.
MAPPINGS = {
    "properties": {
        "story": {"type": "keyword"},
        "plain": {"type": "keyword", "doc_values": False},
        "body": {"type": "text"},
        "tags": {"type": "keyword"},
        "n": {"type": "integer"},
    }
}
DOCS = {
    "a1": {"story": "a", "body": "steel tariffs", "tags": ["x"], "n": 3},
    "a2": {"story": "a", "body": "steel duty", "tags": ["x", "y"], "n": 1},
    "a3": {"story": "a", "body": "steel coils", "n": 2},
    "b1": {"story": "b", "body": "steel analysis", "n": 5},
    "c1": {"body": "no story at all", "n": 4},
}


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with running_stub() as stub, httpx.Client(base_url=stub.url, timeout=10) as client:
        assert client.put("/stories", json={"mappings": MAPPINGS}).status_code == 200
        lines = []
        for doc_id, source in DOCS.items():
            lines += [{"index": {"_index": "stories", "_id": doc_id}}, source]
        body = "".join(f"{json.dumps(line)}\n" for line in lines)
        assert not client.post("/_bulk?refresh=true", content=body, headers=NDJSON).json()["errors"]
        yield client


def search(http: httpx.Client, body: dict[str, Any], path: str = "/stories/_search") -> httpx.Response:
    return http.post(path, json=body)


def test_collapsed_hits_carry_the_key_and_their_inner_hits_while_totals_and_aggregations_count_documents(
    http: httpx.Client,
) -> None:
    body = {
        "query": {"match_all": {}},
        "sort": [{"n": "desc"}],
        "collapse": {"field": "story", "inner_hits": {"name": "all", "size": 2, "_source": False, "sort": ["n"]}},
        "aggs": {"stories": {"cardinality": {"field": "story"}}, "story": {"terms": {"field": "story"}}},
    }
    answer = search(http, body).json()
    hits = answer["hits"]["hits"]
    # The best of each group by the sort; documents without a value are one group of their own.
    assert [(hit["_id"], hit["fields"]) for hit in hits] == [
        ("b1", {"story": ["b"]}),
        ("c1", {"story": [None]}),
        ("a1", {"story": ["a"]}),
    ]
    inner = hits[2]["inner_hits"]["all"]["hits"]
    assert inner["total"] == {"value": 3, "relation": "eq"}
    assert [(hit["_id"], hit["sort"], "_source" in hit) for hit in inner["hits"]] == [
        ("a2", [1], False),
        ("a3", [2], False),
    ]
    # Collapsing changes the hits only (DOCS .../collapse-search-results).
    assert answer["hits"]["total"] == {"value": 5, "relation": "eq"}
    assert answer["aggregations"]["stories"] == {"value": 2}
    assert {b["key"]: b["doc_count"] for b in answer["aggregations"]["story"]["buckets"]} == {"a": 3, "b": 1}


def test_inner_hits_rerun_the_query(http: httpx.Client) -> None:
    body = {
        "query": {"bool": {"filter": [{"terms": {"n": [1, 2, 5]}}]}},
        "collapse": {"field": "story", "inner_hits": {"name": "all"}},
    }
    hits = search(http, body).json()["hits"]["hits"]
    assert {hit["_id"]: hit["inner_hits"]["all"]["hits"]["total"]["value"] for hit in hits} == {"a2": 2, "b1": 1}


@pytest.mark.parametrize(
    ("field", "status", "cause"),
    [
        ("body", 400, "collapse is not supported for the field [body] of the type [text]"),
        ("nope", 400, "no mapping found for `nope` in order to collapse on"),
        ("plain", 400, "cannot collapse on field `plain` without `doc_values`"),
        ("tags", 500, "failed to collapse a2, the collapse field must be single valued"),
    ],
)
def test_collapse_fields_elasticsearch_cannot_collapse_on_are_refused(
    http: httpx.Client, field: str, status: int, cause: str
) -> None:
    error = refused(
        search(http, {"collapse": {"field": field}}), status, "search_phase_execution_exception", "all shards failed"
    )
    assert error["root_cause"][0]["reason"] == cause
    assert error["caused_by"]["reason"] == cause


def test_collapse_with_scroll_rescore_or_a_foreign_search_after_is_refused(http: httpx.Client) -> None:
    collapse = {"field": "story"}
    refused(
        search(http, {"collapse": collapse}, "/stories/_search?scroll=1m"),
        400,
        "action_request_validation_exception",
        "Validation Failed: 1: cannot use `collapse` in a scroll context;",
    )
    rescore = {"window_size": 10, "query": {"rescore_query": {"match_all": {}}}}
    error = refused(
        search(http, {"collapse": collapse, "rescore": rescore}),
        400,
        "search_phase_execution_exception",
        "all shards failed",
    )
    assert error["caused_by"]["reason"] == "cannot use `collapse` in conjunction with `rescore`"
    other_sort = {"collapse": collapse, "sort": [{"n": "asc"}], "search_after": [1]}
    error = refused(search(http, other_sort), 400, "search_phase_execution_exception", "all shards failed")
    assert error["caused_by"]["reason"].startswith("Cannot use [collapse] in conjunction with [search_after]")
    # Sorted on the collapse field itself, search_after pages through the groups (no story sorts last).
    same = search(http, {"collapse": collapse, "sort": [{"story": "asc"}], "search_after": ["a"]}).json()
    assert [hit["_id"] for hit in same["hits"]["hits"]] == ["b1", "c1"]


def test_malformed_collapse_bodies_are_refused(http: httpx.Client) -> None:
    error = refused(
        search(http, {"collapse": {"field": "story", "inner_hits": {"size": 2}}}),
        400,
        "x_content_parse_exception",
        "[1:2] [collapse] failed to parse field [inner_hits]",
    )
    assert error["caused_by"] == {
        "type": "illegal_argument_exception",
        "reason": "inner_hits must have a [name]; set the [name] field in the inner_hits definition",
    }
    refused(
        search(http, {"collapse": {"field": "story", "size": 3}}),
        400,
        "x_content_parse_exception",
        "[1:2] [collapse] unknown field [size]",
    )
    refused(
        search(http, {"collapse": {"field": "story", "inner_hits": {"name": "x", "highlights": {}}}}),
        400,
        "x_content_parse_exception",
        "[1:2] [inner_hits] unknown field [highlights]",
    )


def test_aggregations_on_text_are_refused_and_unmapped_fields_count_nothing(http: httpx.Client) -> None:
    text = search(http, {"aggs": {"b": {"terms": {"field": "body"}}}})
    assert text.status_code == 400
    assert text.json()["error"]["reason"].startswith("Fielddata is disabled on [body]")
    empty = search(http, {"aggs": {"t": {"terms": {"field": "nope"}}, "c": {"cardinality": {"field": "nope"}}}}).json()
    assert empty["aggregations"]["t"]["buckets"] == []
    assert empty["aggregations"]["c"] == {"value": 0}


def test_readouts_folded_body_is_accepted(tmp_path: Path) -> None:
    with running_stub() as stub, httpx.Client(base_url=stub.url, timeout=10) as client:
        settings = make_settings(tmp_path / "data", elasticsearch_url=stub.url, elasticsearch_max_retries=0)
        with ElasticIndex.from_settings(settings) as es:
            es.ensure_ready()
            outcome = es.index_documents([FakeDocument(language="en")])
            assert not outcome.rejected, outcome.rejected
        client.post("/readout-documents/_refresh")
        for text in ("", "steel"):
            body = build_search_body(parse(text), SearchFilters(), 10, fold=True)
            answer = client.post("/readout-documents/_search", json=body)
            assert answer.status_code == 200, answer.text
            assert "stories" in answer.json()["aggregations"]
