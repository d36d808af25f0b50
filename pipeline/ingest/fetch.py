"""Fetch, archive and extract one item.

:func:`fetch_item` does all three on the calling thread. A run splits it in two: :func:`fetch_page`
(network and archive, on a source's thread) and :func:`extract_document` (CPU, in a worker process).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from pipeline.archive import WarcFile
from pipeline.config import Source
from pipeline.errors import (
    ArchiveError,
    ExtractionError,
    FetchError,
    HTTPStatusError,
    InternalError,
)
from pipeline.fetch.client import HttpClient
from pipeline.ingest.outcomes import ItemResult
from pipeline.models import ArchiveRef, DiscoveredItem, ExtractedDocument, FetchedResponse, ItemStatus
from pipeline.recheck import redirected_to_index
from pipeline.store.frontier import KnownItem

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Fetched:
    """A page fetched and archived, its text still to be extracted."""

    item: DiscoveredItem
    response: FetchedResponse
    archive: ArchiveRef | None


def fetch_item(
    source: Source, item: DiscoveredItem, known: KnownItem | None, client: HttpClient, *, warc: WarcFile | None
) -> ItemResult:
    """Fetch one item (conditionally when we have it), archive the response and extract its text.

    Never raises: whatever goes wrong, even a bug, becomes a failed :class:`ItemResult` for this item.
    """
    try:
        fetched = fetch_page(source, item, known, client, warc=warc)
        if isinstance(fetched, ItemResult):
            return fetched
        try:
            document = extract_document(source, fetched.item, fetched.response)
        except ExtractionError as exc:
            return extraction_failed(fetched, exc)
        return ItemResult(
            item, "new", response=fetched.response, archive=fetched.archive, document=document, stage="extract"
        )
    except Exception as exc:  # a bug must cost this item only
        log.exception("[%s] internal error on %s", source.id, item.url)
        return internal_error(item, repr(exc))


def internal_error(item: DiscoveredItem, what: str) -> ItemResult:
    """The failed result of an item a bug (described by ``what``) stopped; it is retried by later runs."""
    return ItemResult(item, "failed", error=InternalError(f"internal error: {what}"), stage="internal")


def extraction_failed(fetched: Fetched, error: ExtractionError) -> ItemResult:
    """The failed result of a page with no usable text."""
    return ItemResult(
        fetched.item, "failed", response=fetched.response, archive=fetched.archive, error=error, stage="extract"
    )


def fetch_page(
    source: Source, item: DiscoveredItem, known: KnownItem | None, client: HttpClient, *, warc: WarcFile | None
) -> ItemResult | Fetched:
    """Fetch one item and archive the response: the item's final result when there is nothing to extract
    (a failure, a 304, a removed page), else the :class:`Fetched` page. Raises only on a bug."""
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
            found = {"kind": "gone", "status": exc.status, "url": item.url, "detail": f"the page answers {exc.status}"}
            return ItemResult(item, "removed", error=exc, evidence=found)
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
    removal = _removal(source, item, response)
    if removal is not None:
        gone = HTTPStatusError(removal["detail"], url=item.url, status=410)
        status: ItemStatus = "removed" if known else "failed"
        return ItemResult(item, status, response=response, archive=archive, error=gone, evidence=removal)
    return Fetched(item, response, archive)


def _removal(source: Source, item: DiscoveredItem, response: FetchedResponse) -> dict[str, Any] | None:
    """The evidence that a page that answered was removed all the same, or None: the site's "deleted page"
    (its final URL matches the source's ``removed_url_patterns``) or a redirect to its section's index."""
    final = response.final_url
    if any(re.search(pattern, final) for pattern in source.extract.removed_url_patterns):
        detail = f"the site answers with a 'deleted page' ({final})"
        return {"kind": "deleted-page", "status": response.status, "url": final, "detail": detail}
    if redirected_to_index(item.url, final, source.discovery.urls):
        detail = f"the page redirects to its section's index ({final})"
        return {"kind": "redirect-to-index", "status": response.status, "url": final, "detail": detail}
    return None


def extract_document(source: Source, item: DiscoveredItem, response: FetchedResponse) -> ExtractedDocument:
    """The page's text and metadata (the listing's title when the page has none); raises ExtractionError."""
    # Imported here: trafilatura costs about a second to import, and a run that finds nothing new (or
    # hands its pages to the worker processes) never extracts in this process.
    from pipeline.extract import extract

    document = extract(
        response.body,
        url=response.final_url,
        content_type=response.header("content-type"),
        source=source,
        listing_date=item.published_at,
    )
    if document.title is None and item.title:
        document = replace(document, title=item.title)
    return document
