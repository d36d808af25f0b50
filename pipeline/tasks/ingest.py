"""The ingest DAG's tasks: discover → fetch and extract (mapped batches) → index → record."""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from pipeline import clock
from pipeline.archive import WarcFile, warc_path
from pipeline.config import Settings, Source
from pipeline.enrich import load_enricher, warn_missing_rules
from pipeline.fetch.client import HttpClient
from pipeline.ingest import (
    RETRY_GIVEN_UP_AFTER,
    Counts,
    Mode,
    Rechecks,
    SourceReport,
    discover_source,
    fetch_item,
    local_day,
    plan_source,
    prepare_source,
    record_discovery,
    record_item,
    record_plan,
)
from pipeline.ingest.listings import record_listings
from pipeline.models import DiscoveredItem, FetchedResponse
from pipeline.tasks.common import brief_counts, load_source, open_catalog, readout_run_id
from pipeline.urls import canonical_url

log = logging.getLogger(__name__)

#: Items per mapped fetch task: small enough that a retry repeats little, large enough to keep the
#: number of task instances (and their start-up cost) low.
DEFAULT_BATCH_SIZE = 20
#: Airflow refuses to expand a task into more than ``[core] max_map_length`` (1024 by default)
#: instances; a backlog larger than this many batches waits in the frontier for the next run.
MAX_BATCHES = 1000


def _item_json(item: DiscoveredItem, rechecking: dict[str, str | None]) -> dict[str, Any]:
    """An item for a fetch batch; a re-check carries ``recheck`` (its removal evidence kind before, or "")."""
    key = canonical_url(item.url)
    return {
        **({"recheck": rechecking[key] or ""} if key in rechecking else {}),
        "url": item.url,
        "source_id": item.source_id,
        "title": item.title,
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "updated_at": item.updated_at.isoformat() if item.updated_at else None,
        "found_on": item.found_on,
    }


def _item_from_json(raw: dict[str, Any]) -> DiscoveredItem:
    return DiscoveredItem(
        url=raw["url"],
        source_id=raw["source_id"],
        title=raw.get("title"),
        published_at=datetime.fromisoformat(raw["published_at"]) if raw.get("published_at") else None,
        updated_at=datetime.fromisoformat(raw["updated_at"]) if raw.get("updated_at") else None,
        found_on=raw.get("found_on"),
    )


def _endpoint_json(response: FetchedResponse, parent: str | None) -> dict[str, Any]:
    return {
        "url": response.url,
        "status": response.status,
        "etag": response.header("etag"),
        "last_modified": response.header("last-modified"),
        "fetched_at": response.fetched_at.isoformat(),
        "parent": parent,
    }


def _endpoint_response(raw: dict[str, Any]) -> FetchedResponse:
    headers = tuple(
        (name, raw[key]) for name, key in (("ETag", "etag"), ("Last-Modified", "last_modified")) if raw.get(key)
    )
    return FetchedResponse(
        url=raw["url"],
        final_url=raw["url"],
        status=raw["status"],
        headers=headers,
        body=b"",
        fetched_at=datetime.fromisoformat(raw["fetched_at"]),
    )


