"""How the catalog is reached: checking a catalog URL before anything uses it, opening the catalog for reading
only (no migration, no write of any kind, so that a read-only catalog can be browsed), and what every catalog
engine shares: bounded waits for locks and statements, and errors told in one line.

A catalog engine never logs or raises the parameters of a statement (they hold whole documents), and turns the
database's own errors, the operational ones (locked, full, read-only, gone, timed out), into a
:class:`~pipeline.errors.CatalogError` that names the catalog (password hidden), what could not be done and why::

    the catalog at sqlite:////srv/readout/catalog.db could not update runs: the catalog is locked by another
    process (no lock within 30 s, READOUT_CATALOG_LOCK_TIMEOUT; database is locked)

Errors that point at Readout's own statements (a constraint, a type, SQL the database refuses) stay SQLAlchemy's:
they are bugs, not the catalog's state.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    IntegrityError,
    NoSuchModuleError,
    NotSupportedError,
    ProgrammingError,
)

from pipeline.config import Settings
from pipeline.errors import CatalogError, CatalogLockedError

#: The databases the catalog's queries are written for (dialect-specific upserts).
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
_EXAMPLES = "e.g. sqlite:///data/catalog.db or postgresql://user@host/readout"


class CatalogMissingError(CatalogError):
    """A read found no catalog: nothing was ingested with these settings yet."""


@dataclass(frozen=True)
class Timeouts:
    """How long a catalog statement may wait for a lock another process holds (``lock``: SQLite's busy timeout,
    PostgreSQL's ``lock_timeout``) and run at all (``statement``: PostgreSQL's ``statement_timeout``, 0 for no
    limit), in seconds. Without them a lock a crashed client left on PostgreSQL hangs a run for ever."""

    lock: float = Settings.model_fields["catalog_lock_timeout"].default
    statement: float = Settings.model_fields["catalog_statement_timeout"].default

    @classmethod
    def of(cls, settings: Settings) -> Timeouts:
        """The timeouts ``READOUT_CATALOG_LOCK_TIMEOUT`` and ``READOUT_CATALOG_STATEMENT_TIMEOUT`` set."""
        return cls(lock=settings.catalog_lock_timeout, statement=settings.catalog_statement_timeout)


def shown_url(url: str | URL) -> str:
    """``url`` as it may be shown in a message or a log: with its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL: shown without anything that looks like credentials
        return str(url).split("@")[-1]


def engine_options(url: URL, timeouts: Timeouts) -> dict[str, Any]:
    """The :func:`~sqlalchemy.create_engine` arguments every catalog engine shares: statement parameters hidden
    from errors and logs, and the timeouts in the driver's terms (SQLite's ``timeout``, libpq's ``options``)."""
    options: dict[str, Any] = {"hide_parameters": True}
    if url.get_backend_name() == "sqlite":
        options["connect_args"] = {"timeout": timeouts.lock}
    elif url.get_backend_name() == "postgresql":
        settings = f"-c lock_timeout={_milliseconds(timeouts.lock, least=1)} "
        settings += f"-c statement_timeout={_milliseconds(timeouts.statement)}"
        given = url.query.get("options")  # connect_args replace the URL's own: keep what it asked for too
        given_text = " ".join(given) if isinstance(given, tuple) else given
        options["connect_args"] = {"options": f"{given_text} {settings}" if given_text else settings}
        options["pool_pre_ping"] = True
    return options


def explain_errors(engine: Engine, url: str, timeouts: Timeouts) -> None:
    """Make ``engine`` raise a one-line :class:`CatalogError` naming ``url`` (shown as given, password hidden) for
    the database's operational errors (see the module's documentation)."""
    shown = shown_url(url)

    @event.listens_for(engine, "handle_error")
    def _explain(context: ExceptionContext) -> BaseException | None:
        if context.is_pre_ping:
            return None  # the pool replaces a dead connection itself; nothing failed yet
        if context.sqlalchemy_exception is None or isinstance(context.sqlalchemy_exception, _READOUTS_OWN):
            return None
        return catalog_error(context.original_exception, url=shown, operation=_operation(context), timeouts=timeouts)


