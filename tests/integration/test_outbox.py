"""The search outbox on real SQLite and PostgreSQL: a pass reads the candidates of the partial index (not every
document), and the candidates stay right for every target through switches, dead letters and forgetting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from pipeline.models import ArchiveRef
from pipeline.store.catalog import Catalog
from pipeline.urls import doc_id
from tests.integration.test_catalog import SOURCE, extracted, response

URLS = [f"https://demo.example/2021/t2021042{n}_1.html" for n in range(3)]


def store(catalog: Catalog, n: int, text: str = "first text", etag: str = '"a"') -> str:
    url = URLS[n]
    catalog.store_document(
        source=SOURCE,
        item_url=url,
        response=replace(response(etag), url=url, final_url=url),
        extracted=extracted(f"{text} {n}"),
        archive=ArchiveRef("demo/x.warc.gz", 10, 20),
        listed_updated_at=None,
    )
    return doc_id(url)


def pending(catalog: Catalog, target: str) -> list[tuple[str, int]]:
    found = [(d.doc_id, d.revision) for batch in catalog.pending_for_index(target, batch=2) for d in batch]
    assert catalog.pending_count(target) == len(found)
    return found


def test_pending_follows_each_target_through_switches_dead_letters_and_forgetting(catalog: Catalog) -> None:
    a, b, c = (store(catalog, n) for n in range(3))
    catalog.ack("es", [(a, 1)])
    catalog.dead_letter("es", b, 1, status=400, error_type="x", reason="bad date")
    assert pending(catalog, "es") == sorted([(c, 1)])
    assert pending(catalog, "embedded") == sorted([(a, 1), (b, 1), (c, 1)]), "another target has nothing yet"
    catalog.ack("embedded", [(a, 1), (b, 1)])
    assert pending(catalog, "embedded") == [(c, 1)]
    assert pending(catalog, "es") == [(c, 1)], "back to the first target: its own acknowledgements count"
    store(catalog, 0, "second text", etag='"b"')  # a new version: revision 2
    assert pending(catalog, "es") == sorted([(a, 2), (c, 1)])
    assert pending(catalog, "embedded") == sorted([(a, 2), (c, 1)])
    catalog.ack("embedded", [(a, 1)])  # a late acknowledgement of the old revision changes nothing
    assert pending(catalog, "embedded") == sorted([(a, 2), (c, 1)])
    assert catalog.clear_dead_letters("es") == 1
    assert pending(catalog, "es") == sorted([(a, 2), (b, 1), (c, 1)])
    catalog.ack("es", [(a, 2), (b, 1), (c, 1)])
    assert pending(catalog, "es") == []
    catalog.forget_acks("es", [b])
    assert pending(catalog, "es") == [(b, 1)]
    catalog.forget_acks("es")
    assert pending(catalog, "es") == sorted([(a, 2), (b, 1), (c, 1)])


def test_a_catalog_upgraded_with_acknowledgements_keeps_them(catalog: Catalog) -> None:
    identifiers = [store(catalog, n) for n in range(3)]
    catalog.ack("es", [(identifier, 1) for identifier in identifiers])
    with catalog.engine.begin() as conn:
        # What migration 0004 leaves in a catalog that had acknowledgements: no candidate bookkeeping yet.
        conn.execute(text("UPDATE documents SET indexed_revision = NULL"))
        conn.execute(text("DELETE FROM index_outbox_target"))
    assert pending(catalog, "es") == []
    with catalog.engine.connect() as conn:
        unsettled = conn.execute(text("SELECT count(*) FROM documents WHERE indexed_revision IS NULL")).scalar()
    assert unsettled == 0, "the first pass recorded what the target has"


@contextmanager
def query_plans(catalog: Catalog) -> Iterator[list[str]]:
    """SQLite's query plan of every SELECT run inside the block (filled in when it ends)."""
    plans: list[str] = []
    statements: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(catalog.engine, "before_cursor_execute", remember)
    try:
        yield plans
    finally:
        event.remove(catalog.engine, "before_cursor_execute", remember)
    raw = catalog.engine.raw_connection()
    try:
        for statement, parameters in statements:
            cursor = raw.cursor()
            plans.extend(row[3] for row in cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters))
    finally:
        raw.close()


def test_an_index_pass_with_nothing_pending_reads_no_document_row(tmp_path: Path) -> None:
    catalog = Catalog.open(f"sqlite:///{tmp_path / 'catalog.db'}")
    try:
        identifiers = [store(catalog, n) for n in range(3)]
        catalog.ack("es", [(identifier, 1) for identifier in identifiers])
        assert pending(catalog, "es") == []  # the first pass for the target records what it has
        with query_plans(catalog) as plans:
            assert pending(catalog, "es") == []
    finally:
        catalog.close()
    touching = [plan for plan in plans if " documents " in f"{plan} "]
    assert touching, "the pass looks for candidates"
    for plan in touching:
        # The candidates' partial index, or one document by its id; never a pass over the table or its key
        # (SCAN, or a SEARCH on a range of ids such as doc_id>? on the primary key).
        assert "ix_documents_unsettled" in plan or plan.endswith("(doc_id=?)"), plans
