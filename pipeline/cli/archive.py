"""The ``archive-check`` command: is every raw record whole, and does every document's pointer read back?"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline.cli.common import ExitCode, app, console, err, escape, open_catalog, options


@dataclass
class _Findings:
    """What the check found, in the shape of ``--json``."""

    root: str
    files_checked: int = 0
    records: int = 0
    damaged_files: list[dict[str, Any]] = field(default_factory=list)
    pointers_checked: int = 0
    broken_pointers: list[dict[str, Any]] = field(default_factory=list)
    queued_for_refetch: int = 0

    @property
    def clean(self) -> bool:
        return not self.damaged_files and not self.broken_pointers


@app.command("archive-check")
def archive_check(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only the documents of this source id (repeatable).")
    ] = None,
    pointers: Annotated[
        bool, typer.Option("--pointers/--no-pointers", help="Also read back every document's record by its pointer.")
    ] = True,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair", help="Queue the documents whose record does not read back to be fetched again by the next run."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check the raw archive: every WARC file read strictly (a torn or damaged tail is found), and every
    document's pointer read back.

    Exits 0 when everything reads back, 5 when something is damaged. With --repair, documents whose record
    is unreadable lose the broken pointer (their versions keep theirs) and are fetched again in full by the
    next `readout run`, which gives them a readable record. Damaged files are reported, never changed.
    """
    from pipeline.archive import check_archive, read_response
    from pipeline.errors import ArchiveError, ReadoutError

    settings = options.settings()
    root = settings.effective_archive_url
    findings = _Findings(root=root)
    progress = Progress(
        TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
    )
    with progress:
        files = progress.add_task("archive files", total=None)
        try:
            for check in check_archive(root):
                findings.files_checked += 1
                findings.records += check.records
                if not check.ok:
                    findings.damaged_files.append(asdict(check))
                progress.advance(files)
        except ReadoutError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}")
            raise typer.Exit(ExitCode.ARCHIVE) from None
        if pointers:
            with open_catalog(settings, read_only=not repair, missing_ok=True) as catalog:
                if catalog is not None:
                    task = progress.add_task("document records", total=None)
                    for batch in catalog.archive_pointers(source_ids=source or ()):
                        for doc_id, source_id, url, ref in batch:
                            findings.pointers_checked += 1
                            try:
                                read_response(root, ref)
                            except ArchiveError as exc:
                                findings.broken_pointers.append(
                                    {"doc_id": doc_id, "source": source_id, "url": url, "problem": str(exc)}
                                )
                            progress.advance(task)
                    if repair and findings.broken_pointers:
                        findings.queued_for_refetch = catalog.refetch_documents(
                            [broken["doc_id"] for broken in findings.broken_pointers]
                        )
    if as_json:
        sys.stdout.write(json.dumps({**asdict(findings), "clean": findings.clean}, ensure_ascii=False, indent=2) + "\n")
    else:
        _print(findings, pointers=pointers)
    if not findings.clean:
        raise typer.Exit(ExitCode.ARCHIVE)


def _print(findings: _Findings, *, pointers: bool) -> None:
    console.print(
        f"Archive {escape(findings.root)}: {findings.files_checked} file(s), {findings.records} whole record(s)"
        + (f"; {findings.pointers_checked} document pointer(s) read back" if pointers else "")
        + "."
    )
    if findings.damaged_files:
        table = Table(title=f"{len(findings.damaged_files)} damaged file(s)", title_justify="left")
        for column in ("file", "whole records", "good up to byte", "problem"):
            table.add_column(column, overflow="fold")
        for damaged in findings.damaged_files:
            table.add_row(damaged["file"], str(damaged["records"]), str(damaged["good_offset"]), damaged["problem"])
        console.print(table)
    if findings.broken_pointers:
        table = Table(title=f"{len(findings.broken_pointers)} document(s) whose record does not read back")
        for column in ("document", "source", "problem"):
            table.add_column(column, overflow="fold")
        for broken in findings.broken_pointers[:50]:
            table.add_row(broken["doc_id"][:12], broken["source"], broken["problem"])
        console.print(table)
        if findings.queued_for_refetch:
            console.print(
                f"{findings.queued_for_refetch} document(s) queued: the next `readout run` fetches them again."
            )
        else:
            console.print("Run `readout archive-check --repair` to have the next run fetch them again.")
    if findings.clean:
        console.print("[green]ok[/]: every record is whole" + (" and every pointer reads back." if pointers else "."))
