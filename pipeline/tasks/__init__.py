"""The bodies of Readout's Airflow tasks, as plain functions (this package never imports Airflow).

DAG files in ``dags/`` only wire these together; everything they pass between tasks is JSON (XCom).
A task can be retried, and a whole DAG run re-run, without duplicating anything: the catalog run is
keyed by the DAG run, items wait in the catalog's frontier until they are settled, and documents are
keyed by their canonical URL.

Cut by concern: ``common`` (run and DAG ids, pools, ``default_args``, the catalog, the sources),
``ingest``, ``backfill`` (with re-extraction and reindexing) and ``health``. Their public names are
re-exported here, so callers write ``from pipeline import tasks`` or ``from pipeline.tasks import ...``.
"""

from pipeline.tasks.backfill import (
    BACKFILL_MODES,
    MAX_BACKFILL_DAYS,
    BackfillRequest,
    backfill_for_run,
    backfill_host,
    backfill_source,
    finish_backfill,
    ingest_discover_dry,
    plan_backfill,
    reextract,
    reindex_target,
    start_backfill,
    validate_backfill,
)
from pipeline.tasks.common import (
    default_args,
    host_pool,
    ingest_dag_id,
    load_source,
    pools_spec,
    readout_run_id,
    source_pool,
)
from pipeline.tasks.health import health_check
from pipeline.tasks.ingest import (
    DEFAULT_BATCH_SIZE,
    MAX_BATCHES,
    batch_items,
    discover_for_run,
    ingest_discover,
    ingest_fetch_batch,
    ingest_record,
    interval_days,
    run_mode,
)

__all__ = [
    "BACKFILL_MODES",
    "DEFAULT_BATCH_SIZE",
    "MAX_BACKFILL_DAYS",
    "MAX_BATCHES",
    "BackfillRequest",
    "backfill_for_run",
    "backfill_host",
    "backfill_source",
    "batch_items",
    "default_args",
    "discover_for_run",
    "finish_backfill",
    "health_check",
    "host_pool",
    "ingest_dag_id",
    "ingest_discover",
    "ingest_discover_dry",
    "ingest_fetch_batch",
    "ingest_record",
    "interval_days",
    "load_source",
    "plan_backfill",
    "pools_spec",
    "readout_run_id",
    "reextract",
    "reindex_target",
    "run_mode",
    "source_pool",
    "start_backfill",
    "validate_backfill",
]
