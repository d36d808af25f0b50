"""RSS and Atom feeds (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, RDF) → discovered items, through feedparser.

feedparser only ever gets bytes wrapped in a file object: handed a ``str`` or ``bytes`` it would treat a
body that happens to read like a URL or a file name as one and fetch or open it.
"""

from __future__ import annotations

import codecs
import email.utils
import io
import re
import xml.sax
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

import feedparser
import feedparser.api
import lxml.etree
import lxml.html

from pipeline.config import Source
from pipeline.dates import parse_date_text, to_utc
from pipeline.models import ParsedListing
from pipeline.sources.common import (
    ItemCollector,
    UrlFilter,
    defuse_charrefs,
    describe_exception,
    looks_like_html,
    never_raise,
    normalise_title,
    parse_html,
    resolve_url,
)

# feedparser prefers the libxml2 SAX driver whenever the libxml2 bindings happen to be installed. Pin the
# stdlib expat driver: feedparser switches off external general entities on it, and expat refuses
# entity-expansion bombs. (feedparser also drops every non-trivial <!ENTITY> before parsing.)
feedparser.api.PREFERRED_XML_PARSERS = ["xml.sax.expatreader"]

#: Link types that point at a readable page rather than at media or another feed.
_PAGE_TYPES = frozenset({"", "text/html", "application/xhtml+xml"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
#: A date written without a zone; feedparser reads it as UTC, but it is the source's local time.
_NAIVE_ISO = re.compile(r"^\s*\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*$")
_LEAP_SECOND = re.compile(r"(\d{1,2}:\d{2}):60\b")
#: Byte-order marks of the encodings feedparser mishandles, longest first (UTF-32 LE starts like UTF-16 LE).
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*(["'])""")
#: feedparser's own pattern for the declared encoding, with the value captured as group 2.
_XML_PI_ENCODING = re.compile(rb"""^(<\?.*encoding=['"])(.*?)['"].*\?>""")
_ENCODING_NAME = re.compile(rb"[A-Za-z0-9._:\-]{1,64}")
_CHARSET = re.compile(r"[A-Za-z0-9._:\-]{1,64}")
#: Bozo reasons that concern only the HTTP Content-Type or declared charset, not the document itself.
_HTTP_ONLY_BOZO = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")


@never_raise("feed")
def parse_feed(body: bytes, *, url: str, source: Source, content_type: str | None = None) -> ParsedListing:
    """Read the entries of an RSS, Atom or RDF feed as discovered items.

    ``url`` is where the feed was fetched from (relative links resolve against it; items record it as
    ``found_on``); ``content_type`` is the response's Content-Type header, which feedparser uses to pick
    the encoding. Each item has the entry's page link (``rel=alternate`` preferred), title, published
    date (else the updated date) and updated date, as aware UTC datetimes. Links that are not http(s),
    that fail the source's ``link_pattern``/``exclude_pattern``, or repeat an earlier link (by canonical
    URL) are dropped.

    Never raises: a body that is empty, HTML or not a feed gives ``error``; a malformed feed whose
    entries could still be read gives the items and a warning.
    """
    if not body or not body.strip():
        return ParsedListing(error="empty body: no feed to parse")
    if looks_like_html(body):
        return ParsedListing(error=_html_error(body, url))

    body, content_type = _utf8_from_bom(body, content_type)
    body = _defuse(body)
    # Without a Content-Type, feedparser would fall back to ISO-8859-1 (and call the feed bozo) as soon as
    # any header is given; "application/xml" lets the BOM and XML declaration decide, defaulting to UTF-8.
    headers = {"content-location": url, "content-type": _safe_content_type(content_type)}
    try:
        parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    except (ValueError, LookupError, TypeError, UnicodeError, AttributeError, IndexError) as exc:
        # feedparser has crash bugs on some malformed input; _defuse avoids the known ones.
        return ParsedListing(error=f"not a feed: feedparser could not parse it ({describe_exception(exc)})")
    entries: list[Any] = list(parsed.get("entries") or [])
    bozo = bool(parsed.get("bozo"))
    reason = _bozo_reason(parsed.get("bozo_exception"), _line_shift(body)) if bozo else ""

    if not entries:
        version = parsed.get("version")
        if bozo and not (version and isinstance(parsed.get("bozo_exception"), _HTTP_ONLY_BOZO)):
            return ParsedListing(error=f"not a feed: feedparser found no entries (bozo: {reason})")
        if not version:
            return ParsedListing(
                error="not a feed: feedparser recognised no RSS, Atom or RDF document and found no entries"
            )
        # A feed with no entries is simply empty today (at most its Content-Type header was odd).
        warnings = [f"feed has no entries; note: {reason}"] if bozo else []
        return ParsedListing(warnings=warnings)

    result = ParsedListing()
    http_only = isinstance(parsed.get("bozo_exception"), _HTTP_ONLY_BOZO)
    if bozo:
        problem = "feed has a charset or Content-Type problem" if http_only else "feed is not well-formed"
        result.warnings.append(f"{problem} (bozo: {reason}); read {len(entries)} entries anyway")

    url_filter = UrlFilter.for_source(source)
    collector = ItemCollector(source, url)
    tz = source.tz
    unlinked: list[str] = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            continue
        link = _entry_link(entry, url)
        if link is None:
            unlinked.append(_describe_unlinked(entry, number))
            continue
        if not url_filter.accepts(link):
            continue
        updated_at = _entry_date(entry, "updated", tz)
        published_at = _entry_date(entry, "published", tz) or updated_at
        collector.add(link, title=_entry_title(entry), published_at=published_at, updated_at=updated_at)
    result.items = collector.items
    if not result.items:
        # Entries but no item: unless the source's own link rules dropped them, the feed is broken, not empty.
        if bozo and not http_only:
            return ParsedListing(
                error=f"feed is not well-formed ({reason}): none of its {len(entries)} entries could be read"
            )
        if unlinked and len(unlinked) == len(entries):
            return ParsedListing(
                error=f"no entry of the feed has an http(s) link ({len(entries)} entries: {_listed(unlinked)})"
            )
    if unlinked:
        result.warnings.append(
            f"{len(unlinked)} of {len(entries)} entries had no http(s) link and were skipped: {_listed(unlinked)}"
        )
    return result


def _describe_unlinked(entry: Mapping[str, Any], number: int) -> str:
    """An entry without a usable link, named for a warning: its title (or number) and the link it has."""
    title = normalise_title(_entry_title(entry))
    name = repr(title[:80]) if title else f"entry {number}"
    href = next(_link_candidates(entry), None)
    return f"{name} links to {href.strip()[:200]!r}" if href and href.strip() else f"{name} has no link"


def _listed(described: list[str], shown: int = 3) -> str:
    """The first ``shown`` descriptions joined, and how many more there are."""
    more = len(described) - shown
    return "; ".join(described[:shown]) + (f"; and {more} more" if more > 0 else "")


def _link_candidates(entry: Mapping[str, Any]) -> Iterator[str]:
    """The entry's links, best first: alternate links to pages, other alternates, then ``entry.link``."""
    links = [link for link in _raw(entry, "links") or [] if isinstance(link, Mapping) and link.get("href")]
    alternates = [link for link in links if (link.get("rel") or "alternate") == "alternate"]
    for link in alternates:
        if str(link.get("type") or "").lower() in _PAGE_TYPES:
            yield str(link["href"])
    for link in alternates:
        yield str(link["href"])
    fallback = _raw(entry, "link")
    if isinstance(fallback, str):
        # For RSS without <link>, feedparser copies a permalink <guid> here.
        yield fallback


def _entry_link(entry: Mapping[str, Any], feed_url: str) -> str | None:
    for href in _link_candidates(entry):
        absolute = resolve_url(feed_url, href)
        if absolute is not None:
            return absolute
    return None


def _entry_title(entry: Mapping[str, Any]) -> str | None:
    title = _raw(entry, "title")
    if not isinstance(title, str) or not title.strip():
        return None
    detail = _raw(entry, "title_detail")
    kind = str(detail.get("type") or "") if isinstance(detail, Mapping) else ""
    if kind in _HTML_TYPES and "<" in title:
        # An HTML title (already sanitised by feedparser): keep its text, not its markup.
        try:
            return str(lxml.html.fragment_fromstring(title, create_parent="div").text_content())
        except (ValueError, lxml.etree.LxmlError):
            return re.sub(r"<[^>]*>", " ", title)
    return title


def _entry_date(entry: Mapping[str, Any], key: str, tz: tzinfo) -> datetime | None:
    """``published``/``updated`` as an aware UTC datetime; dates without a zone are in the source's zone."""
    raw = _raw(entry, key)
    raw_text = raw if isinstance(raw, str) else ""
    parsed = _raw(entry, f"{key}_parsed")
    if parsed:
        try:
            # struct_time in UTC; a leap second (60) is clamped rather than refused.
            year, month, day, hour, minute, second = (int(part) for part in parsed[:6])
            value = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
        except (TypeError, ValueError, IndexError, OverflowError):
            value = None
        if value is not None:
            if _NAIVE_ISO.match(raw_text):
                # feedparser assumed UTC for a zone-less date; it is the source's wall-clock time.
                value = to_utc(value.replace(tzinfo=None), tz)
            return value
    if raw_text.strip():
        # feedparser gave up (e.g. an RFC 822 date without a zone); try the forms it does not know.
        return _parse_raw_date(raw_text, tz)
    return None


def _raw(entry: Mapping[str, Any], key: str) -> Any:
    """``entry[key]`` without FeedParserDict's key aliases: its ``updated`` silently falls back to
    ``published``, which would report every entry as updated when it was published."""
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def _parse_raw_date(text: str, tz: tzinfo) -> datetime | None:
    # A leap second ("23:59:60") is valid in feeds but not in datetime; clamp it.
    text = _LEAP_SECOND.sub(r"\1:59", text)
    try:
        value = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        value = None
    if value is not None:
        return to_utc(value, tz)
    return parse_date_text(text, tz)


def _defuse(body: bytes) -> bytes:
    """Neutralise the inputs known to crash feedparser 6 rather than merely make it bozo.

    Character references beyond Unicode or to surrogates (``&#99999999;``) crash its loose parser, and
    an XML declaration whose encoding name holds non-ASCII bytes or NUL crashes its charset detection.
    Both are invalid XML anyway: the references become U+FFFD, the encoding name is dropped.
    """
    body = defuse_charrefs(body)
    declaration = _XML_PI_ENCODING.match(body)
    if declaration is not None and not _ENCODING_NAME.fullmatch(declaration.group(2)):
        body = body[: declaration.start(2)] + b"utf-8" + body[declaration.end(2) :]
    return body


def _safe_content_type(content_type: str | None) -> str:
    """The Content-Type for feedparser, without a charset it could choke on (non-ASCII, NUL)."""
    if not content_type:
        return "application/xml"
    mime, _, params = content_type.partition(";")
    kept = []
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and not _CHARSET.fullmatch(value.strip().strip("\"'")):
            continue
        if param.strip():
            kept.append(param.strip())
    return "; ".join([mime.strip() or "application/xml", *kept])


def _utf8_from_bom(body: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """Re-encode a UTF-16/32 body (marked by its BOM) as UTF-8.

    feedparser cannot read UTF-16 without an XML declaration naming it, although the BOM says it all;
    the BOM outranks any declared charset (XML 1.0 appendix F), so the header's charset is replaced too.
    """
    for bom, codec in _WIDE_BOMS:
        if body.startswith(bom):
            text = body[len(bom) :].decode(codec, errors="replace")
            text = _DECLARED_ENCODING.sub(r"\1utf-8\2", text, count=1)
            mime = (content_type or "application/xml").split(";", 1)[0].strip() or "application/xml"
            return text.encode("utf-8"), f"{mime}; charset=utf-8"
    return body, content_type


def _line_shift(body: bytes) -> int:
    """How many lines feedparser added before the body: it prepends an XML declaration (and a newline)
    when the document has none, so its parser's line numbers run one ahead of the body's."""
    head = body[:256]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.removeprefix(codecs.BOM_UTF8).decode("latin-1")
    return 0 if text.lstrip("\ufeff").startswith("<?xml") else 1


def _bozo_reason(exc: object, line_shift: int = 0) -> str:
    """A short description of why feedparser called the feed bozo ("mismatched tag at line 3")."""
    if isinstance(exc, xml.sax.SAXParseException):
        line = max(1, (exc.getLineNumber() or 0) - line_shift)
        return f"{exc.getMessage()} at line {line}, column {exc.getColumnNumber()}"
    if isinstance(exc, BaseException):
        return describe_exception(exc)
    return "unknown problem"


def _html_error(body: bytes, url: str) -> str:
    """The error for an HTML page served as a feed, naming the feed the page advertises if it does."""
    message = "not a feed (looks like HTML)"
    try:
        document = parse_html(body)
        for link in document.iter("link"):
            rel = str(link.get("rel") or "").lower().split()
            kind = str(link.get("type") or "").lower()
            if "alternate" in rel and kind in _FEED_TYPES:
                advertised = resolve_url(url, link.get("href"))
                if advertised:
                    return f"{message}; the page advertises a feed at {advertised}"
    except (ValueError, lxml.etree.LxmlError):
        pass
    return message
