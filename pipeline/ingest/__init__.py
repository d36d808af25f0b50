"""One ingest cycle: discover → plan → fetch → archive → extract → catalog, for many sources at once.

The stage functions (:func:`discover_source`, :func:`plan_items`, :func:`fetch_item`,
:func:`apply_result`) are what the CLI and the Airflow DAGs call. :func:`run_cycle` runs them for a
set of sources: one worker thread per source (politeness keeps one request in flight per host) that
fetches only once its plan is committed to the frontier, extraction and tagging in worker processes
(:mod:`.workers`), and every catalog write on the calling thread, in the order results arrive.

The package is cut by stage: :mod:`.discover`, :mod:`.plan`, :mod:`.fetch`, :mod:`.record` (catalog
writes), :mod:`.listings` (pages dropped from a listing) and :mod:`.run`; :mod:`.outcomes` holds what each
stage returns. Planning includes the re-checks due (:mod:`pipeline.recheck`).
"""

from __future__ import annotations

from pipeline.ingest.discover import dedupe_items, discover_source, local_day
from pipeline.ingest.fetch import fetch_item
from pipeline.ingest.outcomes import (
    Counts,
    DiscoveryOutcome,
    ItemResult,
    Mode,
    Rechecks,
    RunObserver,
    RunReport,
    SourceReport,
)
from pipeline.ingest.plan import Plan, plan_items
from pipeline.ingest.record import apply_result, enrich_document, record_discovery, record_item, record_plan
from pipeline.ingest.run import RETRY_GIVEN_UP_AFTER, STALE_RUN_AFTER, Prepared, plan_source, prepare_source, run_cycle

__all__ = [
    "RETRY_GIVEN_UP_AFTER",
    "STALE_RUN_AFTER",
    "Counts",
    "DiscoveryOutcome",
    "ItemResult",
    "Mode",
    "Plan",
    "Prepared",
    "Rechecks",
    "RunObserver",
    "RunReport",
    "SourceReport",
    "apply_result",
    "dedupe_items",
    "discover_source",
    "enrich_document",
    "fetch_item",
    "local_day",
    "plan_items",
    "plan_source",
    "prepare_source",
    "record_discovery",
    "record_item",
    "record_plan",
    "run_cycle",
]
