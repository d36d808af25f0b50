"""Twin sources in the sources file: a pair whose other end is missing, not a briefing source, of another
country, of the same language or paired elsewhere is refused, naming the entry and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import load_sources, validate_source_entries
from pipeline.errors import ConfigError
from pipeline.twin_sources import twin_pairs


def briefing(source_id: str, language: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": source_id,
        "name": source_id,
        "kind": "briefing",
        "publisher": "MFA",
        "country": "CN",
        "language": language,
        "discovery": {"method": "listing", "urls": [f"https://{source_id}.example/list/"]},
        **extra,
    }


def write(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": entries}), "utf-8")
    return path


def test_a_pair_declared_on_one_end_pairs_both_ways(tmp_path: Path) -> None:
    sources = load_sources(write(tmp_path, [briefing("zh", "zh", twin="en"), briefing("en", "en")]))
    assert twin_pairs(sources) == {"zh": "en", "en": "zh"}


def test_a_pair_declared_on_both_ends_loads(tmp_path: Path) -> None:
    sources = load_sources(write(tmp_path, [briefing("zh", "zh", twin="en"), briefing("en", "en", twin="zh")]))
    assert twin_pairs(sources) == {"zh": "en", "en": "zh"}


@pytest.mark.parametrize(
    ("other", "words"),
    [
        (None, "'en' is not in the file"),
        ({"kind": "news"}, "twins are briefing sources"),
        ({"country": "RU"}, "of one ministry"),
        ({"language": "zh"}, "two languages"),
        ({"twin": "ru"}, "names another twin"),
    ],
)
def test_a_bad_pair_is_refused_naming_the_entry_and_the_field(
    tmp_path: Path, other: dict[str, Any] | None, words: str
) -> None:
    entries = [briefing("zh", "zh", twin="en"), briefing("ru", "ru")]
    if other is not None:
        entries.append(briefing("en", "en") | other)
    good, errors = validate_source_entries(write(tmp_path, entries))
    assert "zh" not in {source.id for source in good}
    problem = next(error for error in errors if error.entry and error.entry.startswith("'zh'"))
    assert problem.field == "twin"
    assert words in str(problem)


def test_a_source_cannot_be_the_twin_of_two(tmp_path: Path) -> None:
    entries = [briefing("zh", "zh", twin="en"), briefing("ru", "ru", twin="en"), briefing("en", "en")]
    good, errors = validate_source_entries(write(tmp_path, entries))
    assert {source.id for source in good} == {"en"}
    assert all("already the twin" in str(error) for error in errors)


def test_readout_check_reports_a_bad_pair(tmp_path: Path) -> None:
    path = write(tmp_path, [briefing("zh", "zh", twin="en"), briefing("en", "zh")])
    with pytest.raises(ConfigError):
        load_sources(path)
    result = CliRunner().invoke(app, ["check"], env={"READOUT_SOURCES": str(path), "READOUT_DATA_DIR": str(tmp_path)})
    assert result.exit_code != 0
    assert "twin" in result.output
    assert "two languages" in result.output
