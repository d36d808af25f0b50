"""The Airflow tasks say when a tagging rules file is missing: every ingest run warns in its task log, and a
re-tag backfill refuses (it would strip every document of those tags)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.errors import ConfigError
from pipeline.tasks import BackfillRequest, backfill_source, ingest_discover, load_source, start_backfill
from tests.dags.conftest import Stack

SOURCE = "cn-mfa-en"


def test_an_ingest_run_warns_of_a_missing_rules_file(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "gone" / "countries.yaml"
    monkeypatch.setenv("READOUT_COUNTRIES", str(missing))
    settings = Settings()
    ingest_discover(settings, load_source(settings, SOURCE), run_id="0f8e2c1a-2222-5d55-9a51-6a0d2b1e7c3e")
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert f"tagging: the countries file {missing} does not exist (READOUT_COUNTRIES)" in " ".join(warnings)


def test_an_ingest_run_with_tagging_off_on_purpose_says_nothing(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("READOUT_COUNTRIES", "none")
    settings = Settings()
    ingest_discover(settings, load_source(settings, SOURCE), run_id="0f8e2c1a-3333-5d55-9a51-6a0d2b1e7c3e")
    assert not [r for r in caplog.records if "tagging:" in r.getMessage()]


def test_a_re_tag_backfill_refuses_a_missing_rules_file(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("READOUT_TOPICS", str(tmp_path / "gone.yaml"))
    settings = Settings()
    request = BackfillRequest(sources=(SOURCE,), since=None, until=None, mode="re-tag", dry_run=False)
    planned = start_backfill(request, dag_id="readout_backfill", run_id="manual__retag")
    with pytest.raises(ConfigError, match="READOUT_TOPICS"):
        backfill_source(settings, load_source(settings, SOURCE), request, run_id=planned["run_id"])
