"""ReadoutIndexOperator on a real SQLite catalog: the embedded index, Elasticsearch (the loopback stand-in)
with a rejected document, an unreachable Elasticsearch (the task fails, documents stay pending), and
how Airflow serialises the operator's extra link for the API server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from airflow.sdk import DAG
from airflow.serialization.serialized_objects import DagSerialization
from readout_airflow.links import KibanaDiscoverLink
from readout_airflow.operators import ReadoutIndexOperator

from pipeline.config import Settings, Source
from pipeline.errors import SearchBackendError
from pipeline.models import ExtractedDocument, FetchedResponse
from pipeline.store.catalog import Catalog
from pipeline.urls import doc_id
from tests.esstub import EsStub, running_stub

SOURCE = Source.model_validate(
    {
        "id": "demo",
        "name": "Demo",
        "kind": "briefing",
        "publisher": "Ministry of Demonstrations",
        "country": "CN",
        "language": "en",
        "discovery": {"method": "feed", "urls": ["https://demo.example/feed.xml"]},
    }
)
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def seed(count: int) -> list[str]:
    """Store ``count`` documents in the catalog the settings point at; returns their doc ids."""
    catalog = Catalog.open(Settings().effective_catalog_url)
    urls = [f"https://demo.example/2021/t2021042{n}_1.html" for n in range(count)]
    try:
        for n, url in enumerate(urls):
            catalog.store_document(
                source=SOURCE,
                item_url=url,
                response=FetchedResponse(url=url, final_url=url, status=200, headers=(), body=b"", fetched_at=NOW),
                extracted=ExtractedDocument(
                    title=f"Regular Press Conference {n}",
                    text="We oppose the willful use of unilateral sanctions.",
                    published_at=datetime(2021, 4, 26, 7, tzinfo=UTC),
                    date_source="page",
                    authors=(),
                    language="en",
                    encoding="utf-8",
                    extractor_version="test/1",
                ),
                archive=None,
                listed_updated_at=None,
            )
    finally:
        catalog.close()
    return [doc_id(url) for url in urls]


@pytest.fixture
def stub(readout_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EsStub]:
    with running_stub() as running:
        monkeypatch.setenv("READOUT_ELASTICSEARCH_URL", running.url)
        monkeypatch.setenv("READOUT_ELASTICSEARCH_MAX_RETRIES", "1")
        monkeypatch.setenv("READOUT_ELASTICSEARCH_TIMEOUT", "5")
        yield running


@pytest.mark.usefixtures("readout_env")
def test_indexes_into_the_embedded_index_and_returns_a_json_summary() -> None:
    seed(2)
    summary = ReadoutIndexOperator(task_id="index").execute({})  # type: ignore[arg-type]

    assert summary["target"] == "embedded"
    assert (summary["sent"], summary["acked"], summary["rejected"], summary["pending_after"]) == (2, 2, 0, 0)
    assert summary["ok"] is True
    assert json.loads(json.dumps(summary)) == summary  # XCom-ready


def test_a_rejected_document_is_dead_lettered_and_the_task_succeeds(stub: EsStub) -> None:
    ids = seed(3)
    stub.reject_ids.add(ids[1])
    summary = ReadoutIndexOperator(task_id="index").execute({})  # type: ignore[arg-type]

    assert summary["target"] == "elasticsearch"
    assert (summary["acked"], summary["rejected"]) == (2, 1)
    catalog = Catalog.open(Settings().effective_catalog_url)
    try:
        assert [letter.doc_id for letter in catalog.dead_letters()] == [ids[1]]
    finally:
        catalog.close()


def test_an_unreachable_elasticsearch_fails_the_task_and_keeps_documents_pending(stub: EsStub) -> None:
    seed(2)
    stub.stop()
    with pytest.raises(SearchBackendError, match=r"indexing into elasticsearch failed; 2 documents stay pending"):
        ReadoutIndexOperator(task_id="index").execute({})  # type: ignore[arg-type]


def test_the_link_survives_dag_serialisation_as_airflow_stores_it() -> None:
    # The API server never runs get_link: it reads the URL the worker stored in XCom under xcom_key.
    with DAG("readout_index_only", schedule=None, start_date=datetime(2026, 1, 1)) as dag:
        ReadoutIndexOperator(task_id="index")
    restored = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
    task = restored.get_task("index")
    assert task.extra_links == ["Open in Kibana"]
    assert task.operator_extra_link_dict["Open in Kibana"].xcom_key == KibanaDiscoverLink().xcom_key
