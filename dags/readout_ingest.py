"""
### Readout ingest: one DAG per source in `config/sources.yaml`

`discover` reads the source's feeds, listing pages or sitemaps and plans what to fetch (every planned
item waits in the catalog's frontier until it is settled) → `fetch_extract` fetches, archives, extracts
and catalogs the items in mapped batches → `index` sends the catalog's changes to the search index
("Open in Kibana" shows this run's documents) → `record` closes the run with its counts.

- **Schedule**: the source's `schedule` (cron, UTC) as a data-interval timetable; sources with a
  `watch:` block also run when the event trigger sees their feed or listing change.
- **`airflow backfill create`** runs re-walk the listing for the days of their data interval.
- **Politeness**: network tasks run in the pool of the source's host (one slot), so two DAGs never
  read one host at once.
- **Idempotent**: retrying a task or re-running the whole DAG run adds no duplicate.

A broken entry in the sources file gets no DAG here: it shows up as the import error of
`readout_sources_check.py`, naming the file, the entry, its line and the field, while the other sources'
DAGs keep running (an import error in this file would stop all of them).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, Asset, AssetOrTimeSchedule, AssetWatcher, CronDataIntervalTimetable, task
from airflow.sdk.exceptions import AirflowFailException
from readout_airflow.operators import ReadoutIndexOperator
from readout_airflow.trigger import FeedChangeTrigger

from pipeline import tasks
from pipeline.config import Settings, Source, validate_source_entries

DEFAULT_ARGS = tasks.default_args(timeout=timedelta(minutes=45), retries=3, retry_delay=timedelta(minutes=1))


def ingest_dag(source: Source) -> DAG:
    """The ingest DAG of one source."""
    pool = tasks.source_pool(source)
    schedule: Any = CronDataIntervalTimetable(source.schedule, timezone="UTC")
    if source.watch is not None and source.watch_url is not None:
        trigger = FeedChangeTrigger(source_id=source.id, url=source.watch_url, interval=source.watch.interval)
        feed = Asset(f"readout_feed_{source.id}", watchers=[AssetWatcher(name=f"watch_{source.id}", trigger=trigger)])
        schedule = AssetOrTimeSchedule(timetable=schedule, assets=[feed])
    with DAG(
        dag_id=tasks.ingest_dag_id(source.id),
        description=f"Ingest {source.name}",
        doc_md=__doc__,
        schedule=schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        dagrun_timeout=timedelta(hours=3),
        tags=["readout", "ingest", source.kind, source.country.lower()],
    ) as dag:

        @task(pool=pool)
        def discover(**context: Any) -> list[dict[str, Any]]:
            run_type = context["dag_run"].run_type  # a (str, Enum): its value is "backfill", its str() is not
            discovered = tasks.discover_for_run(
                source.id,
                dag_id=context["dag"].dag_id,
                run_id=context["run_id"],
                run_type=getattr(run_type, "value", run_type),
                interval_start=context.get("data_interval_start"),
                interval_end=context.get("data_interval_end"),
            )
            context["ti"].xcom_push(key="discovery", value=discovered)
            return [{"run_id": discovered["run_id"], "items": batch} for batch in discovered["batches"]]

        @task(pool=pool)
        def fetch_extract(batch: dict[str, Any]) -> dict[str, Any]:
            settings = Settings()
            return tasks.ingest_fetch_batch(
                settings, tasks.load_source(settings, source.id), run_id=batch["run_id"], batch=batch["items"]
            )

        @task(trigger_rule="all_done")
        def record(results: list[dict[str, Any]], **context: Any) -> dict[str, Any]:
            settings = Settings()
            # By index, not by iterating: iteration probes one past the end, which Airflow logs as an error.
            done = [results[i] for i in range(len(results))]
            discovered = context["ti"].xcom_pull(task_ids="discover", key="discovery")
            if discovered is None:
                raise AirflowFailException("discovery failed (see the discover task's log): no run to record")
            summary = tasks.ingest_record(
                settings, tasks.load_source(settings, source.id), discovered=discovered, batches=done
            )
            # The run is closed above whatever happened; a failed step still fails the DAG run.
            problems = []
            if summary["lost_batches"]:
                problems.append(f"{summary['lost_batches']} fetch batch(es) failed; their items wait")
            if context["ti"].xcom_pull(task_ids="index") is None:
                problems.append("the index step failed (see the index task's log); the documents stay pending")
            if problems:
                raise AirflowFailException("; ".join(problems))
            return summary

        fetched = fetch_extract.expand(batch=discover())
        index = ReadoutIndexOperator(task_id="index", trigger_rule="all_done")
        fetched >> index >> record(fetched)
    return dag


# Refused entries are skipped here (readout_sources_check.py reports them): Airflow marks every DAG of a file
# with an import error stale, so raising here would stop the valid sources' DAGs too.
_settings = Settings()
_sources, _refused = validate_source_entries(_settings.sources)
for _source in _sources:
    if _source.enabled:
        globals()[f"ingest_{_source.id}"] = ingest_dag(_source)
