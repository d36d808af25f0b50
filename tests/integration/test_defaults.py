"""The defaults a new user meets: the shipped tagging rules work from any directory, missing rules are loud
(a warning on every run, `readout check` fails) unless tagging was turned off on purpose."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from pipeline.devsite import SiteFarm
from pipeline.store.catalog import MIGRATIONS
from tests.conftest import REPO

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
    check = world.cli("check", READOUT_TOPICS="none", READOUT_COUNTRIES="none")
    assert check.exit_code == 0, check.output
    assert "off: topic tagging (READOUT_TOPICS=none)" in check.output
    assert "off: country tagging (READOUT_COUNTRIES=none)" in check.output


def _flat(output: str) -> str:
    """Output with the console's line wrapping undone."""
    return " ".join(output.split())


# --- reads never write (issue 11, item 11a) ----------------------------------------------------------------


@pytest.fixture(scope="module")
def ingested(farm: SiteFarm, tmp_path_factory: pytest.TempPathFactory) -> World:
    """A catalog with one source's documents (and its WAL folded back into the file: the run has ended)."""
    world = fresh_world(farm, tmp_path_factory.mktemp("ingested"))
    result = world.cli("run", "--source", SOURCE, "--no-index")
    assert result.exit_code == 0, result.output
    return world


def _as_reader(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``command`` as a user without write access to the catalog: as root (who ignores file permissions) the
    unprivileged user 65534 (nobody); otherwise the current user, for whom chmod is enough."""
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("setpriv (util-linux) is needed to run a command without root's permissions")
        command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        probe = subprocess.run([*command[:4], sys.executable, "-c", "import pipeline"], env=env, check=False)
        if probe.returncode != 0:
            pytest.skip("user 65534 cannot run this Python (its files are not readable by others)")
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_a_read_only_catalog_can_be_browsed(ingested: World) -> None:
    """list, show, sources and failures on a catalog in a folder the user cannot write (a WAL database: SQLite
    cannot make its shared-memory file there, and before, `list` failed with "attempt to write a readonly
    database")."""
    shelf = Path(tempfile.mkdtemp(prefix="readout-ro-"))  # not under pytest's 0700 tmp: user 65534 reads it
    try:
        shutil.copy(ingested.data_dir / "catalog.db", shelf / "catalog.db")
        shutil.copy(ingested.sources_file, shelf / "sources.yaml")
        for path in (shelf / "catalog.db", shelf / "sources.yaml"):
            path.chmod(0o444)
        shelf.chmod(0o555)
        env = {name: value for name, value in os.environ.items() if not name.startswith("READOUT_")}
        env |= {"READOUT_DATA_DIR": str(shelf), "READOUT_SOURCES": str(shelf / "sources.yaml"), "COLUMNS": "250"}
        readout = str(Path(sys.executable).with_name("readout"))
        listed = _as_reader([readout, "list", "--json"], env)
        assert listed.returncode == 0, listed.stderr
        rows = [json.loads(line) for line in listed.stdout.splitlines()]
        assert len(rows) == len(ingested.documents())
        shown = _as_reader([readout, "show", rows[0]["doc_id"][:16]], env)
        assert shown.returncode == 0, shown.stderr
        assert rows[0]["url"] in shown.stdout
        for command in (["sources", "--json"], ["failures"]):
            result = _as_reader([readout, *command], env)
            assert result.returncode == 0, result.stderr
        assert sorted(path.name for path in shelf.iterdir()) == ["catalog.db", "sources.yaml"]
    finally:
        shelf.chmod(0o755)
        shutil.rmtree(shelf)


def test_a_read_does_not_migrate_the_catalog(ingested: World, tmp_path: Path) -> None:
    """A catalog at an older schema is refused by a read with the fix named, and left as it is."""
    shutil.copy(ingested.data_dir / "catalog.db", tmp_path / "catalog.db")
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(url)  # without the catalog's foreign_keys pragma, which batch-altering a table trips
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
        listed = ingested.cli("list", READOUT_DATA_DIR=str(tmp_path))
        assert listed.exit_code == 3, listed.output  # ExitCode.CATALOG
        assert "schema is at revision 0002" in _flat(listed.output)
        assert "migrates it first" in _flat(listed.output)
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == "0002"
    finally:
        engine.dispose()


def test_reads_of_a_catalog_not_created_yet_create_nothing(ingested: World, tmp_path: Path) -> None:
    empty = tmp_path / "nothing-yet"
    listed = ingested.cli("list", READOUT_DATA_DIR=str(empty))
    assert listed.exit_code == 1
    assert "no catalog at" in _flat(listed.output)
    sources = ingested.cli("sources", "--json", READOUT_DATA_DIR=str(empty))
    assert sources.exit_code == 0, sources.output
    assert not empty.exists()


# --- check refuses an unusable catalog URL (issue 11, item 11b) --------------------------------------------


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("garbage", "not a database URL"),
        ("nosuchdb://host/readout", "unknown database dialect or driver 'nosuchdb'"),
        ("mysql://user@host/readout", "the catalog runs on SQLite or PostgreSQL, not 'mysql'"),
        ("postgresql+asyncpg://user@host/readout", "the driver of 'postgresql+asyncpg' is not installed"),
        ("sqlite://", "in-memory SQLite catalog"),
    ],
)
def test_check_refuses_an_unusable_catalog_url(ingested: World, url: str, words: str) -> None:
    result = ingested.cli("check", READOUT_CATALOG_URL=url)
    assert result.exit_code == 1, result.output
    assert "the catalog URL (READOUT_CATALOG_URL or --catalog-url)" in _flat(result.output)
    assert words in _flat(result.output)


