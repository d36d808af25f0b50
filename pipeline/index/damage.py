"""A damaged embedded index: how it is recognised, said, and set aside for a rebuild.

The embedded index holds nothing the catalog does not (every row is a projection of a catalog document),
so a damaged ``search.db`` is rebuilt, never repaired: ``readout reindex`` moves the file aside as
``search.db.corrupt-<UTC time>`` (with its ``-wal`` and ``-shm`` files, which belong to it: a WAL left
behind would be replayed into the new file) and builds a new one from the catalog. Nothing is deleted.

Recognising damage costs different amounts:

* SQLite checks the header when a file is opened (the magic string, the page size, a file shorter than
  the page count its header records) and every page it reads: a damaged page fails the statement that
  touches it with ``SQLITE_CORRUPT`` ("database disk image is malformed") or ``SQLITE_NOTADB`` ("file is
  not a database"). Every SQLite call of the embedded index turns those into :class:`IndexDamagedError`.
* ``PRAGMA quick_check`` reads every page: about 80 ms for 20,000 documents (80 MB), ten times an index
  pass with nothing to do, so it is not run on every open. :func:`inspect` runs it before a rebuild,
  and :func:`describe` to say what is wrong once a statement has failed.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from pipeline.errors import SearchBackendError

#: The primary result codes of damage (extended codes such as SQLITE_CORRUPT_VTAB share them).
_DAMAGE_CODES: Final = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
#: The files SQLite keeps beside a database in WAL mode.
_COMPANIONS: Final = ("-wal", "-shm")
#: Problems quoted from ``PRAGMA quick_check`` (the first is usually enough to say what is wrong).
_SHOWN: Final = 3


class IndexDamagedError(SearchBackendError):
    """The embedded index file is damaged; ``readout reindex`` rebuilds it from the catalog."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(
            f"the embedded search index {path} is damaged ({problem}): `readout reindex` rebuilds it from the catalog"
        )


def is_damage(exc: BaseException) -> bool:
    """Whether an SQLite error says the file itself is damaged (not locked, full or misused)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.DatabaseError) and isinstance(code, int) and (code & 0xFF) in _DAMAGE_CODES


def describe(conn: sqlite3.Connection, exc: BaseException) -> str:
    """What is wrong, for a message: SQLite's error, and what ``quick_check`` finds (when it can run)."""
    try:
        found = _problems(conn)
    except sqlite3.Error:
        found = []  # the header itself is unreadable: SQLite's error says it all
    return f"{exc}; quick_check: {'; '.join(found)}" if found else str(exc)


def inspect(path: Path, *, timeout: float = 5.0) -> str | None:
    """Why the file at ``path`` is damaged, or None if it is sound (or missing, or empty).

    Opens it as SQLite would and runs ``PRAGMA quick_check`` (reads every page). A file another process
    holds locked is not damaged: that error is raised as :class:`SearchBackendError`.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise SearchBackendError(f"cannot open the embedded search index {path}: {exc}") from exc
    try:
        problems = _problems(conn)
    except sqlite3.Error as exc:
        if is_damage(exc):
            return str(exc)
        raise SearchBackendError(f"cannot check the embedded search index {path}: {exc}") from exc
    finally:
        conn.close()
    return "; ".join(problems) or None


def set_aside(path: Path, *, now: datetime | None = None) -> Path:
    """Move a damaged index (and its WAL companions) to ``<name>.corrupt-<UTC time>``; return the new path.

    ``now`` is the time in the name (default: the current time); a name already taken gets a counter.
    """
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    attempt = 1
    while any(Path(f"{target}{suffix}").exists() for suffix in ("", *_COMPANIONS)):
        attempt += 1  # two rebuilds in one second: keep both
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{attempt}")
    try:
        # The companions first: a new file must never meet the old WAL under its own name.
        for suffix in _COMPANIONS:
            companion = Path(f"{path}{suffix}")
            if companion.exists():
                companion.rename(f"{target}{suffix}")
        path.rename(target)
    except OSError as exc:
        raise SearchBackendError(f"cannot move the damaged embedded search index {path} aside: {exc}") from exc
    return target


def _problems(conn: sqlite3.Connection) -> list[str]:
    """The first problems ``PRAGMA quick_check`` reports (none: the file is sound)."""
    rows = conn.execute("PRAGMA quick_check").fetchall()
    return [str(row[0]) for row in rows if row and row[0] != "ok"][:_SHOWN]
