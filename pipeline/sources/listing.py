"""HTML listing pages (a ministry's "press briefings" index and its archive pages) → discovered items.

The source's ``discovery`` rules say which links are items: ``item_selector`` picks the container of each
item (with its date inside, read with ``date_selector``), ``link_selector`` the item link, and
``link_pattern``/``exclude_pattern`` filter the absolute URLs. ``pagination`` says how to reach the
next, older page.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from urllib.parse import urljoin

import lxml.etree
import lxml.html
from cssselect import SelectorError
from lxml.cssselect import CSSSelector

from pipeline.config import Source
from pipeline.dates import parse_date_text
from pipeline.models import ParsedListing
from pipeline.sources.common import (
    ItemCollector,
    UrlFilter,
    describe_exception,
    never_raise,
    normalise_title,
    parse_html,
    resolve_url,
    safe_canonical,
    same_site,
)

_LINK_TAGS = frozenset({"a", "area"})
#: Attributes that carry a machine-readable date (``<time datetime>``, ``<meta content>``) before the text.
_DATE_ATTRIBUTES = ("datetime", "content", "title")


def listing_page_url(source: Source, page_number: int) -> str:
    """The URL of a source's listing page ``page_number``: 0 is ``discovery.urls[0]``, the first page;
    page ``n >= 1`` is ``pagination.url_template`` with ``{page}`` = ``pagination.start + n - 1``.

    Raises ``ValueError`` for a negative number, or a page beyond the first of a source without a URL
    template (its later pages are only reachable through their "next" links).
    """
    if page_number < 0:
        raise ValueError(f"page_number must be >= 0, not {page_number}")
    discovery = source.discovery
    first = discovery.urls[0]
    if page_number == 0:
        return first
    pagination = discovery.pagination
    if pagination is None or not pagination.url_template:
        raise ValueError(
            f"source {source.id!r} has no pagination.url_template, so listing page {page_number} has no known URL"
        )
    # str.replace, not str.format: templates may hold other braces (query strings, JSON-ish paths).
    path = pagination.url_template.replace("{page}", str(pagination.start + page_number - 1))
    # A template may be written relative to the first page ("index_{page}.html").
    return urljoin(first, path)


@never_raise("listing page")
def parse_listing(body: bytes, *, url: str, source: Source, page_number: int = 0) -> ParsedListing:
    """Read the item links of an HTML listing page, and the URL of the next page.

    ``url`` is the page's own URL (links resolve against it, or against its ``<base href>``) and
    ``page_number`` its place in the archive (0 = the first page in the config). With
    ``discovery.item_selector``, each matching container gives at most one item: its first link that
    matches ``link_selector`` and passes the URL rules, dated by ``date_selector`` inside it; otherwise
    every link matching ``link_selector`` is an item. An item link must be http(s) and on the page's site
    unless ``link_pattern`` admits it explicitly. Titles are the link text (else its ``title``); dates
    missing from the page come from ``date_from_url``. Duplicates (by canonical URL) keep the first.

    ``more_urls`` holds the next page: the ``pagination.next_selector`` link on this page, else the
    ``url_template`` URL for ``page_number + 1`` (not after a page that listed nothing), and only while
    ``page_number + 1 < pagination.max_pages``.

    Never raises: an empty or unparsable body gives ``error``, and so does a first page (``page_number``
    0) that yields no item, whether its selectors match nothing or no match passes the URL rules: that
    is a page whose layout changed, not an empty listing. A later page that yields nothing is where the
    archive ends.
    """
    if not body or not body.strip():
        return ParsedListing(error="empty body: no listing page to parse")
    try:
        document = parse_html(body)
    except (ValueError, lxml.etree.LxmlError) as exc:
        return ParsedListing(error=f"not an HTML page: lxml could not parse it ({describe_exception(exc)})")

    discovery = source.discovery
    try:
        link_selector = CSSSelector(discovery.link_selector, translator="html")
        item_selector = CSSSelector(discovery.item_selector, translator="html") if discovery.item_selector else None
        date_selector = CSSSelector(discovery.date_selector, translator="html") if discovery.date_selector else None
    except SelectorError as exc:
        return ParsedListing(error=f"invalid CSS selector in the source's discovery rules: {exc}")

    base = _base_url(document, url)
    url_filter = UrlFilter.for_source(source)
    collector = ItemCollector(source, url)
    result = ParsedListing()

    def accept(element: lxml.html.HtmlElement) -> str | None:
        """The element's absolute item URL if it passes the source's rules."""
        absolute = resolve_url(base, element.get("href"))
        if absolute is None or not url_filter.accepts(absolute):
            return None
        # Links off the site are navigation or adverts unless the source's pattern asks for them.
        if url_filter.link_pattern is None and not (same_site(absolute, url) or same_site(absolute, base)):
            return None
        return absolute

    if item_selector is not None:
        containers = item_selector(document)
        matched = f"{len(containers) or 'no'} element(s) matched item_selector {discovery.item_selector!r}"
        inside = [_links(link_selector(container)) for container in containers]
        if containers and not any(inside):
            # Say which rule found nothing: the containers are there, the link selector finds no link in them.
            matched += f" and link_selector {discovery.link_selector!r} found no link in them"
        for container, found in zip(containers, inside, strict=True):
            for link in found:
                absolute = accept(link)
                if absolute is None:
                    continue
                published = _container_date(container, date_selector, source.tz)
                collector.add(absolute, title=_link_title(link), published_at=published)
                break
    else:
        links = _links(link_selector(document))
        matched = f"{len(links) or 'no'} link(s) matched link_selector {discovery.link_selector!r}"
        for link in links:
            absolute = accept(link)
            if absolute is not None:
                collector.add(absolute, title=_link_title(link))

    result.items = collector.items
    if not result.items and page_number == 0:
        # The first page always lists something: nothing read means the site's layout or the source's rules
        # changed. (A later page that lists nothing is where the archive ends.)
        detail = (
            " but none gave an item link that passes the source's rules (link_pattern, same site)"
            if not matched.startswith("no ") and "found no link" not in matched
            else ""
        )
        return ParsedListing(error=f"the listing page yields no item: {matched}{detail}")
    next_url = _next_page(document, base, url, source, page_number, listed_any=bool(result.items))
    if next_url is not None:
        result.more_urls.append(next_url)
    return result


def _base_url(document: lxml.html.HtmlElement, url: str) -> str:
    """The URL relative links resolve against: the page URL, or its ``<base href>`` when that is http(s)."""
    for base in document.iter("base"):
        href = base.get("href")
        if href:
            resolved = resolve_url(url, href)
            return resolved or url
    return url


def _links(elements: list[lxml.html.HtmlElement]) -> list[lxml.html.HtmlElement]:
    """Elements with an href: the matches themselves, or (for a selector naming a wrapper such as an
    ``h3``) the first link inside each."""
    links: list[lxml.html.HtmlElement] = []
    for element in elements:
        if not isinstance(element.tag, str):
            continue
        if element.tag in _LINK_TAGS and element.get("href") is not None:
            links.append(element)
            continue
        inner = next((a for a in element.iter("a") if a.get("href") is not None), None)
        if inner is not None:
            links.append(inner)
    return links


def _link_title(link: lxml.html.HtmlElement) -> str | None:
    title = normalise_title(link.text_content())
    if title is None:
        title = normalise_title(link.get("title"))
    if title is None:
        # Image-only links still tell us something through their alt text.
        image = next((img for img in link.iter("img") if img.get("alt")), None)
        title = normalise_title(image.get("alt")) if image is not None else None
    return title


def _container_date(container: lxml.html.HtmlElement, selector: CSSSelector | None, tz: tzinfo) -> datetime | None:
    if selector is None:
        return None
    for element in selector(container):
        if not isinstance(element.tag, str):
            continue
        for attribute in _DATE_ATTRIBUTES:
            value = element.get(attribute)
            if value:
                parsed = parse_date_text(value, tz)
                if parsed is not None:
                    return parsed
        parsed = parse_date_text(element.text_content(), tz)
        if parsed is not None:
            return parsed
    return None


def _next_page(
    document: lxml.html.HtmlElement, base: str, url: str, source: Source, page_number: int, *, listed_any: bool
) -> str | None:
    pagination = source.discovery.pagination
    if pagination is None or page_number + 1 >= pagination.max_pages:
        return None
    if pagination.next_selector:
        try:
            candidates = _links(CSSSelector(pagination.next_selector, translator="html")(document))
        except SelectorError:
            candidates = []
        here = safe_canonical(url)
        for link in candidates:
            absolute = resolve_url(base, link.get("href"))
            # The last page often links "next" to itself (or to "#"); that is the end, not a loop.
            if absolute is not None and safe_canonical(absolute) != here:
                return absolute
    if pagination.url_template and listed_any:
        # A template page that listed nothing is past the end of the archive: do not walk on blindly.
        try:
            return listing_page_url(source, page_number + 1)
        except ValueError:
            return None
    return None
