"""A destroyed or damaged embedded index (``search.db``), through the real CLI: a search says so with its own
exit code instead of answering from nothing, an index step says in one line that `readout reindex` rebuilds
it (no run can catch up), and `readout reindex` moves the damaged file aside and rebuilds it from the catalog.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.cli.common import ExitCode
from pipeline.devsite import SiteFarm
from tests.integration.test_run_e2e import World, fresh_world

#: Indexed by the base world's first run; the second source's documents wait in the outbox.
INDEXED, PENDING = "uk-fcdo", "tass-ru"


def _random(path: Path) -> None:
    path.write_bytes(random.Random(12).randbytes(path.stat().st_size))


def _half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _zero(path: Path) -> None:
    path.write_bytes(b"")


def _deleted(path: Path) -> None:
    path.unlink()


def _texts_page(path: Path) -> None:
    """Garbage over the root page of the ``texts`` table only: the header, the schema and the identity still
    read, so opening the file succeeds and only what touches the texts fails."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the file itself, none in the WAL
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'texts'").fetchone()[0]
    finally:
        conn.close()
    with path.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(random.Random(13).randbytes(page_size))


DAMAGE: dict[str, Callable[[Path], None]] = {"random bytes": _random, "half": _half, "texts page": _texts_page}
GONE: dict[str, Callable[[Path], None]] = {"zero length": _zero, "deleted": _deleted}


@pytest.fixture(scope="module")
def base(farm: SiteFarm, tmp_path_factory: pytest.TempPathFactory) -> World:
    world = fresh_world(farm, tmp_path_factory.mktemp("damage-base"))
    assert world.cli("run", "--source", INDEXED).exit_code == 0
    assert world.cli("run", "--source", PENDING, "--no-index").exit_code == 0
    return world


@pytest.fixture
def world(base: World, tmp_path: Path) -> World:
    """A copy of the base world's data folder (the catalog, the archive and the index)."""
    shutil.copytree(base.data_dir, tmp_path / "data")
    return World(base.farm, base.sources_file, tmp_path / "data")


def search_db(world: World) -> Path:
    return world.settings().effective_search_db


def set_aside(world: World) -> list[Path]:
    return sorted(search_db(world).parent.glob("search.db.corrupt-*"))


def everything(world: World) -> dict[str, object]:
    result = world.cli("search", "--json")
    assert result.exit_code == 0, result.output
    found: dict[str, object] = json.loads(result.stdout)
    return found


def catalog_total(world: World) -> int:
    catalog = world.catalog()
    try:
        return catalog.count_documents()
    finally:
        catalog.close()


@pytest.mark.parametrize("how", [*DAMAGE, *GONE])
def test_reindex_rebuilds_a_destroyed_index_and_keeps_the_damaged_file(world: World, how: str) -> None:
    path = search_db(world)
    (DAMAGE | GONE)[how](path)
    destroyed = path.read_bytes() if path.exists() else None
    result = world.cli("reindex")
    assert result.exit_code == 0, result.output
    assert everything(world)["total"] == catalog_total(world) > 0
    sanctions = world.cli("search", "sanctions", "--source", INDEXED, "--json")
    assert json.loads(sanctions.stdout)["total"] >= 1, sanctions.output
    if how in DAMAGE:
        [kept] = set_aside(world)
        assert kept.read_bytes() == destroyed, "the damaged file is moved aside as it was, never deleted"
        assert str(kept) in " ".join(result.output.split())
    else:
        assert set_aside(world) == [], "nothing to keep"
    # The rebuilt index is the outbox's target now: nothing is left pending for it.
    assert "0 document(s) sent" in world.cli("index").output


@pytest.mark.parametrize("how", [*DAMAGE, *GONE])
def test_a_search_never_answers_from_a_destroyed_index(world: World, how: str) -> None:
    (DAMAGE | GONE)[how](search_db(world))
    for query in ("sanctions", ""):
        result = world.cli("search", query)
        said = " ".join(result.output.split())
        assert result.exit_code == ExitCode.INDEX, result.output
        assert "match(es)" not in said
        assert str(search_db(world)) in said
        assert ("damaged" in said and "`readout reindex`" in said) if how in DAMAGE else "`readout index`" in said


@pytest.mark.parametrize("how", list(DAMAGE))
@pytest.mark.parametrize("command", [("run", "--source", INDEXED), ("index",)])
def test_an_index_step_on_a_damaged_index_says_so_in_one_line(world: World, how: str, command: tuple[str, ...]) -> None:
    path = search_db(world)
    DAMAGE[how](path)
    damaged = path.read_bytes()
    result = world.cli(*command)
    assert result.exit_code == ExitCode.INDEX, result.output
    assert result.exit_code != ExitCode.NOTHING, "not the code of a run that reached no source"
    lines = [line for line in result.output.splitlines() if "damaged" in line]
    assert len(lines) == 1, result.output
    assert str(path) in lines[0]
    assert "`readout reindex` rebuilds it" in lines[0]
    assert "catches up" not in result.output
    assert path.read_bytes() == damaged, "an index step neither repairs nor moves the file: reindex does"
    catalog = world.catalog()
    try:
        assert catalog.dead_letters() == [], "the file's damage is not the documents' fault"
    finally:
        catalog.close()
    assert world.cli("reindex").exit_code == 0
    caught_up = world.cli(*command)
    assert caught_up.exit_code == 0, caught_up.output
    assert everything(world)["total"] == catalog_total(world)
