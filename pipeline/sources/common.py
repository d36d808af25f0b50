"""Helpers shared by the feed, listing and sitemap parsers.

Everything here is total: given any input it returns a value (``None`` for "not usable") instead of
raising, because the parsers built on it promise never to raise on bad input.
"""

from __future__ import annotations

import codecs
import functools
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ParamSpec
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html

from pipeline.config import Source
from pipeline.dates import date_from_match, is_plausible
from pipeline.extract.encoding import decode_html
from pipeline.models import DiscoveredItem, ParsedListing
from pipeline.urls import canonical_url

_P = ParamSpec("_P")

#: Characters browsers silently drop from inside URLs (WHATWG URL standard); CMSs leak them into hrefs.
_URL_JUNK = re.compile(r"[\t\r\n]")
#: Numeric character references (the semicolon is optional to lenient parsers).
_CHARREF = re.compile(rb"&#(?:[xX]0*([0-9a-fA-F]{1,64})|0*([0-9]{1,64}));?")
#: What may precede a document's first element: whitespace, comments, processing instructions, a doctype.
_PROLOG = re.compile(rb"(?:\s|<!--.*?-->|<\?.*?\?>|<!doctype\b[^>\[]*(?:\[.*?\])?\s*>)*", re.IGNORECASE | re.DOTALL)
_FIRST_ELEMENT = re.compile(rb"<([A-Za-z][\w:.\-]*)")
_HTML_DOCTYPE = re.compile(rb"<!doctype\s+html\b", re.IGNORECASE)
_HTML_ROOTS = frozenset({b"html", b"head", b"body"})
#: Root elements of feeds and sitemaps, which a stray XHTML doctype does not make into HTML.
_XML_ROOTS = frozenset({b"rss", b"feed", b"rdf:rdf", b"rdf", b"channel", b"urlset", b"sitemapindex"})


#: Item URLs longer than this are ignored (the catalog's URL columns hold 2,048 characters).
MAX_URL_LENGTH = 2000


def normalise_title(value: str | None) -> str | None:
    """Unescape entities (feeds often double-escape them), strip and collapse whitespace; ``None`` if empty."""
    if not value:
        return None
    text = " ".join(html.unescape(value).split())
    return text or None


def clean_href(href: str | None) -> str | None:
    """An href as browsers read it: surrounding whitespace and embedded tabs/newlines removed."""
    if href is None:
        return None
    cleaned = _URL_JUNK.sub("", href).strip()
    return cleaned or None


def resolve_url(base: str, href: str | None) -> str | None:
    """``href`` made absolute against ``base``, without its fragment; ``None`` unless it is http(s).

    The fragment is dropped because it never reaches the server: two links differing only there are
    the same item.
    """
    cleaned = clean_href(href)
    if cleaned is None:
        return None
    try:
        absolute = urljoin(base, cleaned)
        parts = urlsplit(absolute)
        # Accessing .port validates it: "http://host:99999/" must be refused here, not crash later.
        _ = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, parts.query, ""))


def safe_canonical(url: str) -> str | None:
    """:func:`canonical_url`, or ``None`` for a URL it cannot read."""
    try:
        return canonical_url(url)
    except ValueError:
        return None


def host_of(url: str) -> str:
    """Lower-cased host of a URL without a trailing dot ('' when there is none)."""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def same_site(url: str, page_url: str) -> bool:
    """Whether ``url`` belongs to the site of ``page_url``: the same host ignoring a leading ``www.``,
    or a subdomain of it (``www.state.gov`` links to ``2021-2025.state.gov``).

    Without a public-suffix list this is deliberately narrow; sources that link to other hosts say so
    with a ``link_pattern``.
    """
    host = _strip_www(host_of(url))
    site = _strip_www(host_of(page_url))
    if not host or not site:
        return False
    return host == site or host.endswith("." + site)


