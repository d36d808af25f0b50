"""Briefings as exchanges: ``readout turns`` lists them; ``readout show DOC_ID --turns`` (in
:mod:`pipeline.cli.catalog`) prints one briefing's, with the helpers here.

Both print JSON with ``--json``, a stable interface: see :func:`utterance_rows` and :func:`turn_row`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from pipeline.cli.common import (
    app,
    console,
    escape,
    fail,
    iso,
    marked,
    open_catalog,
    options,
    parse_date,
    short_turn_id,
)
from pipeline.config import Settings, load_sources
from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.index.search import TurnHit
    from pipeline.store.schema import Document, Turn

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


def turn_row(turn: Turn, zone: tzinfo | None = None) -> dict[str, Any]:
    """``readout turns --json``: one object per turn (an exchange or an announcement), with its whole question
    and answer text (an announcement's text is its ``answer``; its ``question`` is ""). ``date`` is the
    briefing's instant (UTC), ``day`` its date where it was held (``zone``, the source's time zone)."""
    return {
        "turn_id": turn.turn_id,
        "doc_id": turn.doc_id,
        "position": turn.position,
        "kind": turn.kind,
        "date": iso(turn.briefing_date),
        "day": local_day(turn.briefing_date, zone),
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
            elif utterance.get("kind") == "question" and not who and turn.outlet:
                who = f"{turn.outlet} (follow-up)"  # the exchange is filed under the outlet that asked before
            label = " ".join(part for part in (mark, f"{who}:" if who else "") if part)
            console.print(f"  [bold]{escape(label)}[/] {escape(str(utterance.get('text') or ''))}", soft_wrap=True)


def local_day(moment: datetime | None, zone: tzinfo | None) -> str | None:
    """The day of ``moment`` in ``zone`` (UTC when None): a briefing in Beijing on 19 November is stored
    as 16:00 UTC on the 18th when its page gives only the date."""
    if moment is None:
        return None
    return (moment.astimezone(zone) if zone is not None else moment).date().isoformat()


def source_zones(settings: Settings) -> dict[str, tzinfo]:
    """Each configured source's time zone; none when the sources file cannot be read (dates are then UTC:
    listing what is stored must not depend on the sources file being sound)."""
    try:
        return {source.id: source.tz for source in load_sources(settings.sources)}
    except (ConfigError, OSError):
        return {}


@app.command("turns")
def list_turns(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Briefings held on or after YYYY-MM-DD (the source's own date).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Briefings held on or before YYYY-MM-DD (the source's own date).")
    ] = None,
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
    a question (with its outlet) and its answer (with the spokesperson). Each is shown with the day it
    was held (in the source's time zone), its source, id, outlet and spokesperson, then the start of its
    question and answer; `readout show DOC_ID --turns` prints a whole briefing. Labels the speakers file
    does not know are kept as written and counted at the end.
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
        "since": start,
        "until": end + timedelta(days=1) if end else None,
        "spokesperson": spokesperson,
        "outlet": outlet,
        "kind": kind,
    }
    zones = source_zones(settings)
    filters["zones"] = zones
    with open_catalog(settings, read_only=True) as catalog:
        turns = catalog.list_turns(**filters, limit=limit)
        # Only a full page may have left some out: then say how many match in all.
        matching: tuple[int, int] | None = catalog.count_turns(**filters) if len(turns) == limit else None
        unknown = catalog.unknown_speaker_labels(sorted({turn.doc_id for turn in turns}))
    if as_json:
        rows = [turn_row(turn, zones.get(turn.source_id)) for turn in turns]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    for turn in turns:
        _print_turn(turn, zones.get(turn.source_id))
    if turns:
        console.print()
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


def _print_turn(turn: Turn, zone: tzinfo | None) -> None:
    """One turn in three lines at most: who and when, then the question and the answer cut to the width."""
    asked_by = turn.outlet_id or turn.outlet or turn.journalist or "?"
    answered_by = turn.spokesperson_id or turn.spokesperson or "?"
    who = f"announcement by {answered_by}" if turn.kind == "announcement" else f"{asked_by} → {answered_by}"
    head = Text.assemble(
        (local_day(turn.briefing_date, zone) or "(no date)", "bold"),
        f"  {turn.source_id}  ",
        (f"{turn.doc_id[:12]}:{turn.number}", "dim"),
        "  ",
        (who, "cyan"),
    )
    console.print(head, no_wrap=True, overflow="ellipsis")
    for mark, text in (("Q", turn.question), ("A" if turn.kind == "exchange" else " ", turn.answer)):
        if text:
            console.print(Text(f"  {mark}  " + " ".join(text.split())), no_wrap=True, overflow="ellipsis")


def print_turn_hits(hits: Sequence[TurnHit], zones: dict[str, tzinfo]) -> None:
    """Search hits on exchanges (``readout search --turns``, the demo), one block each: who and when on one
    line (the day where the briefing was held), then the question and answer snippets, matches highlighted."""
    for hit in hits:
        moment = datetime.fromisoformat(hit.date) if hit.date else None
        asked_by, answered_by = hit.outlet or "?", hit.spokesperson or "?"
        who = f"announcement by {answered_by}" if hit.kind == "announcement" else f"{asked_by} → {answered_by}"
        short_id = short_turn_id(hit.turn_id)
        console.print()
        console.print(
            Text.assemble(
                (local_day(moment, zones.get(hit.source)) or "(no date)", "bold"),
                f"  {hit.ministry}  {hit.source}  ",
                (short_id, "dim"),
                "  ",
                (who, "cyan"),
                (f"  reported by {hit.coverage_count} news item(s)" if hit.coverage_count else "", "green"),
                ("  missing from the other language" if hit.missing_in_twin else "", "yellow"),
            ),
            no_wrap=True,
            overflow="ellipsis",
        )
        for mark, snippet in (("Q", hit.question), ("A" if hit.kind == "exchange" else " ", hit.answer)):
            if snippet:
                line = Text(f"  {mark}  ", style="bold")
                line.append_text(marked(" ".join(snippet.split())))
                console.print(line)
    console.print()
