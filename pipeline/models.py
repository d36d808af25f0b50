"""The data passed between stages: one small dataclass per stage's output."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

#: What happened to one discovered item in a run.
ItemStatus = Literal["new", "updated", "unchanged", "not_modified", "removed", "skipped", "failed"]


@dataclass(frozen=True, slots=True)
class DiscoveredItem:
    """A candidate item URL found in a feed, listing page or sitemap, with what the listing says of it."""

    url: str
    source_id: str
    title: str | None = None
    published_at: datetime | None = None
    #: When the listing says the item last changed (feed ``updated``, sitemap ``lastmod``).
    updated_at: datetime | None = None
    #: The feed, listing page or sitemap the item was found on.
    found_on: str | None = None


@dataclass(slots=True)
class ParsedListing:
    """What one feed, listing page or sitemap yielded. Parsers never raise: problems go in ``error``."""

    items: list[DiscoveredItem] = field(default_factory=list)
    #: Further pages to read: the next listing page, or child sitemaps of a sitemap index.
    more_urls: list[str] = field(default_factory=list)
    #: Why nothing (or not everything) could be read; ``None`` when the document was fine.
    error: str | None = None
    #: Non-fatal oddities (a feed that is "bozo" but still has entries).
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FetchedResponse:
    """A complete HTTP response as the guarded client received it (body already decompressed)."""

    url: str
    final_url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    fetched_at: datetime
    #: The address actually connected to.
    peer: str | None = None
    redirects: tuple[str, ...] = ()
    #: The headers we sent, for the WARC request record.
    request_headers: tuple[tuple[str, str], ...] = ()

    def header(self, name: str) -> str | None:
        """First value of a header, case-insensitively."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True, slots=True)
class ArchiveRef:
    """Where a response's WARC record lies: the file (path or fsspec URL), byte offset and length."""

    file: str
    offset: int
    length: int


@dataclass(frozen=True, slots=True)
class ExtractedDocument:
    """Clean text and metadata extracted from one page."""

    title: str | None
    text: str
    published_at: datetime | None
    #: Which evidence gave the date: "page", "htmldate", "listing", "url", "rule" or None.
    date_source: str | None
    authors: tuple[str, ...]
    language: str | None
    #: The encoding the page was decoded with.
    encoding: str
    extractor_version: str
    warnings: tuple[str, ...] = ()
