"""Near-duplicate clusters in the catalog (real SQLite and PostgreSQL): assigned as documents are stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, event, func, select, text, update

from pipeline.config import Source
from pipeline.enrich.dedup.evaluate import LabelledText, load_labelled, news_source, store_text
from pipeline.store.catalog import Catalog, content_hash
from pipeline.store.schema import Document, DocumentBand, DocumentSignature
from pipeline.urls import canonical_url, doc_id, legacy_doc_id

LABELLED = Path(__file__).resolve().parents[1] / "fixtures" / "coverage" / "duplicates"
TEXTS = {document.id: document for document in load_labelled(LABELLED, ("tune",))}
NEWS = news_source("wire")
START = datetime(2026, 3, 1, 9, tzinfo=UTC)


def labelled(name: str) -> LabelledText:
    return TEXTS[name]


def put(catalog: Catalog, name: str, *, url: str | None = None, minutes: int = 0, source: Source = NEWS) -> str:
    document = labelled(name)
    return store_text(
        catalog,
        source,
        url or f"https://wire.example/{name}",
        document.title,
        document.text,
        START + timedelta(minutes=minutes),
    )


def row(catalog: Catalog, doc_id: str) -> Document:
    found = catalog.document(doc_id)
    assert found is not None
    return found


def bands_of(catalog: Catalog, doc_id: str) -> int:
    with catalog.session() as session:
        return session.scalar(select(func.count()).where(DocumentBand.doc_id == doc_id)) or 0


def test_copies_join_the_first_seen_document_and_other_stories_do_not(catalog: Catalog) -> None:
    first = put(catalog, "tariffs-wire", minutes=0)
    other_story = put(catalog, "tariffs-other", minutes=1)
    new_lead = put(catalog, "tariffs-newlead", minutes=2)
    trailing = put(catalog, "tariffs-trailing", minutes=3)
    translation = put(catalog, "vaccine-ru", minutes=4)

    assert (row(catalog, first).cluster_id, row(catalog, first).duplicate_of) == (first, None)
    for copy in (new_lead, trailing):
        assert (row(catalog, copy).cluster_id, row(catalog, copy).duplicate_of) == (first, first)
    assert (row(catalog, other_story).cluster_id, row(catalog, other_story).duplicate_of) == (other_story, None)
    assert row(catalog, translation).cluster_id == translation
    assert catalog.cluster_of(trailing) == [first, new_lead, trailing]
    assert catalog.cluster_of(other_story) == [other_story]
    sizes = catalog.cluster_sizes([first, trailing, other_story, "0" * 64])
    assert sizes == {first: 3, trailing: 3, other_story: 1}


def test_a_copy_in_chinese_clusters_and_another_chinese_story_does_not(catalog: Catalog) -> None:
    first = put(catalog, "zh-rail-1")
    copy = put(catalog, "zh-rail-2", minutes=1)
    other = put(catalog, "zh-rail-other", minutes=2)
    assert row(catalog, copy).duplicate_of == first
    assert row(catalog, other).cluster_id == other


def test_briefings_are_never_clustered(catalog: Catalog) -> None:
    briefing = Source.model_validate({**NEWS.model_dump(), "id": "ministry", "kind": "briefing"})
    put(catalog, "flood-wire")
    transcript = put(catalog, "flood-newlead", url="https://ministry.example/briefing", source=briefing)
    assert (row(catalog, transcript).cluster_id, row(catalog, transcript).duplicate_of) == (None, None)
    assert bands_of(catalog, transcript) == 0


def test_storing_the_same_content_again_changes_nothing(catalog: Catalog) -> None:
    first = put(catalog, "summit-wire")
    copy = put(catalog, "summit-newhead", minutes=1)
    before = (row(catalog, copy).revision, row(catalog, copy).duplicate_of, bands_of(catalog, copy))
    put(catalog, "summit-newhead", minutes=5)
    assert (row(catalog, copy).revision, row(catalog, copy).duplicate_of, bands_of(catalog, copy)) == before
    assert before[1] == first


def test_a_new_version_is_clustered_again(catalog: Catalog) -> None:
    first = put(catalog, "vaccine-wire")
    url = "https://wire.example/changing"
    changing = put(catalog, "vaccine-trailing", url=url, minutes=1)
    assert row(catalog, changing).duplicate_of == first
    # The page now carries another story: it leaves the cluster, and its band keys are the new text's.
    put(catalog, "vaccine-other", url=url, minutes=2)
    assert (row(catalog, changing).cluster_id, row(catalog, changing).duplicate_of) == (changing, None)
    assert row(catalog, changing).version == 2
    assert catalog.cluster_of(first) == [first]


def test_the_first_of_a_cluster_that_turns_out_to_copy_an_earlier_document_brings_its_copies(catalog: Catalog) -> None:
    earliest = put(catalog, "flood-wire", minutes=0)
    url = "https://wire.example/was-first"
    was_first = put(catalog, "summit-wire", url=url, minutes=1)
    its_copy = put(catalog, "summit-newhead", minutes=2)
    assert row(catalog, its_copy).duplicate_of == was_first
    revision = row(catalog, its_copy).revision
    put(catalog, "flood-newlead", url=url, minutes=3)  # the page is now a copy of the flood story
    assert row(catalog, was_first).duplicate_of == earliest
    assert (row(catalog, its_copy).cluster_id, row(catalog, its_copy).duplicate_of) == (earliest, earliest)
    assert row(catalog, its_copy).revision == revision + 1  # the search index must see its new cluster


def test_a_document_stored_before_clustering_gets_its_cluster_on_its_next_fetch(catalog: Catalog) -> None:
    first = put(catalog, "tariffs-wire")
    copy = put(catalog, "tariffs-afp", minutes=1)
    with catalog.session() as session, session.begin():  # as a catalog migrated from 0007 holds it
        session.execute(delete(DocumentBand).where(DocumentBand.doc_id == copy))
        session.execute(delete(DocumentSignature).where(DocumentSignature.doc_id == copy))
        session.execute(update(Document).where(Document.doc_id == copy).values(cluster_id=None, duplicate_of=None))
    revision = row(catalog, copy).revision
    put(catalog, "tariffs-afp", minutes=10)
    assert row(catalog, copy).duplicate_of == first
    assert row(catalog, copy).revision == revision + 1
    assert bands_of(catalog, copy) == len(labelled_bands())


def labelled_bands() -> tuple[int, ...]:
    from pipeline.enrich.dedup import fingerprint

    found = fingerprint(labelled("tariffs-afp").text)
    assert found is not None
    return found.bands


@pytest.fixture
def statements(catalog: Catalog) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements the catalog's engine runs while the test does."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(catalog.engine, "before_cursor_execute", record)
    yield seen
    event.remove(catalog.engine, "before_cursor_execute", record)


def test_the_candidate_lookup_reads_the_band_index_not_the_table(
    catalog: Catalog, statements: list[tuple[str, Any]]
) -> None:
    if catalog.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    for minutes, name in enumerate(("flood-wire", "summit-wire", "vaccine-wire")):
        put(catalog, name, minutes=minutes)
    statements.clear()
    put(catalog, "flood-newlead", minutes=5)
    lookups = [(sql, params) for sql, params in statements if "FROM document_bands" in sql and "GROUP BY" in sql]
    assert len(lookups) == 1
    sql, params = lookups[0]
    with catalog.engine.connect() as connection:
        plan = " | ".join(str(step[-1]) for step in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "ix_document_bands_key" in plan, plan
    assert "SCAN document_bands" not in plan, plan
    # Only the documents sharing a key had their signatures read: the flood story, not the other two.
    signature_reads = [params for sql, params in statements if "FROM document_signatures" in sql]
    assert len(signature_reads) == 1
    assert sum(isinstance(value, str) and len(value) == 64 for value in signature_reads[0]) == 1


def test_the_threshold_comes_from_the_catalog_settings(catalog_url: str) -> None:
    strict = Catalog.open(catalog_url, duplicate_threshold=0.99)
    try:
        put(strict, "tariffs-wire")
        copy = put(strict, "tariffs-newlead", minutes=1)
        assert row(strict, copy).duplicate_of is None
    finally:
        strict.close()


def test_the_band_keys_survive_a_round_trip_through_the_database(catalog: Catalog) -> None:
    first = put(catalog, "tariffs-wire")
    with catalog.session() as session:
        stored = session.scalars(
            select(DocumentBand.key).where(DocumentBand.doc_id == first).order_by(DocumentBand.band)
        )
        keys = tuple(stored)
        signature = session.scalar(select(DocumentSignature.signature).where(DocumentSignature.doc_id == first))
        count = session.scalar(text("SELECT count(*) FROM document_bands"))
    from pipeline.enrich.dedup import fingerprint

    found = fingerprint(labelled("tariffs-wire").text)
    assert found is not None
    assert keys == found.bands
    assert signature == found.signature
    assert count == len(found.bands)


def test_show_prints_the_cluster_of_a_copy(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    data = tmp_path / "data"
    catalog = Catalog.open(f"sqlite:///{data / 'catalog.db'}")
    try:
        first = put(catalog, "flood-wire")
        copy = put(catalog, "flood-update", minutes=1)
    finally:
        catalog.close()
    env = {"READOUT_DATA_DIR": str(data), "COLUMNS": "250"}
    runner = CliRunner()
    shown = runner.invoke(app, ["show", copy[:16], "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    fields = json.loads(shown.stdout)
    assert (fields["doc_id"], fields["duplicate_of"], fields["cluster_id"], fields["cluster_size"]) == (
        copy,
        first,
        first,
        2,
    )
    readable = runner.invoke(app, ["show", copy[:16]], env=env)
    assert readable.exit_code == 0, readable.output
    assert f"duplicate of: {first}" in readable.stdout
    assert f"cluster: {first} (2 document(s))" in readable.stdout
    original = json.loads(runner.invoke(app, ["show", first[:16], "--json"], env=env).stdout)
    assert (original["duplicate_of"], original["cluster_id"], original["cluster_size"]) == (None, first, 2)


AMP = "https://wire.example/amp/2026/03/tariffs"
PAGE = "https://wire.example/2026/03/tariffs"


def _legacy_document(catalog: Catalog, url: str, name: str) -> str:
    """A document as a catalog before migration 0008 stored it for ``url``: keyed by the URL's own form."""
    document = labelled(name)
    identifier = legacy_doc_id(url)
    with catalog.session() as session, session.begin():
        session.add(
            Document(
                doc_id=identifier,
                url=url,
                canonical_url=canonical_url(url, variants=False),
                source_id=NEWS.id,
                source_kind="news",
                publisher=NEWS.publisher,
                source_country=NEWS.country,
                title=document.title,
                text=document.text,
                fetched_at=START,
                first_seen_at=START,
                content_hash=content_hash(document.title, document.text),
                extractor_version="labelled",
            )
        )
    return identifier


