"""Writing outcomes to the catalog: discoveries, plans (the frontier) and items, with enrichment."""

from __future__ import annotations

import logging

from pipeline import clock
from pipeline.config import Source
from pipeline.enrich import Enricher, Enrichment
from pipeline.errors import DiscoveryError, InternalError, traceback_wanted
from pipeline.ingest.outcomes import DiscoveryOutcome, ItemResult, Rechecks, SourceReport
from pipeline.ingest.plan import Plan
from pipeline.models import ExtractedDocument, ItemStatus
from pipeline.store.catalog import Catalog
from pipeline.store.rechecks import LISTING_KIND
from pipeline.urls import canonical_url

log = logging.getLogger(__name__)


def apply_result(
    catalog: Catalog, source: Source, result: ItemResult, *, run_id: str, enricher: Enricher | None = None
) -> ItemStatus:
    """Enrich an extracted document (with ``enricher``), write the item's outcome to the catalog and settle
    it in the frontier; returns the final status."""
    item = result.item
    ages = source.recheck_ages
    # Each outcome settles the item's frontier row in the transaction that writes it: a crash right after
    # the commit must not leave the row pending for ever (planning skips an item the catalog has).
    if result.status == "not_modified" and result.response is not None:
        catalog.touch_document(
            item.url,
            fetched_at=result.response.fetched_at,
            listed_updated_at=item.updated_at,
            source_id=source.id,
            run_id=run_id,
            recheck=ages,
        )
        return "not_modified"
    if result.status == "removed":
        when = result.response.fetched_at if result.response is not None else clock.now()
        found = result.evidence or {"kind": "gone", "url": item.url, "status": None, "detail": str(result.error)}
        found = {**found, "at": when.isoformat()}
        catalog.mark_removed(item.url, when, run_id=run_id, source_id=source.id, evidence=found, recheck=ages)
        return "removed"
    if result.status == "failed" or result.document is None or result.response is None:
        error = result.error or InternalError("no document and no error")
        catalog.record_failure(run_id=run_id, source_id=source.id, url=item.url, stage=result.stage, error=error)
        state = catalog.settle(source.id, item.url, error=error)
        if state == "given_up":
            log.warning("[%s] giving up on %s after: %s", source.id, item.url, error)
        if ages:
            catalog.plan_recheck(item.url, ages, clock.now())
        return "failed"
    return catalog.store_document(
        source=source,
        item_url=item.url,
        response=result.response,
        extracted=result.document,
        archive=result.archive,
        listed_updated_at=item.updated_at,
        run_id=run_id,
        enrichment=result.enrichment or enrich_document(enricher, result.document, source=source, url=item.url),
        settle=True,
    )


def enrich_document(
    enricher: Enricher | None, document: ExtractedDocument, *, source: Source, url: str
) -> Enrichment | None:
    """The document's enrichment (a briefing's with its exchanges), or None without an enricher. A failure
    here is a bug in the tagger: it is logged and the document is stored untagged (``readout retag`` catches
    it up), never lost."""
    if enricher is None:
        return None
    try:
        return enricher.enrich(
            document.title,
            document.text,
            declared_language=document.language,
            source_kind=source.kind,
            ministry=source.country,
            published_at=document.published_at,
            local_zone=source.tz,
        )
    except Exception:
        log.exception("[%s] enrichment failed on %s; stored untagged", source.id, url)
        return None


def record_failure_quietly(catalog: Catalog, run_id: str, source_id: str, stage: str, error: BaseException) -> None:
    """Record a source-level failure (no URL); when the catalog itself fails, only log it."""
    try:
        catalog.record_failure(run_id=run_id, source_id=source_id, url=None, stage=stage, error=error)
    except Exception as exc:  # the catalog itself is failing; the log line above is all we can do
        log.warning("[%s] could not record the failure either: %s", source_id, exc, exc_info=traceback_wanted(log, exc))


def record_plan(catalog: Catalog, source: Source, report: SourceReport, plan: Plan) -> None:
    """Put every planned item into the frontier (so no later failure loses it) and count the skipped."""
    report.counts.skipped += plan.skipped
    report.rechecking.update(plan.rechecking)
    catalog.add_to_frontier(source.id, [item for item, _ in plan.fetch] + plan.deferred)
    log.info(
        "[%s] %d item(s) to fetch (%d re-checks), %d left for the next run, %d already known or out of range",
        source.id,
        len(plan.fetch),
        len(plan.rechecking),
        len(plan.deferred),
        plan.skipped,
    )