def batch_items(items: list[dict[str, Any]], *, batch_size: int, max_batches: int = MAX_BATCHES) -> list[list[Any]]:
    """Cut ``items`` into at most ``max_batches`` batches of about ``batch_size`` (larger when needed)."""
    if not items:
        return []
    size = max(batch_size, -(-len(items) // max_batches))
    return [items[start : start + size] for start in range(0, len(items), size)]


def interval_days(start: datetime | None, end: datetime | None, source: Source) -> tuple[date | None, date | None]:
    """The publication days an Airflow data interval ``[start, end)`` covers, in the source's time zone."""
    if start is None or end is None or end <= start:
        return None, None
    last = end - timedelta(microseconds=1)
    return local_day(start, source), local_day(last, source)


def ingest_discover(
    settings: Settings,
    source: Source,
    *,
    run_id: str,
    mode: Mode = "incremental",
    since: date | None = None,
    until: date | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> dict[str, Any]:
    """Open (or reopen) the catalog run, discover the source's items and plan the fetches.

    Returns ``{"run_id", "source_id", "mode", "batches", "endpoints", "counts", "errors", "deferred"}``;
    every planned item is in the frontier before this returns, so nothing is lost if a later task fails.
    """
    warn_missing_rules(settings, log)
    catalog = open_catalog(settings)
    try:
        params: dict[str, Any] = {"sources": [source.id], "airflow": True}
        if since:
            params["since"] = since.isoformat()
        if until:
            params["until"] = until.isoformat()
        catalog.start_run(mode, params, run_id=run_id)
        started = clock.now()
        prepared = prepare_source(
            catalog,
            source,
            mode,
            now=started,
            recheck_limit=min(settings.max_items_per_source, batch_size * MAX_BATCHES),
        )
        report = SourceReport(source.id)
        with HttpClient(settings, robots_cache_dir=settings.data_dir / "robots") as client:
            # A unique file per attempt: a retried task must never overwrite records stored documents point at.
            relative = warc_path(source.id, f"{run_id[:8]}-{uuid.uuid4().hex[:8]}", started)
            with WarcFile(settings.effective_archive_url, relative) as warc:
                outcome = discover_source(
                    source,
                    client,
                    validators=prepared.validators,
                    children=prepared.children,
                    warc=warc,
                    mode=mode,
                    since=since,
                    first_run=prepared.first_run,
                )
        record_discovery(catalog, source, report, outcome, run_id)
        record_listings(catalog, source, report, outcome, run_id, settings.data_dir / "listings")
        plan = plan_source(
            source,
            outcome,
            prepared,
            since=since,
            until=until,
            limit=min(settings.max_items_per_source, batch_size * MAX_BATCHES),
        )
        record_plan(catalog, source, report, plan)
        endpoints = [_endpoint_json(r, outcome.parents.get(r.url)) for r in outcome.responses]
        return {
            "run_id": run_id,
            "source_id": source.id,
            "mode": mode,
            "batches": batch_items(
                [_item_json(item, plan.rechecking) for item, _ in plan.fetch], batch_size=batch_size
            ),
            "endpoints": endpoints if mode == "incremental" else [],
            "counts": report.counts.as_dict(),
            "errors": report.errors,
            "reached": report.reached,
            "broken": report.broken,
            "deferred": len(plan.deferred),
            "rechecks": asdict(report.rechecks),
        }
    finally:
        catalog.close()


def ingest_fetch_batch(
    settings: Settings, source: Source, *, run_id: str, batch: list[dict[str, Any]]
) -> dict[str, Any]:
    """Fetch, archive, extract and catalog one batch of items; returns its counts and errors.

    Items a previous attempt of this task already settled are skipped, so a retry repeats only the
    unfinished part of the batch and never duplicates a document.
    """
    catalog = open_catalog(settings)
    try:
        frontier = catalog.frontier(source.id, now=clock.now(), retry_given_up_after=RETRY_GIVEN_UP_AFTER)
        pending = {canonical_url(item.url) for item in frontier.pending}
        report = SourceReport(source.id, reached=True)
        items = [_item_from_json(raw) for raw in batch]
        report.rechecking = {
            canonical_url(raw["url"]): raw["recheck"] or None for raw in batch if raw.get("recheck") is not None
        }
        todo = [item for item in items if canonical_url(item.url) in pending]
        known = catalog.known_items(source.id, [canonical_url(item.url) for item in todo])
        report.counts.skipped += len(items) - len(todo)
        started = clock.now()
        enricher = load_enricher(settings)
        with HttpClient(settings, robots_cache_dir=settings.data_dir / "robots") as client:
            relative = warc_path(source.id, f"{run_id[:8]}-{uuid.uuid4().hex[:8]}", started)
            with WarcFile(settings.effective_archive_url, relative) as warc:
                for item in todo:
                    result = fetch_item(source, item, known.get(canonical_url(item.url)), client, warc=warc)
                    record_item(catalog, source, report, result, run_id, enricher)
        log.info("[%s] batch of %d: %s", source.id, len(items), brief_counts(report.counts))
        return {"counts": report.counts.as_dict(), "errors": report.errors, "rechecks": asdict(report.rechecks)}
    finally:
        catalog.close()


def ingest_record(
    settings: Settings, source: Source, *, discovered: dict[str, Any], batches: list[dict[str, Any]]
) -> dict[str, Any]:
    """Close the run for this source: save the discovery validators, the counts and the run's status.

    ``batches`` holds the results of the fetch tasks that succeeded; when fewer came back than were
    planned, the missing ones failed (their items are still in the frontier) and the run is "partial".
    """
    run_id = discovered["run_id"]
    counts = Counts(**discovered["counts"])
    rechecks = Rechecks(**discovered.get("rechecks", {}))
    errors: list[str] = list(discovered["errors"])
    for result in batches:
        for key, value in result["counts"].items():
            setattr(counts, key, getattr(counts, key) + value)
        rechecks.add(Rechecks(**result.get("rechecks", {})))
        errors.extend(result["errors"])
    planned = len(discovered["batches"])
    lost = planned - len(batches)
    if lost:
        errors.append(f"{lost} of {planned} fetch batch(es) failed; their items wait in the frontier")
    report = SourceReport(
        source.id, counts=counts, errors=errors, reached=discovered["reached"], broken=discovered.get("broken", False)
    )
    catalog = open_catalog(settings)
    try:
        if not lost:
            # As in a CLI run, validators are saved only when every planned item was dealt with: a 304
            # next time must not stand for items this run did not finish.
            for raw in discovered["endpoints"]:
                catalog.save_endpoint(source.id, _endpoint_response(raw), parent_url=raw.get("parent"))
        catalog.save_source_result(
            run_id, source.id, report.status, counts.as_dict(), "; ".join(errors[:3]) or None, 0.0
        )
        catalog.finish_run(run_id, report.status)
    finally:
        catalog.close()
    summary = {
        "run_id": run_id,
        "source_id": source.id,
        "status": report.status,
        "counts": counts.as_dict(),
        "rechecks": asdict(rechecks),
        "lost_batches": lost,
    }
    log.info("[%s] run %s %s: %s; %s", source.id, run_id[:8], report.status, brief_counts(counts), rechecks)
    for error in errors[:20]:
        log.warning("[%s] %s", source.id, error)
    return summary


def run_mode(run_type: object) -> Mode:
    """``airflow backfill create`` runs re-walk their data interval; every other run is incremental.

    ``run_type`` is the DAG run's type as Airflow gives it (a ``DagRunType``, a ``(str, Enum)``) or its
    value (``"backfill"``). The enum is compared by its value: the task SDK's ``str(DagRunType.BACKFILL)``
    is ``"DagRunType.BACKFILL"``, which is accepted too."""
    value = str(getattr(run_type, "value", run_type))
    return "backfill" if value in ("backfill", "DagRunType.BACKFILL") else "incremental"


def discover_for_run(
    source_id: str,
    *,
    dag_id: str,
    run_id: str,
    run_type: object,
    interval_start: datetime | None,
    interval_end: datetime | None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> dict[str, Any]:
    """The ingest DAG's first task: :func:`ingest_discover` for an Airflow DAG run."""
    settings = Settings()
    source = load_source(settings, source_id)
    mode = run_mode(run_type)
    since, until = interval_days(interval_start, interval_end, source) if mode == "backfill" else (None, None)
    return ingest_discover(
        settings,
        source,
        run_id=readout_run_id(dag_id, run_id),
        mode=mode,
        since=since,
        until=until,
        batch_size=batch_size,
    )
