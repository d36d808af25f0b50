"""Shared pieces of the ``readout`` command: the Typer app, consoles, global options and helpers."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.logging import RichHandler
from rich.text import Text
from typer.core import TyperGroup

from pipeline import __version__
from pipeline.config import Settings, Source, load_sources, validate_source_entries
from pipeline.errors import CatalogError, ConfigError, ReadoutError, SearchBackendError


class ReadoutGroup(TyperGroup):
    """The ``readout`` command group: a catalog or search index that fails under any command ends it with one
    line naming what failed, where and why, and the exit code of that kind of failure (:class:`ExitCode`),
    never with a traceback; ``--verbose`` logs the traceback as well."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (Typer ships its own click: typer._click)
        try:
            return super().invoke(ctx)
        except CatalogError as exc:
            raise _failed(exc, str(exc), ExitCode.CATALOG) from None
        except SearchBackendError as exc:
            raise _failed(exc, str(exc), ExitCode.INDEX) from None
        except Exception as exc:
            message = _database_failure(exc)
            if message is None:
                raise
            raise _failed(exc, message, ExitCode.CATALOG) from None


app = typer.Typer(
    cls=ReadoutGroup,
    name="readout",
    help="Readout: follow what governments say at the podium. Ingest foreign-ministry briefings and news "
    "into a versioned catalog and raw archive, and look at what it holds.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


console = Console()


err = Console(stderr=True)


log = logging.getLogger("pipeline")


@dataclass
class _Options:
    sources: Path | None = None
    data_dir: Path | None = None
    catalog_url: str | None = None

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            key: value
            for key, value in (
                ("sources", self.sources),
                ("data_dir", self.data_dir),
                ("catalog_url", self.catalog_url),
            )
            if value is not None
        }
        values.update(overrides)
        try:
            return Settings(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"READOUT_{str(error['loc'][0]).upper()}: {error['msg']}" for error in exc.errors() if error["loc"]
            )
            raise fail(f"invalid setting: {problems}") from None


options = _Options()


