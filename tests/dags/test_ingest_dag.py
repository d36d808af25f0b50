"""The per-source ingest DAGs run by a real Airflow (`dag.test()`) against the loopback fixture sites."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from sqlalchemy import func, select

from pipeline.config import Settings
from pipeline.index.search import SearchFilters
from pipeline.index.service import search
from pipeline.store.schema import Document, DocumentVersion
from pipeline.tasks import readout_run_id
from tests.dags.conftest import Stack

SOURCE = "cn-mfa-en"
DAG_ID = f"readout_ingest_{SOURCE}"


def _count(stack: Stack, model: Any) -> int:
    catalog = stack.catalog()
    try:
        with catalog.session() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        catalog.close()


def test_ingest_dag_fills_the_catalog_and_the_index_and_a_second_run_adds_nothing(stack: Stack) -> None:
    dag = stack.dag(DAG_ID)
    first = dag.test()
    assert first.state == "success"
    documents = _count(stack, Document)
    assert documents >= 3
    catalog = stack.catalog()
    try:
        stored = list(catalog.documents(source_ids=[SOURCE]))
        assert {d.run_id for d in stored} == {readout_run_id(DAG_ID, first.run_id)}
        run = catalog.run_results(readout_run_id(DAG_ID, first.run_id))
        assert [(r.source_id, r.status) for r in run] == [(SOURCE, "ok")]
        assert catalog.run_status(readout_run_id(DAG_ID, first.run_id)) == "ok"
    finally:
        catalog.close()
    # Every document reached the embedded index in the same DAG run.
    found = search(Settings(), "", SearchFilters(sources=(SOURCE,)))
    assert found.total == documents

    requests_before = len(stack.farm.requests())
    second = dag.test()
    assert second.state == "success"
    assert _count(stack, Document) == documents
    assert _count(stack, DocumentVersion) == documents
    # The second run asked conditionally and downloaded no item page again.
    second_requests = stack.farm.requests()[requests_before:]
    assert second_requests, "the second run asked nothing"
    assert all(r.status in (304, 200) for r in second_requests)
    assert not [r for r in second_requests if r.status == 200 and "/t2026" in r.path]


def test_a_failed_index_step_closes_the_run_and_fails_the_dag_run(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`record` (trigger rule all_done) closes the catalog run even when `index` failed after its retries, then
    fails, so that the DAG run is not green while the documents wait unindexed."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound but never listening: every connection is refused
        monkeypatch.setenv("READOUT_ELASTICSEARCH_URL", f"http://127.0.0.1:{closed.getsockname()[1]}")
        dag = stack.dag(DAG_ID)
        dag.get_task("index").retries = 0  # its retries wait minutes; the failure after them is what counts
        run = dag.test()
    assert run.state == "failed"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["index"] == states["record"] == "failed"
    assert states["discover"] == "success"
    assert _count(stack, Document) >= 3
    catalog = stack.catalog()
    try:
        # Closed by `record` with the fetch's outcome (the failure listener would have said "failed").
        assert catalog.run_status(readout_run_id(DAG_ID, run.run_id)) == "ok"
        assert [(r.source_id, r.status) for r in catalog.run_results(readout_run_id(DAG_ID, run.run_id))] == [
            (SOURCE, "ok")
        ]
    finally:
        catalog.close()
