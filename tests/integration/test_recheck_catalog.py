"""Re-checks and removals in the catalog, on real SQLite and PostgreSQL: the schedule after each kind of fetch,
the due list, removal evidence, pages that come back, listing removals, and edits and removals per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.ingest.plan import plan_items
from pipeline.models import ArchiveRef, DiscoveredItem, ExtractedDocument, FetchedResponse
from pipeline.recheck import evidence
from pipeline.store.catalog import Catalog
from pipeline.store.schema import Document
from pipeline.urls import canonical_url, doc_id
from tests.integration.test_catalog import SOURCE

T0 = datetime(2027, 3, 8, 12, 0, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def _url(n: int) -> str:
    return f"https://demo.example/2027/t{n}.html"


def _store(catalog: Catalog, n: int, at: datetime, text: str = "Q: Will you comment?\n\nA: No.") -> str:
    return catalog.store_document(
        source=SOURCE,
        item_url=_url(n),
        response=FetchedResponse(
            url=_url(n), final_url=_url(n), status=200, headers=(("ETag", f'"{n}"'),), body=b"", fetched_at=at
        ),
        extracted=ExtractedDocument(
            title=f"Briefing {n}",
            text=text,
            published_at=T0 - DAY * n,
            date_source="url",
            authors=(),
            language="en",
            encoding="utf-8",
            extractor_version="test/1",
        ),
        archive=ArchiveRef("demo/x.warc.gz", 10, 20),
        listed_updated_at=None,
    )


def _doc(catalog: Catalog, n: int) -> Document:
    found = catalog.document(doc_id(_url(n)))
    assert found is not None
    return found


def test_each_fetch_plans_the_next_age(catalog: Catalog) -> None:
    _store(catalog, 1, T0)
    assert (_doc(catalog, 1).recheck_step, _doc(catalog, 1).recheck_at) == (0, T0 + HOUR)
    assert catalog.due_rechecks(SOURCE.id, now=T0 + 30 * timedelta(minutes=1), limit=10) == []
    due = catalog.due_rechecks(SOURCE.id, now=T0 + HOUR, limit=10)
    assert [entry.known.doc_id for entry in due] == [doc_id(_url(1))]
    assert due[0].known.etag == '"1"'
    assert not due[0].known.removed
    # A 304 an hour later: the +1 d check comes next.
    catalog.touch_document(_url(1), fetched_at=T0 + HOUR, listed_updated_at=None, recheck=SOURCE.recheck_ages)
    assert (_doc(catalog, 1).recheck_step, _doc(catalog, 1).recheck_at) == (1, T0 + DAY)
    # Stored again (unchanged) a month later: every age is past, no more re-checks.
    _store(catalog, 1, T0 + 31 * DAY)
    assert _doc(catalog, 1).recheck_at is None
    assert catalog.due_rechecks(SOURCE.id, now=T0 + 365 * DAY, limit=10) == []


def test_the_due_list_is_longest_overdue_first_and_limited(catalog: Catalog) -> None:
    for n in (1, 2, 3):
        _store(catalog, n, T0 + n * timedelta(minutes=1))
    due = catalog.due_rechecks(SOURCE.id, now=T0 + DAY, limit=2)
    assert [entry.item.url for entry in due] == [canonical_url(_url(1)), canonical_url(_url(2))]
    # A failed attempt moves the schedule on (the frontier retries the fetch itself).
    catalog.plan_recheck(_url(1), SOURCE.recheck_ages, T0 + 2 * HOUR)
    assert _doc(catalog, 1).recheck_at == T0 + timedelta(minutes=1) + DAY


def test_removal_keeps_its_first_evidence_and_a_page_that_answers_again_is_back(catalog: Catalog) -> None:
    _store(catalog, 1, T0)
    revision = _doc(catalog, 1).revision
    gone = evidence("gone", url=_url(1), at=T0 + HOUR, status=404, detail="the page answers 404")
    assert catalog.mark_removed(_url(1), T0 + HOUR, evidence=gone, recheck=SOURCE.recheck_ages)
    later = evidence("deleted-page", url=_url(1), at=T0 + DAY, status=200)
    assert catalog.mark_removed(_url(1), T0 + DAY, evidence=later)
    document = _doc(catalog, 1)
    assert document.removed_at == T0 + HOUR
    assert document.removal_evidence == gone
    assert document.revision == revision + 1
    # Re-checks go on while it is removed: that is how a page that comes back is caught.
    assert document.recheck_at == T0 + DAY
    assert catalog.touch_document(_url(1), fetched_at=T0 + DAY, listed_updated_at=None, recheck=SOURCE.recheck_ages)
    document = _doc(catalog, 1)
    assert document.removed_at is None
    assert document.removal_evidence is None
    assert document.revision == revision + 2
    assert len(catalog.versions(doc_id(_url(1)))) == 1  # its history is kept


def test_a_page_dropped_from_its_listing_is_back_only_when_listed_again(catalog: Catalog) -> None:
    _store(catalog, 1, T0)
    dropped = evidence("dropped-from-listing", url="https://demo.example/list/", at=T0 + HOUR, status=200)
    key = canonical_url(_url(1))
    assert catalog.mark_dropped(SOURCE.id, [key], dropped, when=T0 + HOUR, run_id=None) == [key]
    assert catalog.mark_dropped(SOURCE.id, [key], dropped, when=T0 + DAY, run_id=None) == []
    assert catalog.known_items(SOURCE.id)[key].removal_kind == "dropped-from-listing"
    # The page still answers at its address (a 304, then a 200): that is what a withdrawal from a listing is.
    assert not catalog.touch_document(_url(1), fetched_at=T0 + DAY, listed_updated_at=None)
    _store(catalog, 1, T0 + DAY)
    assert _doc(catalog, 1).removed_at == T0 + HOUR
    assert catalog.listed_again("other-source", [key], run_id=None) == []
    assert catalog.listed_again(SOURCE.id, [key], run_id=None) == [key]
    assert _doc(catalog, 1).removed_at is None


def test_edits_and_removals_per_day(catalog: Catalog) -> None:
    for n in (1, 2, 3):
        _store(catalog, n, T0)
    catalog.mark_removed(_url(1), T0 + HOUR, evidence=evidence("gone", url=_url(1), at=T0 + HOUR))
    catalog.mark_removed(_url(2), T0 + DAY, evidence=evidence("gone", url=_url(2), at=T0 + DAY))
    with catalog.session() as session, session.begin():
        edited = session.get(Document, doc_id(_url(3)))
        assert edited is not None
        edited.edited_at = T0 + DAY + HOUR
    days = catalog.history_days(since=T0)
    assert [(d.day, d.edited, d.removed) for d in days[SOURCE.id]] == [("2027-03-09", 1, 1), ("2027-03-08", 0, 1)]
    assert catalog.history_days(since=T0 + DAY + 2 * HOUR) == {}
    assert catalog.history_days(since=T0, source_ids=["other"]) == {}


def test_planning_puts_new_items_before_rechecks_within_the_limit(catalog: Catalog) -> None:
    for n in (1, 2, 3):
        _store(catalog, n, T0)
    due = catalog.due_rechecks(SOURCE.id, now=T0 + HOUR, limit=10)
    new = DiscoveredItem(url=_url(9), source_id=SOURCE.id, published_at=T0)
    listed_known = DiscoveredItem(url=_url(2), source_id=SOURCE.id, title="as listed", found_on="https://demo.example/")
    items = [new, listed_known]
    plan = plan_items(items, source=SOURCE, known=catalog.known_items(SOURCE.id), given_up=set(), limit=3, due=due)
    assert next(item.url for item, _ in plan.fetch) == _url(9)
    assert len(plan.fetch) == 3
    assert plan.rechecks_later == 1
    assert plan.deferred == []
    # A due page the listing shows is fetched as listed; every re-check is fetched with what the catalog knows.
    fetched = {canonical_url(item.url): (item, seen) for item, seen in plan.fetch}
    assert set(plan.rechecking) == set(fetched) - {canonical_url(_url(9))}
    assert all(seen is not None and seen.etag for key, (_, seen) in fetched.items() if key in plan.rechecking)
    assert plan.skipped == 0
    everything = plan_items(items, source=SOURCE, known=catalog.known_items(SOURCE.id), given_up=set(), due=due)
    assert len(everything.fetch) == 4
    assert everything.rechecks_later == 0
