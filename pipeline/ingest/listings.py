"""Pages dropped from a listing: what each listing page showed last time, compared with what it shows now.

A listing page's items (canonical URLs, in order) are remembered after every read that parsed it, in
``<data dir>/listings/<source id>.json``: the catalog has no table for them, and losing the file costs one
comparison, nothing else (the next read starts a new memory). A page read again is compared with its last
read by :func:`pipeline.recheck.dropped_from_listing`: an item gone from between two items the page still
shows, and listed nowhere else this run, is marked removed with ``dropped-from-listing`` evidence; a removed
item that a listing shows again is back. Nothing is judged when the source's discovery failed anywhere
this run (an item may have moved to the page that could not be read).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from pipeline import clock
from pipeline.config import Source
from pipeline.ingest.outcomes import DiscoveryOutcome, SourceReport
from pipeline.recheck import dropped_from_listing, evidence
from pipeline.store.catalog import Catalog

log = logging.getLogger(__name__)

#: The file format's version, so that a later change can tell old memories apart.
_FORMAT = 1


def memory_file(directory: Path, source_id: str) -> Path:
    """Where a source's listing pages are remembered."""
    return directory / f"{source_id}.json"


def load_memory(path: Path) -> dict[str, list[str]]:
    """Listing page URL → its items at its last read; empty when there is none or it cannot be read (a
    damaged memory only costs one comparison)."""
    try:
        raw: Any = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("cannot read the listing memory %s (%s); starting a new one", path, exc)
        return {}
    pages = raw.get("pages") if isinstance(raw, dict) and raw.get("format") == _FORMAT else None
    if not isinstance(pages, dict):
        return {}
    return {url: [str(item) for item in items] for url, items in pages.items() if isinstance(items, list)}


def save_memory(path: Path, pages: dict[str, list[str]]) -> None:
    """Write the memory atomically (a crash leaves the old one or the new one, never half of one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"format": _FORMAT, "pages": pages}, out, ensure_ascii=False, sort_keys=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def record_listings(
    catalog: Catalog, source: Source, report: SourceReport, outcome: DiscoveryOutcome, run_id: str, directory: Path
) -> None:
    """Compare the listing pages discovery read with their last read: mark the items they dropped while
    still showing their neighbours as removed, clear the removal of the items listed again, remember the
    pages. Counted into ``report`` (``counts.removed`` and the re-check summary)."""
    if source.discovery.method != "listing":
        return
    path = memory_file(directory, source.id)
    memory = load_memory(path)
    listed = {item for items in outcome.pages.values() for item in items}
    # A page that answered 304 still shows what it showed: its items are listed too.
    for response in outcome.responses:
        if response.not_modified:
            listed.update(memory.get(response.url, []))
    back = catalog.listed_again(source.id, listed, run_id=run_id)
    report.rechecks.back += len(back)
    if not outcome.failures:
        now = clock.now()
        for page, items in outcome.pages.items():
            dropped = dropped_from_listing(memory.get(page, []), items, listed)
            if not dropped:
                continue
            found = evidence(
                "dropped-from-listing",
                url=page,
                at=now,
                status=200,
                detail="the listing page still shows the items before and after it",
            )
            marked = catalog.mark_dropped(source.id, dropped, found, when=now, run_id=run_id)
            for url in marked:
                log.info("[%s] %s was dropped from the listing %s while its neighbours stay", source.id, url, page)
            report.counts.removed += len(marked)
            report.rechecks.removed += len(marked)
    if outcome.pages:
        save_memory(path, memory | outcome.pages)
