"""Search end to end: `readout run` feeds the embedded index or Elasticsearch (the loopback stand-in),
`readout search` answers in the same shape from both, nothing is lost while Elasticsearch is down."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.cli.common import ExitCode
from pipeline.devsite import SiteFarm
from pipeline.store.catalog import Catalog
from tests.esstub import running_stub
from tests.integration.test_run_e2e import EXPECTED, World, fresh_world
from tests.kibanastub import kibana_stub


def search_json(world: World, *args: str, **env: str) -> dict[str, Any]:
    result = world.cli("search", *args, "--json", **env)
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def catalog_count(world: World) -> int:
    catalog = Catalog.open(world.settings().effective_catalog_url)
    try:
        return catalog.count_documents()
    finally:
        catalog.close()


@pytest.fixture(scope="module")
def indexed(farm: SiteFarm, tmp_path_factory: pytest.TempPathFactory) -> World:
    world = fresh_world(farm, tmp_path_factory.mktemp("search"))
    result = world.cli("run")
    assert result.exit_code == 0, result.output
    assert "Index:" in result.output
    return world


def phrase_of(source_id: str) -> tuple[str, str]:
    """A phrase the expectations say is in one incremental document of the source, and that document's URL."""
    url = EXPECTED[source_id]["incremental"][0]
    return EXPECTED[source_id]["documents"][url]["contains"][0], url


@pytest.mark.parametrize("source_id", ["cn-mfa-en", "ru-mid-en", "peoplesdaily-zh", "tass-ru", "uk-fcdo"])
def test_the_embedded_index_finds_each_document_by_a_phrase_of_it(indexed: World, source_id: str) -> None:
    phrase, _url = phrase_of(source_id)
    found = search_json(indexed, f'"{phrase}"')
    assert found["backend"] == "embedded"
    assert found["total"] >= 1
    assert any(hit["source"] == source_id for hit in found["hits"]), (phrase, [h["source"] for h in found["hits"]])


def test_filters_and_facets_on_the_embedded_index(indexed: World) -> None:
    everything = search_json(indexed, "--limit", "200")
    assert everything["total"] == catalog_count(indexed)
    assert sum(everything["facets"]["kind"].values()) == everything["total"]
    briefings = search_json(indexed, "--kind", "briefing", "--limit", "200")
    assert briefings["total"] == everything["facets"]["kind"]["briefing"]
    assert {hit["kind"] for hit in briefings["hits"]} == {"briefing"}
    chinese = search_json(indexed, "--language", "zh")
    assert chinese["total"] >= 3
    assert {hit["language"] for hit in chinese["hits"]} == {"zh"}


