"""
### Readout health: sources that went quiet, keep failing, or missed a briefing day

Runs every morning over the catalog (no HTTP request). For each source it compares the time since its
last document with its usual interval, counts its consecutive failed runs, and checks the days its
ministry always briefs (`briefing_days` in the sources file). The results are written to the catalog as
a `health` run and reach Elasticsearch through the index step, where the "Pipeline health" dashboard
shows them. The task log holds the same summary, followed by each source's transcript edits and removals
per day over the last week (also in the task's result, under `history`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, task
from readout_airflow.operators import ReadoutIndexOperator

from pipeline import tasks

with DAG(
    dag_id="readout_health",
    description="Flag sources that went quiet, keep failing or missed a briefing day",
    doc_md=__doc__,
    schedule="30 6 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=tasks.default_args(timeout=timedelta(minutes=30)),
    tags=["readout", "health"],
) as dag:

    @task
    def check(**context: Any) -> dict[str, Any]:
        return tasks.health_check(run_id=tasks.readout_run_id(context["dag"].dag_id, context["run_id"]))

    check() >> ReadoutIndexOperator(task_id="index")
