"""Folding search hits by near-duplicate cluster: the Elasticsearch body and answer (pure functions), and the
embedded index's folding at its edges (a cluster larger than the ids listed, listings, nothing found).

Cluster ids are given to the documents here; ``tests/integration/test_search_folding.py`` has the catalog
assign them from real near-duplicate texts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.index.embedded import EmbeddedIndex
from pipeline.index.es_search import COPIES, FOLD_FIELD, STORIES, build_search_body, parse_search_response
from pipeline.index.query import parse
from pipeline.index.search import FOLDED_IDS, SearchFilters
from tests.unit.test_embedded_search import WHEN, Doc, load, search

STORY = "s" * 64


@pytest.fixture
def index(tmp_path: Path) -> Iterator[EmbeddedIndex]:
    with EmbeddedIndex(tmp_path / "search.db") as opened:
        yield opened


def test_the_folded_body_collapses_on_cluster_id_and_counts_the_stories() -> None:
    plain = build_search_body(parse("steel"), SearchFilters(), 5)
    folded = build_search_body(parse("steel"), SearchFilters(), 5, fold=True)
    assert "collapse" not in plain
    assert folded["collapse"] == {
        "field": FOLD_FIELD,
        "inner_hits": {"name": COPIES, "size": FOLDED_IDS + 1, "_source": False, "sort": [{"doc_id": "asc"}]},
    }
    assert folded["aggs"][STORIES] == {"cardinality": {"field": FOLD_FIELD, "precision_threshold": 40_000}}
    # The rest is the plain search: the same query, filters, facets over documents, highlight and size.
    rest = {key: value for key, value in folded.items() if key != "collapse"}
    rest["aggs"] = {name: agg for name, agg in rest["aggs"].items() if name != STORIES}
    assert rest == plain
    assert not {"scroll", "rescore", "search_after"} & set(folded)


def collapsed_hit(doc_id: str, group: list[str], *, total: int | None = None, cluster_in_source: bool = True) -> Any:
    source = {"doc_id": doc_id, "url": "u", "source": "s", "kind": "news"}
    if cluster_in_source:
        source["cluster_id"] = STORY
    return {
        "_id": doc_id,
        "_score": 2.0,
        "_source": source,
        "fields": {"cluster_id": [STORY]},
        "inner_hits": {
            COPIES: {
                "hits": {
                    "total": {"value": len(group) if total is None else total, "relation": "eq"},
                    "hits": [{"_id": member, "_score": None, "sort": [member]} for member in group],
                }
            }
        },
    }


def test_a_collapsed_answer_becomes_hits_with_their_copies() -> None:
    members = [f"m{n:02}" for n in range(FOLDED_IDS + 1)]
    response = {
        "hits": {
            "total": {"value": 40, "relation": "eq"},
            "hits": [
                # The hit among the first ids listed: the others are its folded copies.
                collapsed_hit("m01", members[:3]),
                # A big story: the hit is not among the ids listed; 30 matching documents in all.
                collapsed_hit("z9", members, total=30, cluster_in_source=False),
            ],
        },
        "aggregations": {STORIES: {"value": 7}},
    }
    result = parse_search_response("steel", response)
    assert (result.total, result.stories) == (40, 7)
    first, big = result.hits
    assert (first.cluster_id, first.copies, first.folded) == (STORY, 2, ("m00", "m02"))
    assert (big.cluster_id, big.copies, big.folded) == (STORY, 29, tuple(members[:FOLDED_IDS]))


def test_an_answer_not_collapsed_has_no_copies_and_no_stories() -> None:
    response = {"hits": {"total": 1, "hits": [{"_id": "a", "_source": {"doc_id": "a", "cluster_id": "a"}}]}}
    result = parse_search_response("", response)
    assert result.stories is None
    (hit,) = result.hits
    assert (hit.cluster_id, hit.copies, hit.folded) == ("a", 0, ())


def test_a_story_larger_than_the_ids_listed_lists_the_first_ones(index: EmbeddedIndex) -> None:
    copies = [
        Doc(f"c{n:02}", f"Steel tariffs story, copy {n}.", cluster_id=STORY, source_kind="news") for n in range(14)
    ]
    load(index, *copies)
    folded = index.search(parse("steel"), SearchFilters(), 10, fold=True)
    (hit,) = folded.hits
    assert (folded.total, folded.stories, hit.copies) == (14, 1, 13)
    expected = [doc.doc_id for doc in copies if doc.doc_id != hit.doc_id][:FOLDED_IDS]
    assert list(hit.folded) == sorted(expected)


def test_a_folded_listing_shows_each_storys_newest_document(index: EmbeddedIndex) -> None:
    old = Doc("old", "Steel tariffs.", cluster_id=STORY, published_at=WHEN)
    new = Doc("new", "Steel tariffs again.", cluster_id=STORY, published_at=WHEN + timedelta(hours=2))
    undated = Doc("undated", "Steel tariffs, no date.", cluster_id=STORY, published_at=None)
    load(index, old, new, undated)
    folded = index.search(parse(""), SearchFilters(sources=("cn-mfa-en",)), 10, fold=True)
    (hit,) = [hit for hit in folded.hits if hit.cluster_id == STORY]
    assert (hit.doc_id, hit.copies, hit.folded) == ("new", 2, ("old", "undated"))
    assert folded.stories == len(folded.hits)


def test_nothing_found_folded_is_no_story(index: EmbeddedIndex) -> None:
    nothing = index.search(parse(""), SearchFilters(), 10, fold=True)
    assert (nothing.total, nothing.hits, nothing.stories) == (0, [], 0)
    load(index, Doc("a", "Steel tariffs."))
    for text in ("nowhere", "steel -tariffs"):
        result = index.search(parse(text), SearchFilters(), 10, fold=True)
        assert (result.total, result.hits, result.stories) == (0, [], 0)
    assert search(index, "steel").stories is None
