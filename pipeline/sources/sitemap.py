"""Sitemaps (sitemaps.org ``urlset`` and ``sitemapindex``, Google News sitemaps, plain-text sitemaps,
optionally gzip-compressed) → discovered items and child sitemaps.

Sitemaps are XML from the open internet, so the XML parser resolves no entities, loads no DTD, fetches
nothing and keeps libxml2's size limits; a gzip body is inflated under a hard cap.
"""

from __future__ import annotations

import codecs
import zlib
from datetime import datetime, tzinfo

import lxml.etree

from pipeline.config import MIB, Source
from pipeline.dates import parse_date_text
from pipeline.models import ParsedListing
from pipeline.sources.common import (
    ItemCollector,
    UrlFilter,
    defuse_charrefs,
    describe_exception,
    looks_like_html,
    never_raise,
    resolve_url,
    safe_canonical,
)
from pipeline.sources.feed import parse_feed

#: Most bytes a gzip-compressed sitemap may inflate to (the protocol's own limit is 50 MB uncompressed).
MAX_DECOMPRESSED_BYTES = 50 * MIB

_GZIP_MAGIC = b"\x1f\x8b"
_FEED_ROOTS = frozenset({"rss", "feed", "RDF"})
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@never_raise("sitemap")
def parse_sitemap(body: bytes, *, url: str, source: Source) -> ParsedListing:
    """Read a sitemap: a ``urlset`` gives items, a ``sitemapindex`` gives child sitemaps in ``more_urls``.

    Items carry ``<loc>``, ``<lastmod>`` (as ``updated_at``) and, from a Google News sitemap,
    ``news:publication_date`` (``published_at``) and ``news:title``; image and video extensions are
    ignored. Items are filtered by the source's ``link_pattern``/``exclude_pattern`` and deduplicated by
    canonical URL. Child sitemaps are ordered most recent ``lastmod`` first (those without one last, in
    document order) and cut to ``discovery.max_sitemaps``. Gzip bodies are inflated up to
    :data:`MAX_DECOMPRESSED_BYTES`; a plain-text sitemap (one URL per line) is accepted too, and an
    RSS/Atom feed used as a sitemap is read as a feed.

    Never raises: an empty, HTML, non-sitemap or over-large body gives ``error``; malformed XML gives
    what could be recovered and a warning, or ``error`` when nothing could be.
    """
    if not body or not body.strip():
        return ParsedListing(error="empty body: no sitemap to parse")
    warnings: list[str] = []
    if body.startswith(_GZIP_MAGIC):
        inflated, problem = _gunzip(body, MAX_DECOMPRESSED_BYTES)
        if inflated is None:
            return ParsedListing(error=problem)
        if problem:
            warnings.append(problem)
        body = inflated
        if not body.strip():
            return ParsedListing(error="empty sitemap: the gzip stream holds no data", warnings=warnings)
    if looks_like_html(body):
        return ParsedListing(error="not a sitemap (looks like HTML)", warnings=warnings)

    head = body.lstrip(codecs.BOM_UTF8).lstrip()
    if head.startswith(b"<") or body.startswith(_UTF16_BOMS):
        result = _parse_xml(defuse_charrefs(body), url, source)
    else:
        result = _parse_text(body, url, source)
    result.warnings[:0] = warnings
    return result


def _gunzip(data: bytes, cap: int) -> tuple[bytes | None, str | None]:
    """Inflate gzip ``data`` (all members) to at most ``cap`` bytes.

    Returns ``(bytes, None)``, ``(bytes, warning)`` for a truncated or corrupt stream whose start could be
    read, or ``(None, error)``. Output is requested in bounded steps, so a bomb costs at most ``cap``.
    """
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    out = bytearray()
    pending = data
    while True:
        limit = cap + 1 - len(out)  # always >= 1: 0 would mean "no limit" to zlib
        try:
            chunk = inflater.decompress(pending, limit)
        except zlib.error as exc:
            if out:
                return bytes(out), f"gzip stream is corrupt after {len(out)} bytes ({exc}); read what came before"
            return None, f"not a sitemap: the body starts like gzip but is not a valid gzip stream ({exc})"
        out += chunk
        if len(out) > cap:
            return None, (
                f"gzip body inflates to more than {cap // MIB} MiB (a decompression bomb or an oversized sitemap); "
                "refused"
            )
        if inflater.eof:
            rest = inflater.unused_data
            if rest.startswith(_GZIP_MAGIC):
                # Concatenated gzip members are one valid gzip file.
                inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                pending = rest
                continue
            return bytes(out), None
        pending = inflater.unconsumed_tail
        if not pending and len(chunk) < limit:
            if not out:
                return None, "not a sitemap: the body starts like gzip but the stream ends before any data"
            return bytes(out), f"gzip stream is truncated after {len(out)} bytes; read what it held"


def _localname(element: lxml.etree._Element) -> str | None:
    """Tag name without namespace; ``None`` for comments, processing instructions and entities.

    Namespaces are not checked on purpose: many sitemaps omit or misspell the sitemaps.org namespace.
    """
    try:
        tag = element.tag
    except ValueError:  # recover mode can keep bytes that are not UTF-8 in a tag or namespace
        return None
    if not isinstance(tag, str):
        return None
    return tag.rpartition("}")[2]


