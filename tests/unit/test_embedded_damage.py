"""A damaged embedded index file: recognised by SQLite's own result codes, set aside whole (with its WAL), and
never blamed on the documents."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.index.damage import IndexDamagedError, inspect, is_damage, set_aside
from pipeline.index.embedded import EmbeddedIndex
from pipeline.index.query import parse
from pipeline.index.search import SearchFilters
from tests.unit.test_embedded_search import Doc, fillers

WHEN = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)


def built(path: Path) -> None:
    with EmbeddedIndex(path) as index:
        assert index.index_documents(fillers()).acked


def garbage_over(path: Path, table: str) -> None:
    """Random bytes over the root page of ``table``: the file still opens, what reads that table fails."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    finally:
        conn.close()
    with path.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(random.Random(5).randbytes(page_size))


def test_sqlite_result_codes_not_messages_say_what_is_damage(tmp_path: Path) -> None:
    path = tmp_path / "search.db"
    path.write_bytes(b"not a database at all" * 200)
    with pytest.raises(sqlite3.DatabaseError) as notadb:
        sqlite3.connect(path).execute("PRAGMA user_version")
    assert is_damage(notadb.value)
    built(tmp_path / "ok.db")
    holder = sqlite3.connect(tmp_path / "ok.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError) as locked:
        sqlite3.connect(tmp_path / "ok.db", timeout=0, isolation_level=None).execute("BEGIN IMMEDIATE")
    holder.close()
    assert not is_damage(locked.value), "a locked file is busy, not damaged"
    assert not is_damage(ValueError("database disk image is malformed")), "only SQLite's own errors"


def test_a_damaged_table_fails_searches_and_writes_as_damage_and_rejects_no_document(tmp_path: Path) -> None:
    path = tmp_path / "search.db"
    built(path)
    garbage_over(path, "texts")
    with EmbeddedIndex(path, read_only=True) as index, pytest.raises(IndexDamagedError) as searched:
        index.search(parse("harbour"), SearchFilters(), 10)
    assert "`readout reindex`" in str(searched.value)
    assert str(path) in str(searched.value)
    with EmbeddedIndex(path) as index, pytest.raises(IndexDamagedError):
        index.index_documents([Doc("new-one", "Ministers met at the harbour to discuss quiet hours.")])


def test_inspect_reads_every_page(tmp_path: Path) -> None:
    path = tmp_path / "search.db"
    assert inspect(path) is None, "missing: nothing to set aside"
    built(path)
    assert inspect(path) is None
    garbage_over(path, "docs")
    assert inspect(path)


def test_set_aside_moves_the_wal_with_the_file_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "search.db"
    built(path)
    # A writer that has not checkpointed: part of the index lives in the WAL only.
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("INSERT INTO meta VALUES ('only-in-the-wal', 'yes')")
    moved = set_aside(path, now=WHEN)
    writer.close()
    assert not path.exists()
    assert not Path(f"{path}-wal").exists(), "a new search.db must not meet the old WAL"
    assert moved.name == "search.db.corrupt-20261206T230000Z"
    reopened = sqlite3.connect(moved)
    try:
        assert reopened.execute("SELECT value FROM meta WHERE key = 'only-in-the-wal'").fetchone() == ("yes",)
    finally:
        reopened.close()
    built(path)
    again = set_aside(path, now=WHEN)
    assert again.name == "search.db.corrupt-20261206T230000Z-2", "two in one second: both kept"
    assert moved.exists()
