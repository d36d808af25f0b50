"""Commands that run the pipeline: ``run``, ``backfill`` and ``demo``."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from pipeline.cli.common import (
    ExitCode,
    Loaded,
    app,
    console,
    entry_id,
    err,
    escape,
    fail,
    iso,
    load,
    marked,
    open_catalog,
    options,
    parse_date,
    short_turn_id,
)
from pipeline.cli.indexing import index_step
from pipeline.cli.tagging import warn_missing_rules
from pipeline.config import Settings, Source
from pipeline.models import ItemStatus


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


def execute(
    settings: Settings,
    loaded: Loaded,
    *,
    mode: str,
    since: date | None = None,
    until: date | None = None,
    whole_file: bool = False,
) -> Any:
    """Run ``loaded``'s sources and print the summary. ``whole_file``: every entry of the sources file was
    loaded (no ``--source``), so an entry failure not repeated now is resolved."""
    from pipeline.ingest import run_cycle

    sources = loaded.sources
    warn_missing_rules(settings)
    if not sources:
        raise fail("no valid, enabled source to run (check the sources file with `readout check`)")
    with open_catalog(settings) as catalog:
        for error in loaded.refused:
            catalog.record_failure(
                run_id=None, source_id=entry_id(error), url=str(settings.sources), stage="config", error=error
            )
        refused = [entry_id(error) for error in loaded.refused] if whole_file else None
        catalog.resolve_config_failures(str(settings.sources), valid=[s.id for s in sources], refused=refused)
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


def _print_summary(report: Any) -> None:
    table = Table(
        title=f"Run {report.run_id[:8]} ({report.mode}): {report.status}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
        collapse_padding=True,
        caption="new/upd: documents added or versioned · same: seen or unchanged · 304: not modified · "
        "dl: full downloads · gone: removed · fail: failures · warn: read in part or dropped (listed below)",
        caption_justify="left",
    )
    columns = ["source", "status", "found", "new", "upd", "same", "304", "dl", "gone", "fail", "warn"]
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
                    c.warnings,
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
                t.warnings,
            )
        ),
        style="bold",
    )
    console.print(table)
    rechecks = report.rechecks()
    if rechecks.checked or rechecks.removed or rechecks.back:
        # Conditional GETs of pages already stored, at their source's re-check ages (`recheck` in the sources file).
        console.print(f"Transcript history: {rechecks}")
    warnings = [(r.source_id, w) for r in sorted(report.sources, key=lambda r: r.source_id) for w in r.warnings]
    if warnings:
        console.print(f"[yellow]{len(warnings)} warning(s)[/]: read in part or dropped, recorded with the run")
        for source_id, warning in warnings[:8]:
            console.print(f"  [bold]{source_id}[/]: {escape(warning)}", soft_wrap=True)
        if len(warnings) > 8:
            console.print(f"  … and {len(warnings) - 8} more: see [bold]readout sources --json[/]")
    problems = [(r.source_id, e) for r in report.sources for e in r.errors]
    if problems:
        console.print(f"[yellow]{len(problems)} problem(s)[/] recorded; the first ones:")
        for source_id, error in problems[:8]:
            console.print(f"  [bold]{source_id}[/]: {escape(error)}", soft_wrap=True)
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
    ends with the index step (Elasticsearch when configured, the embedded index otherwise). Exits 1
    when no source at all could be reached, 4 when the embedded index file is damaged (no later run can
    fill it: `readout reindex` rebuilds it); any other failed index step is reported and the next run
    catches up.
    """
    settings = options.settings()
    report = execute(settings, load(settings, source), mode="incremental", whole_file=not source)
    damaged = not no_index and index_step(settings).damaged
    if report.nothing_reached:
        err.print(
            "[bold red]No source could be reached.[/] This machine may have no internet access. "
            "Run [bold]make demo[/] to see a full cycle over the bundled fixture sites on loopback.",
            soft_wrap=True,
        )
        raise typer.Exit(1)
    if damaged:
        raise typer.Exit(ExitCode.INDEX)


