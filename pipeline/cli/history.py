"""``readout history DOC_ID``: a document's versions with what changed in each (:mod:`pipeline.store.history`).

``--json`` is a stable interface: see :func:`version_json`.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from pipeline.cli.common import app, console, fail, iso, open_catalog, options
from pipeline.enrich.diff import spaced, word_segments
from pipeline.enrich.exchanges import BRIEFING, exchange_hash

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pipeline.config import Settings
    from pipeline.store.history import TurnState, VersionView
    from pipeline.store.schema import Document, DocumentVersion

#: How each kind of line of the plain output is marked and coloured.
_REMOVED, _ADDED, _CHANGED = ("-", "red"), ("+", "green"), ("~", "yellow")
_WORDS = {"-": "red", "+": "bold green"}


def version_json(view: VersionView) -> dict[str, Any]:
    """One version in ``readout history --json``: ``version``, ``fetched_at``, ``content_hash``, ``cosmetic``
    (only formatting changed: not an edit), ``computed`` (its diff was computed now from the stored texts: a
    version stored before diffs were written) and ``diff`` (None for the first version): ``added`` and
    ``removed`` paragraphs, ``changed`` ones (``before``, ``after``, ``words`` with the phrases ``added`` and
    ``removed``), ``title`` when it changed, ``reextracted`` (true when the version was extracted again from
    the same raw record: never an edit, stored as cosmetic), ``ignored`` (the furniture lines that differ:
    counters, tool bars, related links) and, for a briefing, ``exchanges_added``, ``exchanges_removed`` and
    ``exchanges_changed`` (``turn_id``, ``outlet``, ``summary``; a changed one also ``previous_turn_id``,
    ``parts`` and ``words``)."""
    return {
        "version": view.version,
        "fetched_at": iso(view.fetched_at),
        "content_hash": view.content_hash,
        "cosmetic": view.cosmetic,
        "computed": view.computed,
        "diff": view.diff,
    }


@app.command()
def history(
    doc_id: Annotated[str, typer.Argument(help="Document id (or a unique prefix of it).")],
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print a JSON list, one object per version: version, fetched_at, content_hash, cosmetic, computed "
            "and diff (added, removed, changed paragraphs; for a briefing exchanges_added, exchanges_removed, "
            "exchanges_changed).",
        ),
    ] = False,
) -> None:
    """Print a document's versions, oldest first, with what changed in each.

    Each version after the first shows the paragraphs removed (-), added (+) and changed (~, with the words
    removed and added inside them), and for a briefing the exchanges removed, added or changed ("the
    exchange with AFP on taiwan (...) was removed"). A version where only the formatting changed (whitespace,
    a view counter, a related-links box) is marked cosmetic: it is kept, but it is not an edit. Versions
    stored before diffs were written get theirs computed from the stored texts (marked computed; a
    briefing's exchanges are then segmented again from those texts). See docs/history.md.
    """
    settings = options.settings()
    with open_catalog(settings, read_only=True) as catalog:
        document = catalog.document(doc_id)
        if document is None:
            raise fail(f"no document with id {doc_id!r} (or the prefix is not unique)", code=1)
        segmented = _segmenter(settings, document) if document.source_kind == BRIEFING else None
        views = catalog.history(document.doc_id, exchanges=segmented)
    if as_json:
        sys.stdout.write(json.dumps([version_json(view) for view in views], ensure_ascii=False) + "\n")
        return
    _print(document, views)


def _segmenter(settings: Settings, document: Document) -> Callable[[DocumentVersion], Sequence[TurnState]]:
    """Segments an old version's text into exchanges (no tags: summaries then name outlets, not topics)."""
    # Imported here: `readout search` on the embedded index must not load the catalog's modules (SQLAlchemy).
    from pipeline.enrich.speakers import speakers_for
    from pipeline.enrich.turns import segment
    from pipeline.store.history import TurnState

    speakers = speakers_for(settings)

    def exchanges(version: DocumentVersion) -> list[TurnState]:
        found = segment(
            version.text,
            title=version.title,
            language=document.language,
            ministry=document.source_country,
            speakers=speakers,
        )
        return [
            TurnState(
                key=exchange_hash(exchange),
                turn_id=None,
                kind=exchange.kind,
                outlet=exchange.questioner[0],
                outlet_id=exchange.questioner[1],
                question=exchange.question,
                answer=exchange.answer,
            )
            for exchange in found.exchanges
        ]

    return exchanges


def _print(document: Document, views: list[VersionView]) -> None:
    console.rule(Text(document.title or "(no title)"))
    status = f"{document.doc_id}: {len(views)} version(s)"
    status += f", last edited {iso(document.edited_at)}" if document.edited_at else ", never edited"
    if document.removed_at:
        status += f", removed {iso(document.removed_at)}"
    console.print(Text(status))
    for view in views:
        console.print()
        head = Text(f"version {view.version}", style="bold")
        head.append(f"  fetched {iso(view.fetched_at)}  hash {view.content_hash[:12]}")
        if view.diff is None:
            head.append("  (first)", style="dim")
        elif view.diff.get("reextracted"):
            head.append("  re-extracted: the same raw page read again (not an edit)", style="dim")
        elif view.cosmetic:
            head.append("  cosmetic: only the formatting changed", style="dim")
        else:
            head.append("  edited", style="yellow")
        if view.computed:
            head.append("  (diff computed now)", style="dim")
        console.print(head)
        if view.diff is not None:
            _print_diff(view.diff)


def _print_diff(diff: dict[str, Any]) -> None:
    title = diff.get("title")
    if title:
        _line(_REMOVED, f"title: {title['before'] or ''}")
        _line(_ADDED, f"title: {title['after'] or ''}")
    for key, mark in (("exchanges_removed", _REMOVED), ("exchanges_added", _ADDED), ("exchanges_changed", _CHANGED)):
        for entry in diff.get(key) or []:
            _line(mark, entry["summary"] + (f"  [{entry['turn_id']}]" if entry.get("turn_id") else ""))
    for paragraph in diff.get("removed") or []:
        _line(_REMOVED, paragraph)
    for paragraph in diff.get("added") or []:
        _line(_ADDED, paragraph)
    for change in diff.get("changed") or []:
        text = Text("  ~ ", style="yellow")
        for op, part in word_segments(spaced(change["before"]), spaced(change["after"])):
            # Marked as `git diff --word-diff=plain` does, so that it reads without colours too.
            words = part.lstrip()
            if op == "=":
                text.append(part)
            else:
                text.append(part[: len(part) - len(words)])
                text.append(f"[-{words}-]" if op == "-" else f"{{+{words}+}}", style=_WORDS[op])
        console.print(text)
    ignored = diff.get("ignored") or {}
    lines = [*(ignored.get("removed") or []), *(ignored.get("added") or [])]
    if lines:
        console.print(Text(f"  ignored (page furniture): {'; '.join(lines)}", style="dim"))


def _line(mark: tuple[str, str], words: str) -> None:
    console.print(Text(f"  {mark[0]} {words}", style=mark[1]))
