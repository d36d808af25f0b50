"""The per-source ingest DAGs run by a real Airflow (`dag.test()`) against the loopback fixture sites."""

from __future__ import annotations

from typing import Any

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
