"""Versions with their diffs in the catalog, on real SQLite and PostgreSQL: every labelled edit of
tests/fixtures/history/edits.yaml stored through :meth:`Catalog.store_document` (segmented by the real
segmenter, as ingest does), edited_at set by edits only, a cosmetic version still replacing the text,
the history of versions stored before diffs existed, and `readout history` / `readout show --json`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.enrich import Enrichment, ExchangeTags
from pipeline.enrich.turns import segment
from pipeline.models import ArchiveRef, ExtractedDocument, FetchedResponse
from pipeline.store.catalog import Catalog
from pipeline.store.schema import DocumentVersion
from pipeline.urls import doc_id
from tests.integration.test_turns_catalog import SOURCE
from tests.unit.test_history_diff import CASES, check, titles

FIRST = datetime(2021, 4, 26, 12, tzinfo=UTC)
runner = CliRunner()


def store(
    catalog: Catalog, url: str, title: str, text: str, fetched_at: datetime, *, record: ArchiveRef | None = None
) -> str:
    """Store ``text`` as ingest would: extracted, then enriched with the exchanges the segmenter finds. Each
    fetch has its own raw ``record`` (default: one per fetch time)."""
    language = "zh" if "汪文斌" in text else "en"
    found = segment(text, title=title, language=language, ministry="CN")
    exchanges = tuple(ExchangeTags(exchange) for exchange in found.exchanges)
    extracted = ExtractedDocument(
        title=title,
        text=text,
        published_at=FIRST,
        date_source="url",
        authors=(),
        language=language,
        encoding="utf-8",
        extractor_version="test/1",
    )
    response = FetchedResponse(url=url, final_url=url, status=200, headers=(), body=b"", fetched_at=fetched_at)
    return catalog.store_document(
        source=SOURCE,
        item_url=url,
        response=response,
        extracted=extracted,
        archive=record or ArchiveRef("demo/x.warc.gz", int(fetched_at.timestamp()), 1),
        listed_updated_at=None,
        enrichment=Enrichment(language, [], {}, [], [], "test", {"rules": "test"}, exchanges),
    )


def url_of(name: str) -> str:
    return f"https://demo.example/2021/{name}.html"


def cli(catalog_url: str, *args: str) -> Any:
    result = runner.invoke(app, ["--catalog-url", catalog_url, *args], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result


def test_each_planted_edit_is_stored_with_its_diff(catalog: Catalog) -> None:
    later = FIRST + timedelta(hours=1)
    for name, case in CASES.items():
        before_title, after_title = titles(case)
        url = url_of(name)
        assert store(catalog, url, before_title, case["before"], FIRST) == "new"
        old_turns = {turn.turn_id for turn in catalog.turns_of(doc_id(url))}
        assert store(catalog, url, after_title, case["after"], later) == "updated"
        document = catalog.document(doc_id(url))
        assert document is not None
        first, second = catalog.versions(document.doc_id)
        assert (first.diff, first.cosmetic) == (None, False)
        assert second.diff is not None
        check(case, second.diff, second.cosmetic)
        # An edit sets edited_at; a cosmetic version does not, and still replaces the text (citations, dedup
        # and the turns follow the stored text).
        assert document.edited_at == (None if case["expect"]["cosmetic"] else later), name
        assert (document.text, document.version, catalog.version_count(document.doc_id)) == (case["after"], 2, 2)
        new_turns = {turn.turn_id for turn in catalog.turns_of(document.doc_id)}
        for entry in second.diff["exchanges_removed"]:
            assert entry["turn_id"] in old_turns - new_turns
        for entry in second.diff["exchanges_added"]:
            assert entry["turn_id"] in new_turns - old_turns
        for entry in second.diff["exchanges_changed"]:
            assert (entry["previous_turn_id"], entry["turn_id"]) in {(a, b) for a in old_turns for b in new_turns}


def test_an_edit_then_a_cosmetic_change_keeps_the_edit_s_date(catalog: Catalog) -> None:
    case, cosmetic = CASES["removed-exchange"], CASES["view-counter-appears"]
    url = url_of("sequence")
    store(catalog, url, case["title"], case["before"], FIRST)
    store(catalog, url, case["title"], case["after"], FIRST + timedelta(hours=1))
    # The counter appears on the edited page: a new version, cosmetic.
    counted = case["after"] + cosmetic["after"].removeprefix(cosmetic["before"])
    assert store(catalog, url, case["title"], counted, FIRST + timedelta(days=1)) == "updated"
    document = catalog.document(doc_id(url))
    assert document is not None
    assert document.edited_at == FIRST + timedelta(hours=1)
    assert [(v.version, v.cosmetic) for v in catalog.versions(document.doc_id)] == [(1, False), (2, False), (3, True)]
    assert "Page views: 12" in document.text
    # The same page again: nothing new.
    assert store(catalog, url, case["title"], counted, FIRST + timedelta(days=7)) == "unchanged"
    assert catalog.version_count(document.doc_id) == 3


def test_a_re_extraction_of_the_same_raw_record_is_never_an_edit(catalog: Catalog) -> None:
    case = CASES["removed-exchange"]
    url, record = url_of("re-extracted"), ArchiveRef("demo/y.warc.gz", 100, 10)
    store(catalog, url, case["title"], case["before"], FIRST, record=record)
    # A better extractor reads the same page differently: a new version, but the ministry edited nothing.
    assert store(catalog, url, case["title"], case["after"], FIRST, record=record) == "updated"
    document = catalog.document(doc_id(url))
    assert document is not None
    assert document.edited_at is None
    _, second = catalog.versions(document.doc_id)
    assert second.cosmetic
    assert second.diff is not None
    assert second.diff["reextracted"] is True
    assert [entry["outlet"] for entry in second.diff["exchanges_removed"]] == ["TASS"]


def test_versions_stored_before_diffs_get_theirs_computed(catalog: Catalog) -> None:
    case = CASES["edited-answer"]
    url = url_of("legacy")
    store(catalog, url, case["title"], case["before"], FIRST)
    store(catalog, url, case["title"], case["after"], FIRST + timedelta(hours=1))
    identifier = doc_id(url)
    stored = catalog.history(identifier)[1]
    with catalog.session() as session, session.begin():  # as migration 0010 left the versions before it
        session.execute(update(DocumentVersion).where(DocumentVersion.doc_id == identifier).values(diff=None))
    first, second = catalog.history(identifier)
    assert (first.diff, first.computed) == (None, False)
    assert second.computed
    assert not stored.computed
    assert second.diff is not None
    assert stored.diff is not None
    assert {key: second.diff[key] for key in ("added", "removed", "changed")} == {
        key: stored.diff[key] for key in ("added", "removed", "changed")
    }
    assert "exchanges_changed" not in second.diff  # the old turns are gone: only the CLI segments again


def test_readout_history_and_show_print_the_versions(catalog: Catalog, catalog_url: str) -> None:
    case = CASES["removed-exchange"]
    url = url_of("cli")
    store(catalog, url, case["title"], case["before"], FIRST)
    store(catalog, url, case["title"], case["after"], FIRST + timedelta(hours=1))
    identifier = doc_id(url)
    versions = json.loads(cli(catalog_url, "history", identifier[:16], "--json").stdout)
    assert [(v["version"], v["cosmetic"], v["computed"]) for v in versions] == [(1, False, False), (2, False, False)]
    assert versions[0]["diff"] is None
    assert versions[1]["fetched_at"] == (FIRST + timedelta(hours=1)).isoformat()
    [removed] = versions[1]["diff"]["exchanges_removed"]
    assert removed["outlet"] == "TASS"
    assert removed["summary"].endswith("was removed")
    text = " ".join(cli(catalog_url, "history", identifier[:16]).stdout.split())
    assert "version 2" in text
    assert "edited" in text
    assert f"- {removed['summary']}" in text
    assert "- TASS: Can you share details" in text
    shown = json.loads(cli(catalog_url, "show", identifier[:16], "--json").stdout)
    assert (shown["version_count"], shown["edited"], shown["edited_at"]) == (
        2,
        True,
        (FIRST + timedelta(hours=1)).isoformat(),
    )
    assert (shown["removed_at"], shown["removal_evidence"]) == (None, None)
    # Legacy versions: the CLI segments the stored texts again to compare their exchanges.
    with catalog.session() as session, session.begin():
        session.execute(update(DocumentVersion).where(DocumentVersion.doc_id == identifier).values(diff=None))
    legacy = json.loads(cli(catalog_url, "history", identifier[:16], "--json").stdout)[1]
    assert legacy["computed"]
    assert [entry["outlet"] for entry in legacy["diff"]["exchanges_removed"]] == ["TASS"]
    assert legacy["diff"]["exchanges_removed"][0]["turn_id"] is None


def test_history_of_an_unknown_document_exits_1(catalog: Catalog, catalog_url: str) -> None:
    result = runner.invoke(app, ["--catalog-url", catalog_url, "history", "ffffffff"])
    assert result.exit_code == 1


@pytest.mark.parametrize("name", ["view-counter-changed", "chinese-counter-and-indentation"])
def test_a_cosmetic_version_is_shown_as_such(catalog: Catalog, catalog_url: str, name: str) -> None:
    case = CASES[name]
    url = url_of(f"shown-{name}")
    store(catalog, url, case["title"], case["before"], FIRST)
    store(catalog, url, case["title"], case["after"], FIRST + timedelta(hours=1))
    text = " ".join(cli(catalog_url, "history", doc_id(url)[:16]).stdout.split())
    assert "cosmetic: only the formatting changed" in text
    assert "ignored (page furniture)" in text
    shown = json.loads(cli(catalog_url, "show", doc_id(url)[:16], "--json").stdout)
    assert (shown["version_count"], shown["edited"], shown["edited_at"]) == (2, False, None)
