"""The health check over a real catalog (SQLite and PostgreSQL), its history built through the Catalog's API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pipeline.config import Source
from pipeline.errors import ExtractionError, NetworkError
from pipeline.health import HEALTH_MODE, check_health, format_health, record_health
from pipeline.models import ExtractedDocument, FetchedResponse
from pipeline.store.catalog import Catalog
from pipeline.store.schema import Run

SHANGHAI = ZoneInfo("Asia/Shanghai")


def make_source(source_id: str, **extra: object) -> Source:
    return Source.model_validate(
        {
            "id": source_id,
            "name": source_id,
            "kind": "briefing",
            "publisher": "Ministry of Demonstrations",
            "country": "CN",
            "language": "en",
            "discovery": {"method": "feed", "urls": [f"https://{source_id}.example/feed.xml"]},
            **extra,
        }
    )


def add_document(catalog: Catalog, source: Source, published_at: datetime, *, seen_after: timedelta) -> None:
    """A document published at ``published_at`` and first fetched ``seen_after`` later."""
    url = f"https://{source.id}.example/{published_at:%Y%m%d%H%M}.html"
    fetched_at = published_at + seen_after
    outcome = catalog.store_document(
        source=source,
        item_url=url,
        response=FetchedResponse(
            url=url, final_url=url, status=200, headers=(), body=b"<html></html>", fetched_at=fetched_at
        ),
        extracted=ExtractedDocument(
            title=f"Briefing of {published_at:%Y-%m-%d}",
            text=f"Remarks of {published_at.isoformat()}.",
            published_at=published_at,
            date_source="page",
            authors=(),
            language="en",
            encoding="utf-8",
            extractor_version="test/1",
        ),
        archive=None,
        listed_updated_at=None,
    )
    assert outcome == "new"


def publish_daily(catalog: Catalog, source: Source, first: datetime, days: int) -> None:
    for n in range(days):
        add_document(catalog, source, first + timedelta(days=n), seen_after=timedelta(minutes=40))


def record_run(catalog: Catalog, source: Source, status: str, error: str | None = None) -> str:
    run_id = catalog.start_run("incremental", {"sources": [source.id]})
    catalog.save_source_result(
        run_id, source.id, status, {"discovered": 1, "failed": int(status == "failed")}, error, 1
    )
    catalog.finish_run(run_id, status)
    return run_id


# --- quiet, ok and new -------------------------------------------------------------------------------------


def test_a_daily_source_is_ok_and_goes_quiet_after_a_long_silence(catalog: Catalog) -> None:
    daily = make_source("daily")
    publish_daily(catalog, daily, datetime(2026, 10, 1, 9, tzinfo=UTC), 30)  # last: 30 October, 09:00

    ok = check_health(catalog, [daily], now=datetime(2026, 10, 30, 20, tzinfo=UTC)).source("daily")
    assert ok.status == "ok", ok.reason
    assert ok.documents == 30
    assert ok.usual_interval_hours == 24
    assert ok.quiet_after_hours == 48
    assert ok.hours_since_document == 11
    assert ok.last_document_at == datetime(2026, 10, 30, 9, tzinfo=UTC)

    one_day_late = check_health(catalog, [daily], now=datetime(2026, 11, 1, 8, tzinfo=UTC)).source("daily")
    assert one_day_late.status == "ok", "47 h of silence is within twice the usual day"

    quiet = check_health(catalog, [daily], now=datetime(2026, 11, 4, 9, tzinfo=UTC)).source("daily")
    assert quiet.status == "quiet"
    assert quiet.hours_since_document == 5 * 24
    assert "no new document for 5.0 days" in quiet.reason
    assert "last 2026-10-30 09:00 UTC" in quiet.reason


def test_documents_seen_after_now_do_not_count(catalog: Catalog) -> None:
    daily = make_source("daily")
    publish_daily(catalog, daily, datetime(2026, 10, 1, 9, tzinfo=UTC), 30)
    past = check_health(catalog, [daily], now=datetime(2026, 10, 3, 12, tzinfo=UTC)).source("daily")
    assert (past.status, past.documents) == ("new", 3)


def test_too_little_history_is_new(catalog: Catalog) -> None:
    young, empty = make_source("young"), make_source("empty")
    publish_daily(catalog, young, datetime(2026, 10, 1, 9, tzinfo=UTC), 4)
    report = check_health(catalog, [young, empty], now=datetime(2026, 11, 20, tzinfo=UTC))
    assert report.source("young").status == "new"
    assert "only 4 document(s) so far" in report.source("young").reason
    assert report.source("young").usual_interval_hours is None
    assert (report.source("empty").status, report.source("empty").reason) == ("new", "no document yet")
    assert report.status == "ok", "too new to judge is not a problem"


def test_disabled_sources_are_left_out(catalog: Catalog) -> None:
    report = check_health(catalog, [make_source("off", enabled=False)], now=datetime(2026, 11, 20, tzinfo=UTC))
    assert report.sources == ()


def test_now_must_be_aware(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="aware"):
        check_health(catalog, [], now=datetime(2026, 11, 20))


# --- failing ----------------------------------------------------------------------------------------------


def test_three_failed_runs_in_a_row_make_a_source_failing(catalog: Catalog) -> None:
    feed = make_source("feed")
    now = datetime(2026, 10, 30, 20, tzinfo=UTC)
    publish_daily(catalog, feed, datetime(2026, 10, 1, 9, tzinfo=UTC), 30)
    record_run(catalog, feed, "failed", "connection refused")
    record_run(catalog, feed, "failed", "connection refused")
    assert check_health(catalog, [feed], now=now).source("feed").status == "ok"

    record_run(catalog, feed, "failed", "connection refused by feed.example")
    failing = check_health(catalog, [feed], now=now).source("feed")
    assert failing.status == "failing"
    assert failing.consecutive_failed_runs == 3
    assert failing.reason == "its last 3 runs failed: connection refused by feed.example"

    record_run(catalog, feed, "ok")
    assert check_health(catalog, [feed], now=now).source("feed").status == "ok"


def test_unresolved_item_failures_in_several_runs_make_a_source_failing(catalog: Catalog) -> None:
    feed = make_source("feed")
    # Failures are stamped with the wall clock, so this check runs at the wall clock's time.
    now = datetime.now(UTC) + timedelta(minutes=1)
    publish_daily(catalog, feed, now - timedelta(days=20), 20)
    first, second = record_run(catalog, feed, "partial"), record_run(catalog, feed, "partial")

    def fail(run_id: str, n: int) -> None:
        url = f"https://feed.example/item-{n}.html"
        error = ExtractionError("no text", url=url)
        catalog.record_failure(run_id=run_id, source_id="feed", url=url, stage="extract", error=error)

    for n in range(4):
        fail(first, n)
    fail(first, 0)  # the same item again is not another item
    assert check_health(catalog, [feed], now=now).source("feed").status == "ok"
    fail(first, 4)
    one_run = check_health(catalog, [feed], now=now).source("feed")
    assert (one_run.status, one_run.failing_items) == ("ok", 5), "one bad batch in one run is not 'keeps failing'"

    timeout = NetworkError("timeout", url="https://feed.example/feed.xml")
    catalog.record_failure(run_id=second, source_id="feed", url=None, stage="discover", error=timeout)
    failing = check_health(catalog, [feed], now=now).source("feed")
    assert failing.status == "failing"
    assert failing.failing_items == 6
    assert "6 items failed in the last 24 h over 2 runs and are still unresolved" in failing.reason

    later = check_health(catalog, [feed], now=now + timedelta(days=1, hours=1)).source("feed")
    assert later.failing_items == 0, "failures older than the window no longer count"


# --- missed briefings -----------------------------------------------------------------------------------


def briefings(catalog: Catalog, source: Source, first: date, last: date, *, missing: tuple[date, ...] = ()) -> None:
    """Weekday briefings at 15:00 Beijing, posted three hours later."""
    day = first
    while day <= last:
        if day.weekday() < 5 and day not in missing:
            published = datetime(day.year, day.month, day.day, 15, tzinfo=SHANGHAI)
            add_document(catalog, source, published, seen_after=timedelta(hours=3))
        day += timedelta(days=1)


WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def test_a_missing_wednesday_is_a_missed_briefing_and_weekends_and_today_are_not(catalog: Catalog) -> None:
    mfa = make_source("mfa", timezone="Asia/Shanghai", briefing_days=WEEKDAYS)
    wednesday = date(2026, 11, 18)
    briefings(catalog, mfa, date(2026, 10, 19), date(2026, 11, 19), missing=(wednesday,))
    friday_morning = datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)  # today's briefing is still to come

    health = check_health(catalog, [mfa], now=friday_morning).source("mfa")
    assert health.status == "missed_briefing"
    assert health.missed_briefings == (wednesday,)
    assert health.reason == "no document on briefing day(s) Wed 2026-11-18 (Asia/Shanghai)"

    monday_morning = datetime(2026, 11, 16, 10, tzinfo=SHANGHAI)  # after a weekend without briefings
    assert check_health(catalog, [mfa], now=monday_morning).source("mfa").status == "ok"


def test_without_briefing_days_a_missing_day_is_not_a_missed_briefing(catalog: Catalog) -> None:
    mfa = make_source("mfa", timezone="Asia/Shanghai")
    briefings(catalog, mfa, date(2026, 10, 19), date(2026, 11, 19), missing=(date(2026, 11, 18),))
    health = check_health(catalog, [mfa], now=datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)).source("mfa")
    assert (health.status, health.missed_briefings) == ("ok", ())


def test_days_before_the_first_document_are_not_missed(catalog: Catalog) -> None:
    mfa = make_source("mfa", timezone="Asia/Shanghai", briefing_days=WEEKDAYS)
    briefings(catalog, mfa, date(2026, 11, 18), date(2026, 11, 19))  # first ever: a Wednesday
    health = check_health(catalog, [mfa], now=datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)).source("mfa")
    assert (health.status, health.missed_briefings) == ("new", ())


# --- recording -------------------------------------------------------------------------------------------


def test_record_health_writes_a_health_run_for_the_runs_index(catalog: Catalog) -> None:
    daily, quiet, young = make_source("daily"), make_source("quiet"), make_source("young")
    mfa = make_source("mfa", timezone="Asia/Shanghai", briefing_days=WEEKDAYS)
    now = datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)
    publish_daily(catalog, daily, datetime(2026, 10, 21, 9, tzinfo=UTC), 30)
    publish_daily(catalog, quiet, datetime(2026, 9, 1, 9, tzinfo=UTC), 30)
    publish_daily(catalog, young, datetime(2026, 11, 17, 9, tzinfo=UTC), 2)
    briefings(catalog, mfa, date(2026, 10, 19), date(2026, 11, 19), missing=(date(2026, 11, 18),))
    report = check_health(catalog, [daily, quiet, young, mfa], now=now)
    log = format_health(report)
    assert log.splitlines()[0] == "Source health at 2026-11-20 02:00 UTC: 1 missed_briefing, 1 quiet, 1 new, 1 ok"

    run_id = record_health(catalog, report)

    rows = {row["source"]: row for row in catalog.unindexed_run_results() if row["run_id"] == run_id}
    assert {source: row["status"] for source, row in rows.items()} == {
        "daily": "ok",
        "quiet": "quiet",
        "young": "new",
        "mfa": "missed_briefing",
    }
    assert {row["mode"] for row in rows.values()} == {HEALTH_MODE}
    assert rows["mfa"]["error"] == "no document on briefing day(s) Wed 2026-11-18 (Asia/Shanghai)"
    assert rows["mfa"]["skipped"] == 1  # missed briefing days
    assert rows["quiet"]["unchanged"] == int(report.source("quiet").hours_since_document or 0)  # hours of silence
    assert rows["quiet"]["not_modified"] == 24  # usual interval, hours
    assert rows["daily"]["discovered"] == 30  # documents looked at
    assert all(row["new"] == row["updated"] == row["failed"] == 0 for row in rows.values())
    with catalog.session() as session:
        run = session.get(Run, run_id)
        assert run is not None
        assert (run.mode, run.status, run.params["sources"]) == (
            "health",
            "partial",
            ["daily", "quiet", "young", "mfa"],
        )
        assert run.params["thresholds"]["quiet_factor"] == 2.0

    all_ok = record_health(catalog, check_health(catalog, [daily], now=datetime(2026, 11, 19, 12, tzinfo=UTC)))
    with catalog.session() as session:
        assert session.get(Run, all_ok).status == "ok"  # type: ignore[union-attr]


def test_recording_again_under_the_same_run_id_rewrites_that_run(catalog: Catalog) -> None:
    daily = make_source("daily")
    publish_daily(catalog, daily, datetime(2026, 10, 1, 9, tzinfo=UTC), 30)
    run_id = "5b0f4a8e-0000-4000-8000-000000000001"
    first = record_health(catalog, check_health(catalog, [daily], now=datetime(2026, 10, 30, 20, tzinfo=UTC)))
    assert first != run_id
    for hour in (20, 21):
        report = check_health(catalog, [daily], now=datetime(2026, 11, 4, hour, tzinfo=UTC))
        assert record_health(catalog, report, run_id=run_id) == run_id
    rows = [row for row in catalog.unindexed_run_results() if row["run_id"] == run_id]
    assert [(row["source"], row["status"]) for row in rows] == [("daily", "quiet")]


def test_recording_health_leaves_the_source_state_alone(catalog: Catalog) -> None:
    feed = make_source("feed")
    now = datetime(2026, 10, 30, 20, tzinfo=UTC)
    publish_daily(catalog, feed, datetime(2026, 10, 1, 9, tzinfo=UTC), 30)
    for _ in range(3):
        record_run(catalog, feed, "failed", "connection refused")
    before = catalog.source_states()["feed"]
    record_health(catalog, check_health(catalog, [feed], now=now))
    after = catalog.source_states()["feed"]
    assert (after.last_status, after.consecutive_failures, after.last_error, after.last_success_at) == (
        before.last_status,
        before.consecutive_failures,
        before.last_error,
        before.last_success_at,
    )
    assert check_health(catalog, [feed], now=now).source("feed").status == "failing"