def test_elasticsearch_receives_every_document_once_and_survives_being_down(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    with running_stub() as stub:
        es = {"READOUT_ELASTICSEARCH_URL": stub.url}
        first = world.cli("run", **es)
        assert first.exit_code == 0, first.output
        documents = catalog_count(world)
        assert documents > 0
        assert len(stub.indices["readout-documents-v1"].docs) == documents
        assert len(stub.indices["readout-runs-v1"].docs) == len(EXPECTED), "one run result per source"
        bulk_calls = len(stub.calls(path="/_bulk"))
        again = world.cli("index", **es)
        assert again.exit_code == 0, again.output
        assert len(stub.calls(path="/_bulk")) == bulk_calls, "nothing pending: no bulk request"
    # Elasticsearch is gone: ingest goes on, the index step fails, the documents stay pending.
    down = world.cli("index", **es)
    assert down.exit_code == 4
    assert "Index step failed" in down.output
    with running_stub() as fresh:
        # A fresh cluster is a new physical index: nothing is taken as acknowledged there, and a plain
        # index step sends everything again.
        caught_up = world.cli("index", READOUT_ELASTICSEARCH_URL=fresh.url)
        assert caught_up.exit_code == 0, caught_up.output
        assert len(fresh.indices["readout-documents-v1"].docs) == documents


def test_a_document_elasticsearch_rejects_is_dead_lettered_and_listed(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    assert world.cli("run", "--source", "uk-fcdo", "--no-index").exit_code == 0
    catalog = Catalog.open(world.settings().effective_catalog_url)
    try:
        victim = next(iter(catalog.documents())).doc_id
    finally:
        catalog.close()
    with running_stub() as stub:
        stub.reject_ids = {victim}
        result = world.cli("index", READOUT_ELASTICSEARCH_URL=stub.url)
        assert result.exit_code == 0, result.output
        assert "1 rejected" in result.output
        failures = world.cli("failures", READOUT_ELASTICSEARCH_URL=stub.url)
        assert "rejected by the search index" in failures.output
        assert "mapper_parsing_exception" in failures.output
        again = world.cli("index", READOUT_ELASTICSEARCH_URL=stub.url)
        assert "1 rejected" not in again.output, "a dead-lettered revision is not sent again"


def test_reindex_swaps_the_alias_to_a_new_version(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    with running_stub() as stub:
        es = {"READOUT_ELASTICSEARCH_URL": stub.url}
        assert world.cli("run", "--source", "uk-fcdo", **es).exit_code == 0
        result = world.cli("reindex", **es)
        assert result.exit_code == 0, result.output
        assert "readout-documents-v2" in result.output
        assert set(stub.aliases["readout-documents"]) == {"readout-documents-v2"}
        assert "readout-documents-v1" in stub.indices, "the old index is kept"
        [swap] = stub.calls("POST", "/_aliases")
        actions = swap.body["actions"]
        assert {next(iter(action)) for action in actions} == {"add", "remove"}


def test_both_backends_answer_in_the_same_json_shape(indexed: World, farm: SiteFarm, tmp_path: Path) -> None:
    embedded = search_json(indexed, "sanctions")
    world = fresh_world(farm, tmp_path)
    with running_stub() as stub:
        es = {"READOUT_ELASTICSEARCH_URL": stub.url}
        assert world.cli("run", "--source", "uk-fcdo", **es).exit_code == 0
        # Elasticsearch makes new documents searchable at its next refresh (every second by default).
        httpx.post(f"{stub.url}/readout-documents/_refresh", timeout=5).raise_for_status()
        elastic = search_json(world, "sanctions", **es)
    assert elastic["backend"] == "elasticsearch"
    assert set(elastic) == set(embedded)
    assert elastic["hits"]
    assert embedded["hits"]
    assert set(elastic["hits"][0]) == set(embedded["hits"][0])
    assert set(elastic["facets"]) == set(embedded["facets"])


def test_kibana_setup_imports_the_saved_objects(indexed: World) -> None:
    with kibana_stub() as kibana:
        result = indexed.cli("kibana-setup", READOUT_KIBANA_URL=kibana.url, READOUT_KIBANA_API_KEY="secret-key")
        assert result.exit_code == 0, result.output
        assert "saved object(s) imported" in result.output
        [request] = kibana.imports()
        assert request.query["overwrite"] == ["true"]
        assert "secret-key" not in result.output


def test_a_lost_embedded_index_is_refilled_by_the_next_index_step(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    assert world.cli("run", "--source", "uk-fcdo").exit_code == 0
    before = search_json(world)["total"]
    assert before == catalog_count(world)
    world.settings().effective_search_db.unlink()
    result = world.cli("index")
    assert result.exit_code == 0, result.output
    assert search_json(world)["total"] == before


def test_a_search_never_empties_an_index_built_with_another_analysis(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    assert world.cli("run", "--source", "uk-fcdo").exit_code == 0
    before = search_json(world)["total"]
    search_db = world.settings().effective_search_db
    with sqlite3.connect(search_db) as conn:
        # What an older Readout (another analysis) left behind.
        conn.execute("UPDATE meta SET value = '1; regex 2020.1.1; PyStemmer 1.0' WHERE key = 'analysis'")
    conn.close()
    result = world.cli("search", "sanctions")
    assert result.exit_code != 0
    assert "readout index" in " ".join(result.output.split())
    with sqlite3.connect(search_db) as conn:
        kept = conn.execute("SELECT count(*) FROM texts").fetchone()[0]
    conn.close()
    assert kept == before, "the search wrote nothing"
    # The next index run (a writer) rebuilds it from the catalog.
    assert world.cli("index").exit_code == 0
    assert search_json(world)["total"] == before


def test_brackets_in_a_document_do_not_break_the_terminal_output(tmp_path: Path) -> None:
    from tests.hostile import hostile_server, page, status

    body = (
        "<html lang='en'><head><title>Minister [sic] speaks ] on sanctions</title></head><body><article>"
        + "".join(f"<p>He said ] and [/] and [bold] that sanctions [{n}] were lifted.</p>" for n in range(6))
        + "</article></body></html>"
    ).encode()
    with hostile_server({"/robots.txt": status(404), "/a.html": page(body)}) as server:
        feed = (
            "<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><link>http://x/</link>"
            f"<description>d</description><item><title>A</title><link>{server.url('/a.html')}</link>"
            "<pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>"
        ).encode()
        server.routes["/feed.xml"] = page(feed, content_type="application/rss+xml")
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            "sources:\n  - {id: brackets, name: B, kind: news, publisher: B, country: GB, language: en,\n"
            f"     discovery: {{method: feed, urls: ['{server.url('/feed.xml')}']}}}}\n",
            "utf-8",
        )
        world = World(SiteFarm(root=tmp_path), sources, tmp_path / "data")
        env = {"READOUT_ALLOW_PRIVATE_HOSTS": "localhost"}
        assert world.cli("run", **env).exit_code == 0
    result = world.cli("search", "sanctions")
    assert result.exit_code == 0, result.output
    assert "Minister [sic] speaks ] on sanctions" in result.output
    assert "[/]" in result.output


def test_a_damaged_embedded_index_fails_the_step_without_dead_letters(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    assert world.cli("run", "--source", "uk-fcdo", "--no-index").exit_code == 0
    search_db = world.settings().effective_search_db
    search_db.parent.mkdir(parents=True, exist_ok=True)
    search_db.write_bytes(b"this is not an SQLite file" * 100)
    result = world.cli("index")
    assert result.exit_code == ExitCode.INDEX
    assert "Index step failed" in result.output
    assert str(search_db) in " ".join(result.output.split())
    catalog = Catalog.open(world.settings().effective_catalog_url)
    try:
        assert catalog.dead_letters() == []
    finally:
        catalog.close()


def test_an_interrupted_run_results_bulk_leaves_them_pending(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    with running_stub() as stub:
        es = {"READOUT_ELASTICSEARCH_URL": stub.url}
        assert world.cli("run", "--source", "uk-fcdo", **es).exit_code == 0
        runs_before = len(stub.indices["readout-runs-v1"].docs)
        # A second run with nothing new: only its run result is waiting for the runs index.
        assert world.cli("run", "--source", "uk-fcdo", "--no-index", **es).exit_code == 0
        stub.fail("PUT", r"/_bulk", 500, times=20)
        stub.fail("POST", r"/_bulk", 500, times=20)
        failed = world.cli("index", **es)
        assert failed.exit_code == 4, failed.output
        assert "run results" in failed.output
        stub.faults.clear()
        caught_up = world.cli("index", **es)
        assert caught_up.exit_code == 0, caught_up.output
        assert len(stub.indices["readout-runs-v1"].docs) == runs_before + 1


def test_search_prints_the_sources_own_day_as_list_does(indexed: World) -> None:
    # MEA's transcripts are dated by day: midnight in New Delhi, the day before in UTC.
    phrase, _url = phrase_of("in-mea")
    (hit,) = [h for h in search_json(indexed, f'"{phrase}"')["hits"] if h["source"] == "in-mea"]
    assert hit["published_at"].startswith("2021-05-26T18:30")
    shown = indexed.cli("search", f'"{phrase}"')
    assert shown.exit_code == 0, shown.output
    assert "2021-05-27" in shown.output
    assert "2021-05-26" not in shown.output
