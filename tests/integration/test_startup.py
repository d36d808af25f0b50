"""Small commands cost what they need: a search on the embedded index imports no catalog code, a run that finds
nothing new reads no tagging rules, and planning after a 304 reads the rows of the URLs it found, not the
source's history."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert

from pipeline.config import Source, load_sources
from pipeline.devsite import SiteFarm
from pipeline.index.embedded import EmbeddedIndex
from pipeline.ingest import plan_source, prepare_source, run_cycle
from pipeline.ingest.outcomes import DiscoveryOutcome
from pipeline.models import DiscoveredItem
from pipeline.store.catalog import Catalog
from pipeline.store.schema import Document
from tests.conftest import REPO, make_settings
from tests.unit.test_embedded_search import Doc

#: A source with a feed of three items on the fixture sites.
SOURCE = "bbc-world"


def test_a_search_on_the_embedded_index_imports_neither_sqlalchemy_nor_alembic(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with EmbeddedIndex(data / "search.db") as index:
        outcome = index.index_documents([Doc("d1", "The ministry spoke of unilateral sanctions.", title="Sanctions")])
        assert [doc_id for doc_id, _ in outcome.acked] == ["d1"]
    program = (
        "import json, sys\n"
        "from pipeline.cli import app\n"
        "try:\n"
        "    app(['--data-dir', sys.argv[1], 'search', 'sanctions', '--json'])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "print('IMPORTED', json.dumps(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'alembic'})))\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("READOUT_")}
    done = subprocess.run(
        [sys.executable, "-c", program, str(data)], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    answer, marker, imported = done.stdout.rpartition("IMPORTED ")
    assert marker, done.stdout
    assert json.loads(answer)["total"] == 1  # it did search
    assert json.loads(imported) == []


def fixture_source(farm: SiteFarm, tmp_path: Path) -> tuple[Path, Source]:
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(farm.rewrite((REPO / "config" / "sources.yaml").read_text("utf-8")), "utf-8")
    [source] = [s for s in load_sources(sources_file) if s.id == SOURCE]
    return sources_file, source


def test_a_run_that_finds_nothing_new_reads_no_tagging_rules(
    farm: SiteFarm, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sources_file, source = fixture_source(farm, tmp_path)
    topics = tmp_path / "topics.yaml"
    shutil.copyfile(REPO / "config" / "topics.yaml", topics)
    settings = make_settings(tmp_path / "data", sources=sources_file, topics=topics)
    catalog = Catalog.open(settings.effective_catalog_url)
    try:
        first = run_cycle(settings, [source], catalog=catalog)
        assert first.totals().new == 3
        assert all(document.tagged_with for document in catalog.documents())
        # A broken entry is reported whenever the rules are read: a run that reads them would say so.
        with topics.open("a", encoding="utf-8") as file:
            file.write("  - id: broken-entry\n    wieght: 2\n")
        with caplog.at_level(logging.ERROR, logger="pipeline.enrich"):
            again = run_cycle(settings, [source], catalog=catalog)
        assert (again.totals().new, again.totals().fetched, again.status) == (0, 0, "ok")
        assert "broken-entry" not in caplog.text
    finally:
        catalog.close()


def add_documents(catalog: Catalog, source: Source, count: int) -> None:
    """``count`` older documents of ``source``, as past runs would have left them."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    for n in range(count):
        url = f"https://archive.invalid/{source.id}/{n}"
        rows.append(
            {
                "doc_id": hashlib.sha256(url.encode()).hexdigest(),
                "url": url,
                "canonical_url": url,
                "source_id": source.id,
                "source_kind": source.kind,
                "publisher": source.publisher,
                "source_country": source.country,
                "language": source.language,
                "title": f"Briefing {n}",
                "text": f"An older briefing, number {n}.",
                "published_at": now - timedelta(hours=n),
                "fetched_at": now,
                "first_seen_at": now,
                "content_hash": hashlib.sha256(str(n).encode()).hexdigest(),
                "extractor_version": "test",
            }
        )
    with catalog.session() as session, session.begin():
        session.execute(insert(Document), rows)


def sqlite_steps(catalog: Catalog) -> Callable[[], int]:
    """Count the virtual-machine instructions SQLite runs for this catalog from now on (one per ten): the
    work of a query, rows read included, and no clock involved."""
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0  # go on

    @event.listens_for(catalog.engine, "connect")
    def _count(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_progress_handler(tick, 10)

    catalog.engine.dispose()  # the pooled connections predate the listener
    return lambda: steps[0]


def planning_work(tmp_path: Path, source: Source, older: int) -> int:
    """SQLite's work to prepare and plan a run of ``source`` that found one known and one new item, and to
    save its result, with ``older`` documents of the source in the catalog."""
    catalog = Catalog.open(f"sqlite:///{tmp_path / f'catalog-{older}.db'}")
    try:
        add_documents(catalog, source, older)
        run_id = catalog.start_run("incremental", {})
        counts = {"new": 0, "updated": 0, "unchanged": 0, "not_modified": 0}
        catalog.save_source_result(run_id, source.id, "ok", counts, None, 0.0)  # the source's first result
        known = DiscoveredItem(url=f"https://archive.invalid/{source.id}/1", source_id=source.id)
        new = DiscoveredItem(url=f"https://archive.invalid/{source.id}/new", source_id=source.id)
        steps = sqlite_steps(catalog)
        prepared = prepare_source(catalog, source, "incremental")
        plan = plan_source(source, DiscoveryOutcome(items=[known, new]), prepared, since=None, until=None, limit=10)
        catalog.save_source_result(run_id, source.id, "ok", counts, None, 0.0)
        work = steps()
        assert [item.url for item, _ in plan.fetch] == [new.url]  # the known one was found, and skipped
        assert plan.skipped == 1
        return work
    finally:
        catalog.close()


def test_planning_after_a_304_reads_the_rows_of_the_urls_found_not_the_sources_history(
    farm: SiteFarm, tmp_path: Path
) -> None:
    _, source = fixture_source(farm, tmp_path)
    small = planning_work(tmp_path, source, 20)
    large = planning_work(tmp_path, source, 4000)
    # 200 times the documents; the index lookups get a level or so deeper, nothing reads them all.
    assert large < 2 * small, (small, large)


def test_a_run_that_finds_nothing_new_does_not_import_the_extractor(farm: SiteFarm, tmp_path: Path) -> None:
    """trafilatura costs about a second to import; a run that extracts nothing must not pay for it."""
    sources_file, _ = fixture_source(farm, tmp_path)
    program = (
        "import json, sys\n"
        "from pipeline.cli import app\n"
        "try:\n"
        f"    app(['--sources', sys.argv[1], '--data-dir', sys.argv[2], 'run', '--source', {SOURCE!r}, '--no-index'])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "print('IMPORTED', json.dumps('trafilatura' in sys.modules))\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("READOUT_")}
    env |= {"READOUT_ALLOW_PRIVATE_HOSTS": "127.0.0.1", "READOUT_MIN_DELAY": "0", "READOUT_MAX_CRAWL_DELAY": "0"}
    imported = []
    for _ in range(2):  # the first run extracts its three pages; the second finds nothing new
        done = subprocess.run(
            [sys.executable, "-c", program, str(sources_file), str(tmp_path / "data")],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        imported.append(json.loads(done.stdout.rpartition("IMPORTED ")[2]))
    assert imported == [True, False]
