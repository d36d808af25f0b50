"""A transcript's history in the search indices end to end, on a real SQLite catalog: briefings edited (and only
cosmetically changed) through `Catalog.store_document`, removed through `mark_removed` and `mark_dropped`, one
back after a removal (a 304), and a pair of twins; `readout index` carries the history into the embedded index
and into Elasticsearch (the stand-in), and `readout search --edited` / `--removed` / `--turns --missing-in-twin`
find on both what the catalog says. Each writer of the history columns gives a new revision, so a later change
reaches both indices with the next `readout index`. Both backends apply the history filters alike
(:func:`tests.parity.compare_history`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.devsite import SiteFarm
from pipeline.index.projection import Projectable
from pipeline.recheck import evidence
from pipeline.store.catalog import Catalog
from pipeline.store.rechecks import LISTING_KIND
from pipeline.store.schema import Document
from pipeline.urls import canonical_url, doc_id
from tests.esstub import EsStub, running_stub
from tests.integration.test_history_catalog import FIRST, SOURCE, store, url_of
from tests.integration.test_run_e2e import World, fresh_world
from tests.parity import HISTORY_FILTERS, HISTORY_TURN_FILTERS, compare_history, table
from tests.unit.test_history_diff import CASES, titles

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
#: The labelled cases each stored before and after: edits and cosmetic changes alike.
CHANGED = ("edited-answer", "removed-exchange", "view-counter-appears", "chinese-softened-answer", "edited-title")
#: Stored once, then found gone (404), dropped from the listing, or gone and back (a 304 a day later).
GONE, DROPPED, BACK = "gone", "dropped", "back"
#: Edited, then replaced by the MFA's deleted-page answer.
EDITED_THEN_DELETED = "edited-title"
#: The English and Chinese transcripts of one briefing (the Chinese lacks the TASS exchange).
TWIN_EN, TWIN_ZH = "edited-answer", "chinese-softened-answer"
#: Queries the parity runs with: everything, and words of the invented transcripts.
QUERIES = ("", "Taiwan", "vaccines", '"arms sale"', "疫苗", "sovereignty")


def _store_case(catalog: Catalog, name: str, *, changed: bool) -> None:
    case = CASES[name]
    before_title, after_title = titles(case)
    store(catalog, url_of(name), before_title, case["before"], FIRST)
    if changed:
        store(catalog, url_of(name), after_title, case["after"], FIRST + HOUR)


def _link_twins(catalog: Catalog, english: str, chinese: str) -> None:
    """Write the twin columns as the twins' catalog writer does (both ways, the unmatched turns of each, a new
    revision); that writer is built apart from this part: its columns are what the indices read."""
    with catalog.session() as session, session.begin():
        en, zh = session.get(Document, english), session.get(Document, chinese)
        assert en is not None
        assert zh is not None
        zh_outlets = {turn.outlet_id for turn in catalog.turns_of(chinese)}
        missing = [turn.turn_id for turn in catalog.turns_of(english) if turn.outlet_id not in zh_outlets]
        assert missing, "the Chinese transcript lacks the TASS exchange"
        en.twin_doc_id, en.twin_unmatched, en.twin_delay_seconds = chinese, missing, 3600
        zh.twin_doc_id, zh.twin_unmatched, zh.twin_delay_seconds = english, [], -3600
        en.revision += 1
        zh.revision += 1


@pytest.fixture(scope="module")
def world(farm: SiteFarm, tmp_path_factory: pytest.TempPathFactory) -> World:
    world = fresh_world(farm, tmp_path_factory.mktemp("history-index"))
    catalog = world.catalog()
    try:
        for name in CHANGED:
            _store_case(catalog, name, changed=True)
        for name in (GONE, DROPPED, BACK):
            store(catalog, url_of(name), f"Briefing {name}", CASES["removed-exchange"]["after"], FIRST)
        gone = evidence("gone", url=url_of(GONE), at=FIRST + DAY, status=404, detail="the page answers 404")
        assert catalog.mark_removed(url_of(GONE), FIRST + DAY, evidence=gone)
        dropped = evidence(LISTING_KIND, url=url_of(DROPPED), at=FIRST + DAY, detail="neighbours still listed")
        assert catalog.mark_dropped(SOURCE.id, [canonical_url(url_of(DROPPED))], dropped, when=FIRST + DAY, run_id=None)
        assert catalog.mark_removed(url_of(BACK), FIRST + DAY, evidence=gone)
        deleted = evidence("deleted-page", url=url_of(EDITED_THEN_DELETED), at=FIRST + DAY, status=200)
        assert catalog.mark_removed(url_of(EDITED_THEN_DELETED), FIRST + DAY, evidence=deleted)
        assert catalog.touch_document(url_of(BACK), fetched_at=FIRST + 2 * DAY, listed_updated_at=None)
        _link_twins(catalog, doc_id(url_of(TWIN_EN)), doc_id(url_of(TWIN_ZH)))
    finally:
        catalog.close()
    return world


class Expected:
    """What the catalog says of each document and turn."""

    def __init__(self, world: World) -> None:
        catalog = world.catalog()
        try:
            self.documents = {document.doc_id: document for document in catalog.documents()}
            self.turns = catalog.turns_for_documents(list(self.documents))
        finally:
            catalog.close()

    def ids(self, *, edited: bool | None = None, removed: bool | None = None) -> set[str]:
        return {
            doc_id
            for doc_id, document in self.documents.items()
            if (edited is None or (document.edited_at is not None) is edited)
            and (removed is None or (document.removed_at is not None) is removed)
        }

    def missing_in_twin(self) -> set[str]:
        return {str(turn_id) for document in self.documents.values() for turn_id in document.twin_unmatched or ()}


@pytest.fixture(scope="module")
def expected(world: World) -> Expected:
    found = Expected(world)
    # Not vacuous: edited, cosmetic-only, removed and back documents, and a turn missing from its twin.
    assert found.ids(edited=True, removed=False)
    assert found.ids(edited=False, removed=False)
    assert found.ids(edited=True, removed=True)
    assert found.missing_in_twin()
    return found


@pytest.fixture(scope="module")
def stub() -> Iterator[EsStub]:
    with running_stub() as running:
        yield running


def _elastic(stub: EsStub) -> dict[str, str]:
    return {"READOUT_ELASTICSEARCH_URL": stub.url}


def _index(world: World, stub: EsStub) -> None:
    """Both targets brought up to date by the outbox, and every write visible (Elasticsearch's refresh)."""
    for env in ({}, _elastic(stub)):
        result = world.cli("index", **env)
        assert result.exit_code == 0, result.output
    for index in stub.indices.values():
        index.visible = set(index.docs)


@pytest.fixture(scope="module")
def indexed(world: World, expected: Expected, stub: EsStub) -> World:
    _index(world, stub)
    return world


def documents(world: World, *args: str, **env: str) -> set[str]:
    result = world.cli("search", "--json", "--no-fold", "--limit", "1000", *args, **env)
    assert result.exit_code == 0, result.output
    return {hit["doc_id"] for hit in json.loads(result.stdout)["hits"]}


def exchanges(world: World, *args: str, **env: str) -> list[dict[str, Any]]:
    result = world.cli("search", "--turns", "--json", "--limit", "1000", *args, **env)
    assert result.exit_code == 0, result.output
    hits: list[dict[str, Any]] = json.loads(result.stdout)
    return hits


BACKENDS = ["embedded", "elasticsearch"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_edited_finds_the_documents_a_version_changed_in_substance(
    indexed: World, expected: Expected, stub: EsStub, backend: str
) -> None:
    env = _elastic(stub) if backend == "elasticsearch" else {}
    assert documents(indexed, "--edited", **env) == expected.ids(edited=True, removed=False)
    assert documents(indexed, "--edited", "--include-removed", **env) == expected.ids(edited=True)
    result = indexed.cli("search", "--json", "--no-fold", "--limit", "1000", **env)
    for hit in json.loads(result.stdout)["hits"]:
        document = expected.documents[hit["doc_id"]]
        assert (hit["edited"], hit["removed"]) == (document.edited_at is not None, False)


@pytest.mark.parametrize("backend", BACKENDS)
def test_removed_finds_only_the_pages_still_removed(
    indexed: World, expected: Expected, stub: EsStub, backend: str
) -> None:
    env = _elastic(stub) if backend == "elasticsearch" else {}
    removed = documents(indexed, "--removed", **env)
    assert (
        removed == expected.ids(removed=True) == {doc_id(url_of(name)) for name in (GONE, DROPPED, EDITED_THEN_DELETED)}
    )
    assert doc_id(url_of(BACK)) in documents(indexed, **env)
    assert not documents(indexed, **env) & removed
    result = indexed.cli("search", "--json", "--removed", **env)
    assert all(hit["removed"] for hit in json.loads(result.stdout)["hits"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_missing_in_twin_finds_the_exchanges_the_other_language_lacks(
    indexed: World, expected: Expected, stub: EsStub, backend: str
) -> None:
    env = _elastic(stub) if backend == "elasticsearch" else {}
    hits = exchanges(indexed, "--missing-in-twin", **env)
    assert {hit["turn_id"] for hit in hits} == expected.missing_in_twin()
    assert all(hit["missing_in_twin"] for hit in hits)
    everything = exchanges(indexed, **env)
    assert {hit["turn_id"] for hit in everything if hit["missing_in_twin"]} == expected.missing_in_twin()
    text = indexed.cli("search", "--turns", "--missing-in-twin", **env)
    assert "missing from the other language" in text.output


def test_elasticsearch_holds_the_history_the_catalog_gives(indexed: World, expected: Expected, stub: EsStub) -> None:
    for doc_id_, document in expected.documents.items():
        source = stub.source("readout-documents", doc_id_)
        assert source is not None
        assert source["edited"] is (document.edited_at is not None)
        assert ("edited_at" in source) is (document.edited_at is not None)
        assert source["removed"] is (document.removed_at is not None)
        assert source.get("removal_kind") == ((document.removal_evidence or {}).get("kind") or None)
        assert source["version_count"] == document.version == (2 if doc_id_ in _changed() else 1)
        assert source["has_twin"] is (document.twin_doc_id is not None)
        assert source.get("twin_doc_id") == document.twin_doc_id
        if document.twin_doc_id:
            assert source["unmatched_in_twin"] == len(document.twin_unmatched)
        else:
            assert "unmatched_in_twin" not in source
        for turn in expected.turns.get(doc_id_, ()):
            turn_source = stub.source("readout-turns", turn.turn_id)
            assert turn_source is not None
            assert turn_source["missing_in_twin"] is (turn.turn_id in document.twin_unmatched)
    assert stub.source("readout-documents", doc_id(url_of(GONE)))["removal_kind"] == "gone"  # type: ignore[index]
    assert stub.source("readout-documents", doc_id(url_of(DROPPED)))["removal_kind"] == LISTING_KIND  # type: ignore[index]
    deleted = stub.source("readout-documents", doc_id(url_of(EDITED_THEN_DELETED)))
    assert deleted is not None
    assert (deleted["edited"], deleted["removed"], deleted["removal_kind"]) == (True, True, "deleted-page")


def _changed() -> set[str]:
    return {doc_id(url_of(name)) for name in CHANGED}


def test_history_filters_are_usage_errors_where_they_do_not_apply(indexed: World) -> None:
    edited = indexed.cli("search", "--turns", "--edited")
    assert edited.exit_code == 2
    assert "drop --turns" in edited.output
    missing = indexed.cli("search", "--missing-in-twin")
    assert missing.exit_code == 2
    assert "--turns" in missing.output


def test_both_backends_apply_the_history_filters_alike(
    indexed: World, expected: Expected, tmp_path_factory: pytest.TempPathFactory
) -> None:
    corpus: list[Projectable] = list(expected.documents.values())
    rows = compare_history(corpus, expected.turns, tmp_path_factory.mktemp("parity-history"), QUERIES)
    print(table(rows))
    for row in rows:
        assert row.embedded == row.elasticsearch, row.query
    found = {row.query: row.embedded for row in rows}
    # Parity over nothing would prove nothing: each filter keeps something and leaves something out.
    for name in HISTORY_FILTERS:
        if name != "none":
            assert set() < found[f"documents:  [{name}]"] < found["documents:  [none]"] | found["documents:  [removed]"]
    for name in HISTORY_TURN_FILTERS:
        if name != "none":
            assert found[f"turns:  [{name}]"], name


def test_a_later_change_reaches_both_indices(indexed: World, expected: Expected, stub: EsStub) -> None:
    """Every writer of the history columns gives a new revision: the next `readout index` carries the change."""
    catalog = indexed.catalog()
    try:
        # An unchanged briefing is edited, a removed one answers again, a listed one is removed.
        case = CASES["added-exchange"]
        store(catalog, url_of("removed-exchange"), case["title"], case["before"], FIRST + 3 * DAY)
        assert catalog.listed_again(SOURCE.id, [canonical_url(url_of(DROPPED))], run_id=None)
        gone = evidence("redirect-to-index", url=url_of(BACK), at=FIRST + 3 * DAY, status=302)
        assert catalog.mark_removed(url_of(BACK), FIRST + 3 * DAY, evidence=gone)
    finally:
        catalog.close()
    _index(indexed, stub)
    now = Expected(indexed)
    for env in ({}, _elastic(stub)):
        assert documents(indexed, "--removed", **env) == {
            doc_id(url_of(name)) for name in (GONE, BACK, EDITED_THEN_DELETED)
        }
        assert doc_id(url_of(DROPPED)) in documents(indexed, **env)
        assert documents(indexed, "--edited", **env) == now.ids(edited=True, removed=False)
    source = stub.source("readout-documents", doc_id(url_of("removed-exchange")))
    assert source is not None
    assert source["version_count"] == 3
    assert stub.source("readout-documents", doc_id(url_of(BACK)))["removal_kind"] == "redirect-to-index"  # type: ignore[index]


def test_an_index_laid_out_before_history_is_emptied_and_refilled(indexed: World, expected: Expected) -> None:
    """Schema 5 (no history columns): opening it to write empties it under a new identity, and the next run
    refills it."""
    path = Path(indexed.settings().effective_search_db)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 5")
    result = indexed.cli("index")
    assert result.exit_code == 0, result.output
    now = Expected(indexed)
    assert documents(indexed, "--edited", "--include-removed") == now.ids(edited=True)
    assert {hit["turn_id"] for hit in exchanges(indexed, "--missing-in-twin")} == now.missing_in_twin()


def test_every_history_writer_gives_a_new_revision(catalog: Catalog) -> None:
    """On SQLite and PostgreSQL: each catalog write that changes what the indices show of a document's history
    (an edit, a cosmetic version's count, a removal, a listing removal, a page back, listed again) bumps its
    revision, which is what makes the outbox index it again."""
    from pipeline.index.projection import project_document

    url = url_of("writers")
    case = CASES["edited-answer"]
    store(catalog, url, case["title"], case["before"], FIRST)

    def shown() -> tuple[int, dict[str, Any]]:
        document = catalog.document(doc_id(url))
        assert document is not None
        fields = ("edited", "edited_at", "removed", "removed_at", "removal_kind", "version_count")
        projected = project_document(document)
        return document.revision, {name: projected.get(name) for name in fields}

    steps = [
        lambda: store(catalog, url, case["title"], case["after"], FIRST + HOUR),  # an edit
        lambda: store(catalog, url, case["title"], case["after"] + "\n\nViews: 12", FIRST + 2 * HOUR),  # cosmetic
        lambda: catalog.mark_removed(url, FIRST + DAY, evidence=evidence("gone", url=url, at=FIRST + DAY, status=404)),
        lambda: catalog.touch_document(url, fetched_at=FIRST + 2 * DAY, listed_updated_at=None),  # back
        lambda: catalog.mark_dropped(
            SOURCE.id,
            [canonical_url(url)],
            evidence(LISTING_KIND, url=url, at=FIRST + 3 * DAY),
            when=FIRST + 3 * DAY,
            run_id=None,
        ),
        lambda: catalog.listed_again(SOURCE.id, [canonical_url(url)], run_id=None),
    ]
    revision, fields = shown()
    for number, step in enumerate(steps):
        assert step()
        now, now_fields = shown()
        assert now_fields != fields, number
        assert now > revision, number
        revision, fields = now, now_fields


def test_twins_linked_by_ingest_reach_both_indices(farm: SiteFarm, tmp_path: Path, stub: EsStub) -> None:
    """The twins' own writer (`readout run` over the MFA's Chinese, then English, fixture transcripts): the Chinese
    one, indexed before its twin existed, gets its twin and its missing exchange with the next `readout index`."""
    world = fresh_world(farm, tmp_path)
    elastic = {"READOUT_ELASTICSEARCH_URL": stub.url, "READOUT_INDEX_PREFIX": "twins"}
    for source_id in ("cn-mfa-zh", "cn-mfa-en"):
        assert world.cli("run", "-s", source_id).exit_code == 0
        for env in ({}, elastic):
            result = world.cli("index", **env)
            assert result.exit_code == 0, result.output
        for index in stub.indices.values():
            index.visible = set(index.docs)
    now = Expected(world)
    missing = now.missing_in_twin()
    assert missing, "the Chinese transcript has an exchange the English lacks"
    for env in ({}, elastic):
        assert {hit["turn_id"] for hit in exchanges(world, "--missing-in-twin", **env)} == missing
    for doc_id_, document in now.documents.items():
        source = stub.source("twins-documents", doc_id_)
        assert source is not None
        assert source.get("twin_doc_id") == document.twin_doc_id
        assert source.get("unmatched_in_twin") == (len(document.twin_unmatched) if document.twin_doc_id else None)
