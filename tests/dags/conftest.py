"""Readout's DAGs under a real Airflow: the metadata database, the environment the tasks read, the DagBag."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Settings
from pipeline.devsite import SiteFarm
from pipeline.store.catalog import Catalog
from tests.conftest import DEFAULT_SOURCES, REPO


@dataclass
class Stack:
    """The fixture sites, a data folder and the sources file every task of a DAG run reads."""

    farm: SiteFarm
    sources_file: Path
    data_dir: Path

    def settings(self) -> Settings:
        return Settings()

    def catalog(self) -> Catalog:
        return Catalog.open(self.settings().effective_catalog_url)

    def dagbag(self) -> Any:
        from airflow.dag_processing.dagbag import DagBag

        return DagBag(dag_folder=str(REPO / "dags"))

    def dag(self, dag_id: str) -> Any:
        bag = self.dagbag()
        assert not bag.import_errors, bag.import_errors
        return bag.dags[dag_id]


@pytest.fixture
def stack(farm: SiteFarm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, airflow_db: None) -> Iterator[Stack]:
    """Settings for the DAGs' tasks, as the Airflow deployment would give them: environment variables."""
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(farm.rewrite(DEFAULT_SOURCES.read_text("utf-8")), "utf-8")
    data_dir = tmp_path / "data"
    # Small real rules (the re-tag tests rewrite them): quick to build, and a missing file would be warned about.
    topics_file = tmp_path / "topics.yaml"
    topics_file.write_text(
        "topics:\n"
        "  - id: unrelated\n"
        "    label: Never mentioned\n"
        "    description: Nothing the fixtures say.\n"
        "    terms: {en: [zeppelin regatta], zh: [飞艇赛], ru: [дирижабль]}\n",
        "utf-8",
    )
    env = {
        "READOUT_SOURCES": str(sources_file),
        "READOUT_DATA_DIR": str(data_dir),
        "READOUT_TOPICS": str(topics_file),
        "READOUT_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
        "READOUT_MIN_DELAY": "0",
        "READOUT_BACKOFF_BASE": "0.01",
        "READOUT_CONNECT_TIMEOUT": "2",
        "READOUT_READ_TIMEOUT": "2",
        "READOUT_REQUEST_DEADLINE": "10",
        "READOUT_MAX_CRAWL_DELAY": "0",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("READOUT_ELASTICSEARCH_URL", "READOUT_KIBANA_URL", "READOUT_CATALOG_URL"):
        monkeypatch.delenv(name, raising=False)
    return Stack(farm, sources_file, data_dir)
