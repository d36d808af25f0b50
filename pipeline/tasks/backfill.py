"""The backfill DAG's tasks (fetch | re-extract | re-tag | reindex) and the reindex DAG's.

A backfill is checked and its catalog run opened by :func:`plan_backfill`, done source by source (fetching one
host at a time), and closed by :func:`finish_backfill`.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pipeline.archive import read_response
from pipeline.config import Settings, Source, validate_source_entries
from pipeline.enrich import load_enricher, warn_missing_rules
from pipeline.enrich.retag import retag
from pipeline.errors import ArchiveError, ConfigError, ExtractionError
from pipeline.extract import extract
from pipeline.extract.titles import clean_title
from pipeline.fetch.client import HttpClient
from pipeline.ingest import (
    Counts,
    SourceReport,
    discover_source,
    enrich_document,
    plan_items,
    prepare_source,
    run_cycle,
)
from pipeline.models import ArchiveRef
from pipeline.store.catalog import Catalog
from pipeline.tasks.common import (
    brief_counts,
    entry_error,
    load_source,
    open_catalog,
    readout_run_id,
    source_pool,
)

log = logging.getLogger(__name__)

BACKFILL_MODES = ("fetch", "re-extract", "re-tag", "reindex")
#: The longest range one backfill run may cover; longer ones are refused (split them).
MAX_BACKFILL_DAYS = 3660


@dataclass(frozen=True)
class BackfillRequest:
    """A validated backfill: which sources, which publication days (inclusive), what to do."""

    sources: tuple[str, ...]
    since: date | None
    until: date | None
    mode: str
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "sources": list(self.sources),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "mode": self.mode,
            "dry_run": self.dry_run,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> BackfillRequest:
        return cls(
            sources=tuple(raw["sources"]),
            since=date.fromisoformat(raw["since"]) if raw.get("since") else None,
            until=date.fromisoformat(raw["until"]) if raw.get("until") else None,
            mode=raw["mode"],
            dry_run=bool(raw["dry_run"]),
        )


def _param_date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ConfigError(f"{name} {value!r} is not a date (use YYYY-MM-DD)") from None


def validate_backfill(params: dict[str, Any], configured: Sequence[str], *, today: date) -> BackfillRequest:
    """Check a backfill's parameters; raises :class:`ConfigError` saying what is wrong and how to fix it.

    The messages are bare (no "backfill params:" prefix): the DAG's ``plan`` task adds its own."""
    unknown_keys = sorted(set(params) - {"sources", "from_date", "to_date", "mode", "dry_run"})
    if unknown_keys:
        raise ConfigError(f"unknown parameter(s) {', '.join(unknown_keys)}")
    mode = params.get("mode") or "fetch"
    if mode not in BACKFILL_MODES:
        raise ConfigError(f"mode {mode!r} is not one of {', '.join(BACKFILL_MODES)}")
    raw_sources = params.get("sources") or []
    if isinstance(raw_sources, str) or not isinstance(raw_sources, list):
        raise ConfigError("sources must be a list of source ids (empty for all)")
    unknown = sorted(set(raw_sources) - set(configured))
    if unknown:
        raise ConfigError(
            f"unknown source id(s) {', '.join(unknown)} (the sources file has {', '.join(configured) or 'none'})"
        )
    since, until = _param_date(params.get("from_date"), "from_date"), _param_date(params.get("to_date"), "to_date")
    if mode == "fetch" and since is None:
        raise ConfigError("a fetch backfill needs a start date (from_date)")
    if since and until and since > until:
        raise ConfigError(f"from_date {since} is after to_date {until}")
    if since and since > today:
        raise ConfigError(f"from_date {since} is in the future")
    if since and (until or today) - since > timedelta(days=MAX_BACKFILL_DAYS):
        raise ConfigError(f"the range is longer than {MAX_BACKFILL_DAYS} days: split it")
    return BackfillRequest(
        sources=tuple(raw_sources) or tuple(configured),
        since=since,
        until=until,
        mode=mode,
        dry_run=bool(params.get("dry_run")),
    )


