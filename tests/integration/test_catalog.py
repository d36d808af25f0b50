"""The catalog on real SQLite and PostgreSQL: migrations, documents, versions, removals, runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pipeline.config import Source
from pipeline.errors import BodyTooLargeError, ExtractionError, HTTPStatusError, NetworkError
from pipeline.models import ArchiveRef, DiscoveredItem, ExtractedDocument, FetchedResponse
from pipeline.store.catalog import Catalog, migrate
from pipeline.store.frontier import CONTENT_NOT_YET_ATTEMPTS, TRANSIENT_ATTEMPTS, retry_limit
from pipeline.store.schema import Base, Run
from pipeline.urls import canonical_url, doc_id

SOURCE = Source.model_validate(
    {
        "id": "demo",
        "name": "Demo",
        "kind": "briefing",
        "publisher": "Ministry of Demonstrations",
        "country": "CN",
        "language": "en",
        "discovery": {"method": "feed", "urls": ["https://demo.example/feed.xml"]},
    }
)
URL = "https://demo.example/2021/t20210426_1.html?utm_source=rss"
NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def response(etag: str = '"a"', at: datetime = NOW) -> FetchedResponse:
    return FetchedResponse(
        url=URL,
        final_url=URL,
        status=200,
        headers=(("ETag", etag), ("Last-Modified", "Mon, 05 Jan 2026 09:30:00 GMT")),
        body=b"<html></html>",
        fetched_at=at,
    )


def extracted(text: str) -> ExtractedDocument:
    return ExtractedDocument(
        title="Regular Press Conference on April 26, 2021",
        text=text,
        published_at=datetime(2021, 4, 25, 16, tzinfo=UTC),
        date_source="url",
        authors=(),
        language="en",
        encoding="utf-8",
        extractor_version="test/1",
    )


def store(catalog: Catalog, text: str, *, etag: str = '"a"', updated: datetime | None = None) -> str:
    return catalog.store_document(
        source=SOURCE,
        item_url=URL,
        response=response(etag),
        extracted=extracted(text),
        archive=ArchiveRef("demo/x.warc.gz", 10, 20),
        listed_updated_at=updated,
    )


def test_migrations_match_the_models(catalog: Catalog) -> None:
    with catalog.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_migrating_twice_changes_nothing(catalog: Catalog) -> None:
    migrate(catalog.engine)
    assert catalog.count_documents() == 0


def test_a_document_is_stored_once_and_versioned_when_its_text_changes(catalog: Catalog) -> None:
    assert store(catalog, "We oppose the willful use of unilateral sanctions.") == "new"
    assert store(catalog, "We oppose the willful use of unilateral sanctions.") == "unchanged"
    assert catalog.count_documents() == 1
    assert store(catalog, "We firmly oppose unilateral sanctions.", etag='"b"') == "updated"
    document = catalog.document(doc_id(URL))
    assert document is not None
    assert document.version == 2
    assert document.text == "We firmly oppose unilateral sanctions."
    assert document.canonical_url == canonical_url(URL)
    assert "utm_source" not in document.canonical_url
    assert document.published_at == datetime(2021, 4, 25, 16, tzinfo=UTC)
    assert document.published_at.tzinfo is not None
    assert document.http_etag == '"b"'
    versions = catalog.versions(document.doc_id)
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].text == "We oppose the willful use of unilateral sanctions."


def test_the_seen_set_carries_validators_and_listing_dates(catalog: Catalog) -> None:
    updated = datetime(2026, 1, 1, tzinfo=UTC)
    store(catalog, "text", updated=updated)
    known = catalog.known_items("demo")[canonical_url(URL)]
    assert known.etag == '"a"'
    assert known.listed_updated_at == updated
    assert not known.removed


def test_removal_is_recorded_never_deleted(catalog: Catalog) -> None:
    store(catalog, "text")
    assert catalog.mark_removed(URL, NOW)
    assert catalog.mark_removed(URL, NOW + timedelta(days=1))
    document = catalog.document(doc_id(URL))
    assert document is not None
    assert document.removed_at == NOW
    assert catalog.known_items("demo")[canonical_url(URL)].removed
    assert not catalog.mark_removed("https://demo.example/unknown", NOW)


def test_failures_are_recorded_with_kind_and_permanence(catalog: Catalog) -> None:
    catalog.record_failure(
        run_id=None, source_id="demo", url=URL, stage="fetch", error=BodyTooLargeError("too big", url=URL)
    )
    other = "https://demo.example/b"
    catalog.record_failure(run_id=None, source_id="demo", url=other, stage="fetch", error=NetworkError("x", url=other))
    failures = {f.url: f for f in catalog.failures()}
    assert (failures[URL].error_kind, failures[URL].permanent) == ("BodyTooLargeError", True)
    assert (failures[other].error_kind, failures[other].permanent) == ("NetworkError", False)
    store(catalog, "text")  # a later success resolves the failures of that URL
    assert [f.url for f in catalog.failures()] == [other]


def item(url: str) -> DiscoveredItem:
    return DiscoveredItem(url=url, source_id="demo", title="T", published_at=NOW)


def test_the_frontier_keeps_unsettled_items_until_they_are_settled(catalog: Catalog) -> None:
    a, b = "https://demo.example/a", "https://demo.example/b?utm_source=x"
    catalog.add_to_frontier("demo", [item(a), item(b)])
    catalog.add_to_frontier("demo", [item(a)])  # idempotent
    frontier = catalog.frontier("demo", now=NOW, retry_given_up_after=timedelta(days=30))
    assert sorted(i.url for i in frontier.pending) == [a, b]
    assert catalog.settle("demo", a) == "done"
    frontier = catalog.frontier("demo", now=NOW, retry_given_up_after=timedelta(days=30))
    assert [i.url for i in frontier.pending] == [b]


def test_transient_failures_are_retried_a_few_runs_then_given_up(catalog: Catalog) -> None:
    url = "https://demo.example/flaky"
    catalog.add_to_frontier("demo", [item(url)])
    states = [catalog.settle("demo", url, error=NetworkError("timed out", url=url)) for _ in range(TRANSIENT_ATTEMPTS)]
    assert states == ["pending"] * (TRANSIENT_ATTEMPTS - 1) + ["given_up"]
    now = datetime.now(UTC)
    frontier = catalog.frontier("demo", now=now, retry_given_up_after=timedelta(days=30))
    assert frontier.pending == []
    assert frontier.given_up == {canonical_url(url)}
    later = catalog.frontier("demo", now=now + timedelta(days=31), retry_given_up_after=timedelta(days=30))
    assert [i.url for i in later.pending] == [url], "given-up items are offered again after a while"


def test_not_yet_published_pages_get_a_few_attempts_and_refusals_none(catalog: Catalog) -> None:
    missing, huge = "https://demo.example/soon", "https://demo.example/huge"
    catalog.add_to_frontier("demo", [item(missing), item(huge)])
    not_found = HTTPStatusError("HTTP 404", url=missing, status=404)
    assert [catalog.settle("demo", missing, error=not_found) for _ in range(CONTENT_NOT_YET_ATTEMPTS)][-1] == "given_up"
    assert catalog.settle("demo", missing, error=not_found) == "given_up"
    assert catalog.settle("demo", huge, error=BodyTooLargeError("too big", url=huge)) == "given_up"
    assert retry_limit(ExtractionError("no text", url=missing)) == CONTENT_NOT_YET_ATTEMPTS
    assert retry_limit(BodyTooLargeError("too big", url=huge)) is None


def test_sitemap_children_are_remembered_with_their_index(catalog: Catalog) -> None:
    index = "https://demo.example/sitemap.xml"
    child = "https://demo.example/news-sitemap.xml"
    catalog.save_endpoint(
        "demo",
        FetchedResponse(url=child, final_url=child, status=200, headers=(), body=b"", fetched_at=NOW),
        parent_url=index,
    )
    assert catalog.sitemap_children([index]) == {index: [child]}


def test_oversized_validators_are_dropped_not_fatal(catalog: Catalog) -> None:
    long_header = "x" * 600
    catalog.store_document(
        source=SOURCE,
        item_url=URL,
        response=FetchedResponse(
            url=URL,
            final_url=URL,
            status=200,
            headers=(("ETag", long_header), ("Last-Modified", long_header)),
            body=b"",
            fetched_at=NOW,
        ),
        extracted=extracted("text"),
        archive=None,
        listed_updated_at=None,
    )
    document = catalog.document(doc_id(URL))
    assert document is not None
    assert (document.http_etag, document.http_last_modified) == (None, None)


def test_runs_left_running_by_a_dead_process_are_closed(catalog: Catalog) -> None:
    run_id = catalog.start_run("incremental", {})
    assert catalog.close_stale_runs(timedelta(hours=24)) == 0
    assert catalog.close_stale_runs(timedelta(seconds=-1)) == 1
    with catalog.session() as session:
        assert session.get(Run, run_id).status == "interrupted"  # type: ignore[union-attr]


def test_runs_and_source_state(catalog: Catalog) -> None:
    run_id = catalog.start_run("incremental", {"sources": ["demo"]})
    catalog.save_source_result(run_id, "demo", "failed", {"discovered": 0, "failed": 1}, "down", 1.5)
    catalog.save_source_result(run_id, "demo", "failed", {"discovered": 0, "failed": 1}, "down", 1.5)
    assert catalog.source_states()["demo"].consecutive_failures == 2
    store(catalog, "text")
    catalog.save_source_result(run_id, "demo", "ok", {"discovered": 1, "new": 1}, None, 0.5)
    catalog.finish_run(run_id, "ok")
    state = catalog.source_states()["demo"]
    assert state.consecutive_failures == 0
    assert state.documents == 1
    assert state.last_new_at is not None
    [result] = catalog.run_results(run_id)
    assert (result.status, result.new) == ("ok", 1)


def test_endpoint_validators_survive_a_304(catalog: Catalog) -> None:
    feed = "https://demo.example/feed.xml"
    first = FetchedResponse(url=feed, final_url=feed, status=200, headers=(("ETag", '"f1"'),), body=b"", fetched_at=NOW)
    catalog.save_endpoint("demo", first)
    again = FetchedResponse(url=feed, final_url=feed, status=304, headers=(), body=b"", fetched_at=NOW)
    catalog.save_endpoint("demo", again)
    assert catalog.validators([feed])[feed].etag == '"f1"'


def pending(catalog: Catalog, target: str = "es") -> list[tuple[str, int]]:
    return [(d.doc_id, d.revision) for batch in catalog.pending_for_index(target, batch=2) for d in batch]


def test_the_outbox_holds_each_revision_until_the_target_acknowledges_it(catalog: Catalog) -> None:
    store(catalog, "first text")
    identifier = doc_id(URL)
    assert pending(catalog) == [(identifier, 1)]
    catalog.ack("es", [(identifier, 1)])
    assert pending(catalog) == []
    assert pending(catalog, "embedded") == [(identifier, 1)], "targets are independent"
    store(catalog, "first text")  # unchanged: nothing new to send
    assert pending(catalog) == []
    store(catalog, "second text", etag='"b"')
    assert pending(catalog) == [(identifier, 2)]
    catalog.ack("es", [(identifier, 1)])  # a late, older acknowledgement changes nothing
    assert pending(catalog) == [(identifier, 2)]
    catalog.mark_removed(URL, NOW)
    assert pending(catalog) == [(identifier, 3)], "a removal must reach the index too"
    assert catalog.pending_count("es") == 1


def test_rejected_revisions_are_dead_lettered_until_the_document_changes(catalog: Catalog) -> None:
    store(catalog, "text")
    identifier = doc_id(URL)
    catalog.dead_letter("es", identifier, 1, status=400, error_type="document_parsing_exception", reason="bad date")
    assert pending(catalog) == []
    [letter] = catalog.dead_letters("es")
    assert (letter.status, letter.error_type, letter.reason) == (400, "document_parsing_exception", "bad date")
    store(catalog, "changed text", etag='"b"')
    assert pending(catalog) == [(identifier, 2)]
    catalog.ack("es", [(identifier, 2)])
    assert catalog.dead_letters("es") == [], "an acknowledgement clears the dead letter"


def test_dead_letters_can_be_retried_and_acks_forgotten(catalog: Catalog) -> None:
    store(catalog, "text")
    identifier = doc_id(URL)
    catalog.dead_letter("es", identifier, 1, status=400, error_type="x", reason="y")
    assert catalog.clear_dead_letters("es") == 1
    assert pending(catalog) == [(identifier, 1)]
    catalog.ack("es", [(identifier, 1)])
    catalog.forget_acks("es")
    assert pending(catalog) == [(identifier, 1)]


def test_run_results_wait_for_the_runs_index(catalog: Catalog) -> None:
    run_id = catalog.start_run("incremental", {})
    catalog.save_source_result(run_id, "demo", "ok", {"discovered": 2, "new": 2}, None, 0.5)
    assert catalog.unindexed_run_results() == [], "a run still going is not shown yet"
    catalog.finish_run(run_id, "ok")
    [row] = catalog.unindexed_run_results()
    assert (row["run_id"], row["source"], row["new"], row["status"]) == (run_id, "demo", 2, "ok")
    catalog.mark_run_results_indexed([(run_id, "demo")])
    assert catalog.unindexed_run_results() == []
