"""Source health over the catalog: which sources went quiet, keep failing or missed a briefing day.

Plain functions (no Airflow import): the health DAG calls :func:`check_health`, logs
:func:`format_health` and stores the result with :func:`record_health`, which writes it as a catalog
run of mode ``health`` so that it reaches the runs index (and the "Pipeline health" dashboard) through
the ordinary run-results path.

Each source gets one status, the most urgent that applies:

``failing``
    its last :data:`FAILING_RUNS` runs failed (the catalog's count of consecutive failed runs), or at
    least :data:`FAILING_ITEMS` distinct items failed over the last :data:`FAILURE_WINDOW`, in more
    than one run, and are still unresolved.
``missed_briefing``
    it has ``briefing_days`` and one of them, in the last :data:`BRIEFING_LOOKBACK_DAYS` days (in the
    source's time zone, today excluded, the day over for at least :data:`BRIEFING_GRACE`, and not
    before the source's first document) has no document published on it.
``quiet``
    no new document for longer than :data:`QUIET_FACTOR` × its usual interval.
``new``
    fewer than :data:`MIN_DOCUMENTS` documents: too little history to know its rhythm (a source that
    has history but is failing or missed a briefing day is reported as such).
``ok``
    none of the above.

Whatever its status, each source's edits (documents whose ``edited_at`` falls on the day) and removals
(pages found removed that day and still removed) over the last :data:`HISTORY_REPORT_DAYS` days are
reported with it, per UTC day (:attr:`SourceHealth.history`): transcript history is news, not a problem.

A document's time is when it was published, or when we first saw it if that is earlier or unknown
(a date in the future is a wrong date). Publication times are the source's own rhythm: a backfill
that brings in a year of old transcripts in one run does not make a silent source look busy, nor
does it crowd its gaps into zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pipeline.config import Source
    from pipeline.store.catalog import Catalog
    from pipeline.store.rechecks import HistoryDay

HealthStatus = Literal["ok", "quiet", "failing", "missed_briefing", "new"]
#: Every status, most urgent first (a source with several problems gets the first that applies).
STATUSES: tuple[HealthStatus, ...] = ("failing", "missed_briefing", "quiet", "new", "ok")
#: Statuses that are not a problem: a new source simply has no history yet.
HEALTHY: frozenset[str] = frozenset({"ok", "new"})
#: The catalog run mode of a health check.
HEALTH_MODE = "health"

# --- defaults, and why ---------------------------------------------------------------------------------

#: Fewer documents than this and a source is "new": four gaps are the least that say anything of its rhythm.
MIN_DOCUMENTS = 5
#: Newest documents read per source. Enough for two months of a ministry's briefings and a day or two of
#: a busy news feed, whose rhythm a day shows well; it bounds the work for the busiest feeds.
HISTORY_DOCUMENTS = 200
#: Gaps are taken over the last 60 days of a source's documents (before its newest one, so that a source
#: silent for months still has its old rhythm to be measured against): long enough for holidays and
#: recess weeks to count, short enough to follow a source that changes its pace.
HISTORY_WINDOW = timedelta(days=60)
#: Its "usual interval" is this percentile of its gaps: a high one, so that the regular long gaps
#: (weekends for a weekday ministry, nights for a news feed) are usual and not alarms.
INTERVAL_PERCENTILE = 90.0
#: The usual interval is never taken shorter than this: a feed publishing every few minutes has lulls of
#: hours (nights, weekends) that its percentile does not see, and must not flap between quiet and ok.
MIN_INTERVAL = timedelta(hours=6)
#: Quiet after this many usual intervals without a document: the p90 gap is already a long one, so twice
#: it means a whole expected document is overdue (a daily source: one full day without one).
QUIET_FACTOR = 2.0
#: Failing after this many failed runs in a row: one or two are a network blip or a site's bad minute,
#: three (an hour and a half of a 30-minute schedule) is a broken source.
FAILING_RUNS = 3
#: Failing when this many distinct items failed recently and are still unresolved: one broken page is
#: retried and given up on by the frontier; five distinct ones mean the extractor or the site changed.
FAILING_ITEMS = 5
#: The window of those recent failures.
FAILURE_WINDOW = timedelta(hours=24)
#: Briefing days are checked this many days back: a week, so that a missed day stays visible (until it is
#: backfilled) for as long as it takes the same weekday to come round again.
BRIEFING_LOOKBACK_DAYS = 7
#: A briefing day is judged only once it has been over this long (in the source's time zone): transcripts
#: are often posted in the evening or overnight, after the press conference.
BRIEFING_GRACE = timedelta(hours=6)
#: Unresolved failures read per source.
_FAILURE_SCAN = 1000
#: Edits and removals are reported for this many days back (today included): the week a missed briefing
#: day stays visible too.
HISTORY_REPORT_DAYS = 7

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: How each health number is recorded in the run-results columns (``run_sources``, and the runs index
#: with the same names), since a health run has none of an ingest run's counts. ``new``, ``updated`` and
#: ``failed`` are never used: they feed the source state's "last new document" and the dashboard's
#: failed-items sums. The "Source health" Kibana table labels each column with its meaning.
RECORDED_AS: dict[str, str] = {
    "documents": "discovered",
    "hours_since_document": "unchanged",
    "usual_interval_hours": "not_modified",
    "consecutive_failed_runs": "fetched",
    "failing_items": "removed",
    "missed_briefings": "skipped",
}


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """The health of one source at one moment, with the numbers behind it."""

    source_id: str
    status: HealthStatus
    #: Human-readable: every problem found, or what makes it ok.
    reason: str
    #: Documents of its history that were looked at (at most ``history_documents``).
    documents: int = 0
    last_document_at: datetime | None = None
    hours_since_document: float | None = None
    #: The usual interval, in hours (None while too new to know).
    usual_interval_hours: float | None = None
    #: Silence longer than this (hours) is quiet.
    quiet_after_hours: float | None = None
    consecutive_failed_runs: int = 0
    #: Distinct items with unresolved failures in the failure window.
    failing_items: int = 0
    #: Briefing days (in the source's time zone) without a document, oldest first.
    missed_briefings: tuple[date, ...] = ()
    #: Edits and removals per UTC day over the last :data:`HISTORY_REPORT_DAYS` days, newest first.
    history: tuple[HistoryDay, ...] = ()

    @property
    def healthy(self) -> bool:
        return self.status in HEALTHY


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The health of every checked source at ``checked_at``, and the thresholds used."""

    checked_at: datetime
    sources: tuple[SourceHealth, ...]
    thresholds: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> Literal["ok", "partial"]:
        """``ok`` when no source has a problem ("new" is not one), else ``partial``."""
        return "ok" if all(source.healthy for source in self.sources) else "partial"

    @property
    def problems(self) -> list[SourceHealth]:
        return [source for source in self.sources if not source.healthy]

    def counts(self) -> dict[str, int]:
        """Sources per status, in :data:`STATUSES` order, statuses with none left out."""
        found = [source.status for source in self.sources]
        return {status: found.count(status) for status in STATUSES if status in found}

    def source(self, source_id: str) -> SourceHealth:
        for source in self.sources:
            if source.source_id == source_id:
                return source
        raise KeyError(source_id)


