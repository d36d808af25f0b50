"""The ``readout`` command: run ingest cycles and backfills, and look at what the catalog holds.

One module per command group; importing them registers their commands on :data:`app`.
"""

from __future__ import annotations

import inspect
import re

from typer.models import CommandInfo

from pipeline.cli import archive, catalog, coverage, history, indexing, running, setup, tagging, turns
from pipeline.cli.common import app

__all__ = ["app", "main"]

_COMMAND_GROUPS = (running, catalog, history, turns, coverage, indexing, tagging, setup, archive)
#: The order of ``readout --help``: the main job first, then looking, searching, tagging, setting up
#: (the modules import each other, so their import order is not this one).
_HELP_ORDER = (
    "run",
    "backfill",
    "demo",
    "sources",
    "list",
    "show",
    "history",
    "turns",
    "coverage",
    "failures",
    "archive-check",
    "search",
    "index",
    "reindex",
    "tag",
    "retag",
    "check",
    "kibana-setup",
    "airflow-pools",
)


def _command_name(info: CommandInfo) -> str:
    if info.name:
        return info.name
    return getattr(info.callback, "__name__", "").replace("_", "-")


app.registered_commands.sort(
    key=lambda info: _HELP_ORDER.index(name) if (name := _command_name(info)) in _HELP_ORDER else len(_HELP_ORDER)
)


def _reflowed(doc: str) -> str:
    """A docstring with each paragraph on one line: Typer's rich help keeps the source's line breaks, which
    then break again at the terminal's width. Lines that start a list item keep their own line."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", inspect.cleandoc(doc)):
        lines = paragraph.splitlines()
        merged: list[str] = []
        for line in lines:
            if merged and not re.match(r"\s*([-*•]|\d+\.)\s", line):
                merged[-1] += " " + line.strip()
            else:
                merged.append(line.rstrip())
        paragraphs.append("\n".join(merged))
    return "\n\n".join(paragraphs)


for _info in app.registered_commands:
    _doc = _info.help or (_info.callback.__doc__ if _info.callback else None)
    if _doc:
        _info.help = _reflowed(_doc)


def main() -> None:
    """Console-script entry point."""
    app()
