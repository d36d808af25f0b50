"""Coverage in the search indices end to end: `readout run` over the fixture sites stores the MFA's briefings
and the news that quotes them (Sputnik, Islam Times), the catalog links the quotes to exchanges, `readout index`
carries the citations and the coverage into the embedded index and into Elasticsearch (the stand-in), and
`readout search --verdict` / `--turns --covered` find the same documents and exchanges on both, which are
those the catalog's own reads say."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.devsite import SiteFarm
from pipeline.store.citations import worst_verdict
from tests.esstub import EsStub, running_stub
from tests.integration.test_run_e2e import World, fresh_world

#: The MFA's English briefings and two outlets whose fixture reports quote its 26 April 2021 briefing.
SOURCES = ("cn-mfa-en", "sputnik-en", "islamtimes-en")


@pytest.fixture(scope="module")
def world(farm: SiteFarm, tmp_path_factory: pytest.TempPathFactory) -> World:
    world = fresh_world(farm, tmp_path_factory.mktemp("coverage"))
    result = world.cli("run", *[arg for source_id in SOURCES for arg in ("-s", source_id)])
    assert result.exit_code == 0, result.output
    return world


class Expected:
    """What the catalog says: each news document's citations, each turn's reports."""

    def __init__(self, world: World) -> None:
        catalog = world.catalog()
        try:
            ids = catalog.document_ids()
            self.citations = catalog.citations_for_documents(ids)
            turns = catalog.turns_for_documents(ids)
            self.turn_ids = {turn.turn_id for found in turns.values() for turn in found}
            self.reports = catalog.coverage(sorted(self.turn_ids))
        finally:
            catalog.close()

    def documents_with(self, verdict: str) -> set[str]:
        return {doc_id for doc_id, rows in self.citations.items() if worst_verdict(rows) == verdict}

    def covered(self) -> dict[str, int]:
        """turn_id → how many news documents quote it."""
        return {turn_id: len({entry.doc_id for entry in entries}) for turn_id, entries in self.reports.items()}

    def turns_with(self, verdict: str) -> set[str]:
        return {
            turn_id
            for turn_id, entries in self.reports.items()
            if worst_verdict(entries) == verdict  # type: ignore[arg-type]  # entries carry a verdict too
        }


@pytest.fixture(scope="module")
def expected(world: World) -> Expected:
    found = Expected(world)
    # Not vacuous: the fixtures give divergent quotes and reported exchanges.
    assert found.documents_with("divergent")
    assert found.covered()
    return found


@pytest.fixture(scope="module")
def stub() -> Iterator[EsStub]:
    with running_stub() as running:
        yield running


def _elastic(stub: EsStub) -> dict[str, str]:
    return {"READOUT_ELASTICSEARCH_URL": stub.url}


@pytest.fixture(scope="module")
def indexed(world: World, stub: EsStub) -> World:
    """Both targets filled from the catalog by the outbox."""
    for env in ({}, _elastic(stub)):
        result = world.cli("index", **env)
        assert result.exit_code == 0, result.output
    _refreshed(stub)
    return world


def _refreshed(stub: EsStub) -> None:
    """What Elasticsearch's refresh interval does within a second: searches see every write."""
    for index in stub.indices.values():
        index.visible = set(index.docs)


def documents(world: World, *args: str, **env: str) -> set[str]:
    result = world.cli("search", "--json", "--limit", "1000", *args, **env)
    assert result.exit_code == 0, result.output
    return {hit["doc_id"] for hit in json.loads(result.stdout)["hits"]}


def exchanges(world: World, *args: str, **env: str) -> list[dict[str, Any]]:
    result = world.cli("search", "--turns", "--json", "--limit", "1000", *args, **env)
    assert result.exit_code == 0, result.output
    hits: list[dict[str, Any]] = json.loads(result.stdout)
    return hits


@pytest.mark.parametrize("backend", ["embedded", "elasticsearch"])
@pytest.mark.parametrize("verdict", ["divergent", "verbatim", "unmatched"])
def test_verdict_finds_the_documents_whose_worst_quote_has_it(
    indexed: World, expected: Expected, stub: EsStub, backend: str, verdict: str
) -> None:
    env = _elastic(stub) if backend == "elasticsearch" else {}
    assert documents(indexed, "--verdict", verdict, **env) == expected.documents_with(verdict)


@pytest.mark.parametrize("backend", ["embedded", "elasticsearch"])
def test_covered_finds_the_exchanges_the_news_quotes_with_their_count(
    indexed: World, expected: Expected, stub: EsStub, backend: str
) -> None:
    env = _elastic(stub) if backend == "elasticsearch" else {}
    hits = exchanges(indexed, "--covered", **env)
    assert {hit["turn_id"]: hit["coverage_count"] for hit in hits} == expected.covered()
    divergent = {hit["turn_id"] for hit in exchanges(indexed, "--covered", "--verdict", "divergent", **env)}
    assert divergent == expected.turns_with("divergent")
    everything = exchanges(indexed, **env)
    assert {hit["turn_id"] for hit in everything} == expected.turn_ids
    assert all(hit["coverage_count"] == 0 for hit in everything if hit["turn_id"] not in expected.covered())


def test_elasticsearch_holds_the_fields_the_catalog_gives(indexed: World, expected: Expected, stub: EsStub) -> None:
    for doc_id, rows in expected.citations.items():
        source = stub.source("readout-documents", doc_id)
        assert source is not None
        assert source["citation_count"] == len(rows)
        assert source["cited_turns"] == list(dict.fromkeys(row.turn_id for row in rows if row.turn_id))
        assert source["worst_verdict"] == worst_verdict(rows)
    for turn_id, entries in expected.reports.items():
        source = stub.source("readout-turns", turn_id)
        assert source is not None
        assert set(source["covered_by"]) == {entry.publisher or entry.source_id for entry in entries}
        assert set(source["covered_by_source"]) == {entry.source_id for entry in entries}
    briefing_turn = next(iter(expected.turn_ids - set(expected.reports)), None)
    if briefing_turn is not None:
        source = stub.source("readout-turns", briefing_turn)
        assert source is not None
        assert source["coverage_count"] == 0
        assert "worst_verdict" not in source


def test_a_reindex_carries_the_coverage_too(indexed: World, expected: Expected, stub: EsStub) -> None:
    for env in ({}, _elastic(stub)):
        result = indexed.cli("reindex", **env)
        assert result.exit_code == 0, result.output
        _refreshed(stub)
        assert documents(indexed, "--verdict", "divergent", **env) == expected.documents_with("divergent")
        assert {hit["turn_id"] for hit in exchanges(indexed, "--covered", **env)} == set(expected.covered())


def test_filters_that_need_turns_or_a_known_verdict_are_usage_errors(indexed: World) -> None:
    covered = indexed.cli("search", "--covered")
    assert covered.exit_code == 2
    assert "--turns" in covered.output
    unknown = indexed.cli("search", "--verdict", "wrong")
    assert unknown.exit_code == 2
    assert "unknown verdict wrong" in unknown.output


def test_an_index_laid_out_before_coverage_is_emptied_and_refilled(indexed: World, expected: Expected) -> None:
    """Schema 3 (no coverage): opening it to write empties it under a new identity, and the next run refills it."""
    import sqlite3

    path = Path(indexed.settings().effective_search_db)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 3")
    result = indexed.cli("index")
    assert result.exit_code == 0, result.output
    assert documents(indexed, "--verdict", "divergent") == expected.documents_with("divergent")