# --- the pure parts --------------------------------------------------------------------------------------


def document_time(published_at: datetime | None, first_seen_at: datetime) -> datetime:
    """When a document appeared: its publication time, or when first seen if that is earlier or unknown."""
    if published_at is None:
        return first_seen_at
    return min(published_at, first_seen_at)


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 < q ≤ 100) of ``values``: always one of the values."""
    if not values:
        raise ValueError("no values")
    if not 0 < q <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {q}")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def usual_interval(
    times: Iterable[datetime],
    *,
    window: timedelta = HISTORY_WINDOW,
    q: float = INTERVAL_PERCENTILE,
    floor: timedelta = MIN_INTERVAL,
) -> timedelta | None:
    """The ``q``-th percentile of the gaps between consecutive ``times`` within ``window`` before the
    newest, never less than ``floor``; None with fewer than two times in the window."""
    ordered = sorted(times)
    if not ordered:
        return None
    recent = [t for t in ordered if t >= ordered[-1] - window]
    gaps = [(b - a).total_seconds() for a, b in pairwise(recent)]
    if not gaps:
        return None
    return max(timedelta(seconds=percentile(gaps, q)), floor)


def missed_briefing_days(
    times: Iterable[datetime],
    *,
    briefing_days: Sequence[str],
    tz: tzinfo,
    now: datetime,
    lookback_days: int = BRIEFING_LOOKBACK_DAYS,
    grace: timedelta = BRIEFING_GRACE,
) -> list[date]:
    """Briefing days of the last ``lookback_days`` (local dates in ``tz``, today never included) that have
    been over for at least ``grace``, are not before the first of ``times``, and have no time on them."""
    published = {t.astimezone(tz).date() for t in times}
    if not published or not briefing_days:
        return []
    first = min(published)
    wanted = {_WEEKDAYS.index(day) for day in briefing_days}
    today = now.astimezone(tz).date()
    missed: list[date] = []
    for back in range(lookback_days, 0, -1):
        day = today - timedelta(days=back)
        if day < first or day.weekday() not in wanted or day in published:
            continue
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
        if now - end >= grace:
            missed.append(day)
    return missed


def human_duration(value: timedelta) -> str:
    """``45 min``, ``5 h``, ``3.5 days``."""
    seconds = value.total_seconds()
    if seconds < 3600:
        return f"{max(0, round(seconds / 60))} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.1f} days"


# --- the check --------------------------------------------------------------------------------------------


def check_health(
    catalog: Catalog,
    sources: Sequence[Source],
    *,
    now: datetime,
    min_documents: int = MIN_DOCUMENTS,
    history_documents: int = HISTORY_DOCUMENTS,
    history_window: timedelta = HISTORY_WINDOW,
    interval_percentile: float = INTERVAL_PERCENTILE,
    min_interval: timedelta = MIN_INTERVAL,
    quiet_factor: float = QUIET_FACTOR,
    failing_runs: int = FAILING_RUNS,
    failing_items: int = FAILING_ITEMS,
    failure_window: timedelta = FAILURE_WINDOW,
    briefing_lookback_days: int = BRIEFING_LOOKBACK_DAYS,
    briefing_grace: timedelta = BRIEFING_GRACE,
) -> HealthReport:
    """The health of each enabled source in ``sources`` as of ``now`` (time-zone aware), from the catalog.

    Only documents first seen by ``now`` count, so that a check of a past moment is reproducible.
    """
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    now = now.astimezone(UTC)
    states = catalog.source_states()
    start = datetime.combine(now.date() - timedelta(days=HISTORY_REPORT_DAYS - 1), datetime.min.time(), tzinfo=UTC)
    history = catalog.history_days(since=start, source_ids=[source.id for source in sources])
    results: list[SourceHealth] = []
    for source in sources:
        if not source.enabled:
            continue
        times = [
            document_time(doc.published_at, doc.first_seen_at)
            for doc in catalog.documents(source_ids=[source.id], limit=history_documents)
            if doc.first_seen_at <= now
        ]
        state = states.get(source.id)
        failures = [
            failure
            for failure in catalog.failures(source_ids=[source.id], unresolved=True, limit=_FAILURE_SCAN)
            if failure.occurred_at >= now - failure_window
        ]
        judged = _judge(
            source,
            times,
            now=now,
            consecutive_failed_runs=state.consecutive_failures if state else 0,
            last_error=state.last_error if state else None,
            failing_items_found=len({f.url or f"{f.stage}:{f.error_kind}" for f in failures}),
            failing_item_runs=len({f.run_id for f in failures}),
            min_documents=min_documents,
            history_window=history_window,
            interval_percentile=interval_percentile,
            min_interval=min_interval,
            quiet_factor=quiet_factor,
            failing_runs=failing_runs,
            failing_items=failing_items,
            failure_window=failure_window,
            briefing_lookback_days=briefing_lookback_days,
            briefing_grace=briefing_grace,
        )
        results.append(replace(judged, history=tuple(history.get(source.id, ()))))
    thresholds: dict[str, Any] = {
        "min_documents": min_documents,
        "history_documents": history_documents,
        "history_window_days": history_window / timedelta(days=1),
        "interval_percentile": interval_percentile,
        "min_interval_hours": min_interval / timedelta(hours=1),
        "quiet_factor": quiet_factor,
        "failing_runs": failing_runs,
        "failing_items": failing_items,
        "failure_window_hours": failure_window / timedelta(hours=1),
        "briefing_lookback_days": briefing_lookback_days,
        "briefing_grace_hours": briefing_grace / timedelta(hours=1),
    }
    return HealthReport(checked_at=now, sources=tuple(results), thresholds=thresholds)


def _judge(
    source: Source,
    times: list[datetime],
    *,
    now: datetime,
    consecutive_failed_runs: int,
    last_error: str | None,
    failing_items_found: int,
    failing_item_runs: int,
    min_documents: int,
    history_window: timedelta,
    interval_percentile: float,
    min_interval: timedelta,
    quiet_factor: float,
    failing_runs: int,
    failing_items: int,
    failure_window: timedelta,
    briefing_lookback_days: int,
    briefing_grace: timedelta,
) -> SourceHealth:
    problems: dict[HealthStatus, list[str]] = {}
    last = max(times, default=None)
    silence = now - last if last is not None else None

    if consecutive_failed_runs >= failing_runs:
        detail = f": {_shorten(last_error)}" if last_error else ""
        problems.setdefault("failing", []).append(f"its last {consecutive_failed_runs} runs failed{detail}")
    if failing_items_found >= failing_items and failing_item_runs > 1:
        problems.setdefault("failing", []).append(
            f"{failing_items_found} items failed in the last {human_duration(failure_window)} "
            f"over {failing_item_runs} runs and are still unresolved"
        )

    missed = missed_briefing_days(
        times,
        briefing_days=source.briefing_days,
        tz=source.tz,
        now=now,
        lookback_days=briefing_lookback_days,
        grace=briefing_grace,
    )
    if missed:
        days = ", ".join(f"{day:%a} {day.isoformat()}" for day in missed)
        problems["missed_briefing"] = [f"no document on briefing day(s) {days} ({source.timezone})"]

    interval: timedelta | None = None
    quiet_after: timedelta | None = None
    if len(times) >= min_documents:
        interval = usual_interval(times, window=history_window, q=interval_percentile, floor=min_interval)
    if interval is not None and silence is not None and last is not None:
        quiet_after = interval * quiet_factor
        if silence > quiet_after:
            problems["quiet"] = [
                f"no new document for {human_duration(silence)} (last {last:%Y-%m-%d %H:%M} UTC); "
                f"usually at most {human_duration(interval)} apart, quiet after {human_duration(quiet_after)}"
            ]

    status: HealthStatus
    if problems:
        status = next(s for s in STATUSES if s in problems)
        reason = "; ".join(text for s in STATUSES for text in problems.get(s, []))
    elif interval is None or last is None or silence is None:
        status = "new"
        reason = (
            f"only {len(times)} document(s) so far; {min_documents} are needed to learn its rhythm"
            if times
            else "no document yet"
        )
    else:
        status = "ok"
        assert quiet_after is not None
        reason = (
            f"last document {human_duration(silence)} ago; usually at most {human_duration(interval)} apart, "
            f"quiet after {human_duration(quiet_after)}"
        )
    return SourceHealth(
        source_id=source.id,
        status=status,
        reason=reason,
        documents=len(times),
        last_document_at=last,
        hours_since_document=silence / timedelta(hours=1) if silence is not None else None,
        usual_interval_hours=interval / timedelta(hours=1) if interval is not None else None,
        quiet_after_hours=quiet_after / timedelta(hours=1) if quiet_after is not None else None,
        consecutive_failed_runs=consecutive_failed_runs,
        failing_items=failing_items_found,
        missed_briefings=tuple(missed),
    )


def _shorten(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- recording and logging ------------------------------------------------------------------------------


def health_counts(source: SourceHealth) -> dict[str, int]:
    """The run-result counts of a source's health (columns per :data:`RECORDED_AS`)."""
    numbers = {
        "documents": source.documents,
        "hours_since_document": math.floor(source.hours_since_document or 0),
        "usual_interval_hours": round(source.usual_interval_hours or 0),
        "consecutive_failed_runs": source.consecutive_failed_runs,
        "failing_items": source.failing_items,
        "missed_briefings": len(source.missed_briefings),
    }
    return {RECORDED_AS[name]: max(0, value) for name, value in numbers.items()}