@pytest.mark.parametrize("url", ["postgresql://user@127.0.0.1/readout", "sqlite:///somewhere/catalog.db"])
def test_check_accepts_a_usable_catalog_url(ingested: World, url: str) -> None:
    result = ingested.cli("check", READOUT_CATALOG_URL=url)
    assert result.exit_code == 0, result.output


def test_a_read_only_open_refuses_an_empty_database_and_reads_a_migrated_one(catalog_url: str) -> None:
    """On both backends: no schema is created by a read; once a write has migrated it, reads work."""
    from pipeline.errors import CatalogError
    from pipeline.store.catalog import Catalog

    if catalog_url.startswith("sqlite"):
        Path(catalog_url.removeprefix("sqlite:///")).touch()  # an empty file: SQLite's "database" with no tables
    with pytest.raises(CatalogError, match="not a Readout catalog"):
        Catalog.open(catalog_url, read_only=True)
    Catalog.open(catalog_url).close()
    reader = Catalog.open(catalog_url, read_only=True)
    try:
        assert list(reader.documents()) == []
        assert reader.source_states() == {}
    finally:
        reader.close()


# --- a search filter on a label the rules never give (issue 11, item 11d) ----------------------------------


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--topic", "nosuchtopic"], "no topic 'nosuchtopic' in"),
        (["--topic", "sanction"], "no topic 'sanction' in"),
        (["--topic", "sanction"], "did you mean: sanctions"),
        (["--country", "XX"], "no country 'XX' in"),
        (["--country", "china"], "did you mean CN?"),
    ],
)
def test_search_says_a_topic_or_country_does_not_exist(ingested: World, options: list[str], words: str) -> None:
    result = ingested.cli("search", "sanctions", *options)
    assert result.exit_code == 2, result.output
    assert words in _flat(result.output)


def test_search_by_a_known_topic_and_country_still_finds(ingested: World) -> None:
    assert ingested.cli("index").exit_code == 0
    result = ingested.cli("search", "sanctions", "--topic", "sanctions", "--country", "cn", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] >= 1


def test_search_by_a_topic_the_rules_dropped_still_finds_what_older_rules_tagged(
    ingested: World, tmp_path: Path
) -> None:
    """A topic removed from (or renamed in) the rules stays on documents until a re-tag: searching for it finds
    them, with a note, rather than a refusal."""
    import yaml

    assert ingested.cli("index").exit_code == 0
    rules = yaml.safe_load((REPO / "config" / "topics.yaml").read_text("utf-8"))
    rules["topics"] = [topic for topic in rules["topics"] if topic["id"] != "sanctions"]
    trimmed = tmp_path / "topics-without-sanctions.yaml"
    trimmed.write_text(yaml.safe_dump(rules, allow_unicode=True), "utf-8")
    result = ingested.cli("search", "sanctions", "--topic", "sanctions", "--json", READOUT_TOPICS=str(trimmed))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] >= 1
    assert "no topic 'sanctions' in" in _flat(result.stderr)
    assert "tagged by older rules" in _flat(result.stderr)


def test_search_checks_no_topic_when_topic_tagging_is_off(ingested: World) -> None:
    result = ingested.cli("search", "sanctions", "--topic", "nosuchtopic", READOUT_TOPICS="none")
    assert result.exit_code == 0, result.output


def test_check_prints_the_catalog_url_without_its_password(ingested: World) -> None:
    result = ingested.cli("check", READOUT_CATALOG_URL="postgresql://reader:s3cret@127.0.0.1/readout")
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    assert "postgresql://reader:***@127.0.0.1/readout" in _flat(result.output)
