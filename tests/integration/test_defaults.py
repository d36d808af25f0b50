"""The defaults a new user meets: the shipped tagging rules work from any directory, missing rules are loud
(a warning on every run, `readout check` fails) unless tagging was turned off on purpose."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.devsite import SiteFarm

from .test_run_e2e import World, fresh_world

SOURCE = "islamtimes-en"
#: The Islam Times report of Wang Wenbin's answer on unilateral sanctions (in the fixture site).
SANCTIONS_REPORT = "https://www.islamtimes.com/en/news/930825/china-slams-us-over-willful-use-of-unilateral-sanctions"


def _readout(world: World, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed `readout` command in its own process, from ``cwd``, with no READOUT_* setting but the
    world's own (none for the tagging rules)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("READOUT_")}
    env |= world.env() | {"COLUMNS": "250"}
    command = [str(Path(sys.executable).with_name("readout")), *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=240, check=False)


@pytest.fixture(scope="module")
def elsewhere(farm: SiteFarm, tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Path]:
    """A world whose commands run from an unrelated directory (no config/ in it)."""
    return fresh_world(farm, tmp_path_factory.mktemp("world")), tmp_path_factory.mktemp("somewhere-else")


def test_a_run_from_another_directory_tags_with_the_shipped_rules(elsewhere: tuple[World, Path]) -> None:
    world, cwd = elsewhere
    result = _readout(world, "run", "--source", SOURCE, "--no-index", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "tagging:" not in result.stderr
    report = world.documents()[SANCTIONS_REPORT]
    assert "sanctions" in report.topics
    assert {"CN", "US"} <= set(report.countries)


def test_check_from_another_directory_finds_the_shipped_rules(elsewhere: tuple[World, Path]) -> None:
    world, cwd = elsewhere
    result = _readout(world, "check", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "ok: 0 topic(s)" not in result.stdout
    assert "topic(s) in" in result.stdout
    assert "countries in" in result.stdout


def test_missing_rules_are_a_warning_on_every_run_and_fail_check(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    missing = tmp_path / "no-such-topics.yaml"
    run = world.cli("run", "--source", SOURCE, "--no-index", READOUT_TOPICS=str(missing))
    assert run.exit_code == 0, run.output
    assert f"the topics file {missing} does not exist (READOUT_TOPICS)" in _flat(run.output)
    check = world.cli("check", READOUT_COUNTRIES=str(missing))
    assert check.exit_code == 1, check.output
    assert f"the countries file {missing} does not exist (READOUT_COUNTRIES)" in _flat(check.output)
    countries = world.documents()[SANCTIONS_REPORT].countries
    assert countries
    retag = world.cli("retag", READOUT_COUNTRIES=str(missing))
    assert retag.exit_code == 2, retag.output  # re-tagging without the rules would strip every document's countries
    assert world.documents()[SANCTIONS_REPORT].countries == countries


def test_tagging_turned_off_on_purpose_is_quiet(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    run = world.cli("run", "--source", SOURCE, "--no-index", READOUT_TOPICS="none", READOUT_COUNTRIES="none")
    assert run.exit_code == 0, run.output
    assert "tagging:" not in run.output
    assert not any(document.topics or document.countries for document in world.documents().values())
    check = world.cli("check", READOUT_TOPICS="none", READOUT_COUNTRIES="")
    assert check.exit_code == 0, check.output
    assert "off: topic tagging (READOUT_TOPICS=none)" in check.output
    assert "off: country tagging (READOUT_COUNTRIES=none)" in check.output


def _flat(output: str) -> str:
    """Output with the console's line wrapping undone."""
    return " ".join(output.split())
