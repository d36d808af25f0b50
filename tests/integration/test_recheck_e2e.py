"""Transcript history end to end: `readout run` at +0, +1 h, +1 d and +7 d on the stopped clock (READOUT_NOW)
over a fixture listing whose pages are edited, removed, redirected, dropped from the listing and brought back
between runs (tests/fixtures/history/recheck: the planted changes and what each run must find are in its
labels.yaml). Real HTTP to loopback, no sleeps: the clock is moved, not waited for."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.devsite import SiteFarm, serve_sites
from pipeline.store.catalog import Catalog
from pipeline.urls import doc_id
from tests.conftest import DEFAULT_SOURCES, FIXTURES

HISTORY = FIXTURES / "history" / "recheck"
LABELS: dict[str, Any] = yaml.safe_load((HISTORY / "labels.yaml").read_text("utf-8"))
HOST = "www.fmprc.gov.cn"
runner = CliRunner()


def _after(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([mh])", text)
    assert match, text
    return timedelta(minutes=int(match[1])) * (60 if match[2] == "h" else 1)


@pytest.fixture(scope="module")
def history_farm() -> Iterator[SiteFarm]:
    with serve_sites(HISTORY / "sites") as farm:
        yield farm


def _sources_file(farm: SiteFarm, tmp_path: Path) -> Path:
    """The shipped cn-mfa-en entry, its origin rewritten to the history site's loopback server."""
    shipped = yaml.safe_load(DEFAULT_SOURCES.read_text("utf-8"))
    entry = next(source for source in shipped["sources"] if source["id"] == "cn-mfa-en")
    path = tmp_path / "sources.yaml"
    path.write_text(farm.rewrite(yaml.safe_dump({"sources": [entry]}, allow_unicode=True)), "utf-8")
    return path


def test_history_through_readout_run(history_farm: SiteFarm, tmp_path: Path) -> None:
    start = datetime.fromisoformat(LABELS["start"])
    pages: dict[str, str] = LABELS["pages"]
    origin = history_farm.origins[HOST]
    ids = {name: doc_id(origin + path) for name, path in pages.items()}
    env = {
        "READOUT_SOURCES": str(_sources_file(history_farm, tmp_path)),
        "READOUT_DATA_DIR": str(tmp_path / "data"),
        "READOUT_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
        "READOUT_MIN_DELAY": "0",
        "READOUT_MAX_CRAWL_DELAY": "0",
        "READOUT_BACKOFF_BASE": "0.01",
        "READOUT_WORKERS": "0",
        "COLUMNS": "250",
    }
    seen: set[str] = set()
    try:
        for run in LABELS["runs"]:
            now = start + _after(run["after"])
            history_farm.overlay = HISTORY / "stages" / str(run["stage"]) if run["stage"] else None
            before = len(history_farm.requests())
            result = runner.invoke(app, ["run", "--no-index"], env=env | {"READOUT_NOW": now.isoformat()})
            assert result.exit_code == 0, result.output
            expected = run["rechecks"]
            summary = f"re-checked {expected['checked']}, changed {expected['changed']}, removed {expected['removed']}"
            assert summary in result.output, (run["name"], result.output)
            assert (f"back {expected['back']}" in result.output) == bool(expected["back"]), (run["name"], result.output)

            catalog = Catalog.open(f"sqlite:///{tmp_path / 'data' / 'catalog.db'}")
            try:
                documents = {name: catalog.document(ident) for name, ident in ids.items()}
                stored = {name for name, document in documents.items() if document is not None}
                assert stored - seen == set(run["new"]), run["name"]
                seen |= stored
                removed = {
                    name: (document.removal_evidence or {}).get("kind")
                    for name, document in documents.items()
                    if document is not None and document.removed_at is not None
                }
                assert removed == run["removed"], run["name"]
                for name, versions in run["versions"].items():
                    assert len(catalog.versions(ids[name])) == versions, (run["name"], name)
                for name, document in documents.items():
                    if document is None:
                        continue
                    # Every page fetched this run has its next re-check ahead of the clock, never behind it.
                    assert document.recheck_at is None or document.recheck_at.replace(tzinfo=now.tzinfo) > now, name
                    evidence = document.removal_evidence
                    if evidence is not None:
                        assert evidence["at"] <= now.isoformat(), name
                        assert evidence["url"], name
            finally:
                catalog.close()
            # Pages already stored are asked conditionally: a re-check of an unchanged page costs a 304.
            asked = [r for r in history_farm.requests(HOST)[before:] if r.path.endswith(".html") and "_20" in r.path]
            for request in asked:
                if any(request.path == pages[name] for name in seen - set(run["new"])):
                    assert "If-None-Match" in request.headers, (run["name"], request.path)
    finally:
        history_farm.overlay = None

    # What `readout sources` reports: the removals of each day (UTC), and the re-check ages in force.
    listed = runner.invoke(app, ["sources", "--json"], env=env | {"READOUT_NOW": now.isoformat()})
    assert listed.exit_code == 0, listed.output
    row = json.loads(listed.output)[0]
    assert row["recheck"] == ["1h", "1d", "7d", "30d"]
    removals = {day["day"]: day["removed"] for day in row["history"]}
    assert sum(removals.values()) == len(LABELS["runs"][-1]["removed"])
    assert set(removals) == {(start + _after(run["after"])).date().isoformat() for run in LABELS["runs"][2:3]}
