"""Commands of the tagging rules: ``tag`` and ``retag``, and the rule helpers other commands use."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from pipeline.cli.common import (
    app,
    console,
    err,
    escape,
    fail,
    log,
    open_catalog,
    options,
    parse_date,
)
from pipeline.cli.indexing import index_step
from pipeline.cli.turns import source_zones
from pipeline.config import Settings


def missing_rules(settings: Settings) -> list[str]:
    from pipeline.enrich import missing_rules

    problems = missing_rules(settings)
    for problem in problems:
        err.print(f"[bold red]error:[/] {problem}", soft_wrap=True)
    return problems


def warn_missing_rules(settings: Settings) -> None:
    from pipeline.enrich import warn_missing_rules

    warn_missing_rules(settings, log)


def enricher_for(settings: Settings, *, strict: bool) -> Any:
    """The enricher of the configured rules; ``strict`` refuses rules with broken entries or a missing file
    (applying them would strip every stored document of those tags)."""
    from pipeline.enrich import load_enricher

    if strict and missing_rules(settings):
        raise fail("no tagging rules to apply (see above)")
    enricher = load_enricher(settings)
    if strict and enricher.problems:
        for problem in enricher.problems:
            err.print(f"[bold red]error:[/] {problem}")
        raise fail("fix the tagging rules first (`readout check` lists the problems)")
    return enricher


def print_rules(settings: Settings, enricher: Any) -> None:
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


def print_explanation(explanation: dict[str, Any]) -> None:
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
    turns = explanation.get("turns") or {}
    if turns.get("error"):
        console.print(f"[bold]turns:[/] [yellow]segmenting failed: {escape(str(turns['error']))}[/]", highlight=False)
    elif turns:
        unknown = [str(label) for label in turns.get("unknown_labels") or []]
        console.print(
            f"[bold]turns:[/] {turns.get('exchanges', 0)} exchange(s), {turns.get('announcements', 0)} "
            f"announcement(s) (layout {turns.get('layout')}); {len(unknown)} unknown speaker or outlet label(s)"
            + (f": {escape(', '.join(unknown))}" if unknown else ""),
            highlight=False,
            soft_wrap=True,
        )


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
    settings = options.settings()
    if file is not None:
        try:
            body = file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise fail(f"cannot read {file}: {exc}") from None
    elif text is None or text == "-":
        body = sys.stdin.read()
    else:
        body = text
    enricher = enricher_for(settings, strict=False)
    for problem in enricher.problems:
        err.print(f"[yellow]warning:[/] {problem} (left out)")
    warn_missing_rules(settings)
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
    print_explanation(result.explanation)


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
    topics, countries or key phrases change, or (briefings, segmented again on the way) whose turns
    change, get a new revision and go back to the search index (the index step runs at the end).
    Refuses rules with broken entries, which would strip their tags.
    """
    from pipeline.enrich.retag import retag as run_retag

    settings = options.settings()
    start, end = parse_date(since, "--since"), parse_date(until, "--until")
    if start and end and end < start:
        raise fail("--until is before --since")
    enricher = enricher_for(settings, strict=True)
    with open_catalog(settings) as catalog:
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
                    zones=source_zones(settings),
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
        index_step(settings)
