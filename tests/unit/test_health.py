"""The pure parts of the health check: intervals, briefing days, the summary, and what it writes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import get_args
from zoneinfo import ZoneInfo

import pytest

from pipeline.health import (
    HEALTHY,
    RECORDED_AS,
    STATUSES,
    HealthReport,
    HealthStatus,
    SourceHealth,
    document_time,
    format_health,
    health_counts,
    human_duration,
    missed_briefing_days,
    percentile,
    usual_interval,
)
from pipeline.index.es_bulk import RUN_FIELDS
from pipeline.index.kibana import default_files, load_objects
from pipeline.index.kibana_fields import field_uses
from pipeline.index.mappings import runs_mapping
from pipeline.store.schema import Run, RunSource

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def daily(start: datetime, days: int, *, skip: tuple[int, ...] = ()) -> list[datetime]:
    return [start + timedelta(days=n) for n in range(days) if n not in skip]


def local(day: date, hour: int = 15) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def weekday_briefings(first: date, last: date, *, missing: tuple[date, ...] = ()) -> list[datetime]:
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [local(day) for day in days if day.weekday() < 5 and day not in missing]


# --- intervals ---------------------------------------------------------------------------------------------


def test_percentile_is_nearest_rank() -> None:
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert percentile([5, 1, 3], 100) == 5
    assert percentile([7], 90) == 7
    with pytest.raises(ValueError, match="no values"):
        percentile([], 90)
    with pytest.raises(ValueError, match="percentile"):
        percentile([1], 0)


def test_a_document_dated_after_it_was_seen_counts_from_when_it_was_seen() -> None:
    seen = datetime(2026, 11, 2, 8, tzinfo=UTC)
    assert document_time(None, seen) == seen
    assert document_time(seen - timedelta(hours=3), seen) == seen - timedelta(hours=3)
    assert document_time(seen + timedelta(days=300), seen) == seen


def test_usual_interval_of_a_daily_source_is_a_day() -> None:
    assert usual_interval(daily(datetime(2026, 10, 1, 9, tzinfo=UTC), 30)) == timedelta(days=1)


def test_weekends_are_usual_for_a_weekday_source() -> None:
    times = weekday_briefings(date(2026, 9, 7), date(2026, 11, 6))
    assert usual_interval(times) == timedelta(days=3)


def test_a_busy_feed_gets_the_floor_so_it_does_not_flap() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    every_ten_minutes = [start + timedelta(minutes=10 * n) for n in range(100)]
    assert usual_interval(every_ten_minutes) == timedelta(hours=6)
    assert usual_interval(every_ten_minutes, floor=timedelta(0)) == timedelta(minutes=10)


def test_the_interval_window_ends_at_the_newest_document() -> None:
    """Old history (weekly) outside the window does not count; a source long silent keeps its rhythm."""
    old = [datetime(2025, 1, 1, tzinfo=UTC) + timedelta(weeks=n) for n in range(10)]
    recent = daily(datetime(2026, 1, 1, 9, tzinfo=UTC), 20)
    assert usual_interval(old + recent, window=timedelta(days=60)) == timedelta(days=1)
    assert usual_interval([datetime(2026, 1, 1, tzinfo=UTC)]) is None
    assert usual_interval([]) is None


# --- briefing days -------------------------------------------------------------------------------------------


def test_a_missing_wednesday_is_named_and_the_weekend_and_today_are_not() -> None:
    wednesday = date(2026, 11, 18)
    friday = date(2026, 11, 20)
    times = weekday_briefings(date(2026, 11, 2), date(2026, 11, 19), missing=(wednesday,))
    # Friday 10:00 in Shanghai: Friday's briefing has not happened yet; last weekend had none.
    now = local(friday, 10)
    missed = missed_briefing_days(times, briefing_days=WEEKDAYS, tz=SHANGHAI, now=now)
    assert missed == [wednesday]


def test_days_are_local_to_the_source() -> None:
    """A transcript dated 20:00 UTC on Tuesday is Wednesday's in Shanghai."""
    tuesday, wednesday = date(2026, 11, 17), date(2026, 11, 18)
    times = [datetime(2026, 11, 16, 7, tzinfo=UTC), datetime(2026, 11, 17, 20, tzinfo=UTC)]
    now = local(date(2026, 11, 19), 18)  # 10:00 UTC: Wednesday is over for more than the grace in both zones
    assert missed_briefing_days(times, briefing_days=WEEKDAYS, tz=SHANGHAI, now=now) == [tuesday]
    assert missed_briefing_days(times, briefing_days=WEEKDAYS, tz=UTC, now=now) == [wednesday]


def test_a_day_is_judged_only_after_the_grace_period() -> None:
    wednesday = date(2026, 11, 18)
    times = weekday_briefings(date(2026, 11, 16), date(2026, 11, 17))
    thursday_3am = local(date(2026, 11, 19), 3)
    assert missed_briefing_days(times, briefing_days=WEEKDAYS, tz=SHANGHAI, now=thursday_3am) == []
    thursday_7am = local(date(2026, 11, 19), 7)
    assert missed_briefing_days(times, briefing_days=WEEKDAYS, tz=SHANGHAI, now=thursday_7am) == [wednesday]
    assert missed_briefing_days(times, briefing_days=WEEKDAYS, tz=SHANGHAI, now=thursday_3am, grace=timedelta(0)) == [
        wednesday
    ]