def record_health(catalog: Catalog, report: HealthReport, *, run_id: str | None = None) -> str:
    """Write ``report`` as a catalog run of mode ``health`` (one result per source, the reason as its error
    text); it reaches the runs index with the other run results. Returns the run id.

    Given ``run_id`` (derived from the Airflow DAG run), a retried task rewrites the same run instead of
    adding another.
    """
    params: dict[str, Any] = {
        "checked_at": report.checked_at.isoformat(),
        "sources": [source.source_id for source in report.sources],
        "thresholds": report.thresholds,
    }
    run_id = catalog.start_run(HEALTH_MODE, params, run_id=run_id)
    status = "failed"
    try:
        for source in report.sources:
            catalog.save_source_result(
                run_id, source.source_id, source.status, health_counts(source), source.reason, 0.0
            )
        status = report.status
    finally:
        catalog.finish_run(run_id, status)
    return run_id


def format_health(report: HealthReport) -> str:
    """A multi-line summary for task logs: a headline, then one line per source, problems first."""
    counts = ", ".join(f"{n} {status}" for status, n in report.counts().items()) or "no sources"
    lines = [f"Source health at {report.checked_at:%Y-%m-%d %H:%M} UTC: {counts}"]
    ordered = sorted(report.sources, key=lambda s: (STATUSES.index(s.status), s.source_id))
    width = max((len(s.source_id) for s in ordered), default=0)
    for source in ordered:
        label = source.status.upper() if not source.healthy else source.status
        lines.append(f"  {label:<15} {source.source_id:<{width}}  {source.reason}")
    changed = [source for source in ordered if source.history]
    if changed:
        lines.append(f"Edits and removals, last {HISTORY_REPORT_DAYS} days (UTC):")
        for source in changed:
            lines.append(f"  {source.source_id:<{width}}  {format_history(source.history)}")
    return "\n".join(lines)


def format_history(days: Iterable[HistoryDay]) -> str:
    """``2026-01-06: 1 edited, 2 removed; 2026-01-05: 1 edited``."""
    parts = []
    for day in days:
        counts = [f"{n} {what}" for n, what in ((day.edited, "edited"), (day.removed, "removed")) if n]
        parts.append(f"{day.day}: {', '.join(counts)}")
    return "; ".join(parts)
