"""Commands that check and prepare a deployment: ``check`` and ``airflow-pools``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pipeline.cli.common import (
    all_sources,
    app,
    console,
    err,
    load,
    options,
)
from pipeline.cli.tagging import enricher_for, missing_rules, print_rules
from pipeline.config import Settings


@app.command()
def check() -> None:
    """Validate the sources file, the tagging rules (topics, countries), the speakers file and the catalog URL,
    and show the effective settings."""
    from pipeline.store.access import catalog_url_problem

    settings = options.settings()
    configured = all_sources(settings)
    console.print(f"[green]ok[/]: {len(configured)} source(s) in {settings.sources}")
    enricher = enricher_for(settings, strict=False)
    for problem in enricher.problems:
        err.print(f"[bold red]error:[/] {problem}")
    if enricher.problems:
        raise typer.Exit(2)
    print_rules(settings, enricher)
    speakers = _check_speakers(settings)
    if speakers == 2:
        raise typer.Exit(2)
    missing = missing_rules(settings) or speakers == 1
    bad_url = catalog_url_problem(settings.effective_catalog_url)
    if bad_url:
        err.print(f"[bold red]error:[/] the catalog URL (READOUT_CATALOG_URL or --catalog-url): {bad_url}")
    if missing or bad_url:
        raise typer.Exit(1)
    for key in (
        "data_dir",
        "effective_catalog_url",
        "effective_archive_url",
        "effective_user_agent",
        "min_delay",
        "allow_private_hosts",
    ):
        value = getattr(settings, key)
        if key == "effective_catalog_url":
            from sqlalchemy.engine import make_url

            # The URL may carry a password: print it as SQLAlchemy does in its own logs.
            value = make_url(value).render_as_string(hide_password=True)
        console.print(f"  {key.removeprefix('effective_')}: {value}")


def _check_speakers(settings: Settings) -> int:
    """Validate the speakers file of the briefing segmenter and say what it holds: 0 when it is fine or turned
    off, 1 when it is missing, 2 when it has broken entries (each printed with its file, entry and field)."""
    from pipeline.enrich.speakers import read_speakers
    from pipeline.errors import ConfigError

    path = settings.speakers
    if path is None:
        console.print("[yellow]off[/]: speaker and outlet names are kept as written (READOUT_SPEAKERS=none)")
        return 0
    if not path.is_file():
        err.print(
            f"[bold red]error:[/] the speakers file {path} does not exist (READOUT_SPEAKERS): briefing turns keep "
            "their labels as written; set READOUT_SPEAKERS to the file, or to 'none'",
            soft_wrap=True,
        )
        return 1
    try:
        directory, problems = read_speakers(path)
    except ConfigError as exc:
        directory, problems = None, [exc]
    for problem in problems:
        # Escaped: the messages quote patterns such as "[a-z0-9-]", which are not markup.
        err.print(f"[bold red]error:[/] {escape(str(problem))}")
    if directory is None or problems:
        return 2
    console.print(f"[green]ok[/]: {len(directory.speakers)} speaker(s), {len(directory.outlets)} outlet(s) in {path}")
    return 0


@app.command("airflow-pools")
def airflow_pools(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Write the Airflow pools (one slot per source host) as JSON for `airflow pools import FILE`."""
    from pipeline.tasks import pools_spec

    settings = options.settings()
    loaded = load(settings, None)
    text = json.dumps(pools_spec(loaded.sources), indent=2, sort_keys=True) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, "utf-8")
    err.print(f"{len(json.loads(text))} pool(s) written to {output}; load them with `airflow pools import {output}`.")
