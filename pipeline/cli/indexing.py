"""Commands of the search index: ``index``, ``reindex``, ``search`` and ``kibana-setup``."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from pipeline.cli.common import (
    ExitCode,
    app,
    console,
    err,
    escape,
    fail,
    marked,
    open_catalog,
    options,
    parse_date,
)
from pipeline.cli.turns import local_day, print_turn_hits, source_zones
from pipeline.config import Settings
from pipeline.errors import ReadoutError, SearchBackendError

if TYPE_CHECKING:
    from pipeline.index.search import SearchFilters


def index_step(settings: Settings) -> Any:
    """Send the catalog's pending changes to the search target and say how it went."""
    from pipeline.index.service import index_pending

    with open_catalog(settings) as catalog:
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
    elif report.damaged:
        # No later run can write there: say what rebuilds it instead of promising a catch-up.
        console.print(
            f"[bold red]Index step failed:[/] {escape(report.error or '')} ({report.pending_after} document(s) wait).",
            soft_wrap=True,
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

    Elasticsearch when READOUT_ELASTICSEARCH_URL is set, the embedded SQLite index otherwise. Exits 4
    when the index could not be reached (the documents stay pending) or the embedded index file is
    damaged (`readout reindex` rebuilds it).
    """
    settings = options.settings()
    if retry_rejected:
        from pipeline.index.service import active_target

        with open_catalog(settings) as catalog:
            cleared = catalog.clear_dead_letters(active_target(settings))
        console.print(f"{cleared} rejected document(s) will be sent again.")
    report = index_step(settings)
    if report.damaged:
        raise typer.Exit(ExitCode.INDEX)
    if not report.ok:
        raise typer.Exit(ExitCode.INDEX)


@app.command()
def reindex(
    drop_old: Annotated[bool, typer.Option("--drop-old", help="Delete the previous index after the swap.")] = False,
) -> None:
    """Rebuild the search index from the catalog and switch to it atomically.

    Elasticsearch: builds <prefix>-documents-vN+1 and <prefix>-turns-vM+1, verifies both counts, swaps both
    aliases in one request and keeps the old indices unless --drop-old. Search never stops during a
    reindex. Embedded: a damaged search.db is moved aside (search.db.corrupt-<time>) and a new one built
    (documents and turns). Exits 4 when the index cannot be reached or rebuilt.
    """
    from pipeline.index.service import reindex as rebuild

    settings = options.settings()
    with open_catalog(settings) as catalog:
        try:
            report = rebuild(settings, catalog, drop_old=drop_old)
        except SearchBackendError as exc:
            raise fail(str(exc), code=ExitCode.INDEX) from None
        except ReadoutError as exc:
            raise fail(str(exc), code=1) from None
    if report.target == "elasticsearch":
        console.print(
            f"Reindexed {report.documents} document(s) into {report.new_index} and {report.turns} turn(s) into "
            f"{report.turns_index}; the aliases now point there."
            + (f" The old index {report.old_index} was dropped." if report.dropped_old and report.old_index else "")
            + (f" The old index {report.old_index} is kept." if report.old_index and not report.dropped_old else "")
        )
    else:
        if report.set_aside:
            console.print(f"The damaged index was moved to {report.set_aside} (delete it when no longer needed).")
        console.print(
            f"Rebuilt the embedded index {report.new_index} with {report.documents} document(s) "
            f"and {report.turns} turn(s)."
        )


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help='Words, "phrases", prefix*, OR, -exclusions. Empty: everything.')] = "",
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="Source id (repeatable).")] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(help="briefing, news or statement (repeatable); with --turns: announcement or exchange."),
    ] = None,
    language: Annotated[list[str] | None, typer.Option("--language", "-l", help="Language code (repeatable).")] = None,
    topic: Annotated[list[str] | None, typer.Option(help="Topic id (repeatable).")] = None,
    country: Annotated[list[str] | None, typer.Option(help="Country mentioned, ISO code (repeatable).")] = None,
    since: Annotated[str | None, typer.Option(help="Published on or after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Published on or before YYYY-MM-DD.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many hits.", min=1, max=1000)] = 20,
    include_removed: Annotated[bool, typer.Option("--include-removed", help="Also pages the site removed.")] = False,
    turns: Annotated[
        bool, typer.Option("--turns", help="Search the briefings' exchanges (question and answer), not documents.")
    ] = False,
    spokesperson: Annotated[
        list[str] | None, typer.Option(help="With --turns: spokesperson id or name as listed (repeatable).")
    ] = None,
    outlet: Annotated[
        list[str] | None, typer.Option(help="With --turns: questioning outlet, id or name as listed (repeatable).")
    ] = None,
    verdict: Annotated[
        list[str] | None,
        typer.Option(
            help="Worst verdict of the briefing quotes: divergent, unmatched, paraphrase or verbatim (repeatable); "
            "with --turns, of the news quotes of the exchange."
        ),
    ] = None,
    covered: Annotated[
        bool, typer.Option("--covered", help="With --turns: only exchanges that news documents quote.")
    ] = False,
    edited: Annotated[
        bool,
        typer.Option("--edited", help="Only documents a later version changed in substance (not with --turns)."),
    ] = False,
    removed: Annotated[
        bool,
        typer.Option("--removed", help="Only pages the site removed (with --turns: exchanges of removed briefings)."),
    ] = False,
    missing_in_twin: Annotated[
        bool,
        typer.Option(
            "--missing-in-twin",
            help="With --turns: only exchanges missing from the briefing's other-language twin.",
        ),
    ] = False,
    fold: Annotated[
        bool,
        typer.Option(
            "--fold/--no-fold",
            help="One hit per story: copies of a news story (near-duplicates) fold into its best-ranked match "
            "(default); --no-fold lists every document.",
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Search the archive (Elasticsearch when configured, else the embedded index).

    Both backends take the same options and answer in the same shape (--json). Copies of one story on
    several sites are folded: each hit is a story's best-ranked match, with "+N copies" for the other
    matching copies (--json: cluster_id, copies and the first folded ids; total counts documents, stories
    the folded hits). --no-fold lists every document. With --turns, the hits are exchanges of briefings:
    date, ministry, spokesperson, outlet, question and answer snippets, turn id (--json: a list of objects).
    --edited, --removed and --missing-in-twin select by a transcript's history (docs/history.md); hits say
    whether they were edited or removed (--json: edited, removed; exchanges: missing_in_twin).
    """
    from pipeline.index.coverage_projection import VERDICTS
    from pipeline.index.search import SearchFilters
    from pipeline.index.service import search

    settings = options.settings()
    filters = SearchFilters(
        sources=tuple(source or ()),
        kinds=tuple(kind or ()),
        languages=tuple(code.lower() for code in language or ()),
        topics=tuple(topic or ()),
        countries=tuple(c.upper() for c in country or ()),
        since=parse_date(since, "--since"),
        until=parse_date(until, "--until"),
        include_removed=include_removed,
        spokespersons=tuple(spokesperson or ()),
        outlets=tuple(outlet or ()),
        verdicts=tuple(v.lower() for v in verdict or ()),
        covered=covered,
        edited=edited,
        removed=removed,
        missing_in_twin=missing_in_twin,
    )
    if (filters.spokespersons or filters.outlets or filters.covered or filters.missing_in_twin) and not turns:
        raise fail(
            "--spokesperson, --outlet, --covered and --missing-in-twin filter exchanges: add --turns",
            code=ExitCode.USAGE,
        )
    if filters.edited and turns:
        raise fail(
            "--edited filters documents (an exchange has no versions of its own): drop --turns", code=ExitCode.USAGE
        )
    wrong = sorted(set(filters.verdicts) - set(VERDICTS))
    if wrong:
        raise fail(f"unknown verdict {', '.join(wrong)}: use {', '.join(reversed(VERDICTS))}", code=ExitCode.USAGE)
    unknown: list[str] = []
    if filters.topics or filters.countries:
        from pipeline.enrich.vocabulary import unknown_labels

        unknown = unknown_labels(settings, topics=filters.topics, countries=filters.countries)
    if turns:
        _search_turns(settings, query, filters, limit=limit, as_json=as_json, unknown=unknown)
        return
    try:
        result = search(settings, query, filters, limit=limit, fold=fold)
    except ReadoutError as exc:
        # A missing, damaged or unreachable index is an error with its own code, never an empty answer.
        code = ExitCode.USAGE if unknown else ExitCode.INDEX if isinstance(exc, SearchBackendError) else 1
        raise fail("; ".join(unknown) if unknown else str(exc), code=code) from None
    if unknown and not result.total:
        raise fail("; ".join(unknown))
    if unknown:  # documents tagged by older rules still carry a label the rules no longer give
        err.print(
            f"[yellow]note:[/] {escape('; '.join(unknown))} (these hits were tagged by older rules: `readout retag`)"
        )
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    counted = f"{result.total} match(es)"
    if result.stories is not None:
        # Elasticsearch's hits.total counts documents, not the folded hits: say both.
        counted += f" in {result.stories} stor{'y' if result.stories == 1 else 'ies'}"
    table = Table(
        title=f"{counted} for {query or '(everything)'} — {result.backend}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for column in ("published", "source", "title / snippet"):
        table.add_column(column, overflow="fold")
    # The source's own day, as `readout list` and `readout turns` print it (a briefing at midnight in New Delhi
    # is the day before in UTC).
    zones = source_zones(settings)
    for hit in result.hits:
        cell = Text(hit.title or "(no title)", style="bold")
        for flag, shown in (("edited", hit.edited), ("removed", hit.removed)):
            if shown:
                cell.append(f"  {flag}", style="yellow")
        if hit.copies:
            cell.append(f"  +{hit.copies} cop{'y' if hit.copies == 1 else 'ies'}", style="cyan")
        cell.append("\n")
        cell.append_text(marked(hit.snippet))
        published = datetime.fromisoformat(hit.published_at) if hit.published_at else None
        table.add_row(local_day(published, zones.get(hit.source)) or "", hit.source, cell)
    console.print(table)
    for facet, counts in result.facets.items():
        if counts:
            top = ", ".join(f"{value} ({count})" for value, count in list(counts.items())[:8])
            console.print(f"[dim]{facet}:[/] {escape(top)}")


def _search_turns(
    settings: Settings, query: str, filters: SearchFilters, *, limit: int, as_json: bool, unknown: list[str]
) -> None:
    """``readout search --turns``: the exchanges that match, as a table or a JSON list of objects."""
    from pipeline.index.service import search_turns

    try:
        result = search_turns(settings, query, filters, limit=limit)
    except ReadoutError as exc:
        code = ExitCode.USAGE if unknown else ExitCode.INDEX if isinstance(exc, SearchBackendError) else 1
        raise fail("; ".join(unknown) if unknown else str(exc), code=code) from None
    if unknown and not result.total:
        raise fail("; ".join(unknown))
    if as_json:
        # A list of exchanges: the stable interface (question and answer are snippets, marked ⟦…⟧).
        hits = [asdict(hit) for hit in result.hits]
        sys.stdout.write(json.dumps(hits, ensure_ascii=False, indent=2) + "\n")
        return
    console.print(
        f"{result.total} exchange(s) for {escape(query or '(everything)')} — {result.backend}", highlight=False
    )
    print_turn_hits(result.hits, source_zones(settings))
    for facet, counts in result.facets.items():
        if counts:
            top = ", ".join(f"{value} ({count})" for value, count in list(counts.items())[:8])
            console.print(f"[dim]{facet}:[/] {escape(top)}")


@app.command("kibana-setup")
def kibana_setup(
    file: Annotated[
        list[Path] | None, typer.Option("--file", help="ndjson file(s); default config/kibana/*.ndjson.")
    ] = None,
) -> None:
    """Import Readout's data views, saved searches and dashboards into Kibana (idempotent: overwrite)."""
    from pipeline.index.kibana import import_saved_objects

    settings = options.settings()
    if not settings.kibana_url:
        raise fail("set READOUT_KIBANA_URL (and READOUT_KIBANA_API_KEY or _USERNAME/_PASSWORD)")
    try:
        report = import_saved_objects(settings, file or None)
    except ReadoutError as exc:
        raise fail(str(exc), code=1) from None
    from pipeline.index.elastic import redact_url

    console.print(f"Kibana: {report.success_count} saved object(s) imported into {redact_url(settings.kibana_url)}.")
