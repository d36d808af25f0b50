"""Shared fixtures: the loopback fixture sites, test settings, and catalogs on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pipeline.config import Settings
from pipeline.devsite import SiteFarm, serve_sites
from pipeline.store.catalog import Catalog

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
DEFAULT_SOURCES = REPO / "config" / "sources.yaml"
POSTGRES_URL = os.environ.get("READOUT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

# Airflow reads its home and configuration on first import: point every test at a throwaway home (never a
# developer's own), with the repository's DAGs and plugins, before anything imports it.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="readout-airflow-home-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(REPO / "plugins")
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"

# pytest-xdist's workers start with COLUMNS=80 and LINES=24 in their environment (execnet sets them). Rich reads
# them once, when the CLI's consoles are created on import, and would then wrap every command's output at 80
# columns whatever width a test asks for through CliRunner's env: start each worker as a plain shell would.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session")
def farm() -> Iterator[SiteFarm]:
    """Every fixture site served on its own loopback port for the whole session."""
    with serve_sites() as running:
        yield running


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for tests: loopback allowed, no politeness delay, short timeouts and backoff."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "allow_private_hosts": ["127.0.0.1"],
        "min_delay": 0.0,
        "backoff_base": 0.01,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "request_deadline": 10.0,
        "robots_ttl": 3600.0,
        "max_crawl_delay": 0.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def fixture_sources(farm: SiteFarm, tmp_path: Path) -> Path:
    """The shipped config/sources.yaml with every real origin rewritten to its fixture server."""
    path = tmp_path / "sources.yaml"
    path.write_text(farm.rewrite(DEFAULT_SOURCES.read_text("utf-8")), "utf-8")
    return path


def _postgres_database() -> Iterator[str]:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"readout_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} ({type(exc).__name__}); set READOUT_TEST_POSTGRES_URL")
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty catalog database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def catalog(catalog_url: str) -> Iterator[Catalog]:
    opened = Catalog.open(catalog_url)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """An initialised Airflow metadata database (SQLite in the throwaway AIRFLOW_HOME)."""
    from airflow.utils import db

    db.initdb()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules marked ``slow`` first, each kept whole and in order: `make test` hands whole modules to its
    workers in this order, so the longest start at once and the short ones fill in around them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
