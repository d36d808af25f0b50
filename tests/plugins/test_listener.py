"""The DAG-run listener on a real SQLite catalog: catalog runs left "running" are closed, finished ones
are left alone, other DAGs are ignored, and nothing it meets makes it raise."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from airflow._shared.listeners.listener import ListenerManager
from airflow.listeners.spec import dagrun
from readout_airflow import listener

from pipeline.store.catalog import Catalog
from pipeline.store.schema import Run
from pipeline.tasks import ingest_dag_id, readout_run_id


@dataclass
class FakeDagRun:
    """What Airflow's DagRun offers the listener: its ids."""

    dag_id: str
    run_id: str


RUN = FakeDagRun(ingest_dag_id("cn-mfa-en"), "scheduled__2026-11-20T07:30:00+00:00")


@pytest.fixture
def catalog(readout_env: Path) -> Catalog:
    """The catalog the settings point at (READOUT_DATA_DIR/catalog.db), created and migrated."""
    opened = Catalog.open(f"sqlite:///{readout_env / 'catalog.db'}")
    yield opened
    opened.close()


def add_run(catalog: Catalog, dag_run: FakeDagRun, status: str) -> str:
    run_id = readout_run_id(dag_run.dag_id, dag_run.run_id)
    with catalog.session() as session, session.begin():
        session.add(Run(run_id=run_id, mode="ingest", started_at=datetime.now(UTC), status=status, params={}))
    return run_id


def run_row(catalog: Catalog, run_id: str) -> Run:
    with catalog.session() as session:
        row = session.get(Run, run_id)
    assert row is not None
    return row


def test_a_run_left_running_is_marked_failed(catalog: Catalog, caplog: pytest.LogCaptureFixture) -> None:
    run_id = add_run(catalog, RUN, "running")
    with caplog.at_level(logging.INFO, logger=listener.__name__):
        listener.on_dag_run_failed(dag_run=RUN, msg="task_failure")

    row = run_row(catalog, run_id)
    assert row.status == "failed"
    assert row.finished_at is not None
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 1
    assert RUN.dag_id in lines[0]
    assert run_id in lines[0]
    assert "marked failed" in lines[0]


def test_a_successful_dag_run_whose_last_task_never_ran_is_closed_too(catalog: Catalog) -> None:
    run_id = add_run(catalog, RUN, "running")
    listener.on_dag_run_success(dag_run=RUN, msg="success")
    assert run_row(catalog, run_id).status == "failed"


@pytest.mark.parametrize("status", ["ok", "partial", "failed"])
def test_a_finished_run_is_left_alone(catalog: Catalog, status: str) -> None:
    run_id = add_run(catalog, RUN, status)
    before = run_row(catalog, run_id).finished_at
    assert listener.record_outcome(RUN, "success") == "finished"
    row = run_row(catalog, run_id)
    assert (row.status, row.finished_at) == (status, before)


def test_a_dag_run_without_a_catalog_run(catalog: Catalog, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=listener.__name__):
        assert listener.record_outcome(RUN, "failed") == "missing"
    assert [record.getMessage() for record in caplog.records] == [
        f"readout: DAG run {RUN.dag_id}/{RUN.run_id} failed; no catalog run {readout_run_id(RUN.dag_id, RUN.run_id)}"
    ]


def test_other_dags_are_ignored(catalog: Catalog) -> None:
    other = FakeDagRun("etl_sales", RUN.run_id)
    run_id = add_run(catalog, other, "running")
    assert listener.record_outcome(other, "failed") is None
    assert run_row(catalog, run_id).status == "running"


def test_a_missing_sqlite_catalog_is_not_created(readout_env: Path) -> None:
    assert listener.record_outcome(RUN, "failed") == "missing"
    assert not (readout_env / "catalog.db").exists()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://nobody@127.0.0.1:1/readout",  # nothing listens there
        "not a url at all",
    ],
)
def test_never_raises(readout_env: Path, url: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger=listener.__name__):
        assert listener.record_outcome(RUN, "failed", catalog_url=url) is None
    assert "could not record the outcome" in caplog.text


def test_never_raises_on_an_odd_dag_run() -> None:
    assert listener.record_outcome(object(), "failed") is None  # type: ignore[arg-type]


def test_an_unmigrated_catalog_is_not_migrated(readout_env: Path) -> None:
    # An empty SQLite file (no tables): the scheduler must not create the schema behind the workers' backs.
    path = readout_env / "catalog.db"
    path.touch()
    assert listener.record_outcome(RUN, "failed") is None
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == []


def test_hooks_match_airflows_dag_run_spec(catalog: Catalog) -> None:
    # Registered the way the plugin registers it, and called the way the scheduler calls it.
    manager = ListenerManager()
    manager.add_hookspecs(dagrun)
    manager.add_listener(listener)
    run_id = add_run(catalog, RUN, "running")
    manager.hook.on_dag_run_failed(dag_run=RUN, msg="timed out")
    assert run_row(catalog, run_id).status == "failed"