def _strip_www(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


@dataclass(slots=True)
class UrlFilter:
    """A source's ``link_pattern`` / ``exclude_pattern``, applied with ``re.search`` to absolute URLs."""

    link_pattern: re.Pattern[str] | None = None
    exclude_pattern: re.Pattern[str] | None = None

    @classmethod
    def for_source(cls, source: Source) -> UrlFilter:
        discovery = source.discovery
        return cls(
            re.compile(discovery.link_pattern) if discovery.link_pattern else None,
            re.compile(discovery.exclude_pattern) if discovery.exclude_pattern else None,
        )

    def accepts(self, url: str) -> bool:
        if self.link_pattern is not None and not self.link_pattern.search(url):
            return False
        return not (self.exclude_pattern is not None and self.exclude_pattern.search(url))


@dataclass(slots=True)
class ItemCollector:
    """Collects items for one document, deduplicated by canonical URL (the first occurrence wins)."""

    source: Source
    found_on: str
    items: list[DiscoveredItem] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set, init=False)
    _date_from_url: re.Pattern[str] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        pattern = self.source.discovery.date_from_url
        self._date_from_url = re.compile(pattern) if pattern else None

    def add(
        self,
        url: str,
        *,
        title: str | None = None,
        published_at: datetime | None = None,
        updated_at: datetime | None = None,
    ) -> bool:
        """Add an item unless its canonical URL was already seen or is too long; returns whether it was added."""
        if len(url) > MAX_URL_LENGTH:
            # Longer URLs are junk or traps in practice, and would not fit the catalog's columns.
            return False
        key = safe_canonical(url)
        if key is None or key in self._seen:
            return False
        self._seen.add(key)
        # A date before the source existed or in the future is a placeholder or a bug on the site
        # (1970-01-01, 2099-12-31), not information.
        earliest = self.source.earliest
        if published_at is not None and not is_plausible(published_at, earliest=earliest):
            published_at = None
        if updated_at is not None and not is_plausible(updated_at, earliest=earliest):
            updated_at = None
        if published_at is None and self._date_from_url is not None:
            # The URL is the last resort for a date: MFA-style paths such as ./202104/t20210426_1.html.
            match = self._date_from_url.search(url)
            if match is not None:
                from_url = date_from_match(match, self.source.tz)
                if from_url is not None and is_plausible(from_url, earliest=earliest):
                    published_at = from_url
        self.items.append(
            DiscoveredItem(
                url=url,
                source_id=self.source.id,
                title=normalise_title(title),
                published_at=published_at,
                updated_at=updated_at,
                found_on=self.found_on,
            )
        )
        return True


def parse_html(body: bytes) -> lxml.html.HtmlElement:
    """Parse an HTML page decoded by :func:`pipeline.extract.encoding.decode_html` (the extractor's decoder,
    so listings in legacy encodings read the same as their articles).

    The text is handed to lxml re-encoded as UTF-8 with the encoding fixed, so that neither a stale
    ``<meta charset>`` nor an XML declaration makes libxml2 decode it a second time (lxml also refuses
    ``str`` input that declares an encoding). Raises ``lxml.etree.ParserError`` for an empty document.
    """
    text, _ = decode_html(body)
    parser = lxml.html.HTMLParser(encoding="utf-8", no_network=True)
    return lxml.html.document_fromstring(text.encode("utf-8", errors="replace"), parser=parser)


def defuse_charrefs(body: bytes) -> bytes:
    """Replace numeric character references to no character (beyond U+10FFFF, or surrogates) by U+FFFD.

    They are invalid in XML and HTML alike, and they crash feedparser's loose parser and lxml's recover
    mode (a surrogate ends up as bytes that cannot be decoded when a tag or text is read).
    """
    return _CHARREF.sub(_fix_charref, body)


def _fix_charref(match: re.Match[bytes]) -> bytes:
    digits = match.group(1) or match.group(2)
    code = int(digits, 16) if match.group(1) else int(digits)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return b"&#65533;"
    return match.group(0)


def looks_like_html(body: bytes) -> bool:
    """Whether a body is an HTML page: its first element is ``<html>``, ``<head>`` or ``<body>``, or it has
    an HTML doctype and its first element is not a feed or sitemap root (some feeds carry an XHTML
    doctype by mistake)."""
    head = body[:4096].lstrip(codecs.BOM_UTF8)
    prolog = _PROLOG.match(head)
    end = prolog.end() if prolog else 0
    first = _FIRST_ELEMENT.match(head, end)
    if first is None:
        return bool(_HTML_DOCTYPE.search(head[:end]))
    name = first.group(1).lower()
    if name in _HTML_ROOTS:
        return True
    return bool(_HTML_DOCTYPE.search(head[:end])) and name not in _XML_ROOTS


def describe_exception(exc: BaseException) -> str:
    """``"ExcType: message"`` on one line, for error strings."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def never_raise(what: str) -> Callable[[Callable[_P, ParsedListing]], Callable[_P, ParsedListing]]:
    """Decorator: turn an unexpected exception into ``ParsedListing(error="internal error ...")``.

    The parsers handle every problem they know of themselves; this is the last line that keeps the
    "never raises" contract if a library surprises us, so one odd document cannot stop a run.
    """

    def decorate(func: Callable[_P, ParsedListing]) -> Callable[_P, ParsedListing]:
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> ParsedListing:
            try:
                return func(*args, **kwargs)
            except Exception as exc:  # the contract: bad input never raises
                return ParsedListing(error=f"internal error while parsing {what}: {describe_exception(exc)}")

        return functools.update_wrapper(wrapper, func)

    return decorate


__all__ = [
    "ItemCollector",
    "UrlFilter",
    "clean_href",
    "defuse_charrefs",
    "describe_exception",
    "host_of",
    "looks_like_html",
    "never_raise",
    "normalise_title",
    "parse_html",
    "resolve_url",
    "safe_canonical",
    "same_site",
]