def catalog_error(error: BaseException, *, url: str, operation: str, timeouts: Timeouts) -> CatalogError:
    """The :class:`CatalogError` (a :class:`CatalogLockedError` for a lock that was not granted in time) for the
    driver's ``error`` while doing ``operation`` on the catalog at ``url``."""
    message = first_line(str(error)) or type(error).__name__
    state = getattr(error, "sqlstate", None)  # PostgreSQL (psycopg)
    sqlite_error = getattr(error, "sqlite_errorname", None) or ""
    kind: type[CatalogError] = CatalogError
    if state == "55P03" or sqlite_error.startswith("SQLITE_BUSY"):
        kind = CatalogLockedError
        reason = (
            f"the catalog is locked by another process (no lock within {timeouts.lock:g} s, "
            f"READOUT_CATALOG_LOCK_TIMEOUT; {message})"
        )
    elif state == "57014" and "statement timeout" in message:
        reason = f"a statement ran longer than {timeouts.statement:g} s (READOUT_CATALOG_STATEMENT_TIMEOUT; {message})"
    elif state == "53100" or sqlite_error == "SQLITE_FULL":
        reason = f"the disk is full ({message})"
    elif state == "25006" or sqlite_error.startswith("SQLITE_READONLY"):
        reason = f"the catalog cannot be written here ({message})"
    else:
        reason = message
    return kind(f"the catalog at {url} could not {operation}: {reason}", url=url, reason=reason)


#: Errors about Readout's own statements (a constraint, a value, SQL the database refuses): bugs to show as such.
_READOUTS_OWN = (IntegrityError, DataError, ProgrammingError, NotSupportedError)
_WRITE = re.compile(r'\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_READ = re.compile(r'\s*SELECT\b.*?\bFROM\s+"?(\w+)', re.IGNORECASE | re.DOTALL)


def _operation(context: ExceptionContext) -> str:
    """What the failing statement was doing, in words: "update runs", "read documents", "connect"."""
    if context.connection is None:
        return "connect"
    statement = context.statement
    if not statement:
        return "end a transaction"  # a commit or rollback: no statement of ours
    if written := _WRITE.match(statement):
        return f"{' '.join(written.group(1).lower().split())} {written.group(2)}"
    if read := _READ.match(statement):
        return f"read {read.group(1)}"
    return f"run {statement.split(None, 1)[0].upper()}"


def first_line(text: str) -> str:
    """The first non-blank line of ``text`` (a driver's message can go on with hints and context lines)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _milliseconds(seconds: float, *, least: int = 0) -> int:
    return max(least, round(seconds * 1000)) if seconds > 0 else 0


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


def read_only_engine(url: str, timeouts: Timeouts | None = None) -> Engine:
    """An engine that can only read the catalog at ``url``. A SQLite file is opened read-only (``mode=ro``); when
    its folder is not writable either and no writer has it open, also ``immutable=1``: SQLite cannot create the
    shared-memory file a WAL database needs otherwise (https://www.sqlite.org/wal.html, "Read-Only Databases").
    No folder or file is created, no pragma is written."""
    timeouts = timeouts or Timeouts()
    parsed = normalised_url(url)
    target = parsed
    database = parsed.database or ":memory:"
    if parsed.get_backend_name() == "sqlite" and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).resolve()  # (a URI is taken as given)
        if not path.is_file():
            raise CatalogMissingError(
                f"no catalog at {path} (nothing was ingested there yet: `readout run` creates it)"
            )
        query = {"mode": "ro", "uri": "true"}
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        if not os.access(path.parent, os.W_OK) and not wal.exists() and not shm.exists():
            query["immutable"] = "1"
        target = URL.create("sqlite", database=f"file:{quote(path.as_posix())}", query=query)
    engine = create_engine(target, **engine_options(parsed, timeouts))
    explain_errors(engine, url, timeouts)
    return engine


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
