"""A catalog or search index that fails outside the per-item path (issue 12, item 6): one line naming what failed,
where and why, a distinct exit code, no traceback, no document text in the log, and a run never left "running"
without a word. Real parts throughout: SQLite files and PostgreSQL databases locked or made read-only by another
connection, the installed ``readout`` command in its own process, and a loopback socket that never answers.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pipeline.cli.common import ExitCode
from pipeline.devsite import SiteFarm
from pipeline.errors import CatalogError, CatalogLockedError
from pipeline.ingest import run_cycle
from pipeline.ingest.outcomes import SourceReport
from pipeline.models import ItemStatus
from pipeline.store.access import Timeouts
from pipeline.store.catalog import Catalog
from tests.conftest import FIXTURES, POSTGRES_URL, _postgres_database, make_settings

from .test_run_e2e import fresh_world

SOURCE = "uk-fcdo"
#: Seconds a locked catalog is waited for in these tests: short, so a test is quick; the lock is never released.
TINY_LOCK_TIMEOUT = "0.2"
#: Bounds a `readout` process that hangs (the failure these tests exist to catch), never how fast it must be.
HANG_GUARD = 240


def _readout(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed `readout` in its own process (its real stderr), with only the READOUT_* settings in ``env``."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("READOUT_")}
    command = [str(Path(sys.executable).with_name("readout")), *args]
    return subprocess.run(command, env=clean | env, capture_output=True, text=True, timeout=HANG_GUARD, check=False)


def _error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def _sources_file(tmp_path: Path) -> Path:
    """One valid feed source (never reached: these runs stop at the catalog)."""
    path = tmp_path / "sources.yaml"
    entry = {
        "id": "quiet",
        "name": "A feed no run gets to",
        "kind": "news",
        "publisher": "Nobody",
        "country": "GB",
        "language": "en",
        "timezone": "UTC",
        "discovery": {"method": "feed", "urls": ["http://127.0.0.1:9/feed.xml"]},
    }
    path.write_text(yaml.safe_dump({"sources": [entry]}), "utf-8")
    return path


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database (skips when PostgreSQL is not reachable)."""
    yield from _postgres_database()


def _hold_lock(url: str) -> Any:
    """Another connection holding a write lock on the catalog's ``runs`` table until it is closed: on SQLite a
    write transaction (BEGIN IMMEDIATE), on PostgreSQL an ACCESS EXCLUSIVE lock on the table."""
    if url.startswith("sqlite"):
        holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        return holder
    engine = create_engine(url)
    holder = engine.connect()
    holder.begin()
    holder.exec_driver_sql("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE")
    return holder


# --- a lock held by another process ------------------------------------------------------------------------


def test_a_locked_catalog_stops_the_run_in_one_line_with_the_catalog_exit_code(
    catalog_url: str, tmp_path: Path
) -> None:
    """SQLite's busy timeout and PostgreSQL's lock_timeout both come from READOUT_CATALOG_LOCK_TIMEOUT; without
    the latter, PostgreSQL waited for ever (this test hit its hang guard)."""
    if catalog_url.startswith("postgresql"):
        # A password the message must hide (the test server trusts local connections, so any password works).
        catalog_url = make_url(catalog_url).set(password="s3cret-pw").render_as_string(hide_password=False)
    Catalog.open(catalog_url).close()  # an existing catalog: the run gets as far as starting its row
    holder = _hold_lock(catalog_url)
    env = {
        "READOUT_SOURCES": str(_sources_file(tmp_path)),
        "READOUT_DATA_DIR": str(tmp_path / "data"),
        "READOUT_CATALOG_URL": catalog_url,
        "READOUT_CATALOG_LOCK_TIMEOUT": TINY_LOCK_TIMEOUT,
    }
    try:
        result = _readout("run", "--no-index", env=env)
        verbose = _readout("--verbose", "run", "--no-index", env=env)
    finally:
        holder.close()
    assert result.returncode == ExitCode.CATALOG, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    [line] = _error_lines(result)
    shown = make_url(catalog_url).render_as_string(hide_password=True)
    # The first write of the command meets the lock (which write that is does not matter to the user).
    assert re.search(
        rf"the catalog at {re.escape(shown)} could not [a-z ]+: the catalog is locked by another process", line
    )
    assert f"no lock within {TINY_LOCK_TIMEOUT} s, READOUT_CATALOG_LOCK_TIMEOUT" in line
    assert "s3cret-pw" not in result.stderr + verbose.stderr
    # --verbose keeps the traceback for whoever needs it, and still ends with the same line and code.
    assert verbose.returncode == ExitCode.CATALOG
    assert "Traceback" in verbose.stderr
    assert _error_lines(verbose) == [line]


