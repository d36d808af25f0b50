"""Commands that look at what the catalog holds: ``sources``, ``list``, ``show`` and ``failures`` (``turns`` is
in :mod:`pipeline.cli.turns`)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from pipeline.cli.common import (
    all_sources,
    app,
    console,
    escape,
    fail,
    iso,
    open_catalog,
    options,
    parse_date,
    short_turn_id,
)
from pipeline.cli.coverage import citation_json, coverage_json, print_citations
from pipeline.cli.tagging import print_explanation
from pipeline.cli.turns import local_day, show_turns, source_zones
from pipeline.config import CITING_KIND
from pipeline.recheck import format_age

if TYPE_CHECKING:
    from pipeline.store.schema import Document, DocumentVersion


@app.command()
def sources(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the configured sources with their state and last result, and their transcripts' edits and
    removals per day over the last week (UTC days)."""
    from pipeline import clock
    from pipeline.health import HISTORY_REPORT_DAYS, format_history

    settings = options.settings()
    configured = all_sources(settings)
    today = clock.now().date()
    since = datetime.combine(today - timedelta(days=HISTORY_REPORT_DAYS - 1), datetime.min.time(), tzinfo=UTC)
    with open_catalog(settings, read_only=True, missing_ok=True) as catalog:
        states = catalog.source_states() if catalog is not None else {}
        warnings = catalog.last_warnings() if catalog is not None else {}
        history = catalog.history_days(since=since) if catalog is not None else {}
    rows: list[dict[str, Any]] = []
    for src in configured:
        state = states.get(src.id)
        shown = [warning.message for warning in warnings.get(src.id, [])]
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
                "last_poll_at": iso(state.last_poll_at) if state else None,
                "last_status": state.last_status if state else None,
                "consecutive_failures": state.consecutive_failures if state else 0,
                "last_error": state.last_error if state else None,
                "warnings": shown,
                "recheck": [format_age(age) for age in src.recheck_ages],
                "history": [
                    {"day": day.day, "edited": day.edited, "removed": day.removed} for day in history.get(src.id, [])
                ],
            }
        )
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table(title=f"Sources ({settings.sources})", title_justify="left")
    columns = ("id", "kind", "country", "method", "schedule", "docs", "last poll", "status", "fails", "warn")
    for column in (*columns, f"edited {HISTORY_REPORT_DAYS}d", f"removed {HISTORY_REPORT_DAYS}d"):
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
            str(len(row["warnings"])) if row["warnings"] else "",
            str(sum(day["edited"] for day in row["history"]) or ""),
            str(sum(day["removed"] for day in row["history"]) or ""),
        )
    console.print(table)
    for src in configured:
        if history.get(src.id):
            console.print(f"[bold]{src.id}[/] edits and removals: {format_history(history[src.id])}", soft_wrap=True)
    warned = [(row["id"], warning) for row in rows for warning in row["warnings"]]
    for source_id, warning in warned[:10]:
        console.print(f"[yellow]warning[/] [bold]{source_id}[/]: {escape(warning)}", soft_wrap=True)
    if len(warned) > 10:
        console.print(f"… and {len(warned) - 10} more warning(s): see [bold]readout sources --json[/]")