@app.command()
def backfill(
    source: Annotated[list[str], typer.Option("--source", "-s", help="Source id (repeatable).")],
    since: Annotated[
        str, typer.Option(help="Oldest publication day to reach, YYYY-MM-DD (the source's own time zone).")
    ],
    until: Annotated[str | None, typer.Option(help="Newest publication day to keep, YYYY-MM-DD (inclusive).")] = None,
) -> None:
    """Walk a source's archive pages, pagination or sitemaps back to --since and ingest what is missing."""
    settings = options.settings()
    start = parse_date(since, "--since")
    end = parse_date(until, "--until")
    if start and end and end < start:
        raise fail("--until is before --since")
    report = execute(settings, load(settings, source), mode="backfill", since=start, until=end)
    if report.nothing_reached:
        raise typer.Exit(1)


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

    base = options.settings()
    if not SITES_DIR.is_dir():
        raise fail(f"fixture sites not found at {SITES_DIR}; run the demo from a checkout of the repository")
    data_dir = (options.data_dir or Path("data")) / "demo"
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    # Run from anywhere: the checkout's sources file when the working directory has none (the rules files
    # are found wherever the process runs from already).
    sources = base.sources
    if not sources.is_absolute() and not sources.exists():
        sources = SITES_DIR.parents[2] / sources
    with serve_sites() as farm:
        text = farm.rewrite(sources.read_text("utf-8"))
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
        execute(settings, load(settings, None), mode="incremental", whole_file=True)
        index_step(settings)
    with open_catalog(settings) as catalog:
        documents = list(catalog.documents(limit=show_count))
    for document in documents:
        console.rule(f"[bold]{document.title}[/]")
        console.print(
            f"[dim]{document.source_id} · {iso(document.published_at)} · {document.language} · "
            f"{document.doc_id[:12]}[/]"
        )
        console.print(document.text[:400] + ("…" if len(document.text) > 400 else ""), markup=False)
    from pipeline.index.search import SearchFilters
    from pipeline.index.service import search

    example = '"unilateral sanctions"'
    found = search(settings, example, SearchFilters(), limit=3)
    console.rule(f"[bold]readout search {example}[/]: {found.total} match(es) in the embedded index")
    for hit in found.hits:
        console.print(f"[bold]{escape(hit.title or '')}[/] [dim]({hit.source}, {(hit.published_at or '')[:10]})[/]")
        console.print(Text("  ").append_text(marked(hit.snippet)))
    # The same answer, one exchange at a time: the briefing's turn that said it, with who asked.
    from pipeline.cli.turns import print_turn_hits, source_zones
    from pipeline.index.service import search_turns

    exchanges = search_turns(settings, example, SearchFilters(), limit=3)
    console.rule(f"[bold]readout search --turns {example}[/]: {exchanges.total} exchange(s)")
    print_turn_hits(exchanges.hits, source_zones(settings))
    # And how the news reported the most quoted of them: word for word, or not. The most reporting documents
    # first, then the most quotes (not the search's order, which shifts with whatever else the index holds).
    with open_catalog(settings) as catalog:
        quotes = catalog.coverage([hit.turn_id for hit in exchanges.hits])
    covered = max(exchanges.hits, key=lambda hit: (hit.coverage_count, len(quotes.get(hit.turn_id, []))), default=None)
    if covered is not None and covered.coverage_count:
        from pipeline.cli.coverage import print_coverage

        with open_catalog(settings) as catalog:
            turn = next(t for t in catalog.turns_of(covered.doc_id) if t.turn_id == covered.turn_id)
        entries = quotes.get(turn.turn_id, [])
        console.rule(f"[bold]readout coverage {short_turn_id(covered.turn_id)}[/]")
        print_coverage(turn, entries)
        console.print()
    console.print(
        f"Explore the demo catalog with: [bold]readout --data-dir {data_dir} list[/], "
        f"[bold]readout --data-dir {data_dir} turns[/] or "
        f"[bold]readout --data-dir {data_dir} search 'your words'[/]"
    )
