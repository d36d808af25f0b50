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

`plan` refuses invalid parameters with a message saying what to fix. Each source has its own task
(in its host's pool) that logs its progress; `summary` logs a table of the results, closes the run and
fails the DAG run when a source, the reindex or the index step failed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, Param, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
from readout_airflow.operators import ReadoutIndexOperator

from pipeline import tasks
from pipeline.config import Settings, validate_source_entries
from pipeline.errors import ConfigError

_settings = Settings()
_sources, _refused = validate_source_entries(_settings.sources)
SOURCE_IDS = [source.id for source in _sources]

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
        "sources": Param(
            [],
            type="array",
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
        "dry_run": Param(False, type="boolean", title="Dry run", description="Count what would be done only."),
    },
    render_template_as_native_obj=True,
) as dag:

    @task(retries=0)
    def plan(**context: Any) -> dict[str, Any]:
        try:
            request = tasks.validate_backfill(dict(context["params"]), SOURCE_IDS, today=date.today())
        except ConfigError as exc:
            raise AirflowFailException(f"invalid backfill parameters: {exc}") from None
        return tasks.start_backfill(request, dag_id=context["dag"].dag_id, run_id=context["run_id"])

    @task(trigger_rule="all_done")
    def summary(planned: dict[str, Any] | None, **context: Any) -> dict[str, Any]:
        if planned is None:
            raise AirflowFailException("the backfill was refused (see the plan task's log): nothing was done")
        ti = context["ti"]
        results = ti.xcom_pull(task_ids=[f"backfill_{source.id}" for source in _sources])
        finished = tasks.finish_backfill(planned, [r for r in results or [] if r], run_id=context["run_id"])
        # The catalog run is closed above whatever happened; a failed step still fails the DAG run.
        problems = []
        if finished["status"] != "ok":
            problems.append(f"backfill {finished['status']}: failed source(s) {', '.join(finished['failed_sources'])}")
        if planned["mode"] == "reindex" and not planned["dry_run"] and ti.xcom_pull(task_ids="reindex") is None:
            problems.append("the reindex failed (see the reindex task's log)")
        if ti.xcom_pull(task_ids="index") is None:
            problems.append("the index step failed (see the index task's log); the documents stay pending")
        if problems:
            raise AirflowFailException("; ".join(problems))
        return finished

    planned = plan()
    done = []
    for source in _sources:

        @task(task_id=f"backfill_{source.id}", pool=tasks.source_pool(source))
        def backfill_one(planned: dict[str, Any], source_id: str = source.id, **context: Any) -> dict[str, Any]:
            if source_id not in planned["sources"] or planned["mode"] == "reindex":
                raise AirflowSkipException(f"{source_id} is not part of this backfill")
            return tasks.backfill_for_run(planned, source_id, dag_id=context["dag"].dag_id, run_id=context["run_id"])

        done.append(backfill_one(planned))

    @task
    def reindex(planned: dict[str, Any]) -> dict[str, Any]:
        if planned["mode"] != "reindex":
            raise AirflowSkipException("not a reindex")
        if planned["dry_run"]:
            raise AirflowSkipException("dry run: nothing rebuilt")
        return tasks.reindex_target(Settings())

    rebuilt = reindex(planned)
    index = ReadoutIndexOperator(task_id="index", trigger_rule="all_done")
    [*done, rebuilt] >> index >> summary(planned)
