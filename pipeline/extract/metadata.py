"""What a page declares about itself: title, authors and date, from its markup, on the already parsed tree.

This is the part of trafilatura's ``extract_metadata`` that Readout uses, without the rest of its cost:

* kept: meta tags and OpenGraph (:func:`trafilatura.metadata.examine_meta`), JSON-LD
  (``extract_meta_json``), the title search (``extract_title``) when neither gives a title, the page's own
  URL (``og:url``, canonical link) for htmldate's URL pattern, and htmldate *without* its extensive search
  (:func:`declared_date`, only when needed);
* left out: categories, tags, licence and site name (Readout stores none of them), and the search for a byline
  in the page's body (``extract_author``): it deep-copies the whole tree and runs regular-expression XPaths
  over it, about as costly as a third of a trafilatura pass, on every page that declares no author in its
  markup. Authors therefore come from meta tags and JSON-LD only.

The result is the same title and date as ``extract_metadata`` gives (same functions, same order), and the
same authors whenever the page declares them in its markup.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from htmldate import find_date
from lxml import html as lxml_html
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title, extract_url

from pipeline.errors import ExtractionError
from pipeline.extract.published import page_date_params


@dataclass(frozen=True, slots=True)
class PageMetadata:
    """The page's declared title, authors ("A; B", as trafilatura joins them) and own URL."""

    title: str | None
    author: str | None
    #: ``og:url``, else the canonical link, else the URL it was fetched from: htmldate reads dates in it.
    url: str | None


def page_metadata(tree: lxml_html.HtmlElement, url: str) -> PageMetadata:
    """Title, authors and own URL of the parsed page ``tree`` (read only; see module doc)."""
    try:
        found = examine_meta(tree)
        # trafilatura's rule: a one-word author meta tag is a site handle or a CMS user name, not a person.
        if found.author and " " not in found.author:
            found.author = None
        with suppress(Exception):  # broken JSON-LD is common; trafilatura ignores it too, keeping the meta tags
            found = extract_meta_json(tree, found)
        title = found.title or extract_title(tree)
        page_url = found.url or extract_url(tree, url)
    except Exception as exc:  # a bug in a third-party parser must not stop the run
        raise ExtractionError(f"metadata extraction failed: {exc!r}", url=url) from exc
    return PageMetadata(title=title, author=found.author, url=page_url)


def declared_date(tree: lxml_html.HtmlElement, metadata: PageMetadata, url: str) -> str | None:
    """The date the page declares (htmldate without its extensive search, as trafilatura's metadata reads it).

    Separate from :func:`page_metadata` so that it runs only when a source's own date rule found nothing.
    """
    try:
        return find_date(tree, url=metadata.url, **page_date_params())
    except Exception as exc:  # see page_metadata
        raise ExtractionError(f"date extraction failed: {exc!r}", url=url) from exc
