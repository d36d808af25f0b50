"""Search folds near-duplicate copies: one hit per story on both backends, from a real catalog.

The labelled wire copies (``tests/fixtures/coverage/duplicates``, invented texts) are stored through a real
SQLite catalog, which clusters them as ingest does; the index step (the outbox) sends them to the embedded
index and to the Elasticsearch stand-in, and ``readout search`` answers from each. The expected stories come
from the catalog's clusters, never from the search code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Settings, Source
from pipeline.enrich.dedup.evaluate import load_labelled, news_source, store_text
from pipeline.errors import SearchBackendError
from pipeline.index.search import FOLDED_IDS, SearchFilters, SearchResult
from pipeline.index.service import index_pending, search
from pipeline.store.catalog import Catalog
from tests.conftest import make_settings
from tests.esstub import EsStub, running_stub

LABELLED = Path(__file__).resolve().parents[1] / "fixtures" / "coverage" / "duplicates"
START = datetime(2026, 3, 1, 9, tzinfo=UTC)
#: Stored under a second source, so that a source filter leaves a story with fewer matching copies.
AGENCY_COPY = "tariffs-afp"
#: Two briefings with the same words: briefings are never clustered, so each stays its own story.
BRIEFING_TEXT = (
    "The spokesperson said the ministry firmly opposes unilateral sanctions and long-arm jurisdiction, and "
    "urged all parties to resolve differences through dialogue. Asked about the coastal fund, she said the "
    "ministry welcomes every effort for port security in the region."
)

runner = CliRunner()


def briefing_source() -> Source:
    return Source.model_validate(
        {
            "id": "briefings",
            "name": "Labelled briefings",
            "kind": "briefing",
            "publisher": "Ministry",
            "country": "XX",
            "language": "en",
            "discovery": {"method": "feed", "urls": ["https://briefings.invalid/feed.xml"]},
        }
    )


@dataclass
class Corpus:
    data_dir: Path
    #: doc_id → the catalog's cluster_id (None for briefings).
    clusters: dict[str, str | None]
    briefings: tuple[str, str]
    #: The copy stored under the second source.
    agency: str

    def story(self, doc_id: str) -> str:
        """The story a document belongs to, as the catalog says: its cluster, or itself."""
        return self.clusters[doc_id] or doc_id


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    data_dir = tmp_path_factory.mktemp("folding") / "data"
    settings = make_settings(data_dir)
    catalog = Catalog.open(settings.effective_catalog_url)
    try:
        stored: dict[str, str] = {}
        for minutes, text in enumerate(load_labelled(LABELLED, ("tune",))):
            source = news_source("agency" if text.id == AGENCY_COPY else "wire")
            url = f"https://{source.id}.example/{text.id}"
            at = START + timedelta(minutes=minutes)
            stored[text.id] = store_text(catalog, source, url, text.title, text.text, at)
        twins = tuple(
            store_text(catalog, briefing_source(), f"https://briefings.example/{n}", "Briefing", BRIEFING_TEXT, START)
            for n in (1, 2)
        )
        clusters = {doc_id: stored_cluster(catalog, doc_id) for doc_id in [*stored.values(), *twins]}
        report = index_pending(settings, catalog)
        assert report.ok, report
        assert report.acked == len(clusters), report
    finally:
        catalog.close()
    return Corpus(data_dir, clusters, (twins[0], twins[1]), stored[AGENCY_COPY])


def stored_cluster(catalog: Catalog, doc_id: str) -> str | None:
    document = catalog.document(doc_id)
    assert document is not None
    return document.cluster_id


@pytest.fixture(scope="module")
def stub() -> Iterator[EsStub]:
    with running_stub() as running:
        yield running


@pytest.fixture(scope="module")
def es_settings(corpus: Corpus, stub: EsStub) -> Settings:
    settings = make_settings(corpus.data_dir, elasticsearch_url=stub.url, elasticsearch_max_retries=0)
    catalog = Catalog.open(settings.effective_catalog_url)
    try:
        report = index_pending(settings, catalog)
        assert report.ok, report
        assert report.acked == len(corpus.clusters), report
    finally:
        catalog.close()
    # What Elasticsearch does within a second on its own: searches see the documents.
    httpx.post(f"{stub.url}/readout-documents/_refresh").raise_for_status()
    return settings


Search = Callable[..., SearchResult]


@pytest.fixture(params=["embedded", "elasticsearch"])
def run(request: pytest.FixtureRequest, corpus: Corpus) -> Search:
    settings = make_settings(corpus.data_dir)
    if request.param == "elasticsearch":
        settings = request.getfixturevalue("es_settings")

    def searching(text: str, *, fold: bool = True, limit: int = 100, **filters: Any) -> SearchResult:
        return search(settings, text, SearchFilters(**filters), limit=limit, fold=fold)

    return searching


def test_the_catalog_clustered_the_copies(corpus: Corpus) -> None:
    # What the rest rests on: real clusters of several copies, and briefings left out of clustering.
    sizes: dict[str, int] = {}
    for doc_id in corpus.clusters:
        sizes[corpus.story(doc_id)] = sizes.get(corpus.story(doc_id), 0) + 1
    assert max(sizes.values()) >= 4
    assert [corpus.clusters[doc_id] for doc_id in corpus.briefings] == [None, None]


@pytest.mark.parametrize("query", ["steel", "Morava", "coastal", ""])
def test_one_hit_per_story_with_its_matching_copies(corpus: Corpus, run: Search, query: str) -> None:
    every = run(query, fold=False)
    folded = run(query)
    stories: dict[str, set[str]] = {}
    for hit in every.hits:
        stories.setdefault(corpus.story(hit.doc_id), set()).add(hit.doc_id)
    assert len(every.hits) == every.total, "the limit holds every match"
    assert any(len(members) > 1 for members in stories.values()), "something to fold"
    # Documents are still counted as documents, facets included; the stories are counted apart.
    assert (folded.total, folded.facets) == (every.total, every.facets)
    assert (folded.stories, every.stories) == (len(stories), None)
    assert sorted(hit.cluster_id or "" for hit in folded.hits) == sorted(stories)
    for hit in folded.hits:
        members = stories[corpus.story(hit.doc_id)]
        assert hit.cluster_id == corpus.story(hit.doc_id)
        assert hit.copies == len(members) - 1
        assert list(hit.folded) == sorted(members - {hit.doc_id})[:FOLDED_IDS]
    assert all(hit.copies == 0 and not hit.folded for hit in every.hits)


def test_only_matching_copies_are_counted(corpus: Corpus, run: Search) -> None:
    # "AFP" is in one copy of each of two stories that have other copies: nothing folds into them.
    found = run("AFP")
    assert found.hits
    assert all(hit.copies == 0 for hit in found.hits)
    assert any(
        sum(corpus.story(other) == corpus.story(hit.doc_id) for other in corpus.clusters) > 1 for hit in found.hits
    )


def test_filters_apply_to_the_copies(corpus: Corpus, run: Search) -> None:
    # Elasticsearch's inner hits rerun the query, filters included; the embedded index counts the same set.
    story = corpus.story(corpus.agency)
    everywhere = {hit.cluster_id: (hit.copies, set(hit.folded) | {hit.doc_id}) for hit in run("steel").hits}
    wire_only = {
        hit.cluster_id: (hit.copies, set(hit.folded) | {hit.doc_id}) for hit in run("steel", sources=("wire",)).hits
    }
    assert corpus.agency in everywhere[story][1]
    assert wire_only[story] == (everywhere[story][0] - 1, everywhere[story][1] - {corpus.agency})
    assert {k: v for k, v in wire_only.items() if k != story} == {k: v for k, v in everywhere.items() if k != story}


def test_unclustered_documents_are_never_lumped_together(corpus: Corpus, run: Search) -> None:
    found = run('"unilateral sanctions"', kinds=("briefing",))
    assert sorted(hit.doc_id for hit in found.hits) == sorted(corpus.briefings)
    assert all((hit.cluster_id, hit.copies) == (hit.doc_id, 0) for hit in found.hits)
    assert found.stories == 2


def test_the_limit_counts_stories(run: Search) -> None:
    every = run("steel")
    first = run("steel", limit=1)
    assert len(first.hits) == 1 < len(every.hits) == every.stories == first.stories
    (hit,) = first.hits
    assert hit.copies == {story.cluster_id: story.copies for story in every.hits}[hit.cluster_id]


# --- readout search -----------------------------------------------------------------------------------------------


def cli(corpus: Corpus, *args: str, **env: str) -> Any:
    result = runner.invoke(
        app, ["search", *args], env={"READOUT_DATA_DIR": str(corpus.data_dir), "COLUMNS": "250"} | env
    )
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("backend", ["embedded", "elasticsearch"])
def test_readout_search_folds_by_default_and_not_with_no_fold(
    corpus: Corpus, request: pytest.FixtureRequest, backend: str
) -> None:
    env = {}
    if backend == "elasticsearch":
        env["READOUT_ELASTICSEARCH_URL"] = str(request.getfixturevalue("es_settings").elasticsearch_url)
    payload = json.loads(cli(corpus, "steel", "--json", **env).stdout)
    most = max(payload["hits"], key=lambda hit: hit["copies"])
    assert most["copies"] >= 2
    assert len(most["folded"]) == most["copies"]
    assert payload["stories"] == len(payload["hits"]) < payload["total"]
    shown = cli(corpus, "steel", **env).output
    assert f"{payload['total']} match(es) in {payload['stories']} stories" in shown
    assert f"+{most['copies']} copies" in shown
    every = json.loads(cli(corpus, "steel", "--no-fold", "--json", **env).stdout)
    assert (every["stories"], len(every["hits"])) == (None, payload["total"])
    plain = cli(corpus, "steel", "--no-fold", **env).output
    assert f"{payload['total']} match(es) for steel" in plain
    assert " copies" not in plain


def test_an_elasticsearch_index_older_than_folding_says_how_to_fix_it(corpus: Corpus) -> None:
    # An index created before cluster_id was mapped: Elasticsearch cannot collapse on it.
    with running_stub() as stub:
        settings = make_settings(corpus.data_dir, elasticsearch_url=stub.url, elasticsearch_max_retries=0)
        catalog = Catalog.open(settings.effective_catalog_url)
        try:
            assert index_pending(settings, catalog).ok
        finally:
            catalog.close()
        httpx.post(f"{stub.url}/readout-documents/_refresh").raise_for_status()
        for index in stub.indices.values():
            index.mappings.get("properties", {}).pop("cluster_id", None)
        with pytest.raises(SearchBackendError, match=r"before search folded copies.*`readout reindex`.*--no-fold"):
            search(settings, "steel", SearchFilters())
        assert search(settings, "steel", SearchFilters(), fold=False).total