@pytest.mark.postgres
def test_a_statement_past_the_statement_timeout_is_stopped_and_said_so(postgres_url: str) -> None:
    Catalog.open(postgres_url).close()
    holder = _hold_lock(postgres_url)
    catalog = Catalog.open(postgres_url, timeouts=Timeouts(lock=600, statement=0.2))
    try:
        with pytest.raises(CatalogError) as caught:
            catalog.close_stale_runs(timedelta(hours=24))
    finally:
        catalog.close()
        holder.close()
    assert not isinstance(caught.value, CatalogLockedError)
    shown = make_url(postgres_url).render_as_string(hide_password=True)
    assert str(caught.value).startswith(f"the catalog at {shown} could not update runs: ")
    assert "a statement ran longer than 0.2 s (READOUT_CATALOG_STATEMENT_TIMEOUT;" in str(caught.value)
    assert "\n" not in str(caught.value)


# --- the run's row when the catalog fails at its end ---------------------------------------------------------


class _LockAtTheEnd:
    """Locks the catalog (SQLite, another connection) once the last source has finished: the next write is
    the run's closing one."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.holder: sqlite3.Connection | None = None

    def source_planned(self, source_id: str, items: int) -> None:
        pass

    def item_done(self, source_id: str, status: ItemStatus) -> None:
        pass

    def source_finished(self, report: SourceReport) -> None:
        self.holder = sqlite3.connect(self.path, isolation_level=None)
        self.holder.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.holder is not None:
            self.holder.close()
            self.holder = None


class _ReleaseOnRetry(logging.Handler):
    """Lets the lock go when the run says it tries once more to close its row (the lock "went away")."""

    def __init__(self, holder: _LockAtTheEnd) -> None:
        super().__init__()
        self.holder = holder  # (not ``lock``: a Handler's own I/O lock has that name)
        self.retries: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "trying once more" in record.getMessage():
            self.retries.append(record.getMessage())
            self.holder.release()


def test_a_run_whose_closing_write_fails_once_is_closed_by_the_retry(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    settings = make_settings(world.data_dir, sources=world.sources_file, catalog_lock_timeout=float(TINY_LOCK_TIMEOUT))
    catalog = Catalog.for_settings(settings)
    lock = _LockAtTheEnd(str(world.data_dir / "catalog.db"))
    retried = _ReleaseOnRetry(lock)
    logger = logging.getLogger("pipeline.ingest.run")
    logger.addHandler(retried)
    try:
        report = run_cycle(settings, [world.sources()[SOURCE]], catalog=catalog, observer=lock)
        assert report.status == "ok"
        assert catalog.run_status(report.run_id) == "ok"
    finally:
        logger.removeHandler(retried)
        lock.release()
        catalog.close()
    [retry] = retried.retries
    assert "the catalog is locked by another process" in retry


class _ReadOnlyAfterPlanning:
    """Once the source is planned, makes the PostgreSQL catalog read-only for every new session and ends the open
    ones (the pool reconnects into read-only sessions): every item's write fails, and so does the run's closing."""

    def __init__(self, url: str) -> None:
        self.database = make_url(url).database

    def source_planned(self, source_id: str, items: int) -> None:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'ALTER DATABASE "{self.database}" SET default_transaction_read_only = on')
                connection.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": self.database},
                )
        finally:
            admin.dispose()

    def item_done(self, source_id: str, status: ItemStatus) -> None:
        pass

    def source_finished(self, report: SourceReport) -> None:
        pass


def _phrases(source_id: str) -> list[str]:
    """Phrases of the source's documents (what the catalog's rejected INSERTs carried)."""
    expected = yaml.safe_load((FIXTURES / "expected" / "ministries.yaml").read_text("utf-8"))[source_id]
    return [phrase for document in expected["documents"].values() for phrase in document["contains"]]


@pytest.mark.postgres
def test_a_catalog_gone_read_only_mid_run_logs_one_line_per_item_and_says_the_run_stays_open(
    farm: SiteFarm, tmp_path: Path, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: every failed item logged a traceback carrying the INSERT's parameters, the documents' whole text;
    the run's row stayed "running" and the command died with the driver's traceback."""
    world = fresh_world(farm, tmp_path)
    settings = make_settings(world.data_dir, sources=world.sources_file, catalog_url=postgres_url)
    catalog = Catalog.for_settings(settings)
    try:
        with caplog.at_level(logging.INFO, logger="pipeline"), pytest.raises(CatalogError) as caught:
            run_cycle(
                settings, [world.sources()[SOURCE]], catalog=catalog, observer=_ReadOnlyAfterPlanning(postgres_url)
            )
        [run_id] = [row[0] for row in _runs(catalog)]
        assert catalog.run_status(run_id) == "running"  # a read still works on a read-only catalog
    finally:
        catalog.close()
    message = str(caught.value)
    shown = make_url(postgres_url).render_as_string(hide_password=True)
    assert message.startswith(f'the catalog at {shown} could not close run {run_id[:8]} as "')
    assert "the catalog cannot be written here (cannot execute UPDATE in a read-only transaction)" in message
    assert 'the run stays "running" until a run that starts 24 h after it closes it as "interrupted"' in message
    item_errors = [r for r in caplog.records if "catalog error while handling item" in r.getMessage()]
    assert item_errors, "the items' writes failed"
    assert all("the catalog cannot be written here" in r.getMessage() for r in item_errors)
    logged = [logging.Formatter("%(levelname)s %(name)s %(message)s").format(record) for record in caplog.records]
    assert [line for line in logged if "\n" in line] == [], "one line per record, no traceback"
    phrases = _phrases(SOURCE)
    assert [line for line in logged if any(phrase in line for phrase in phrases)] == []


