"""A DAG-run listener that closes the catalog runs Readout's DAG runs leave open.

Each Readout DAG run has a catalog run (``pipeline.tasks.readout_run_id(dag_id, run_id)``) that its
last task marks finished. When that task never runs (an upstream task failed for good, the run was
marked failed or successful by hand, it timed out), the catalog run would stay "running" for ever
and the health views would count it as in progress. When the DAG run ends, this listener marks such
a run "failed", and logs one line per Readout DAG run outcome.

It runs inside the scheduler (and the API server, for runs marked by hand): it never raises, bounds
the time it can spend connecting to the catalog, and never creates or migrates a catalog.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

from airflow.listeners import hookimpl

log = logging.getLogger(__name__)

#: Prefix of every Readout DAG id; other DAGs are none of this listener's business.
DAG_PREFIX = "readout_"
#: Seconds allowed to connect to a PostgreSQL catalog: the scheduler's loop waits for the listener.
CONNECT_TIMEOUT = 5


class DagRunLike(Protocol):
    """What the listener reads of Airflow's ``DagRun``."""

    dag_id: str
    run_id: str


@hookimpl
def on_dag_run_success(dag_run: DagRunLike, msg: str) -> None:
    """A DAG run succeeded: close its catalog run if its last task never did."""
    record_outcome(dag_run, "success")


@hookimpl
def on_dag_run_failed(dag_run: DagRunLike, msg: str) -> None:
    """A DAG run failed: close its catalog run if its last task never did."""
    record_outcome(dag_run, "failed")


def record_outcome(dag_run: DagRunLike, outcome: str, *, catalog_url: str | None = None) -> str | None:
    """Log the outcome of a Readout DAG run and mark its catalog run "failed" if it is still "running".

    Returns what was done (``"closed"``, ``"finished"``, ``"missing"``) for a Readout DAG, ``None`` for
    any other DAG or on error. Never raises. ``catalog_url`` defaults to the settings' catalog.
    """
    try:
        dag_id, run_id = str(dag_run.dag_id), str(dag_run.run_id)
        if not dag_id.startswith(DAG_PREFIX):
            return None
        from pipeline.tasks import readout_run_id

        catalog_run = readout_run_id(dag_id, run_id)
        if catalog_url is None:
            from pipeline.config import Settings

            catalog_url = Settings().effective_catalog_url
        done, status = _close_if_running(catalog_url, catalog_run)
    except Exception:
        # A listener error must never reach the scheduler; Airflow would log it too, less clearly.
        log.exception("readout: could not record the outcome of DAG run %s", _describe(dag_run))
        return None
    if done == "closed":
        log.warning(
            "readout: DAG run %s/%s %s; catalog run %s was still running (its last task never ran): marked failed",
            dag_id,
            run_id,
            outcome,
            catalog_run,
        )
    elif done == "finished":
        log.info("readout: DAG run %s/%s %s; catalog run %s is %s", dag_id, run_id, outcome, catalog_run, status)
    else:
        log.info("readout: DAG run %s/%s %s; no catalog run %s", dag_id, run_id, outcome, catalog_run)
    return done


def _close_if_running(catalog_url: str, catalog_run: str) -> tuple[str, str | None]:
    """``("closed", "failed")`` if the run was running and is now failed, ``("finished", status)`` if it
    had already ended, ``("missing", None)`` if the catalog has no such run (or no catalog exists)."""
    from sqlalchemy.engine import make_url

    from pipeline.store.catalog import Catalog
    from pipeline.store.schema import Run

    url = make_url(catalog_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:") or not Path(database).exists():
            # Connecting would create an empty SQLite file wherever the scheduler happens to run.
            return "missing", None
    elif url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        url = url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT)})
    # No migration: the scheduler must not change the catalog's schema behind the workers' backs.
    catalog = Catalog.open(url.render_as_string(hide_password=False), migrate_schema=False)
    try:
        with catalog.session() as session:
            run = session.get(Run, catalog_run)
            status = run.status if run is not None else None
        if status is None:
            return "missing", None
        if status != "running":
            return "finished", status
        catalog.finish_run(catalog_run, "failed")
        return "closed", "failed"
    finally:
        catalog.close()


def _describe(dag_run: Any) -> str:
    return f"{getattr(dag_run, 'dag_id', '?')}/{getattr(dag_run, 'run_id', '?')}"