def plan_backfill(
    params: dict[str, Any], *, fetch_pools: Collection[str], dag_id: str, run_id: str, today: date
) -> dict[str, Any]:
    """The backfill DAG's first task: check the parameters against the sources file as it is now, open the catalog
    run, and say which task works on which source. Raises :class:`ConfigError` before anything is opened.

    Besides the request and the catalog run id, the plan holds ``reprocess`` (the sources to re-extract or re-tag:
    no HTTP, so no host pool), ``fetch`` (for each pool of ``fetch_pools``, the sources to fetch in it) and
    ``reindex``. Airflow gives every instance of a mapped task the same pool (apache/airflow#33657), so polite
    fetching takes one task per host pool; a source on a host the DAG had no such task for when it was parsed is
    refused rather than silently left out."""
    good, refused = validate_source_entries(Settings().sources)
    for source_id in params.get("sources") or []:  # a selected source whose entry broke since the DAG was parsed
        broken = entry_error(refused, source_id)
        if broken is not None:
            raise ConfigError(f"source {source_id} cannot be loaded: {broken}")
    sources = {source.id: source for source in good}
    request = validate_backfill(params, list(sources), today=today)
    fetch: dict[str, list[str]] = {pool: [] for pool in fetch_pools}
    if request.mode == "fetch":
        for source_id in request.sources:
            pool = source_pool(sources[source_id])
            if pool not in fetch:
                raise ConfigError(
                    f"source {source_id} reads a host the DAG has no fetch task for yet ({pool}): "
                    "trigger it again once Airflow has parsed the DAG file with the new sources"
                )
            fetch[pool].append(source_id)
    planned = start_backfill(request, dag_id=dag_id, run_id=run_id)
    return planned | {
        "reprocess": list(request.sources) if request.mode in ("re-extract", "re-tag") else [],
        "fetch": {pool: ids for pool, ids in fetch.items() if ids},
        "reindex": request.mode == "reindex" and not request.dry_run,
    }


class _LogProgress:
    """Progress of a backfill in the task log: a line every ``every`` items and at the end."""

    def __init__(self, every: int = 25) -> None:
        self.every, self.done, self.total = every, 0, 0

    def source_planned(self, source_id: str, items: int) -> None:
        self.total = items
        log.info("[%s] %d item(s) to fetch", source_id, items)

    def item_done(self, source_id: str, status: str) -> None:
        self.done += 1
        if self.done % self.every == 0 or self.done == self.total:
            log.info("[%s] %d/%d items done", source_id, self.done, self.total)

    def source_finished(self, report: SourceReport) -> None:
        log.info("[%s] finished: %s", report.source_id, brief_counts(report.counts))


def backfill_source(settings: Settings, source: Source, request: BackfillRequest, *, run_id: str) -> dict[str, Any]:
    """One source's share of a backfill (fetch, re-extract or re-tag); returns its counts."""
    missing = warn_missing_rules(settings, log)
    if missing and request.mode == "re-tag":
        raise ConfigError(missing[0])  # re-tagging without the rules would strip every document of those tags
    catalog = open_catalog(settings)
    try:
        if request.mode == "fetch":
            if request.dry_run:
                plan = ingest_discover_dry(settings, catalog, source, request)
                return {"source_id": source.id, "mode": request.mode, "dry_run": True, "counts": plan, "status": "ok"}
            report = run_cycle(
                settings,
                [source],
                catalog=catalog,
                mode="backfill",
                since=request.since,
                until=request.until,
                observer=_LogProgress(),
                run_id=run_id,
            )
            counts = report.totals().as_dict()
            status = report.status
        elif request.mode == "re-extract":
            counts = reextract(settings, catalog, source, request, run_id=run_id)
            status = "ok" if not counts["failed"] else "partial"
        else:
            enricher = load_enricher(settings)
            if enricher.problems:
                # Applying rules with a broken entry left out would strip that entry's tags everywhere.
                raise enricher.problems[0]
            retagged = retag(
                catalog,
                enricher,
                source_ids=[source.id],
                since=request.since,
                until=request.until,
                run_id=run_id,
                dry_run=request.dry_run,
                zones={source.id: source.tz},
            )
            counts = retagged.as_dict()
            status = "ok"
        if not request.dry_run and request.mode != "fetch":
            catalog.save_source_result(run_id, source.id, status, _run_counts(counts), None, 0.0, update_state=False)
    finally:
        catalog.close()
    log.info("[%s] %s%s: %s", source.id, request.mode, " (dry run)" if request.dry_run else "", counts)
    return {
        "source_id": source.id,
        "mode": request.mode,
        "dry_run": request.dry_run,
        "counts": counts,
        "status": status,
    }