def _version(value: bool) -> None:
    if value:
        console.print(f"readout {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    sources: Annotated[
        Path | None, typer.Option("--sources", help="Sources file (default: $READOUT_SOURCES or config/sources.yaml).")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data folder (default: $READOUT_DATA_DIR or ./data).")
    ] = None,
    catalog_url: Annotated[
        str | None, typer.Option("--catalog-url", help="Catalog database URL (default: SQLite in the data folder).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every request and decision.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors in the log.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Readout's command line."""
    options.sources, options.data_dir, options.catalog_url = sources, data_dir, catalog_url
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(
        level=level,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(console=err, show_path=False, rich_tracebacks=False)],
        force=True,
    )
    # The Elasticsearch client logs a warning with a traceback for every retried request: the index step says
    # in one line what failed (--verbose keeps them).
    for chatty in ("elastic_transport", "elasticsearch"):
        logging.getLogger(chatty).setLevel(logging.WARNING if verbose else logging.ERROR)
    for noisy in (
        "httpx",
        "httpcore",
        "trafilatura",
        "htmldate",
        "charset_normalizer",
        "alembic",
        "pymorphy3",
        "jieba",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class ExitCode(IntEnum):
    """What ``readout`` exits with, so that scripts and schedulers can tell the failures apart."""

    OK = 0
    #: A run reached no source at all; a lookup found nothing; ``check`` found a problem.
    NOTHING = 1
    #: A bad option, setting or configuration file: nothing was done.
    USAGE = 2
    #: The catalog cannot be opened or written (locked, full, unreachable, damaged).
    CATALOG = 3
    #: The search index cannot be reached, or is missing or damaged.
    INDEX = 4
    #: The raw archive has a damaged file or a document whose record does not read back.
    ARCHIVE = 5


def fail(message: str, code: int = ExitCode.USAGE) -> typer.Exit:
    """Print ``message`` as one error line (never wrapped, nothing in it read as markup) and return the exit to
    raise."""
    err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)


def _failed(error: BaseException, message: str, code: int) -> typer.Exit:
    log.debug("the traceback of that error:", exc_info=error)
    return fail(message, code)


def _database_failure(error: BaseException) -> str | None:
    """One line for an error of SQLAlchemy's the catalog's engine left as it is (a bug in a statement of ours, not
    the catalog's state: see :mod:`pipeline.store.access`), or None for any other error."""
    sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")  # never imported just to look: `search` runs without
    if sqlalchemy_errors is None or not isinstance(error, sqlalchemy_errors.SQLAlchemyError):
        return None
    from pipeline.store.access import first_line

    cause = getattr(error, "orig", None) or error
    detail = first_line(str(cause))
    return f"the catalog refused a statement ({type(cause).__name__}: {detail}); --verbose shows where"


@dataclass
class Loaded:
    """The sources a run will use, and the entries of the file that were refused."""

    sources: list[Source]
    refused: list[ConfigError]


def load(settings: Settings, only: list[str] | None) -> Loaded:
    """Valid sources to run. A broken entry is reported and skipped, so it cannot stop the others; a
    broken file (not YAML, no ``sources`` list) or a requested id that is broken stops the command."""
    try:
        sources, refused = validate_source_entries(settings.sources)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    for error in refused:
        err.print(f"[bold yellow]skipped a broken source entry:[/] {error}", soft_wrap=True)
    if only:
        broken = [e for e in refused if any(e.entry and e.entry.startswith(f"'{sid}'") for sid in only)]
        if broken:
            raise fail(str(broken[0]))
        unknown = sorted(set(only) - {source.id for source in sources})
        if unknown:
            raise fail(f"unknown source id(s): {', '.join(unknown)} (see `readout sources`)")
        return Loaded([source for source in sources if source.id in only], [])
    return Loaded([source for source in sources if source.enabled], refused)


@contextmanager
def open_catalog(settings: Settings, *, read_only: bool = False, missing_ok: bool = False) -> Iterator[Any]:
    """The catalog, migrated; ``read_only`` for the commands that only read (no migration, no write, so a
    read-only catalog can be browsed); with ``missing_ok`` a catalog not created yet is None."""
    from pipeline.store.access import CatalogMissingError, catalog_url_problem, shown_url
    from pipeline.store.catalog import Catalog

    problem = catalog_url_problem(settings.effective_catalog_url)
    if problem is not None:
        raise fail(f"the catalog URL {shown_url(settings.effective_catalog_url)}: {problem}")
    try:
        catalog = Catalog.for_settings(settings, read_only=read_only)
    except CatalogMissingError as exc:
        if not missing_ok:
            raise fail(str(exc), code=ExitCode.NOTHING) from None
        catalog = None
    except CatalogError as exc:
        raise _failed(exc, str(exc), ExitCode.CATALOG) from None
    except ReadoutError as exc:
        raise fail(str(exc)) from None
    try:
        yield catalog
    finally:
        if catalog is not None:
            catalog.close()


def parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} expects a date as YYYY-MM-DD, got {value!r}") from None


def entry_id(error: ConfigError) -> str:
    """The source id a config error is about, as far as the entry label tells (for the failures table)."""
    label = error.entry or "config"
    return label.split("'")[1] if label.startswith("'") else label.split(" ")[0]


def all_sources(settings: Settings) -> list[Source]:
    try:
        return load_sources(settings.sources)
    except ConfigError as exc:
        raise fail(str(exc)) from None


def marked(snippet: str) -> Text:
    """A snippet with its matches (between MARK_START and MARK_END) highlighted; nothing in it is markup."""
    from pipeline.index.search import MARK_END, MARK_START

    text = Text()
    for n, part in enumerate(re.split(f"({re.escape(MARK_START)}.*?{re.escape(MARK_END)})", snippet)):
        if n % 2:
            text.append(part[1:-1], style="bold yellow")
        else:
            text.append(part)
    return text


def escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def short_turn_id(turn_id: str) -> str:
    """The short form of a turn id that `readout turns` prints and `readout coverage` accepts: the first 12
    characters of its document id, then its number."""
    doc_id, _, number = turn_id.rpartition(":")
    return f"{doc_id[:12]}:{number}"


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