def record_discovery(
    catalog: Catalog, source: Source, report: SourceReport, outcome: DiscoveryOutcome, run_id: str
) -> None:
    """Count what discovery read into ``report`` and record its failures and warnings in the catalog.

    Endpoints read (or archived) cleanly first resolve their earlier failures; a failure has the endpoint's
    URL, so only a later clean read of that same URL resolves it."""
    report.reached = outcome.reached
    report.broken = outcome.broken
    unchanged = sum(1 for response in outcome.responses if response.not_modified)
    log.info(
        "[%s] discovery read %d endpoint(s) (%d not modified): %d item(s)",
        source.id,
        len(outcome.responses),
        unchanged,
        len(outcome.items),
    )
    report.counts.discovered = len(outcome.items)
    for response in outcome.responses:
        if response.not_modified:
            report.counts.not_modified += 1
        else:
            report.counts.fetched += 1
    catalog.resolve_endpoint_failures(source.id, read=outcome.read, archived=outcome.archived)
    for failure in outcome.failures:
        report.errors.append(str(failure))
        error = failure.error or DiscoveryError(failure.message, url=failure.url)
        catalog.record_failure(run_id=run_id, source_id=source.id, url=failure.url, stage=failure.stage, error=error)
    report.counts.warnings += len(outcome.warnings)
    report.warnings.extend(str(warning) for warning in outcome.warnings)
    catalog.record_warnings(run_id, source.id, [(warning.url, str(warning)) for warning in outcome.warnings])


def record_item(
    catalog: Catalog,
    source: Source,
    report: SourceReport,
    result: ItemResult,
    run_id: str,
    enricher: Enricher | None = None,
) -> ItemStatus:
    """Enrich and write one item's outcome to the catalog and count it into ``report``."""
    counts = report.counts
    if result.response is not None and not result.response.not_modified:
        counts.fetched += 1
    if result.document is not None:
        counts.extracted += 1
    status = apply_result(catalog, source, result, run_id=run_id, enricher=enricher)
    if result.document is not None and result.document.warnings:
        _record_extraction_warnings(catalog, source, report, result, run_id)  # after the page is safely stored
    setattr(counts, status, getattr(counts, status) + 1)
    key = canonical_url(result.item.url)
    if key in report.rechecking:
        cosmetic = status == "updated" and catalog.last_version_cosmetic(result.item.url)
        count_recheck(report.rechecks, status, removed_as=report.rechecking[key], cosmetic=cosmetic)
    if status == "failed" and result.error is not None:
        report.errors.append(str(result.error))
        log.warning("[%s] %s: %s", source.id, result.stage, result.error)
    return status


def _record_extraction_warnings(
    catalog: Catalog, source: Source, report: SourceReport, result: ItemResult, run_id: str
) -> None:
    """What extraction made do with on one page (a ``body_selector`` that matched nothing: the site's layout
    changed), said in the log and the run's summary and kept with the run's warnings (`readout sources`)."""
    assert result.document is not None
    url = result.item.url
    found = [f"{warning} ({url})" for warning in result.document.warnings]
    for message in found:
        log.warning("[%s] %s", source.id, message)
    report.counts.warnings += len(found)
    report.warnings.extend(found)
    catalog.add_warnings(run_id, source.id, [(url, message) for message in found])


def count_recheck(rechecks: Rechecks, status: ItemStatus, *, removed_as: str | None, cosmetic: bool = False) -> None:
    """Count one re-check's outcome (``removed_as``: the page's removal evidence kind before it, None when it
    was there): ``changed`` when it stored a new version that edits the page (``reformatted`` when the version
    changed only its formatting: ``cosmetic``), ``removed`` when it found a page removed that was
    not, ``back`` when a removed page answered again (one dropped from its listing is back only when listed)."""
    rechecks.checked += 1
    if status == "updated" and cosmetic:
        rechecks.reformatted += 1
    elif status == "updated":
        rechecks.changed += 1
    if status == "removed" and removed_as is None:
        rechecks.removed += 1
    elif removed_as not in (None, LISTING_KIND) and status in ("new", "updated", "unchanged", "not_modified"):
        rechecks.back += 1
