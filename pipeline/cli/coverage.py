"""`readout coverage`: the news documents that reported one exchange, and how faithfully; and the citations
and coverage that `readout show` adds to a news document and to a briefing."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pipeline.cli.common import app, console, escape, fail, iso, open_catalog, options, short_turn_id

if TYPE_CHECKING:
    from pipeline.store.citations import CoverageEntry
    from pipeline.store.schema import CitationRow, Turn

#: How each verdict is shown in the terminal.
_STYLE = {"verbatim": "green", "paraphrase": "cyan", "divergent": "bold red", "unmatched": "yellow"}


def citation_json(row: CitationRow) -> dict[str, Any]:
    """One citation as `readout show --json` prints it."""
    return {
        "number": row.number,
        "kind": row.kind,
        "quoted": row.quoted,
        "context": row.context,
        "speaker": row.speaker,
        "ministry": row.ministry,
        "spokesperson_id": row.spokesperson_id,
        "date_expression": row.expression or None,
        "turn_id": row.turn_id,
        "briefing_doc_id": row.briefing_doc_id,
        "briefing_date": row.briefing_day.isoformat() if row.briefing_day else None,
        "matched": row.matched,
        "similarity": row.similarity,
        "matched_by": row.matched_by,
        "verdict": row.verdict,
        "differences": {"added": list(row.added or []), "dropped": list(row.dropped or [])},
        "other_day": row.elsewhere,
    }


def _how(matched_by: str | None, similarity: float | None) -> str:
    """How a passage was matched, for the text views: the model's cosine or the token similarity."""
    if matched_by == "meaning":
        return f"matched by meaning, cosine {similarity or 0:.2f}"
    return f"similarity {similarity or 0:.2f}"


def print_citations(rows: Sequence[CitationRow]) -> None:
    """A news document's citations, one block each: verdict, what was quoted, what was said and where."""
    console.print(f"[bold]citations:[/] {len(rows)}")
    for row in rows:
        style = _STYLE.get(row.verdict, "")
        # The short turn id `readout turns` prints and `readout coverage` accepts (JSON keeps the whole one).
        if row.turn_id and row.briefing_doc_id:
            where = f"{short_turn_id(row.turn_id)} ({row.briefing_day})"
        else:
            where = f"no {row.ministry} briefing says it"
        other = " [yellow]another day's briefing[/]" if row.elsewhere else ""
        console.print(f"  [{style}]{row.verdict}[/] → {escape(where)}{other}", highlight=False)
        console.print(f"    quoted: “{escape(row.quoted)}”", highlight=False)
        if row.context:
            console.print(f"    in:     {escape(row.context)}", highlight=False)
        if row.matched:
            how = _how(row.matched_by, row.similarity)
            console.print(f"    said:   “{escape(row.matched)}” ({how})", highlight=False)
        if row.added:
            console.print(f"    [red]added:[/] {escape('; '.join(row.added))}", highlight=False)
        if row.dropped:
            console.print(f"    [red]dropped:[/] {escape('; '.join(row.dropped))}", highlight=False)


def coverage_json(turn_id: str, entries: Sequence[CoverageEntry]) -> dict[str, Any]:
    """A turn's coverage as a JSON object: its count and one object per reporting document."""
    return {
        "turn_id": turn_id,
        "coverage_count": len({e.doc_id for e in entries}),
        "outlets": sorted({e.publisher or e.source_id for e in entries}),
        "documents": [_entry_json(e) for e in entries],
    }


def _entry_json(entry: CoverageEntry) -> dict[str, Any]:
    return {
        "doc_id": entry.doc_id,
        "title": entry.title,
        "url": entry.url,
        "source": entry.source_id,
        "publisher": entry.publisher,
        "published_at": iso(entry.published_at),
        "cluster_id": entry.cluster_id,
        "duplicate_of": entry.duplicate_of,
        "quoted": entry.quoted,
        "context": entry.context,
        "matched": entry.matched,
        "similarity": entry.similarity,
        "matched_by": entry.matched_by,
        "verdict": entry.verdict,
        "differences": {"added": entry.added, "dropped": entry.dropped},
    }