def test_a_document_stored_under_a_view_url_keeps_its_id(catalog: Catalog) -> None:
    legacy = _legacy_document(catalog, AMP, "tariffs-wire")
    assert legacy != doc_id(AMP)
    # The same view again: found under its old id, no second document.
    assert put(catalog, "tariffs-wire", url=AMP, minutes=5) == doc_id(AMP)
    assert catalog.count_documents() == 1
    assert row(catalog, legacy).cluster_id == legacy  # clustered on this fetch (it had no signature)
    # A removal of the view reaches the old document too.
    assert catalog.mark_removed(AMP, START + timedelta(days=1))
    assert row(catalog, legacy).removed_at is not None
    # The page itself is a new document (its id was never the view's), folded into the view's cluster; from
    # then on the view's URL means the page.
    page = put(catalog, "tariffs-wire", url=PAGE, minutes=6)
    assert page == doc_id(AMP)
    assert catalog.count_documents() == 2
    assert row(catalog, page).duplicate_of == legacy


def test_migration_0008_rekeys_pending_frontier_rows_by_the_folded_url(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from pipeline.store.catalog import MIGRATIONS

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
        for url in (AMP, "https://m.wire.example/2026/03/other", "https://wire.example/2026/03/other", PAGE + "?x=1"):
            connection.execute(
                text(
                    "INSERT INTO frontier (source_id, canonical_url, url, first_seen_at, state, attempts) "
                    "VALUES ('wire', :key, :url, '2026-03-01 09:00:00', 'pending', 0)"
                ),
                {"key": canonical_url(url, variants=False), "url": url},
            )
    engine.dispose()
    catalog = Catalog.open(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        with catalog.session() as session:
            keys = sorted(session.scalars(text("SELECT canonical_url FROM frontier")))
        # The AMP view is re-keyed; the mobile view's page is pending too, so one row stays for both.
        assert keys == sorted([PAGE, PAGE + "?x=1", "https://wire.example/2026/03/other"])
    finally:
        catalog.close()
