"""The ``readout`` command: run ingest cycles and backfills, and look at what the catalog holds.

One module per command group; importing them registers their commands on :data:`app`.
"""

from __future__ import annotations

from typer.models import CommandInfo

from pipeline.cli import catalog, indexing, running, setup, tagging
from pipeline.cli.common import app

__all__ = ["app", "main"]

_COMMAND_GROUPS = (running, catalog, indexing, tagging, setup)
#: The order of ``readout --help``: the main job first, then looking, searching, tagging, setting up
#: (the modules import each other, so their import order is not this one).
_HELP_ORDER = (
    "run",
    "backfill",
    "demo",
    "sources",
    "list",
    "show",
    "failures",
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


def main() -> None:
    """Console-script entry point."""
    app()
