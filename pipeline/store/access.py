"""How the catalog is reached: checking a catalog URL before anything uses it, and opening the catalog for
reading only (no migration, no write of any kind, so that a read-only catalog can be browsed)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from pipeline.errors import CatalogError

#: The databases the catalog's queries are written for (dialect-specific upserts).
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
_EXAMPLES = "e.g. sqlite:///data/catalog.db or postgresql://user@host/readout"


class CatalogMissingError(CatalogError):
    """A read found no catalog: nothing was ingested with these settings yet."""


def normalised_url(url: str | URL) -> URL:
    """``url`` parsed, with a bare ``postgresql://`` given the psycopg (3) driver Readout ships with (SQLAlchemy's
    default for it would be psycopg2, which is not installed)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def catalog_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a catalog (not a URL, an unknown dialect or driver, a driver not installed, a
    database the catalog does not support), or None. Nothing is connected to."""
    try:
        parsed = normalised_url(url)
    except ArgumentError:
        return f"not a database URL ({_EXAMPLES})"
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        return f"unknown database dialect or driver {parsed.drivername!r} ({_EXAMPLES})"
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        return f"the catalog runs on SQLite or PostgreSQL, not {parsed.get_backend_name()!r} ({_EXAMPLES})"
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        return f"the driver of {parsed.drivername!r} is not installed ({exc})"
    if parsed.get_backend_name() == "sqlite" and not parsed.database:
        return "an in-memory SQLite catalog forgets everything when the command ends: give a file path"
    return None


def read_only_engine(url: str) -> Engine:
    """An engine that can only read the catalog at ``url``. A SQLite file is opened read-only (``mode=ro``); when
    its folder is not writable either and no writer has it open, also ``immutable=1``: SQLite cannot create the
    shared-memory file a WAL database needs otherwise (https://www.sqlite.org/wal.html, "Read-Only Databases").
    No folder or file is created, no pragma is written."""
    parsed = normalised_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if not parsed.database or parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return create_engine(parsed)  # already a URI (or memory): as given
    path = Path(parsed.database).resolve()
    if not path.is_file():
        raise CatalogMissingError(f"no catalog at {path} (nothing was ingested there yet: `readout run` creates it)")
    query = {"mode": "ro", "uri": "true"}
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    if not os.access(path.parent, os.W_OK) and not wal.exists() and not shm.exists():
        query["immutable"] = "1"
    return create_engine(
        URL.create("sqlite", database=f"file:{quote(path.as_posix())}", query=query), connect_args={"timeout": 30}
    )


def check_schema_current(engine: Engine, migrations: Path) -> None:
    """Refuse a catalog whose schema is not the one this code reads (a read never migrates), naming the fix."""
    head = ScriptDirectory(str(migrations)).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current is None:
        raise CatalogError("not a Readout catalog (no schema): `readout run` creates one")
    if current != head:
        raise CatalogError(
            f"the catalog's schema is at revision {current} and this version of Readout reads {head}: "
            "a command that writes (`readout run`, `readout index`) migrates it first"
        )
