"""
### Readout backfill: fetch, re-extract, re-tag or reindex over a date range

Trigger it from the UI's form ("Trigger DAG" with parameters), the CLI or the REST API:

```
airflow dags trigger readout_backfill --conf '{"sources": ["cn-mfa-en"], "from_date": "2026-03-01",
  "to_date": "2026-03-31", "mode": "fetch", "dry_run": false}'
```

- **fetch**: walk each source's listing/sitemap back to `from_date` and fetch what was published in
  the range (days in the source's time zone, inclusive).
- **re-extract**: extract the stored documents again from their raw WARC records; no HTTP request.
- **re-tag**: re-apply the current topics file to the stored documents; no HTTP request.
- **reindex**: rebuild the search index from the catalog (new index version, alias swap).
- **dry_run**: count what would be done, change nothing.

`plan` checks the parameters first: when they cannot work (a range that ends before it starts, a fetch
without a start date, a start in the future, a source the sources file no longer has) it fails with one
sentence saying what to fix, and no other task runs. Otherwise it opens the catalog run and lists the work:

- **reprocess** (re-extract, re-tag) is mapped over the selected sources, one instance per source, in the
  default pool: it sends no HTTP request, so it never waits for a host.
- **fetch** holds one task per host, each in its host's pool (one request stream per host across all DAGs),
  fetching the selected sources on that host one after the other (Airflow gives every instance of a mapped
  task the same pool); hosts with nothing selected are skipped without starting.
- **reindex** runs only in reindex mode.

`index` then sends the changes to the search index, and `summary` (the teardown of `plan`) logs a table of
the results, closes the catalog run whatever happened, and fails the DAG run when a source, the reindex or
the index step failed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

import pendulum
from airflow.sdk import DAG, Param, TaskGroup, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException
from readout_airflow.operators import ReadoutIndexOperator

from pipeline import tasks
from pipeline.config import Settings, validate_source_entries
from pipeline.errors import ConfigError

_settings = Settings()
_sources, _refused = validate_source_entries(_settings.sources)
SOURCE_IDS = [source.id for source in _sources]
#: The fetch task of each host pool, by pool: ``fetch.<host>``.
FETCH_TASKS = {
    pool: f"fetch.{pool.removeprefix('readout_host_')}" for pool in sorted({tasks.source_pool(s) for s in _sources})
}

with DAG(
    dag_id="readout_backfill",
    description="Fetch, re-extract, re-tag or reindex Readout documents over a date range",
    doc_md=__doc__,
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=tasks.default_args(timeout=timedelta(hours=12)),
    tags=["readout", "backfill"],
    params={
        # The UI marks a field required when its schema has a type without "null" (isParamRequired.tsx in
        # apache/airflow), whatever its default: the fields that may be left empty allow null.
        "sources": Param(
            [],
            type=["null", "array"],
            items={"type": "string", "enum": SOURCE_IDS},
            examples=SOURCE_IDS,
            title="Sources",
            description="Source ids to backfill; none selected means all of them.",
        ),
        "from_date": Param(
            None, type=["null", "string"], format="date", title="From", description="First day, inclusive."
        ),
        "to_date": Param(
            None, type=["null", "string"], format="date", title="To", description="Last day, inclusive (empty: today)."
        ),
        "mode": Param("fetch", enum=list(tasks.BACKFILL_MODES), title="Mode"),
        "dry_run": Param(
            False, type=["null", "boolean"], title="Dry run", description="Count what would be done only."
        ),
    },
    render_template_as_native_obj=True,
) as dag:

    @task(retries=0)
    def plan(**context: Any) -> list[str]:
        try:
            planned = tasks.plan_backfill(
                dict(context["params"]),
                fetch_pools=list(FETCH_TASKS),
                dag_id=context["dag"].dag_id,
                run_id=context["run_id"],
                today=date.today(),
            )
        except ConfigError as exc:
            raise AirflowFailException(f"invalid backfill parameters: {exc}") from None
        context["ti"].xcom_push(key="plan", value=planned)
        reprocessed: list[str] = planned["reprocess"]
        return reprocessed  # what `reprocess` is mapped over: empty unless re-extracting or re-tagging

    @task.branch
    def route(planned: dict[str, Any]) -> list[str]:
        """The fetch tasks of the selected hosts, or the reindex; the others are skipped without starting."""
        return [FETCH_TASKS[pool] for pool in planned["fetch"]] + (["reindex"] if planned["reindex"] else [])

    @task(map_index_template="{{ source_id }}")
    def reprocess(planned: dict[str, Any], source_id: str, **context: Any) -> dict[str, Any]:
        cast(dict[str, Any], get_current_context())["source_id"] = source_id  # this instance's label in the grid
        return tasks.backfill_for_run(planned, source_id, dag_id=context["dag"].dag_id, run_id=context["run_id"])

    @task
    def fetch_host(planned: dict[str, Any], pool: str, **context: Any) -> None:
        results, failed = tasks.backfill_host(planned, pool, dag_id=context["dag"].dag_id, run_id=context["run_id"])
        context["ti"].xcom_push(key="results", value=results)  # kept for summary even when this task fails
        if failed:
            raise AirflowFailException(f"backfill failed for {', '.join(failed)} (see the traceback above)")

    @task
    def reindex() -> dict[str, Any]:
        return tasks.reindex_target(Settings())

    @task
    def summary(planned: dict[str, Any], **context: Any) -> dict[str, Any]:
        ti = context["ti"]
        fetched = ti.xcom_pull(task_ids=list(FETCH_TASKS.values()), key="results")
        results = [*(ti.xcom_pull(task_ids=["reprocess"]) or []), *(r for host in fetched or [] if host for r in host)]
        finished = tasks.finish_backfill(planned, [r for r in results if r], run_id=context["run_id"])
        # The catalog run is closed above whatever happened; a failed step still fails the DAG run.
        problems = []
        # A source with some failed items is partial, not failed: its failures are recorded and retried later.
        if finished["failed_sources"]:
            problems.append(f"backfill {finished['status']}: failed source(s) {', '.join(finished['failed_sources'])}")
        if planned["reindex"] and ti.xcom_pull(task_ids="reindex") is None:
            problems.append("the reindex failed (see the reindex task's log)")
        if ti.xcom_pull(task_ids="index") is None:
            problems.append("the index step failed (see the index task's log); the documents stay pending")
        if problems:
            raise AirflowFailException("; ".join(problems))
        return finished

    reprocessed = plan()
    planned = reprocessed["plan"]  # type: ignore[index]  # a task's XComArg (a PlainXComArg) takes a key
    work = [reprocess.partial(planned=planned).expand(source_id=reprocessed)]
    routed = route(planned)
    with TaskGroup("fetch", tooltip="One task per host, in the host's pool (one request stream per host)"):
        for pool, task_id in FETCH_TASKS.items():
            work.append(fetch_host.override(task_id=task_id.removeprefix("fetch."), pool=pool)(planned, pool))
    work.append(reindex())
    routed >> work[1:]
    index = ReadoutIndexOperator(task_id="index", trigger_rule="all_done")
    closed = summary(planned)
    work >> index >> closed
    # plan opens the catalog run and summary closes it. As setup and teardown, a refused plan stops every task
    # (index's all_done included), while summary still runs after a failed source, and fails the DAG run.
    closed.as_teardown(setups=reprocessed, on_failure_fail_dagrun=True)