def _run_counts(counts: dict[str, int]) -> dict[str, int]:
    """Counts in the shape run results have (the fields of :class:`Counts`)."""
    known = Counts().as_dict()
    return {key: counts.get(key, 0) for key in known} | {
        "extracted": counts.get("extracted", counts.get("examined", 0))
    }


def ingest_discover_dry(
    settings: Settings, catalog: Catalog, source: Source, request: BackfillRequest
) -> dict[str, int]:
    """What a fetch backfill would do: discovery over the range and the plan, nothing fetched or stored."""
    prepared = prepare_source(catalog, source, "backfill")
    with HttpClient(settings, robots_cache_dir=settings.data_dir / "robots") as client:
        outcome = discover_source(
            source, client, validators={}, children=prepared.children, mode="backfill", since=request.since
        )
    plan = plan_items(
        outcome.items,
        source=source,
        known=prepared.known(outcome.items),
        given_up=prepared.frontier.given_up,
        since=request.since,
        until=request.until,
    )
    return {
        "discovered": len(outcome.items),
        "would_fetch": len(plan.fetch),
        "skipped": plan.skipped,
        "failed": len(outcome.errors),
    }


def reextract(
    settings: Settings, catalog: Catalog, source: Source, request: BackfillRequest, *, run_id: str
) -> dict[str, int]:
    """Extract the source's documents again from their raw WARC records: no HTTP request at all.

    A document whose text comes out different gets a new version (a better extractor, new rules)."""
    start = datetime.combine(request.since, time.min, UTC) if request.since else None
    end = datetime.combine(request.until + timedelta(days=1), time.min, UTC) if request.until else None
    rows = [
        (
            doc.canonical_url,
            doc.title,
            doc.published_at,
            doc.listed_updated_at,
            doc.warc_file,
            doc.warc_offset,
            doc.warc_length,
        )
        for doc in catalog.documents(source_ids=[source.id], since=start, until=end)
    ]
    counts = {"examined": 0, "updated": 0, "unchanged": 0, "skipped": 0, "failed": 0}
    root = settings.effective_archive_url
    enricher = load_enricher(settings)
    for url, stored_title, published_at, listed_updated_at, file, offset, length in rows:
        counts["examined"] += 1
        if file is None or offset is None or length is None:
            counts["skipped"] += 1  # stored without its raw record: nothing to re-extract from
            continue
        ref = ArchiveRef(file, offset, length)
        try:
            response = read_response(root, ref)
            extracted = extract(
                response.body,
                url=response.final_url,
                content_type=response.header("content-type"),
                source=source,
                listing_date=published_at,
            )
        except (ArchiveError, ExtractionError) as exc:
            counts["failed"] += 1
            if not request.dry_run:  # a dry run has no catalog run to record the failure under
                catalog.record_failure(run_id=run_id, source_id=source.id, url=url, stage="re-extract", error=exc)
            log.warning("[%s] cannot re-extract %s: %s", source.id, url, exc)
            continue
        if extracted.title is None and stored_title:
            # The page has no title of its own (ingest took the listing's, which is not kept): keep the stored
            # one, unless it is the bare "| Site" an older extractor took from <title>.
            extracted = replace(extracted, title=clean_title(stored_title, ()))
        if request.dry_run:
            counts["unchanged"] += 1
            continue
        status = catalog.store_document(
            source=source,
            item_url=url,
            response=response,
            extracted=extracted,
            archive=ref,
            listed_updated_at=listed_updated_at,
            run_id=run_id,
            enrichment=enrich_document(enricher, extracted, source=source, url=url),
        )
        counts["updated" if status == "updated" else "unchanged"] += 1
    return counts