@app.command("list")
def list_documents(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Published on or after YYYY-MM-DD.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many documents.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines of the fields.")] = False,
) -> None:
    """List ingested documents, newest first: id, url, title, published_at, source, language.

    The table shows the day each was published as its source dates it (the source's time zone); --json
    gives published_at as an instant in UTC."""
    settings = options.settings()
    with open_catalog(settings, read_only=True) as catalog:
        documents = list(catalog.documents(source_ids=source or (), since=parse_date(since, "--since"), limit=limit))
    rows: list[dict[str, Any]] = [
        {
            "doc_id": d.doc_id,
            "url": d.url,
            "title": d.title,
            "published_at": iso(d.published_at),
            "source": d.source_id,
            "language": d.language,
            "version": d.version,
            "removed_at": iso(d.removed_at),
        }
        for d in documents
    ]
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    # The day as the source dates it: a Beijing page dated 19 November is stored as 16:00 UTC on the 18th.
    zones = source_zones(settings)
    days = {d.doc_id: local_day(d.published_at, zones.get(d.source_id)) for d in documents}
    table = Table(title=f"{len(rows)} document(s)", title_justify="left")
    for column in ("id", "published", "source", "lang", "v", "title"):
        table.add_column(column, overflow="fold" if column == "title" else "ellipsis")
    for row in rows:
        title = (row["title"] or "(no title)") + (" [red](removed)[/]" if row["removed_at"] else "")
        table.add_row(
            row["doc_id"][:12],
            days[row["doc_id"]] or "",
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
    turns: Annotated[
        bool, typer.Option("--turns", help="Print a briefing's turns (announcements, questions, answers) instead.")
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print JSON: the document's fields (with duplicate_of, cluster_id and cluster_size; citations for "
            "a news document, coverage for a briefing); with --turns, "
            "a list, one object per utterance (turn_id, position, kind = announcement, question or answer, speaker, "
            "speaker_id, outlet, outlet_id, journalist, paragraph, text).",
        ),
    ] = False,
) -> None:
    """Print one document: metadata, tags and clean text; or, with --turns, a briefing's turns.

    A briefing is split into turns: opening announcements, then exchanges (questions with their outlet,
    the answer with its spokesperson). --turns prints each turn with its id (`<doc_id>:<number>`, kept
    while its words do not change), and --json prints one object per utterance, each with its turn's id
    and position: `kind` is announcement, question or answer; `speaker` is the label as written and
    `speaker_id` the spokesperson's id in the speakers file (null when unknown); `outlet` and `outlet_id`
    are a question's outlet. A document that is not a briefing has no turns (exit status 1).

    A news document that is a near-copy of an earlier one (syndication, a rewritten lead or headline) shows
    `duplicate_of`, the first-seen document of its cluster, and `cluster_id` (that same first document; a
    document's own id when it is the first or alone), with how many documents the cluster holds.

    A news document shows its citations: each quote of a ministry's briefing, the exchange it reports (turn
    id and briefing date), the passage matched, the similarity and the verdict (verbatim, paraphrase,
    divergent, unmatched), with the words added and dropped (JSON: `citations`). A briefing shows how many
    news quotes report each of its exchanges (JSON: `coverage`; `readout coverage TURN_ID` lists them).
    """
    settings = options.settings()
    with open_catalog(settings, read_only=True) as catalog:
        document = catalog.document(doc_id)
        if document is None:
            raise fail(f"no document with id {doc_id!r} (or the prefix is not unique)", code=1)
        if turns:
            stored = catalog.turns_of(document.doc_id)
        history = catalog.versions(document.doc_id) if versions else []
        version_count = catalog.version_count(document.doc_id)
        cluster_size = catalog.cluster_sizes([document.doc_id]).get(document.doc_id, 1)
        citations = catalog.citations_of(document.doc_id)
        briefing_turns = [] if turns else catalog.turns_of(document.doc_id)
        covered = catalog.coverage([t.turn_id for t in briefing_turns]) if briefing_turns else {}
        twin = catalog.document(document.twin_doc_id) if document.twin_doc_id else None
    if turns:
        show_turns(document, stored, as_json=as_json)
        return
    if as_json:
        shown = _document_json(document, cluster_size, history, version_count)
        if document.source_kind == CITING_KIND:
            shown["citations"] = [citation_json(row) for row in citations]
        if briefing_turns:
            shown["coverage"] = [coverage_json(t.turn_id, covered.get(t.turn_id, [])) for t in briefing_turns]
        shown["twin"] = twin_json(document, twin)
        sys.stdout.write(json.dumps(shown, ensure_ascii=False) + "\n")
        return
    console.rule(document.title or "(no title)")
    for label, value in (
        ("id", document.doc_id),
        ("url", document.url),
        ("source", document.source_id),
        ("published", iso(document.published_at)),
        ("language", document.language),
        ("version", f"{document.version} ({version_count} stored: `readout history {document.doc_id[:12]}`)"),
        ("edited", iso(document.edited_at)),
        ("removed", _removal(document)),
        ("archive", f"{document.warc_file} @ {document.warc_offset}" if document.warc_file else None),
        ("topics", ", ".join(document.topics) or None),
        ("countries", ", ".join(document.countries) or None),
        ("key phrases", "; ".join(document.key_phrases) or None),
        ("duplicate of", document.duplicate_of),
        ("cluster", f"{document.cluster_id} ({cluster_size} document(s))" if document.cluster_id else None),
    ):
        if value is not None:
            console.print(f"[bold]{label}:[/] {value}", highlight=False)
    if twin is not None:
        print_twin(document, twin)
    if citations:
        print_citations(citations)
    if covered:
        console.print(f"[bold]coverage:[/] {len(covered)} of {len(briefing_turns)} turn(s) reported in the news")
        for turn in briefing_turns:
            entries = covered.get(turn.turn_id, [])
            if entries:
                verdicts = ", ".join(sorted({e.verdict for e in entries}))
                short = short_turn_id(turn.turn_id)
                # An exchange whose asker the transcript does not name ("QUESTION:") is no announcement.
                asker = "announcement" if turn.kind == "announcement" else turn.outlet or "asker not named"
                console.print(
                    f"  {short} ({escape(asker)}): {len(entries)} quote(s), {verdicts} — `readout coverage {short}`",
                    highlight=False,
                )
    if explain:
        print_explanation(document.tag_explanation)
    console.print()
    console.print(document.text, markup=False, highlight=False)
    for version in history:
        console.print(
            f"[dim]version {version.version}: fetched {iso(version.fetched_at)}, hash {version.content_hash[:12]}"
            f"{' (cosmetic)' if version.cosmetic else ''}[/]"
        )


