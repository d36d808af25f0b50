"""Both backends find the same documents for the same query over the fixture corpus.

The corpus is what a run over every fixture site stores (``readout demo``'s documents), plus the few
documents of :data:`tests.parity.EXTRA_TEXTS`. The embedded index is queried for real; the
Elasticsearch request body for the same query is evaluated by :mod:`tests.esquery` with the documented
semantics of its queries and of the analyzers the shipped mappings name (no Elasticsearch can run here).
Folded searches are compared over the same corpus plus the labelled near-duplicate stories, stored through
the run's catalog so that it clusters them as ingest does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.devsite import SiteFarm
from pipeline.enrich.dedup.evaluate import load_labelled, news_source, store_text
from pipeline.index.coverage_projection import coverage_lookup
from pipeline.index.projection import Projectable
from tests.integration.test_run_e2e import World, fresh_world
from tests.parity import (
    COVERAGE_TURN_FILTERS,
    FOLD_QUERIES,
    QUERIES,
    TURN_FILTERS,
    VERDICT_FILTERS,
    FoldRow,
    Row,
    compare,
    compare_coverage,
    compare_folded,
    compare_turns,
    extra_documents,
    table,
)

# Among the longest modules: started first, so that both workers of `make test` finish together.
pytestmark = pytest.mark.slow

LABELLED = Path(__file__).resolve().parents[1] / "fixtures" / "coverage" / "duplicates"


@pytest.fixture(scope="module")
def rows(farm: SiteFarm, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Row]:
    world: World = fresh_world(farm, tmp_path_factory.mktemp("parity"))
    result = world.cli("run")
    assert result.exit_code == 0, result.output
    documents: list[Projectable] = [*world.documents().values(), *extra_documents()]
    compared = compare(documents, tmp_path_factory.mktemp("parity-index"))
    print(table(compared))  # shown with -s: the same table as benchmarks/query_parity.py
    return {row.query: row for row in compared}


@pytest.mark.parametrize("query", QUERIES)
def test_both_backends_find_the_same_documents(rows: dict[str, Row], query: str) -> None:
    row = rows[query]
    assert row.embedded  # parity over nothing found would prove nothing: every query's form is in the corpus
    assert row.embedded == row.elasticsearch


@pytest.mark.parametrize(
    ("query", "at_least"),
    [
        ("China's", 5),  # possessive removed by the english analyzer: "China" counts
        ("U.S.", 1),
        ("1,000", 2),
        ("Lavrov’s", 3),  # the fixtures write Lavrov's with a straight apostrophe
        ('"unilateral sanctions"', 2),
        ("外交部", 2),
        ('"海上合作"', 1),
        ("Россия", 2),
        ("удобрения", 1),  # only "удобрений" is in the text: Russian stemming finds it
        ("sanction*", 3),
        ("sanctions -Russia", 1),
        ("possible", 1),  # "possibly" on the english field: both stem to possibl
        ("ideology", 1),  # "ideological"
        ("responsible", 1),  # "responsibly"
        ("οδοσ", 1),  # "ΟΔΟΣ" lowered per character
    ],
)
def test_the_queries_find_something(rows: dict[str, Row], query: str, at_least: int) -> None:
    # Parity over empty results would prove nothing: these forms are in the corpus.
    assert len(rows[query].embedded) >= at_least


@pytest.fixture(scope="module")
def turn_rows(farm: SiteFarm, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Row]:
    world: World = fresh_world(farm, tmp_path_factory.mktemp("parity-turns"))
    result = world.cli("run")
    assert result.exit_code == 0, result.output
    documents: list[Projectable] = [*world.documents().values(), *extra_documents()]
    compared = compare_turns(documents, tmp_path_factory.mktemp("parity-turns-index"))
    print(table(compared))
    return {row.query: row for row in compared}


@pytest.mark.parametrize("query", QUERIES)
def test_both_backends_find_the_same_turns(turn_rows: dict[str, Row], query: str) -> None:
    # The question and answer of every turn are the corpus's paragraphs: every query form is there.
    assert turn_rows[f"{query} [none]"].embedded
    for name in TURN_FILTERS:
        row = turn_rows[f"{query} [{name}]"]
        assert row.embedded == row.elasticsearch, row.query


def test_the_turn_filters_narrow_the_matches(turn_rows: dict[str, Row]) -> None:
    # Parity under a filter that keeps everything, or nothing, would prove little.
    for name in TURN_FILTERS:
        if name == "none":
            continue
        narrowed = [q for q in QUERIES if turn_rows[f"{q} [{name}]"].embedded < turn_rows[f"{q} [none]"].embedded]
        kept = [q for q in QUERIES if turn_rows[f"{q} [{name}]"].embedded]
        assert narrowed, f"{name} never removes a turn"
        assert kept, f"{name} never keeps a turn"


@pytest.fixture(scope="module")
def coverage_rows(farm: SiteFarm, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Row]:
    """The corpus with the turns, citations and coverage the catalog linked (the fixture reports quote the
    MFA's briefings), under the coverage filters."""
    world: World = fresh_world(farm, tmp_path_factory.mktemp("parity-coverage"))
    result = world.cli("run")
    assert result.exit_code == 0, result.output
    documents: list[Projectable] = list(world.documents().values())
    catalog = world.catalog()
    try:
        ids = [document.doc_id for document in documents]
        turns = catalog.turns_for_documents(ids)
        coverage = coverage_lookup(catalog)(ids, turns)
    finally:
        catalog.close()
    compared = compare_coverage(documents, turns, coverage, tmp_path_factory.mktemp("parity-coverage-index"))
    print(table(compared))
    return {row.query: row for row in compared}


@pytest.mark.parametrize("query", ["", *QUERIES])
def test_both_backends_apply_the_coverage_filters_alike(coverage_rows: dict[str, Row], query: str) -> None:
    for name in VERDICT_FILTERS:
        row = coverage_rows[f"documents: {query} [{name}]"]
        assert row.embedded == row.elasticsearch, row.query
    for name in COVERAGE_TURN_FILTERS:
        row = coverage_rows[f"turns: {query} [{name}]"]
        assert row.embedded == row.elasticsearch, row.query


def test_the_coverage_filters_find_something(coverage_rows: dict[str, Row]) -> None:
    # Parity over nothing would prove nothing: the fixture reports quote briefings, some unfaithfully.
    assert coverage_rows["documents:  [divergent]"].embedded
    assert coverage_rows["turns:  [covered]"].embedded
    assert coverage_rows["turns:  [divergent]"].embedded


@pytest.fixture(scope="module")
def folded_rows(farm: SiteFarm, tmp_path_factory: pytest.TempPathFactory) -> dict[str, FoldRow]:
    world: World = fresh_world(farm, tmp_path_factory.mktemp("parity-folded"))
    result = world.cli("run")
    assert result.exit_code == 0, result.output
    catalog = world.catalog()
    try:
        start = datetime(2026, 3, 1, 9, tzinfo=UTC)
        for minutes, text in enumerate(load_labelled(LABELLED, ("tune",))):
            url = f"https://wire.example/{text.id}"
            store_text(catalog, news_source("wire"), url, text.title, text.text, start + timedelta(minutes=minutes))
    finally:
        catalog.close()
    documents: list[Projectable] = [*world.documents().values(), *extra_documents()]
    return {row.query: row for row in compare_folded(documents, tmp_path_factory.mktemp("parity-folded-index"))}


@pytest.mark.parametrize("query", FOLD_QUERIES)
def test_both_backends_fold_the_same_stories(folded_rows: dict[str, FoldRow], query: str) -> None:
    row = folded_rows[query]
    total, stories, groups = row.embedded
    assert groups, "parity over nothing found would prove nothing"
    assert stories == len(groups) <= total, "every story on the page: the limit is the corpus's size"
    assert row.embedded == row.elasticsearch


def test_the_folded_comparison_has_copies_to_fold(folded_rows: dict[str, FoldRow]) -> None:
    # Parity where nothing folds would prove little: the labelled stories' copies fold.
    copies = [copies for row in folded_rows.values() for _, _, groups in [row.embedded] for *_, copies in groups]
    assert max(copies) >= 2
    total, stories, _ = folded_rows[""].embedded
    assert stories is not None
    assert stories < total
