"""Briefings as exchanges: ``readout turns`` lists them; ``readout show DOC_ID --turns`` (in
:mod:`pipeline.cli.catalog`) prints one briefing's, with the helpers here.

Both print JSON with ``--json``, a stable interface: see :func:`utterance_rows` and :func:`turn_row`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.table import Table

from pipeline.cli.common import app, console, escape, fail, iso, open_catalog, options, parse_date

if TYPE_CHECKING:
    from pipeline.store.schema import Document, Turn

#: Characters of a question or answer the listing shows.
SNIPPET = 90
#: What a turn's utterance kind is called in the plain output.
_MARKS = {"announcement": "", "question": "Q", "answer": "A"}


def utterance_rows(turns: Sequence[Turn]) -> list[dict[str, Any]]:
    """``show --turns --json``: one object per utterance (part of a turn), in document order.

    Each has ``turn_id`` (``<doc_id>:<number>``, stable while the exchange's words do not change) and
    ``position`` (the turn's place in the briefing, from 0) of its turn, ``turn_kind`` ("exchange" or
    "announcement"), ``kind`` ("announcement", "question" or "answer"), ``speaker`` (the label as written:
    the spokesperson for an answer or announcement, the questioner's label where the transcript gives one),
    ``speaker_id`` (the spokesperson's id in the speakers file, null when unknown or for a questioner),
    ``outlet`` and ``outlet_id`` (a question's outlet as written and normalised), ``journalist``,
    ``paragraph`` (where it starts in the document's text, counting blank-line-separated paragraphs from 0)
    and ``text``.
    """
    rows: list[dict[str, Any]] = []
    for turn in turns:
        for utterance in turn.utterances:
            rows.append(
                {
                    "turn_id": turn.turn_id,
                    "position": turn.position,
                    "turn_kind": turn.kind,
                    "kind": utterance.get("kind"),
                    "speaker": utterance.get("speaker"),
                    "speaker_id": utterance.get("speaker_id"),
                    "outlet": utterance.get("outlet"),
                    "outlet_id": utterance.get("outlet_id"),
                    "journalist": utterance.get("journalist"),
                    "paragraph": utterance.get("paragraph"),
                    "text": utterance.get("text"),
                }
            )
    return rows


def turn_row(turn: Turn) -> dict[str, Any]:
    """``readout turns --json``: one object per turn (an exchange or an announcement), with its whole question
    and answer text (an announcement's text is its ``answer``; its ``question`` is "")."""
    return {
        "turn_id": turn.turn_id,
        "doc_id": turn.doc_id,
        "position": turn.position,
        "kind": turn.kind,
        "date": iso(turn.briefing_date),
        "source": turn.source_id,
        "ministry": turn.ministry,
        "language": turn.language,
        "spokesperson": turn.spokesperson,
        "spokesperson_id": turn.spokesperson_id,
        "outlet": turn.outlet,
        "outlet_id": turn.outlet_id,
        "journalist": turn.journalist,
        "question": turn.question,
        "answer": turn.answer,
        "topics": list(turn.topics),
        "countries": list(turn.countries),
        "question_countries": list(turn.question_countries),
        "answer_countries": list(turn.answer_countries),
        "version": turn.version,
    }


def unknown_labels_of(explanation: dict[str, Any] | None) -> list[str]:
    """The speaker and outlet labels segmenting did not find in the speakers file (from a tag explanation)."""
    labels = ((explanation or {}).get("turns") or {}).get("unknown_labels") or []
    return [str(label) for label in labels]


def show_turns(document: Document, turns: Sequence[Turn], *, as_json: bool) -> None:
    """``readout show DOC_ID --turns``: the briefing's turns, as JSON or readable (one block per turn)."""
    if document.source_kind != "briefing":
        raise fail(
            f"document {document.doc_id[:12]} is not a briefing (its source {document.source_id} is of kind "
            f"{document.source_kind!r}): only briefings are split into turns",
            code=1,
        )
    if as_json:
        sys.stdout.write(json.dumps(utterance_rows(turns), ensure_ascii=False, indent=2) + "\n")
        return
    console.rule(document.title or "(no title)")
    segmented = (document.tag_explanation or {}).get("turns") or {}
    exchanges = sum(1 for turn in turns if turn.kind == "exchange")
    summary = f"{exchanges} exchange(s), {len(turns) - exchanges} announcement(s)"
    if segmented.get("layout"):
        summary += f"; layout {segmented['layout']}"
    console.print(
        f"[bold]{document.doc_id}[/] {document.source_id} {iso(document.published_at) or ''}", highlight=False
    )
    console.print(summary, highlight=False)
    if segmented.get("error"):
        console.print(f"[yellow]segmenting failed the last time: {escape(str(segmented['error']))}[/]")
    unknown = unknown_labels_of(document.tag_explanation)
    if unknown:
        console.print(
            f"[yellow]{len(unknown)} unknown label(s)[/] (not in the speakers file): {escape(', '.join(unknown))}",
            soft_wrap=True,
        )
    if not turns:
        console.print(f"No turns stored yet: `readout retag -s {document.source_id}` segments stored briefings.")
        return
    for turn in turns:
        console.print()
        console.print(f"[bold]#{turn.position}[/] [dim]{turn.turn_id}[/] {turn.kind}", highlight=False)
        for utterance in turn.utterances:
            mark = _MARKS.get(str(utterance.get("kind")), "?")
            who = utterance.get("outlet") if utterance.get("kind") == "question" else utterance.get("speaker")
            if utterance.get("kind") == "question" and utterance.get("journalist"):
                who = f"{who or ''} ({utterance['journalist']})".strip()
            label = " ".join(part for part in (mark, f"{who}:" if who else "") if part)
            console.print(f"  [bold]{escape(label)}[/] {escape(str(utterance.get('text') or ''))}", soft_wrap=True)


def _day_start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, UTC) if day else None


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET else flat[: SNIPPET - 1].rstrip() + "…"


@app.command("turns")
def list_turns(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Briefings on or after YYYY-MM-DD (UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Briefings on or before YYYY-MM-DD (UTC).")] = None,
    spokesperson: Annotated[
        str | None,
        typer.Option(help="Only this spokesperson: the id in the speakers file, or the label as written."),
    ] = None,
    outlet: Annotated[
        str | None,
        typer.Option(help="Only questions from this outlet: its id in the speakers file, or the label as written."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(help="Only 'exchange' (a question and its answer) or only 'announcement' (opening remarks)."),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many turns.")] = 50,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list of the turns, with their whole texts and tags.")
    ] = False,
) -> None:
    """List the exchanges of stored briefings, newest briefing first and in order within one.

    Each briefing (a source of kind briefing) is split into turns: opening announcements, then exchanges,
    a question (with its outlet) and its answer (with the spokesperson). The table shows each with its
    date, source, spokesperson, outlet and the start of its question and answer; `readout show DOC_ID
    --turns` prints a whole briefing. Labels the speakers file does not know are kept as written and
    counted at the end.
    """
    settings = options.settings()
    start, end = parse_date(since, "--since"), parse_date(until, "--until")
    if start and end and end < start:
        raise fail("--until is before --since")
    if limit < 1:
        raise fail("--limit must be at least 1")
    if kind not in (None, "exchange", "announcement"):
        raise fail(f"--kind is 'exchange' or 'announcement', not {kind!r}")
    filters: dict[str, Any] = {
        "source_ids": source or None,
        "since": _day_start(start),
        "until": _day_start(end + timedelta(days=1)) if end else None,
        "spokesperson": spokesperson,
        "outlet": outlet,
        "kind": kind,
    }
    with open_catalog(settings, read_only=True) as catalog:
        turns = catalog.list_turns(**filters, limit=limit)
        # Only a full page may have left some out: then say how many match in all.
        matching: tuple[int, int] | None = catalog.count_turns(**filters) if len(turns) == limit else None
        unknown = catalog.unknown_speaker_labels(sorted({turn.doc_id for turn in turns}))
    if as_json:
        sys.stdout.write(json.dumps([turn_row(turn) for turn in turns], ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(box=box.SIMPLE, title_justify="left")
    for column in ("date", "source", "spokesperson", "outlet", "question", "answer", "turn"):
        table.add_column(column, overflow="fold" if column in ("question", "answer") else "ellipsis")
    for turn in turns:
        table.add_row(
            (iso(turn.briefing_date) or "")[:10],
            turn.source_id,
            escape(turn.spokesperson_id or turn.spokesperson or ""),
            escape(turn.outlet_id or turn.outlet or ("(announcement)" if turn.kind == "announcement" else "")),
            escape(_snippet(turn.question)),
            escape(_snippet(turn.answer)),
            f"{turn.doc_id[:12]}:{turn.number}",
        )
    if turns:
        console.print(table)
    shown_briefings = len({turn.doc_id for turn in turns})
    exchanges = sum(1 for turn in turns if turn.kind == "exchange")
    summary = f"{exchanges} exchange(s) and {len(turns) - exchanges} announcement(s) in {shown_briefings} briefing(s)"
    if matching is not None and matching[0] > len(turns):
        total, briefings = matching
        summary += f" (the newest {len(turns)} of {total} turns in {briefings} briefings: raise --limit for more)"
    labels = sorted({label for found in unknown.values() for label in found})
    summary += f"; {len(labels)} unknown label(s)"
    if labels:
        summary += f" (not in the speakers file): {', '.join(labels)}"
    console.print(escape(summary), soft_wrap=True, highlight=False)