def reindex_target(settings: Settings, *, drop_old: bool = False) -> dict[str, Any]:
    """Rebuild the search index from the catalog (a new index version and an alias swap on Elasticsearch)."""
    from pipeline.index.service import reindex

    catalog = open_catalog(settings)
    try:
        report = reindex(settings, catalog, drop_old=drop_old)
    finally:
        catalog.close()
    summary = {key: value for key, value in vars(report).items() if isinstance(value, str | int | float | None)}
    log.info("reindex: %s", summary)
    return summary


def start_backfill(request: BackfillRequest, *, dag_id: str, run_id: str) -> dict[str, Any]:
    """Open the backfill's catalog run (not for a dry run) and return the plan the source tasks read."""
    planned = request.as_dict() | {"run_id": readout_run_id(dag_id, run_id)}
    if not request.dry_run:
        catalog = open_catalog(Settings())
        try:
            catalog.start_run("backfill", request.as_dict() | {"airflow": True}, run_id=planned["run_id"])
        finally:
            catalog.close()
    log.info("backfill %s: %s", planned["run_id"][:8], request.as_dict())
    return planned


def backfill_for_run(planned: dict[str, Any], source_id: str, *, dag_id: str, run_id: str) -> dict[str, Any]:
    """The backfill DAG's task for one source."""
    settings = Settings()
    request = BackfillRequest.from_dict(planned)
    return backfill_source(settings, load_source(settings, source_id), request, run_id=planned["run_id"])


def backfill_host(
    planned: dict[str, Any], pool: str, *, dag_id: str, run_id: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """The backfill DAG's fetch task of one host: its selected sources one after the other (one request stream
    per host). Returns the results and the sources that failed; one failing does not stop the next."""
    results, failed = [], []
    for source_id in planned["fetch"].get(pool, []):
        try:
            results.append(backfill_for_run(planned, source_id, dag_id=dag_id, run_id=run_id))
        except Exception:  # logged with its traceback; summary reports the source as failed
            log.exception("[%s] backfill failed", source_id)
            failed.append(source_id)
    return results, failed


def finish_backfill(planned: dict[str, Any], results: list[dict[str, Any]], *, run_id: str) -> dict[str, Any]:
    """Log a table of the backfill's results and close its catalog run."""
    selected = planned["sources"] if planned["mode"] != "reindex" else []
    missing = sorted(set(selected) - {result["source_id"] for result in results})
    # A source whose task finished can still be partial (some items failed): the run is not ok then either.
    degraded = any(result.get("status", "ok") != "ok" for result in results)
    status = "partial" if missing or degraded else "ok"
    if missing and len(missing) == len(selected):
        status = "failed"
    lines = [f"backfill {planned['mode']}{' (dry run)' if planned['dry_run'] else ''}: {status}"]
    for result in sorted(results, key=lambda r: r["source_id"]):
        counts = ", ".join(f"{value} {key}" for key, value in result["counts"].items() if value) or "nothing"
        state = "" if result.get("status", "ok") == "ok" else f" [{result['status']}]"
        lines.append(f"  {result['source_id']:<24} {counts}{state}")
    lines.extend(f"  {source_id:<24} FAILED (see its task log)" for source_id in missing)
    log.info("\n".join(lines))
    if not planned["dry_run"]:
        catalog = open_catalog(Settings())
        try:
            catalog.finish_run(planned["run_id"], status)
        finally:
            catalog.close()
    return {"status": status, "results": results, "failed_sources": missing}
