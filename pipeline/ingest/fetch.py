"""Fetch, archive and extract one item."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from pipeline.archive import WarcFile
from pipeline.config import Source
from pipeline.errors import (
    ArchiveError,
    ExtractionError,
    FetchError,
    HTTPStatusError,
    InternalError,
)
from pipeline.extract import extract
from pipeline.fetch.client import HttpClient
from pipeline.ingest.outcomes import ItemResult
from pipeline.models import DiscoveredItem
from pipeline.store.frontier import KnownItem

log = logging.getLogger(__name__)


def fetch_item(
    source: Source, item: DiscoveredItem, known: KnownItem | None, client: HttpClient, *, warc: WarcFile | None
) -> ItemResult:
    """Fetch one item (conditionally when we have it), archive the response and extract its text.

    Never raises: whatever goes wrong, even a bug, becomes a failed :class:`ItemResult` for this item.
    """
    try:
        return _fetch_item(source, item, known, client, warc=warc)
    except Exception as exc:  # a bug must cost this item only
        log.exception("[%s] internal error on %s", source.id, item.url)
        return ItemResult(item, "failed", error=InternalError(f"internal error: {exc!r}"), stage="internal")


def _fetch_item(
    source: Source, item: DiscoveredItem, known: KnownItem | None, client: HttpClient, *, warc: WarcFile | None
) -> ItemResult:
    try:
        response = client.get(
            item.url,
            max_bytes=client.settings.page_max_bytes,
            etag=known.etag if known else None,
            last_modified=known.last_modified if known else None,
            min_delay=source.min_delay,
            accept="text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
        )
    except HTTPStatusError as exc:
        if exc.status in (404, 410) and known is not None:
            return ItemResult(item, "removed", error=exc)
        return ItemResult(item, "failed", error=exc)
    except FetchError as exc:
        return ItemResult(item, "failed", error=exc)
    try:
        archive = warc.write(response) if warc is not None else None
    except ArchiveError as exc:
        # Without its raw record a document could not be re-extracted or audited: try again next run.
        return ItemResult(item, "failed", response=response, error=exc, stage="archive")
    if response.not_modified:
        return ItemResult(item, "not_modified", response=response, archive=archive)
    if any(re.search(pattern, response.final_url) for pattern in source.extract.removed_url_patterns):
        gone = HTTPStatusError(
            f"the site answers with a 'deleted page' ({response.final_url})", url=item.url, status=410
        )
        return ItemResult(item, "removed" if known else "failed", response=response, archive=archive, error=gone)
    try:
        document = extract(
            response.body,
            url=response.final_url,
            content_type=response.header("content-type"),
            source=source,
            listing_date=item.published_at,
        )
    except ExtractionError as exc:
        return ItemResult(item, "failed", response=response, archive=archive, error=exc, stage="extract")
    if document.title is None and item.title:
        document = replace(document, title=item.title)
    return ItemResult(item, "new", response=response, archive=archive, document=document, stage="extract")