def _child(element: lxml.etree._Element, name: str) -> lxml.etree._Element | None:
    """The first direct child named ``name`` (so ``url/loc``, never ``url/image:image/image:loc``)."""
    for child in element:
        if _localname(child) == name:
            return child
    return None


def _child_text(element: lxml.etree._Element, name: str) -> str | None:
    child = _child(element, name)
    if child is None:
        return None
    try:
        raw = child.text
    except ValueError:  # undecodable bytes kept by recover mode
        return None
    if raw is None:
        # An unexpanded entity reference leaves no text: such a value is simply absent.
        return None
    text = raw.strip()
    return text or None


def _date(text: str | None, tz: tzinfo) -> datetime | None:
    return parse_date_text(text, tz) if text else None


def _parse_xml(body: bytes, url: str, source: Source) -> ParsedListing:
    parser = lxml.etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        recover=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = lxml.etree.fromstring(body, parser)
    except (ValueError, lxml.etree.LxmlError) as exc:
        return ParsedListing(error=f"not a sitemap: the XML could not be parsed ({describe_exception(exc)})")
    problems = [entry for entry in parser.error_log if entry.level >= lxml.etree.ErrorLevels.ERROR]
    first_problem = f"{problems[0].message.strip()} at line {problems[0].line}" if problems else ""
    if root is None:
        detail = f" ({first_problem})" if first_problem else ""
        return ParsedListing(error=f"not a sitemap: no XML element could be read{detail}")

    name = _localname(root)
    if name is None:
        return ParsedListing(error="not a sitemap: the root element's name cannot be read")
    if name in _FEED_ROOTS:
        # The sitemaps protocol accepts RSS and Atom feeds as sitemaps.
        return parse_feed(body, url=url, source=source)
    if name == "urlset":
        result = _parse_urlset(root, url, source)
    elif name == "sitemapindex":
        result = _parse_index(root, url, source)
    else:
        return ParsedListing(error=f"not a sitemap: the root element is <{name}>, not <urlset> or <sitemapindex>")
    if problems:
        read = len(result.items) or len(result.more_urls)
        if not read:
            # Nothing recovered from broken XML: a broken sitemap, not an empty one.
            return ParsedListing(error=f"sitemap XML is malformed ({first_problem}): no entry could be read")
        result.warnings.append(f"sitemap XML is malformed ({first_problem}); read {read} entries anyway")
    return result


def _parse_urlset(root: lxml.etree._Element, url: str, source: Source) -> ParsedListing:
    tz = source.tz
    url_filter = UrlFilter.for_source(source)
    collector = ItemCollector(source, url)
    for node in root:
        if _localname(node) != "url":
            continue
        loc = resolve_url(url, _child_text(node, "loc"))
        if loc is None or not url_filter.accepts(loc):
            continue
        title: str | None = None
        published_at: datetime | None = None
        news = _child(node, "news")
        if news is not None:
            title = _child_text(news, "title")
            published_at = _date(_child_text(news, "publication_date"), tz)
        collector.add(loc, title=title, published_at=published_at, updated_at=_date(_child_text(node, "lastmod"), tz))
    return ParsedListing(items=collector.items)


def _parse_index(root: lxml.etree._Element, url: str, source: Source) -> ParsedListing:
    tz = source.tz
    children: list[tuple[str, datetime | None]] = []
    seen: set[str] = set()
    for node in root:
        if _localname(node) != "sitemap":
            continue
        loc = resolve_url(url, _child_text(node, "loc"))
        key = safe_canonical(loc) if loc else None
        if loc is None or key is None or key in seen:
            continue
        seen.add(key)
        children.append((loc, _date(_child_text(node, "lastmod"), tz)))
    # Newest first so a capped run reads the sitemaps that change; sorted() is stable, so ties and
    # undated children keep document order, undated ones last.
    ordered = sorted(children, key=lambda child: (child[1] is None, -(child[1].timestamp() if child[1] else 0.0)))
    limit = source.discovery.max_sitemaps
    result = ParsedListing(more_urls=[loc for loc, _ in ordered[:limit]])
    if len(ordered) > limit:
        result.warnings.append(f"sitemap index lists {len(ordered)} sitemaps; kept the {limit} most recent")
    return result


def _parse_text(body: bytes, url: str, source: Source) -> ParsedListing:
    """A plain-text sitemap: one absolute http(s) URL per line, UTF-8."""
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff")
    url_filter = UrlFilter.for_source(source)
    collector = ItemCollector(source, url)
    skipped = 0
    valid = 0
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        loc = resolve_url(url, line) if line[:8].lower().startswith(("http://", "https://")) else None
        if loc is None or any(ch.isspace() for ch in line):
            skipped += 1
            continue
        valid += 1
        if url_filter.accepts(loc):
            collector.add(loc)
    if not valid:
        return ParsedListing(error="not a sitemap: neither XML nor a list of http(s) URLs, one per line")
    result = ParsedListing(items=collector.items)
    if skipped:
        result.warnings.append(f"{skipped} lines of the text sitemap were not http(s) URLs and were skipped")
    return result


__all__ = ["MAX_DECOMPRESSED_BYTES", "parse_sitemap"]
