"""Discovery parsers: feeds, HTML listing pages and sitemaps, each a pure function from bytes to items.

Fetching is done elsewhere; these functions only read what was fetched, and never raise on bad input:
problems are reported in :attr:`ParsedListing.error <pipeline.models.ParsedListing.error>` and
``warnings``.
"""

from __future__ import annotations

from pipeline.config import Source
from pipeline.models import ParsedListing
from pipeline.sources.feed import parse_feed
from pipeline.sources.listing import listing_page_url, parse_listing
from pipeline.sources.sitemap import parse_sitemap


def parse_discovery(
    body: bytes, *, url: str, source: Source, content_type: str | None = None, page_number: int = 0
) -> ParsedListing:
    """Parse a discovery document with the parser for ``source.discovery.method``.

    ``content_type`` is used by feeds, ``page_number`` by listing pages; each is ignored by the others.
    """
    method = source.discovery.method
    if method == "feed":
        return parse_feed(body, url=url, source=source, content_type=content_type)
    if method == "listing":
        return parse_listing(body, url=url, source=source, page_number=page_number)
    return parse_sitemap(body, url=url, source=source)


__all__ = ["listing_page_url", "parse_discovery", "parse_feed", "parse_listing", "parse_sitemap"]
