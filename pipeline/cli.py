"""The ``readout`` command: run ingest cycles and backfills, and look at what the catalog holds."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich import box
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from pipeline import __version__
from pipeline.config import Settings, Source, load_sources, validate_source_entries
from pipeline.errors import ConfigError, ReadoutError
from pipeline.models import ItemStatus

app = typer.Typer(
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
            raise _fail(f"invalid setting: {problems}") from None


_options = _Options()


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
    _options.sources, _options.data_dir, _options.catalog_url = sources, data_dir, catalog_url
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(
        level=level,
        format="%(message)s",
        datefmt="[%X]",
        handlers=[RichHandler(console=err, show_path=False, rich_tracebacks=False)],
        force=True,
    )
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


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


@dataclass
class _Loaded:
    """The sources a run will use, and the entries of the file that were refused."""

    sources: list[Source]
    refused: list[ConfigError]


def _load(settings: Settings, only: list[str] | None) -> _Loaded:
    """Valid sources to run. A broken entry is reported and skipped, so it cannot stop the others; a
    broken file (not YAML, no ``sources`` list) or a requested id that is broken stops the command."""
    try:
        sources, refused = validate_source_entries(settings.sources)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    for error in refused:
        err.print(f"[bold yellow]skipped a broken source entry:[/] {error}", soft_wrap=True)
    if only:
        broken = [e for e in refused if any(e.entry and e.entry.startswith(f"'{sid}'") for sid in only)]
        if broken:
            raise _fail(str(broken[0]))
        unknown = sorted(set(only) - {source.id for source in sources})
        if unknown:
            raise _fail(f"unknown source id(s): {', '.join(unknown)} (see `readout sources`)")
        return _Loaded([source for source in sources if source.id in only], [])
    return _Loaded([source for source in sources if source.enabled], refused)


@contextmanager
def _catalog(settings: Settings, *, read_only: bool = False, missing_ok: bool = False) -> Iterator[Any]:
    """The catalog, migrated; ``read_only`` for the commands that only read (no migration, no write, so a
    read-only catalog can be browsed); with ``missing_ok`` a catalog not created yet is None."""
    from pipeline.store.access import CatalogMissingError
    from pipeline.store.catalog import Catalog

    try:
        catalog = Catalog.open(settings.effective_catalog_url, read_only=read_only)
    except CatalogMissingError as exc:
        if not missing_ok:
            raise _fail(str(exc), code=1) from None
        catalog = None
    except ReadoutError as exc:
        raise _fail(str(exc)) from None
    try:
        yield catalog
    finally:
        if catalog is not None:
            catalog.close()


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} expects a date as YYYY-MM-DD, got {value!r}") from None


class _ProgressObserver:
    """Progress bars per source while a run goes on."""

    def __init__(self, progress: Progress, sources: list[Source]) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {
            source.id: progress.add_task(source.id, total=None, status="discovering") for source in sources
        }

    def source_planned(self, source_id: str, items: int) -> None:
        self.progress.update(self.tasks[source_id], total=items, status="fetching" if items else "nothing new")

    def item_done(self, source_id: str, status: ItemStatus) -> None:
        self.progress.advance(self.tasks[source_id])

    def source_finished(self, report: Any) -> None:
        task = self.tasks[report.source_id]
        total = self.progress.tasks[task].total or 0
        self.progress.update(task, total=total, completed=total, status=report.status)


def _execute(
    settings: Settings,
    loaded: _Loaded,
    *,
    mode: str,
    since: date | None = None,
    until: date | None = None,
) -> Any:
    from pipeline.ingest import run_cycle

    sources = loaded.sources
    _warn_missing_rules(settings)
    if not sources:
        raise _fail("no valid, enabled source to run (check the sources file with `readout check`)")
    with _catalog(settings) as catalog:
        for error in loaded.refused:
            catalog.record_failure(
                run_id=None, source_id=_entry_id(error), url=str(settings.sources), stage="config", error=error
            )
        progress = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        with progress:
            observer = _ProgressObserver(progress, sources)
            report = run_cycle(
                settings,
                sources,
                catalog=catalog,
                mode=mode,  # type: ignore[arg-type]
                since=since,
                until=until,
                observer=observer,
            )
    _print_summary(report)
    if loaded.refused:
        console.print(
            f"[yellow]{len(loaded.refused)} broken source entr{'y' if len(loaded.refused) == 1 else 'ies'}[/] "
            "skipped (listed above); fix them and check with [bold]readout check[/]."
        )
    return report


def _entry_id(error: ConfigError) -> str:
    """The source id a config error is about, as far as the entry label tells (for the failures table)."""
    label = error.entry or "config"
    return label.split("'")[1] if label.startswith("'") else label.split(" ")[0]


def _print_summary(report: Any) -> None:
    table = Table(
        title=f"Run {report.run_id[:8]} ({report.mode}): {report.status}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
        collapse_padding=True,
        caption="new/upd: documents added or versioned · same: seen or unchanged · 304: not modified · "
        "dl: full downloads · gone: removed · fail: failures",
        caption_justify="left",
    )
    columns = ["source", "status", "found", "new", "upd", "same", "304", "dl", "gone", "fail"]
    for column in columns:
        table.add_column(column, justify="left" if column in ("source", "status") else "right", no_wrap=True)
    styles = {"ok": "green", "partial": "yellow", "failed": "red"}
    for source in sorted(report.sources, key=lambda r: r.source_id):
        c = source.counts
        table.add_row(
            source.source_id,
            f"[{styles[source.status]}]{source.status}[/]",
            *(
                str(n)
                for n in (
                    c.discovered,
                    c.new,
                    c.updated,
                    c.unchanged + c.skipped,
                    c.not_modified,
                    c.fetched,
                    c.removed,
                    c.failed,
                )
            ),
        )
    t = report.totals()
    table.add_row(
        "total",
        "",
        *(
            str(n)
            for n in (
                t.discovered,
                t.new,
                t.updated,
                t.unchanged + t.skipped,
                t.not_modified,
                t.fetched,
                t.removed,
                t.failed,
            )
        ),
        style="bold",
    )
    console.print(table)
    problems = [(r.source_id, e) for r in report.sources for e in r.errors]
    if problems:
        console.print(f"[yellow]{len(problems)} problem(s)[/] recorded; the first ones:")
        for source_id, error in problems[:8]:
            console.print(f"  [bold]{source_id}[/]: {error}")
        console.print("See them all with [bold]readout failures[/].")


@app.command()
def run(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
    ] = None,
    no_index: Annotated[bool, typer.Option("--no-index", help="Skip the index step at the end.")] = False,
) -> None:
    """Run one incremental ingest cycle over the configured sources.

    Discovers new items (conditional GET, the catalog's seen set), fetches them politely, archives
    every response as WARC, extracts the text, stores documents and versions in the catalog, and
    ends with the index step (Elasticsearch when configured, the embedded index otherwise). Exits
    non-zero only when no source at all could be reached; a failed index step is reported and the
    next run catches up.
    """
    settings = _options.settings()
    report = _execute(settings, _load(settings, source), mode="incremental")
    if not no_index:
        _index_step(settings)
    if report.nothing_reached:
        err.print(
            "[bold red]No source could be reached.[/] This machine may have no internet access. "
            "Run [bold]make demo[/] to see a full cycle over the bundled fixture sites on loopback.",
            soft_wrap=True,
        )
        raise typer.Exit(1)


@app.command()
def backfill(
    source: Annotated[list[str], typer.Option("--source", "-s", help="Source id (repeatable).")],
    since: Annotated[
        str, typer.Option(help="Oldest publication day to reach, YYYY-MM-DD (the source's own time zone).")
    ],
    until: Annotated[str | None, typer.Option(help="Newest publication day to keep, YYYY-MM-DD (inclusive).")] = None,
) -> None:
    """Walk a source's archive pages, pagination or sitemaps back to --since and ingest what is missing."""
    settings = _options.settings()
    start = _date(since, "--since")
    end = _date(until, "--until")
    if start and end and end < start:
        raise _fail("--until is before --since")
    report = _execute(settings, _load(settings, source), mode="backfill", since=start, until=end)
    if report.nothing_reached:
        raise typer.Exit(1)


@app.command()
def sources(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the configured sources with their state and last result."""
    settings = _options.settings()
    configured = _all_sources(settings)
    with _catalog(settings, read_only=True, missing_ok=True) as catalog:
        states = catalog.source_states() if catalog is not None else {}
    rows: list[dict[str, Any]] = []
    for src in configured:
        state = states.get(src.id)
        rows.append(
            {
                "id": src.id,
                "kind": src.kind,
                "publisher": src.publisher,
                "country": src.country,
                "language": src.language,
                "method": src.discovery.method,
                "schedule": src.schedule,
                "enabled": src.enabled,
                "documents": state.documents if state else 0,
                "last_poll_at": _iso(state.last_poll_at) if state else None,
                "last_status": state.last_status if state else None,
                "consecutive_failures": state.consecutive_failures if state else 0,
                "last_error": state.last_error if state else None,
            }
        )
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table(title=f"Sources ({settings.sources})", title_justify="left")
    for column in ("id", "kind", "country", "method", "schedule", "docs", "last poll", "status", "fails"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["id"] + ("" if row["enabled"] else " (disabled)"),
            row["kind"],
            row["country"],
            row["method"],
            row["schedule"],
            str(row["documents"]),
            (row["last_poll_at"] or "never")[:16],
            row["last_status"] or "-",
            str(row["consecutive_failures"]),
        )
    console.print(table)


def _all_sources(settings: Settings) -> list[Source]:
    try:
        return load_sources(settings.sources)
    except ConfigError as exc:
        raise _fail(str(exc)) from None


@app.command("list")
def list_documents(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Published on or after YYYY-MM-DD.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many documents.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines of the fields.")] = False,
) -> None:
    """List ingested documents, newest first: id, url, title, published_at, source, language."""
    settings = _options.settings()
    with _catalog(settings, read_only=True) as catalog:
        documents = list(catalog.documents(source_ids=source or (), since=_date(since, "--since"), limit=limit))
    rows: list[dict[str, Any]] = [
        {
            "doc_id": d.doc_id,
            "url": d.url,
            "title": d.title,
            "published_at": _iso(d.published_at),
            "source": d.source_id,
            "language": d.language,
            "version": d.version,
            "removed_at": _iso(d.removed_at),
        }
        for d in documents
    ]
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{len(rows)} document(s)", title_justify="left")
    for column in ("id", "published", "source", "lang", "v", "title"):
        table.add_column(column, overflow="fold" if column == "title" else "ellipsis")
    for row in rows:
        title = (row["title"] or "(no title)") + (" [red](removed)[/]" if row["removed_at"] else "")
        table.add_row(
            row["doc_id"][:12],
            (row["published_at"] or "")[:10],
            row["source"],
            row["language"] or "",
            str(row["version"]),
            title,
        )
    console.print(table)


@app.command()
def show(
    doc_id: Annotated[str, typer.Argument(help="Document id (or a unique prefix of it).")],
    versions: Annotated[bool, typer.Option("--versions", help="Also list every stored version.")] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Also show why it has its language, topics and countries.")
    ] = False,
) -> None:
    """Print one document: metadata, tags and clean text."""
    settings = _options.settings()
    with _catalog(settings, read_only=True) as catalog:
        document = catalog.document(doc_id)
        if document is None:
            raise _fail(f"no document with id {doc_id!r} (or the prefix is not unique)", code=1)
        history = catalog.versions(document.doc_id) if versions else []
    console.rule(document.title or "(no title)")
    for label, value in (
        ("id", document.doc_id),
        ("url", document.url),
        ("source", document.source_id),
        ("published", _iso(document.published_at)),
        ("language", document.language),
        ("version", document.version),
        ("removed", _iso(document.removed_at)),
        ("archive", f"{document.warc_file} @ {document.warc_offset}" if document.warc_file else None),
        ("topics", ", ".join(document.topics) or None),
        ("countries", ", ".join(document.countries) or None),
        ("key phrases", "; ".join(document.key_phrases) or None),
    ):
        if value is not None:
            console.print(f"[bold]{label}:[/] {value}", highlight=False)
    if explain:
        _print_explanation(document.tag_explanation)
    console.print()
    console.print(document.text, markup=False, highlight=False)
    for version in history:
        console.print(
            f"[dim]version {version.version}: fetched {_iso(version.fetched_at)}, hash {version.content_hash[:12]}[/]"
        )


@app.command()
def failures(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 50,
    include_resolved: Annotated[bool, typer.Option("--all", help="Include failures resolved since.")] = False,
) -> None:
    """List recorded failures and the documents the search index rejected.

    For each failure: when, source, stage, kind, whether it will be retried, and why. Rejected
    documents (the dead letters) are sent again when they change or after `readout index --retry-rejected`.
    """
    settings = _options.settings()
    with _catalog(settings, read_only=True) as catalog:
        rows = catalog.failures(source_ids=source or (), limit=limit, unresolved=not include_resolved)
        dead = catalog.dead_letters(limit=limit)
    table = Table(title=f"{len(rows)} failure(s)", title_justify="left")
    for column in ("when", "source", "stage", "kind", "retry", "where / why"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.occurred_at.isoformat()[:16],
            row.source_id,
            row.stage,
            row.error_kind,
            "no" if row.permanent else "yes",
            row.message,
        )
    console.print(table)
    if dead:
        letters = Table(title=f"{len(dead)} document(s) rejected by the search index", title_justify="left")
        for column in ("when", "target", "document", "revision", "status", "reason"):
            letters.add_column(column, overflow="fold")
        for letter in dead:
            letters.add_row(
                letter.occurred_at.isoformat()[:16],
                letter.target,
                letter.doc_id[:12],
                str(letter.revision),
                str(letter.status or ""),
                f"{letter.error_type or ''}: {letter.reason}",
            )
        console.print(letters)
        console.print("They are sent again when the document changes, or after `readout index --retry-rejected`.")


@app.command()
def check() -> None:
    """Validate the sources file, the tagging rules (topics, countries) and the catalog URL, and show the
    effective settings."""
    from pipeline.store.access import catalog_url_problem

    settings = _options.settings()
    configured = _all_sources(settings)
    console.print(f"[green]ok[/]: {len(configured)} source(s) in {settings.sources}")
    enricher = _enricher(settings, strict=False)
    for problem in enricher.problems:
        err.print(f"[bold red]error:[/] {problem}")
    if enricher.problems:
        raise typer.Exit(2)
    _print_rules(settings, enricher)
    missing = _missing_rules(settings)
    bad_url = catalog_url_problem(settings.effective_catalog_url)
    if bad_url:
        err.print(f"[bold red]error:[/] the catalog URL (READOUT_CATALOG_URL or --catalog-url): {bad_url}")
    if missing or bad_url:
        raise typer.Exit(1)
    for key in (
        "data_dir",
        "effective_catalog_url",
        "effective_archive_url",
        "effective_user_agent",
        "min_delay",
        "allow_private_hosts",
    ):
        value = getattr(settings, key)
        if key == "effective_catalog_url":
            from sqlalchemy.engine import make_url

            # The URL may carry a password: print it as SQLAlchemy does in its own logs.
            value = make_url(value).render_as_string(hide_password=True)
        console.print(f"  {key.removeprefix('effective_')}: {value}")


@app.command()
def demo(
    fresh: Annotated[bool, typer.Option(help="Start from an empty demo catalog and archive.")] = True,
    show_count: Annotated[int, typer.Option("--show", help="Documents to print at the end.")] = 5,
) -> None:
    """Run a full cycle over the bundled fixture sites, served on loopback, and print a few documents.

    Needs no internet: every configured site has a fixture copy written in its real layout. The demo
    keeps its own data folder (data/demo) and never touches the real catalog.
    """
    from pipeline.devsite import SITES_DIR, serve_sites

    base = _options.settings()
    if not SITES_DIR.is_dir():
        raise _fail(f"fixture sites not found at {SITES_DIR}; run the demo from a checkout of the repository")
    data_dir = (_options.data_dir or Path("data")) / "demo"
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with serve_sites() as farm:
        text = farm.rewrite(base.sources.read_text("utf-8"))
        demo_sources = data_dir / "sources.yaml"
        demo_sources.write_text(text, "utf-8")
        settings = Settings(
            sources=demo_sources,
            data_dir=data_dir,
            catalog_url=None,
            allow_private_hosts=["127.0.0.1"],
            min_delay=0.0,
            max_crawl_delay=0.0,
            backoff_base=0.1,
            elasticsearch_url=None,  # the demo is self-contained: always the embedded index
        )
        console.print(f"Serving {len(farm.origins)} fixture sites on 127.0.0.1; data in {data_dir}")
        _execute(settings, _load(settings, None), mode="incremental")
        _index_step(settings)
    with _catalog(settings) as catalog:
        documents = list(catalog.documents(limit=show_count))
    for document in documents:
        console.rule(f"[bold]{document.title}[/]")
        console.print(
            f"[dim]{document.source_id} · {_iso(document.published_at)} · {document.language} · "
            f"{document.doc_id[:12]}[/]"
        )
        console.print(document.text[:400] + ("…" if len(document.text) > 400 else ""), markup=False)
    from pipeline.index.search import SearchFilters
    from pipeline.index.service import search

    example = '"unilateral sanctions"'
    found = search(settings, example, SearchFilters(), limit=3)
    console.rule(f"[bold]readout search {example}[/]: {found.total} match(es) in the embedded index")
    for hit in found.hits:
        console.print(f"[bold]{_escape(hit.title or '')}[/] [dim]({hit.source}, {(hit.published_at or '')[:10]})[/]")
        console.print(Text("  ").append_text(_marked(hit.snippet)))
    console.print(
        f"\nExplore the demo catalog with: [bold]readout --data-dir {data_dir} list[/] or "
        f"[bold]readout --data-dir {data_dir} search 'your words'[/]"
    )


def _index_step(settings: Settings) -> Any:
    """Send the catalog's pending changes to the search target and say how it went."""
    from pipeline.index.service import index_pending

    with _catalog(settings) as catalog:
        report = index_pending(settings, catalog)
    where = (
        "Elasticsearch" if report.target == "elasticsearch" else f"the embedded index ({settings.effective_search_db})"
    )
    if report.ok:
        console.print(
            f"Index: {report.acked} document(s) sent to {where}"
            + (f", {report.rejected} rejected (see `readout failures`)" if report.rejected else "")
            + (f", {report.retry_later} left for the next run" if report.retry_later else "")
            + (f", {report.runs_indexed} run result(s)" if report.runs_indexed else "")
            + "."
        )
    else:
        console.print(
            f"[yellow]Index step failed[/] ({where}): {report.error}. "
            f"{report.pending_after} document(s) stay pending; the next run catches up.",
            soft_wrap=True,
        )
    return report


@app.command()
def index(
    retry_rejected: Annotated[
        bool, typer.Option("--retry-rejected", help="Send the dead-lettered documents again (after a mapping fix).")
    ] = False,
) -> None:
    """Send every catalog change not yet acknowledged to the search index (the outbox).

    Elasticsearch when READOUT_ELASTICSEARCH_URL is set, the embedded SQLite index otherwise. Exits 1
    when the index could not be reached (the documents stay pending).
    """
    settings = _options.settings()
    if retry_rejected:
        from pipeline.index.service import active_target

        with _catalog(settings) as catalog:
            cleared = catalog.clear_dead_letters(active_target(settings))
        console.print(f"{cleared} rejected document(s) will be sent again.")
    report = _index_step(settings)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def reindex(
    drop_old: Annotated[bool, typer.Option("--drop-old", help="Delete the previous index after the swap.")] = False,
) -> None:
    """Rebuild the search index from the catalog and switch to it atomically.

    Elasticsearch: builds <prefix>-documents-vN+1, verifies the count, swaps the alias in one request
    and keeps the old index unless --drop-old. Search never stops during a reindex.
    """
    from pipeline.index.service import reindex as rebuild

    settings = _options.settings()
    with _catalog(settings) as catalog:
        try:
            report = rebuild(settings, catalog, drop_old=drop_old)
        except ReadoutError as exc:
            raise _fail(str(exc), code=1) from None
    if report.target == "elasticsearch":
        console.print(
            f"Reindexed {report.documents} document(s) into {report.new_index}; the alias now points there."
            + (f" The old index {report.old_index} was dropped." if report.dropped_old and report.old_index else "")
            + (f" The old index {report.old_index} is kept." if report.old_index and not report.dropped_old else "")
        )
    else:
        console.print(f"Rebuilt the embedded index {report.new_index} with {report.documents} document(s).")


def _missing_rules(settings: Settings) -> list[str]:
    from pipeline.enrich import missing_rules

    problems = missing_rules(settings)
    for problem in problems:
        err.print(f"[bold red]error:[/] {problem}", soft_wrap=True)
    return problems


def _warn_missing_rules(settings: Settings) -> None:
    from pipeline.enrich import warn_missing_rules

    warn_missing_rules(settings, log)


def _enricher(settings: Settings, *, strict: bool) -> Any:
    """The enricher of the configured rules; ``strict`` refuses rules with broken entries or a missing file
    (applying them would strip every stored document of those tags)."""
    from pipeline.enrich import load_enricher

    if strict and _missing_rules(settings):
        raise _fail("no tagging rules to apply (see above)")
    enricher = load_enricher(settings)
    if strict and enricher.problems:
        for problem in enricher.problems:
            err.print(f"[bold red]error:[/] {problem}")
        raise _fail("fix the tagging rules first (`readout check` lists the problems)")
    return enricher


def _print_rules(settings: Settings, enricher: Any) -> None:
    topics = len(enricher.taxonomy.topics) if enricher.taxonomy else 0
    countries = len(enricher.countries.gazetteer.countries) if enricher.countries else 0
    for found, path, what, setting in (
        (f"{topics} topic(s)", settings.topics, "topic", "READOUT_TOPICS"),
        (f"{countries} countr{'y' if countries == 1 else 'ies'}", settings.countries, "country", "READOUT_COUNTRIES"),
    ):
        if path is None:
            console.print(f"[yellow]off[/]: {what} tagging ({setting}=none)")
        elif path.is_file():
            console.print(f"[green]ok[/]: {found} in {path}")


def _print_explanation(explanation: dict[str, Any]) -> None:
    """The stored explanation of a document's tags, as tables."""
    if not explanation:
        console.print("[dim]No explanation stored (tagged before explanations existed): `readout retag`.[/]")
        return
    language = explanation.get("language") or {}
    console.print(
        f"[bold]language:[/] {language.get('detected')} by {language.get('method')}"
        f" (confidence {language.get('confidence')}, declared {language.get('declared')})",
        highlight=False,
    )
    topics = explanation.get("topics") or {}
    if topics:
        table = Table(title="Topics (tagged and near misses)", title_justify="left", box=box.SIMPLE)
        for column in ("topic", "verdict", "score", "matches (term @ place ×count = points)"):
            table.add_column(column, overflow="fold")
        for topic_id, why in sorted(topics.items(), key=lambda item: -item[1]["score"]):
            verdict = "[green]tagged[/]" if why["tagged"] else "[dim]no[/]"
            if why.get("excluded_by"):
                verdict = f"[yellow]excluded by {', '.join(why['excluded_by'])}[/]"
            elif "required_seen" in why and not why["required_seen"]:
                verdict = "[yellow]no required co-term[/]"
            matches = "; ".join(
                f"{m['term']} @ {m['place']} ×{m['count']} = {m['points']}"
                + (f" (seen {m['seen']!r})" if m["seen"].casefold() != m["term"].casefold() else "")
                for m in why["matches"]
            )
            table.add_row(topic_id, verdict, f"{why['score']} / {why['threshold']}", Text(matches))
        console.print(table)
    countries = explanation.get("countries") or {}
    mentions = countries.get("mentions") or {}
    if mentions or countries.get("unconfirmed") or countries.get("blocked"):
        table = Table(title="Countries", title_justify="left", box=box.SIMPLE)
        for column in ("country", "forms seen (kind ×count)"):
            table.add_column(column, overflow="fold")
        for code, forms in mentions.items():
            table.add_row(code, Text("; ".join(f"{f['form']} ({f['kind']} ×{f['count']})" for f in forms)))
        for code, seen in (countries.get("unconfirmed") or {}).items():
            table.add_row(f"[dim]{code}?[/]", Text(f"ambiguous, not confirmed: {', '.join(seen)}"))
        if countries.get("blocked"):
            table.add_row("[dim]—[/]", Text(f"blocked phrases: {', '.join(countries['blocked'])}"))
        console.print(table)


@app.command()
def tag(
    text: Annotated[str | None, typer.Argument(help="Text to tag; '-' or nothing reads standard input.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the text from this file.")] = None,
    title: Annotated[str | None, typer.Option(help="A title (weighs more than the text).")] = None,
    language: Annotated[str | None, typer.Option(help="The declared language, a hint (e.g. en, zh, ru).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the enrichment as JSON.")] = False,
) -> None:
    """Tag a text with the current rules and explain every decision, without storing anything.

    For whoever edits config/topics.yaml or config/countries.yaml: try a sentence, see which terms
    matched where, the score against the threshold, the countries and why, then `readout retag`.
    """
    settings = _options.settings()
    if file is not None:
        try:
            body = file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _fail(f"cannot read {file}: {exc}") from None
    elif text is None or text == "-":
        body = sys.stdin.read()
    else:
        body = text
    enricher = _enricher(settings, strict=False)
    for problem in enricher.problems:
        err.print(f"[yellow]warning:[/] {problem} (left out)")
    _warn_missing_rules(settings)
    result = enricher.enrich(title, body, declared_language=language)
    if as_json:
        print(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2))
        return
    for label, value in (
        ("language", result.language),
        ("topics", ", ".join(f"{t} ({result.topic_scores[t]})" for t in result.topics) or "—"),
        ("countries", ", ".join(result.countries) or "—"),
        ("key phrases", "; ".join(result.key_phrases) or "—"),
    ):
        console.print(f"[bold]{label}:[/] {value}", highlight=False)
    _print_explanation(result.explanation)


@app.command()
def retag(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Only documents published on or after, YYYY-MM-DD (UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Only documents published on or before, YYYY-MM-DD.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would change; store nothing.")] = False,
    no_index: Annotated[bool, typer.Option("--no-index", help="Skip the index step at the end.")] = False,
) -> None:
    """Apply the current tagging rules to stored documents again, without fetching anything.

    Run it after editing config/topics.yaml or config/countries.yaml. Only documents whose language,
    topics, countries or key phrases change get a new revision and go back to the search index (the
    index step runs at the end). Refuses rules with broken entries, which would strip their tags.
    """
    from pipeline.enrich.retag import retag as run_retag

    settings = _options.settings()
    start, end = _date(since, "--since"), _date(until, "--until")
    if start and end and end < start:
        raise _fail("--until is before --since")
    enricher = _enricher(settings, strict=True)
    with _catalog(settings) as catalog:
        run_id = None
        if not dry_run:
            params = {"sources": source or [], "since": since, "until": until, "rules": enricher.version}
            run_id = catalog.start_run("retag", params)
        with Progress(
            TextColumn("re-tagging"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
        ) as progress:
            task = progress.add_task("retag", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            status = "failed"
            try:
                counts = run_retag(
                    catalog,
                    enricher,
                    source_ids=source or (),
                    since=start,
                    until=end,
                    run_id=run_id,
                    dry_run=dry_run,
                    progress=advance,
                )
                status = "ok"
            finally:
                if run_id is not None:
                    catalog.finish_run(run_id, status)
    verb = "would change" if dry_run else "changed"
    console.print(f"Re-tagged {counts.examined} document(s) with rules {enricher.version}: {counts.changed} {verb}.")
    changes = [
        ("topic", counts.topics_added, counts.topics_removed),
        ("country", counts.countries_added, counts.countries_removed),
    ]
    if counts.changed:
        table = Table(box=box.SIMPLE)
        for column in ("tag", "added to", "removed from"):
            table.add_column(column)
        for kind, added, removed in changes:
            for name in sorted(set(added) | set(removed)):
                table.add_row(f"{kind} {name}", str(added[name]), str(removed[name]))
        console.print(table)
    if not dry_run and not no_index and counts.changed:
        _index_step(settings)


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help='Words, "phrases", prefix*, OR, -exclusions. Empty: everything.')] = "",
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="Source id (repeatable).")] = None,
    kind: Annotated[list[str] | None, typer.Option(help="briefing, news or statement (repeatable).")] = None,
    language: Annotated[list[str] | None, typer.Option("--language", "-l", help="Language code (repeatable).")] = None,
    topic: Annotated[list[str] | None, typer.Option(help="Topic id (repeatable).")] = None,
    country: Annotated[list[str] | None, typer.Option(help="Country mentioned, ISO code (repeatable).")] = None,
    since: Annotated[str | None, typer.Option(help="Published on or after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Published on or before YYYY-MM-DD.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many hits.", min=1, max=1000)] = 20,
    include_removed: Annotated[bool, typer.Option("--include-removed", help="Also pages the site removed.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Search the archive (Elasticsearch when configured, else the embedded index).

    Both backends take the same options and answer in the same shape (--json).
    """
    from pipeline.index.search import SearchFilters
    from pipeline.index.service import search

    settings = _options.settings()
    filters = SearchFilters(
        sources=tuple(source or ()),
        kinds=tuple(kind or ()),
        languages=tuple(code.lower() for code in language or ()),
        topics=tuple(topic or ()),
        countries=tuple(c.upper() for c in country or ()),
        since=_date(since, "--since"),
        until=_date(until, "--until"),
        include_removed=include_removed,
    )
    unknown: list[str] = []
    if filters.topics or filters.countries:
        from pipeline.enrich.vocabulary import unknown_labels

        unknown = unknown_labels(settings, topics=filters.topics, countries=filters.countries)
    try:
        result = search(settings, query, filters, limit=limit)
    except ReadoutError as exc:
        raise _fail("; ".join(unknown) if unknown else str(exc), code=2 if unknown else 1) from None
    if unknown and not result.total:
        raise _fail("; ".join(unknown))
    if unknown:  # documents tagged by older rules still carry a label the rules no longer give
        err.print(
            f"[yellow]note:[/] {_escape('; '.join(unknown))} (these hits were tagged by older rules: `readout retag`)"
        )
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(
        title=f"{result.total} match(es) for {query or '(everything)'} — {result.backend}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for column in ("published", "source", "title / snippet"):
        table.add_column(column, overflow="fold")
    for hit in result.hits:
        cell = Text(hit.title or "(no title)", style="bold")
        cell.append("\n")
        cell.append_text(_marked(hit.snippet))
        table.add_row((hit.published_at or "")[:10], hit.source, cell)
    console.print(table)
    for facet, counts in result.facets.items():
        if counts:
            top = ", ".join(f"{value} ({count})" for value, count in list(counts.items())[:8])
            console.print(f"[dim]{facet}:[/] {_escape(top)}")


def _marked(snippet: str) -> Text:
    """A snippet with its matches (between MARK_START and MARK_END) highlighted; nothing in it is markup."""
    from pipeline.index.search import MARK_END, MARK_START

    text = Text()
    for n, part in enumerate(re.split(f"({re.escape(MARK_START)}.*?{re.escape(MARK_END)})", snippet)):
        if n % 2:
            text.append(part[1:-1], style="bold yellow")
        else:
            text.append(part)
    return text


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@app.command("kibana-setup")
def kibana_setup(
    file: Annotated[
        list[Path] | None, typer.Option("--file", help="ndjson file(s); default config/kibana/*.ndjson.")
    ] = None,
) -> None:
    """Import Readout's data views, saved searches and dashboards into Kibana (idempotent: overwrite)."""
    from pipeline.index.kibana import import_saved_objects

    settings = _options.settings()
    if not settings.kibana_url:
        raise _fail("set READOUT_KIBANA_URL (and READOUT_KIBANA_API_KEY or _USERNAME/_PASSWORD)")
    try:
        report = import_saved_objects(settings, file or None)
    except ReadoutError as exc:
        raise _fail(str(exc), code=1) from None
    from pipeline.index.elastic import redact_url

    console.print(f"Kibana: {report.success_count} saved object(s) imported into {redact_url(settings.kibana_url)}.")


@app.command("airflow-pools")
def airflow_pools(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Write the Airflow pools (one slot per source host) as JSON for `airflow pools import FILE`."""
    from pipeline.tasks import pools_spec

    settings = _options.settings()
    loaded = _load(settings, None)
    text = json.dumps(pools_spec(loaded.sources), indent=2, sort_keys=True) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, "utf-8")
    err.print(f"{len(json.loads(text))} pool(s) written to {output}; load them with `airflow pools import {output}`.")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def main() -> None:
    """Console-script entry point."""
    app()