def test_days_before_the_first_document_and_beyond_the_lookback_are_not_counted() -> None:
    first = local(date(2026, 11, 18))  # a Wednesday
    now = local(date(2026, 11, 20), 10)
    assert missed_briefing_days([first], briefing_days=WEEKDAYS, tz=SHANGHAI, now=now) == [date(2026, 11, 19)]
    old = [local(date(2026, 10, 1))]  # nothing since: only the last week is reported
    missed = missed_briefing_days(old, briefing_days=WEEKDAYS, tz=SHANGHAI, now=now, lookback_days=7)
    assert missed == [
        date(2026, 11, 13),
        date(2026, 11, 16),
        date(2026, 11, 17),
        date(2026, 11, 18),
        date(2026, 11, 19),
    ]
    assert missed_briefing_days([], briefing_days=WEEKDAYS, tz=SHANGHAI, now=now) == []
    assert missed_briefing_days(old, briefing_days=[], tz=SHANGHAI, now=now) == []


# --- the report ----------------------------------------------------------------------------------------------


def health(source_id: str, status: HealthStatus, reason: str = "because", **numbers: object) -> SourceHealth:
    return SourceHealth(source_id=source_id, status=status, reason=reason, **numbers)  # type: ignore[arg-type]


def test_statuses_are_the_literal_and_new_is_not_a_problem() -> None:
    assert set(STATUSES) == set(get_args(HealthStatus))
    assert set(HEALTHY) == {"ok", "new"}
    now = datetime(2026, 11, 20, tzinfo=UTC)
    assert HealthReport(now, (health("a", "ok"), health("b", "new"))).status == "ok"
    report = HealthReport(now, (health("a", "ok"), health("b", "quiet"), health("c", "failing")))
    assert report.status == "partial"
    assert [s.source_id for s in report.problems] == ["b", "c"]
    assert report.counts() == {"failing": 1, "quiet": 1, "ok": 1}
    assert report.source("b").status == "quiet"


def test_format_health_puts_problems_first() -> None:
    report = HealthReport(
        datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        (
            health("zz-ok", "ok", "last document 5 h ago"),
            health("mfa", "missed_briefing", "no document on briefing day(s) Wed 2026-11-18 (Asia/Shanghai)"),
            health("feed", "failing", "its last 3 runs failed: down"),
        ),
    )
    text = format_health(report)
    lines = text.splitlines()
    assert lines[0] == "Source health at 2026-11-20 09:30 UTC: 1 failing, 1 missed_briefing, 1 ok"
    assert lines[1].split()[:2] == ["FAILING", "feed"]
    assert lines[2].split()[:2] == ["MISSED_BRIEFING", "mfa"]
    assert "Wed 2026-11-18" in lines[2]
    assert lines[3].split()[:2] == ["ok", "zz-ok"]
    assert format_health(HealthReport(report.checked_at, ())).endswith(": no sources")


def test_human_durations() -> None:
    assert human_duration(timedelta(minutes=45)) == "45 min"
    assert human_duration(timedelta(hours=5)) == "5 h"
    assert human_duration(timedelta(days=3, hours=12)) == "3.5 days"


# --- what record_health writes fits the catalog, the runs mapping and the dashboard ---------------------------


def test_statuses_fit_the_catalog_column_and_the_runs_mapping() -> None:
    status = runs_mapping()["status"]
    assert status["type"] == "keyword"
    for value in STATUSES:
        assert len(value) <= RunSource.__table__.c.status.type.length  # type: ignore[attr-defined]
        assert len(value) <= status["ignore_above"]
    assert len("health") <= Run.__table__.c.mode.type.length  # type: ignore[attr-defined]


def test_recorded_numbers_go_to_integer_run_fields_that_do_not_mislead_ingest_panels() -> None:
    properties = runs_mapping()
    assert len(set(RECORDED_AS.values())) == len(RECORDED_AS)
    for column in RECORDED_AS.values():
        assert column in RUN_FIELDS
        assert properties[column]["type"] == "integer"
    # "new"/"updated" would move the source's last-new-document time; "failed" is summed as failed items.
    assert not set(RECORDED_AS.values()) & {"new", "updated", "failed"}
    counts = health_counts(
        health(
            "mfa",
            "quiet",
            documents=40,
            hours_since_document=75.9,
            usual_interval_hours=24.0,
            consecutive_failed_runs=1,
            failing_items=2,
            missed_briefings=(date(2026, 11, 18),),
        )
    )
    assert counts == {
        "discovered": 40,
        "unchanged": 75,
        "not_modified": 24,
        "fetched": 1,
        "removed": 2,
        "skipped": 1,
    }
    assert set(health_counts(health("new", "new")).values()) == {0}


def test_the_pipeline_health_dashboard_has_a_health_table_per_source() -> None:
    objects = load_objects(default_files())
    by_id = {obj["id"]: obj for obj in objects}
    dashboard = by_id["readout-pipeline-health"]
    panels = {ref["id"] for ref in dashboard["references"]}
    assert "readout-source-health" in panels
    table = by_id["readout-source-health"]
    state = table["attributes"]["state"]
    assert table["attributes"]["visualizationType"] == "lnsDatatable"
    assert state["query"] == {"query": 'mode : "health"', "language": "kuery"}
    fields = {use.field for use in field_uses([table])}
    assert {"source", "status", "started_at", "mode", "error.keyword", *RECORDED_AS.values()} <= fields
    columns = state["datasourceStates"]["formBased"]["layers"]["main"]["columns"]
    latest = [c for c in columns.values() if c["operationType"] == "last_value"]
    assert all(c["params"]["sortField"] == "started_at" for c in latest)
    # The ingest panels that read statuses leave health checks out.
    last_status = by_id["readout-last-status"]["attributes"]["state"]["query"]["query"]
    assert last_status == 'not mode : "health"'
    failures = json.loads(by_id["readout-failures"]["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    [pill] = failures["filter"]
    assert pill["meta"]["negate"] is True
    assert pill["query"] == {"match_phrase": {"mode": "health"}}