def _runs(catalog: Catalog) -> list[Any]:
    with catalog.engine.connect() as connection:
        return list(connection.execute(text("SELECT run_id FROM runs")))


# --- an Elasticsearch that never answers -----------------------------------------------------------------------


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A loopback port that takes connections (the kernel completes them) and never answers a byte."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_index_into_an_elasticsearch_that_never_answers_fails_in_one_line(
    farm: SiteFarm, tmp_path: Path, black_hole: str
) -> None:
    """Before: about 3 minutes (a 30 s timeout, 5 retries) and a client traceback per retry; now one probe of
    READOUT_ELASTICSEARCH_PROBE_TIMEOUT seconds, one line, and the index exit code."""
    world = fresh_world(farm, tmp_path)
    assert world.cli("run", "--source", SOURCE, "--no-index").exit_code == 0
    catalog = world.catalog()
    try:
        documents = catalog.count_documents()
    finally:
        catalog.close()
    assert documents > 0
    env = world.env() | {"READOUT_ELASTICSEARCH_URL": black_hole, "READOUT_ELASTICSEARCH_PROBE_TIMEOUT": "0.5"}
    result = _readout("index", env=env)
    assert result.returncode == ExitCode.INDEX, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Retrying" not in result.stderr
    [line] = [line for line in result.stdout.splitlines() if "not answering" in line]
    assert f"Elasticsearch at {black_hole} is not answering (no answer within 0.5 s)" in line
    assert f"{documents} document(s) stay pending" in line