def folded(entries: Sequence[CoverageEntry]) -> list[list[CoverageEntry]]:
    """Entries grouped by near-duplicate cluster (a document's own id when it has none), first-published
    first; each group's quotes in document order."""
    groups: dict[str, list[CoverageEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.cluster_id or entry.doc_id, []).append(entry)
    return list(groups.values())


@app.command("coverage")
def coverage(
    turn_id: Annotated[
        str,
        typer.Argument(
            help="The exchange's turn id, `<doc_id>:<number>` (a unique prefix of the document id is enough)."
        ),
    ],
    no_fold: Annotated[
        bool, typer.Option("--no-fold", help="List every copy instead of one entry per near-duplicate cluster.")
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print JSON: turn_id, coverage_count, outlets, and documents (doc_id, title, url, source, publisher, "
            "published_at, cluster_id, duplicate_of, quoted, matched, similarity, matched_by, verdict, differences), "
            "plus "
            "`stories`: the documents folded by cluster.",
        ),
    ] = False,
) -> None:
    """List the news documents that reported one exchange of a briefing, and how faithfully.

    Each quote of the exchange found in a news document is shown with its verdict: verbatim (the same words),
    paraphrase (the same meaning in other words), divergent (the wording changes meaning, scope or intensity;
    the words added and dropped are shown). Copies of one story (near-duplicates) are folded into one entry
    with their count; --no-fold lists them all.
    """
    settings = options.settings()
    with open_catalog(settings, read_only=True) as catalog:
        # `readout turns` shows a short document id ("2b3e886305b6:1"): a unique prefix is enough, as for `show`.
        prefix, _, number = turn_id.rpartition(":")
        briefing = catalog.document(prefix) if prefix and number.isdigit() else None
        turns = catalog.turns_of(briefing.doc_id) if briefing is not None else []
        turn = next((t for t in turns if t.number == int(number)), None)
        if turn is None:
            raise fail(f"no exchange with turn id {turn_id!r} (`readout turns` lists them)", code=1)
        entries = catalog.coverage([turn.turn_id]).get(turn.turn_id, [])
    if as_json:
        shown = coverage_json(turn.turn_id, entries)
        shown["stories"] = [[e.doc_id for e in group] for group in folded(entries)]
        sys.stdout.write(json.dumps(shown, ensure_ascii=False) + "\n")
        return
    print_coverage(turn, entries, fold=not no_fold)


def print_coverage(turn: Turn, entries: Sequence[CoverageEntry], *, fold: bool = True) -> None:
    """An exchange (who asked, who answered, the start of the answer) and the news that reported it, one entry
    per story (``fold``) or per document, each quote with its verdict and the words added and dropped."""
    asked = turn.outlet or "?"
    console.rule(f"[bold]{escape(asked)} → {escape(turn.spokesperson or '?')}[/] · {turn.turn_id}")
    console.print(escape(turn.answer[:300] + ("…" if len(turn.answer) > 300 else "")), highlight=False)
    if not entries:
        console.print("No news document in the catalog reports this exchange.")
        return
    groups = folded(entries) if fold else [[e] for e in entries]
    documents = len({e.doc_id for e in entries})
    console.print(f"\n{documents} document(s) in {len(folded(entries))} story(ies) report it:")
    for group in groups:
        first = group[0]
        copies = len({e.doc_id for e in group}) - 1
        extra = f" [dim]+{copies} cop{'y' if copies == 1 else 'ies'}[/]" if copies else ""
        console.print(
            f"\n[bold]{escape(first.title or '(no title)')}[/]{extra} [dim]({first.source_id}, "
            f"{(iso(first.published_at) or '?')[:10]}, {first.doc_id[:12]})[/]",
            highlight=False,
        )
        for entry in [e for e in group if e.doc_id == first.doc_id]:
            style = _STYLE.get(entry.verdict, "")
            meant = " [dim](matched by meaning)[/]" if entry.matched_by == "meaning" else ""
            console.print(f"  [{style}]{entry.verdict}[/]{meant} “{escape(entry.quoted)}”", highlight=False)
            if entry.context:
                console.print(f"    [dim]in:[/] {escape(entry.context)}", highlight=False)
            if entry.added:
                console.print(f"    [red]added:[/] {escape('; '.join(entry.added))}", highlight=False)
            if entry.dropped:
                console.print(f"    [red]dropped:[/] {escape('; '.join(entry.dropped))}", highlight=False)