def _removal(document: Document) -> str | None:
    """When the document was found removed, and the evidence."""
    if document.removed_at is None:
        return None
    evidence = document.removal_evidence or {}
    detail = ", ".join(str(evidence[key]) for key in ("kind", "status", "detail") if evidence.get(key))
    return document.removed_at.isoformat() + (f" ({detail})" if detail else "")


def twin_json(document: Document, twin: Document | None) -> dict[str, Any] | None:
    """A briefing's twin in the other language (:mod:`pipeline.store.twins`) for `readout show --json`: its id and
    language, the seconds from this one's publication to the twin's, this document's turn ids missing from the
    twin (``unmatched``) and the twin's missing from this one (``missing``); None without a twin."""
    if twin is None:
        return None
    return {
        "doc_id": twin.doc_id,
        "language": twin.language,
        "delay_seconds": document.twin_delay_seconds,
        "unmatched": list(document.twin_unmatched or []),
        "missing": list(twin.twin_unmatched or []),
    }


def print_twin(document: Document, twin: Document) -> None:
    """The text form of :func:`twin_json`."""
    delay = document.twin_delay_seconds
    when = ""
    if delay is not None:
        hours, rest = divmod(abs(delay), 3600)
        when = f", published {hours}h{rest // 60:02d}m {'later' if delay >= 0 else 'earlier'}"
    console.print(f"[bold]twin:[/] {twin.doc_id} ({twin.language or '?'}){when}", highlight=False)
    for label, ids in (
        (f"exchange(s) here missing from the {twin.language or 'other'} version", document.twin_unmatched or []),
        (f"exchange(s) of the {twin.language or 'other'} version missing here", twin.twin_unmatched or []),
    ):
        console.print(f"  {len(ids)} {label}{': ' if ids else ''}{', '.join(ids)}", highlight=False)


def _document_json(
    document: Document, cluster_size: int, history: list[DocumentVersion], version_count: int
) -> dict[str, Any]:
    """What `readout show --json` prints of a document: ``removed_at`` and ``removal_evidence`` when the page
    was found gone, ``version_count`` (versions stored), ``edited`` (a version changed its substance, not
    only its formatting) and ``edited_at`` (when the last such version was stored)."""
    shown: dict[str, Any] = {
        "doc_id": document.doc_id,
        "url": document.url,
        "canonical_url": document.canonical_url,
        "title": document.title,
        "source": document.source_id,
        "kind": document.source_kind,
        "publisher": document.publisher,
        "published_at": iso(document.published_at),
        "language": document.language,
        "version": document.version,
        "removed_at": iso(document.removed_at),
        "removal_evidence": document.removal_evidence,
        "version_count": version_count,
        "edited": document.edited_at is not None,
        "edited_at": iso(document.edited_at),
        "topics": list(document.topics),
        "countries": list(document.countries),
        "key_phrases": list(document.key_phrases),
        "duplicate_of": document.duplicate_of,
        "cluster_id": document.cluster_id,
        "cluster_size": cluster_size,
        "text": document.text,
    }
    if history:
        shown["versions"] = [
            {
                "version": v.version,
                "fetched_at": iso(v.fetched_at),
                "content_hash": v.content_hash,
                "cosmetic": v.cosmetic,
            }
            for v in history
        ]
    return shown


@app.command()
def failures(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 50,
    include_resolved: Annotated[bool, typer.Option("--all", help="Include failures resolved since.")] = False,
) -> None:
    """List the failures still unresolved and the documents the search index rejected.

    For each failure: when, source, stage, kind, whether it will be retried, and where and why. A failure
    is resolved by a later success of what failed: the item stored, the feed or page read, the response
    archived, the source entry loaded, or (for a source-level error) a later run of the source that
    finishes ok. `--all` lists resolved failures too, with when they were resolved. Rejected documents
    (the dead letters) are sent again when they change or after `readout index --retry-rejected`.
    """
    settings = options.settings()
    with open_catalog(settings, read_only=True) as catalog:
        rows = catalog.failures(source_ids=source or (), limit=limit, unresolved=not include_resolved)
        dead = catalog.dead_letters(limit=limit)
    title = f"{len(rows)} failure(s)" if include_resolved else f"{len(rows)} unresolved failure(s)"
    table = Table(title=title, title_justify="left")
    columns = ["when", "source", "stage", "kind", "retry", "where / why"]
    for column in [*columns, "resolved"] if include_resolved else columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        where = "" if row.url is None or row.url in row.message else f"{row.url}: "
        cells = [
            row.occurred_at.isoformat()[:16],
            row.source_id,
            row.stage,
            row.error_kind,
            "no" if row.permanent else "yes",
            escape(where + row.message),
        ]
        if include_resolved:
            cells.append(row.resolved_at.isoformat()[:16] if row.resolved_at else "no")
        table.add_row(*cells)
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
