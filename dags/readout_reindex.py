"""
### Readout reindex: rebuild the search index from the catalog

On Elasticsearch it builds a new index version (`readout-documents-vN+1`) from a fixed snapshot of the
catalog, checks the count and swaps the alias in one atomic request; searches never see a half-built
index. Embedded search is rebuilt in one transaction. Changes stored while it runs stay pending and
reach the new index through the alias on the next index step, which this DAG runs last.

Trigger it by hand (after a mapping change, for example); `drop_old` deletes the previous version.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import DAG, Param, task
from readout_airflow.operators import ReadoutIndexOperator

from pipeline import tasks
from pipeline.config import Settings

with DAG(
    dag_id="readout_reindex",
    description="Rebuild the search index from the catalog and swap the alias",
    doc_md=__doc__,
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=tasks.default_args(timeout=timedelta(hours=6)),
    tags=["readout", "index"],
    params={"drop_old": Param(False, type="boolean", title="Delete the previous index version")},
) as dag:

    @task
    def rebuild(**context: Any) -> dict[str, Any]:
        return tasks.reindex_target(Settings(), drop_old=bool(context["params"]["drop_old"]))

    rebuild() >> ReadoutIndexOperator(task_id="index")
