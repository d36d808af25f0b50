"""Page bytes → :class:`ExtractedDocument`: clean text, title, authors, language hint and date.

One parse per page: the decoded page is parsed once, and trafilatura, the metadata look-ups
(:mod:`pipeline.extract.metadata`) and htmldate all read that tree (trafilatura works on its own copy).

Text comes from trafilatura, with the options and rules that ``benchmarks/extraction.py`` keeps by its fold
test on the article-extraction benchmark (an option or rule stays only if it raises F1 on most tuning folds
and does not lower it on the held-out fold):

* generic pages: one pass with ``favor_precision=True, include_comments=False, include_tables=True``
  (``include_comments=False`` gives the same body as trafilatura's default on the benchmark and is
  cheaper: comment sections are pruned instead of extracted). ``deduplicate`` stays off: it uses a
  process-wide cache, so a paragraph seen often enough in *earlier* pages ("Wang Wenbin: No.") would be
  dropped, making the output depend on what ran before (not idempotent). A second, "balanced" pass when
  the precision output is short is *not* made: it rescued a single page of the benchmark and failed the
  fold test;
* then cheap, line-level clean-up: a first paragraph that repeats the title is dropped (the title has
  its own field), and so are lines that are only a widget's label ("Tags", "Share this article");
* a source's ``body_selector``: trafilatura (``favor_recall``) on just the selected elements; if that
  loses any paragraph of the element's own text, the element's text split at block boundaries is used
  instead, so briefing transcripts keep every Q&A paragraph;
* the source's ``drop_patterns`` then remove boilerplate lines ("[Print] [Close]", "分享到").

Text layout: one paragraph per block, whitespace collapsed, paragraphs joined by a blank line.
trafilatura and htmldate only ever get the decoded page: they never fetch anything.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import htmldate
import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import Document as TrafilaturaDocument
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from pipeline.config import Source
from pipeline.errors import ExtractionError
from pipeline.extract.encoding import decode_html
from pipeline.extract.metadata import declared_date, page_metadata
from pipeline.extract.published import (
    FoundDate,
    choose_date,
    htmldate_date,
    mark_coarse,
    parse_found,
    rule_date,
    utc_now,
)
from pipeline.extract.text import (
    drop_matching,
    drop_title,
    drop_widget_lines,
    element_paragraphs,
    join_paragraphs,
    normalize_space,
    split_paragraphs,
    word_key,
)
from pipeline.extract.titles import clean_title, site_names
from pipeline.models import ExtractedDocument

#: Identifies the extraction behaviour; stored with every document so that re-extraction can find
#: what an older extractor produced. Bump the leading number whenever our own behaviour changes.
EXTRACTOR_VERSION = f"readout-extract/3 trafilatura/{trafilatura.__version__} htmldate/{htmldate.__version__}"

#: Below this many word characters a page has no usable text ("Page not found", an empty shell).
MIN_TEXT_CHARS = 20
_DEFAULT_EARLIEST = date(1990, 1, 1)

_NOT_HTML_TYPES: tuple[str, ...] = (
    "image/",
    "audio/",
    "video/",
    "font/",
    "application/pdf",
    "application/json",
    "application/zip",
    "application/gzip",
    "application/x-gzip",
    "application/msword",
    "application/vnd.",
)
_BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\x1f\x8b", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"RIFF", b"OggS")
_HTML_SNIFF = re.compile(
    r"<\s*(?:!doctype\s+html|html|head|body|title|meta|p|div|article|main|section|table|h[1-6]|span|br)\b",
    re.IGNORECASE,
)
_LANG_CODE = re.compile(r"^[a-z]{2,3}$")
# ISO 639-2 codes pages sometimes declare, mapped to the ISO 639-1 codes the rest of Readout uses.
_LANG_639_2 = {
    "ara": "ar",
    "chi": "zh",
    "deu": "de",
    "eng": "en",
    "fra": "fr",
    "fre": "fr",
    "ger": "de",
    "hin": "hi",
    "jpn": "ja",
    "kor": "ko",
    "per": "fa",
    "fas": "fa",
    "por": "pt",
    "rus": "ru",
    "spa": "es",
    "tur": "tr",
    "ukr": "uk",
    "zho": "zh",
}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def extract(
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    source: Source | None = None,
    listing_date: datetime | None = None,
    now: datetime | None = None,
) -> ExtractedDocument:
    """Extract clean text and metadata from one page's bytes.

    ``listing_date`` is what the feed or listing said about the item (used when the page says nothing
    better); ``now`` bounds plausible dates (default: the current time). Raises
    :class:`ExtractionError` (with ``url``) when there is no usable text: an empty body, something that
    is not HTML, or a page with less than ``MIN_TEXT_CHARS`` word characters of text.
    """
    _reject_non_html(body, content_type, url)
    decoded, encoding = decode_html(body, content_type)
    if not _HTML_SNIFF.search(decoded[:65536]):
        raise ExtractionError("not HTML (no HTML tags found)", url=url)
    tree = parse_html(decoded)
    if tree is None:
        raise ExtractionError("HTML could not be parsed", url=url)

    rules = source.extract if source is not None else None
    tz: tzinfo = ZoneInfo(source.timezone) if source is not None else UTC
    earliest = source.earliest if source is not None else _DEFAULT_EARLIEST
    now_utc = utc_now(now)
    warnings: list[str] = []

    title_selector = rules.title_selector if rules else None
    drop_patterns = _compiled(tuple(rules.drop_patterns)) if rules else ()
    metadata = page_metadata(tree, url)
    title = _title(tree, title_selector, metadata.title, url)
    text = ""
    if rules and rules.body_selector:
        selected = _select(tree, rules.body_selector)
        if selected:
            text = join_paragraphs(drop_matching(drop_title(_selected_paragraphs(selected, url), title), drop_patterns))
        # A layout change can leave the selector matching nothing, or an empty shell: say so, and let the
        # generic extractor try rather than losing the page.
        if not selected:
            warnings.append(f"body_selector {rules.body_selector!r} matched nothing; generic extraction used")
        elif len(word_key(text)) < MIN_TEXT_CHARS:
            warnings.append(f"body_selector {rules.body_selector!r} matched no usable text; generic extraction used")
    if len(word_key(text)) < MIN_TEXT_CHARS:
        text = join_paragraphs(drop_matching(generic_paragraphs(tree, url, title), drop_patterns))
    if len(word_key(text)) < MIN_TEXT_CHARS:
        raise ExtractionError("no usable text extracted", url=url)

    evidence: list[tuple[str, Callable[[], FoundDate | None]]] = []
    if rules and (rules.date_selector or rules.date_pattern):
        evidence.append(
            (
                "rule",
                lambda: rule_date(
                    tree,
                    selector=rules.date_selector,
                    pattern=rules.date_pattern,
                    tz=tz,
                    page_text=lambda: _page_text(tree),
                ),
            )
        )
    evidence.append(("page", lambda: mark_coarse(parse_found(declared_date(tree, metadata, url), tz), months=False)))
    # htmldate's extensive search (text patterns, dateparser: up to ~140 ms a page) only when neither the page's
    # markup nor the listing gives a date: a feed's date is better evidence than a date guessed from the text.
    without_listing = [("htmldate", lambda: htmldate_date(tree, url=url, tz=tz, earliest=earliest, now=now_utc))]
    published_at, date_source, date_warnings = choose_date(
        evidence, without_listing=without_listing, listing_date=listing_date, tz=tz, earliest=earliest, now=now_utc
    )
    warnings.extend(date_warnings)

    return ExtractedDocument(
        title=title,
        text=text,
        published_at=published_at,
        date_source=date_source,
        authors=_authors(metadata.author),
        language=_language(tree) or (source.language if source is not None else None),
        encoding=encoding,
        extractor_version=EXTRACTOR_VERSION,
        warnings=tuple(warnings),
    )


# --- input checks and parsing -------------------------------------------------------------------------


def _reject_non_html(body: bytes, content_type: str | None, url: str) -> None:
    """Fail fast on bodies that cannot be a web page, with the reason."""
    if not body or not body.strip():
        raise ExtractionError("empty body", url=url)
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime.startswith(_NOT_HTML_TYPES):
        raise ExtractionError(f"not HTML (Content-Type {mime})", url=url)
    head = body.lstrip()[:8]
    if head.startswith(_BINARY_MAGIC):
        raise ExtractionError("not HTML (binary content)", url=url)
    if head[:1] in (b"{", b"["):
        raise ExtractionError("not HTML (looks like JSON)", url=url)


def parse_html(decoded: str) -> lxml_html.HtmlElement | None:
    """Parse as trafilatura does (same parser, so its results match the benchmark's); wrap fragments."""
    tree = load_html(decoded)
    if tree is None:
        # trafilatura refuses fragments without <html>; a body-only page is still a page.
        tree = load_html(f"<html><body>{decoded}</body></html>")
    return tree


def _page_text(tree: lxml_html.HtmlElement) -> str:
    """What a reader sees: the ``<title>`` and the body's text, without scripts and styles.

    Where a configured ``date_pattern`` is searched when there is no ``date_selector``; scripts are left
    out because they are full of dates that are not the publication date.
    """
    titles = [normalize_space(el.text_content()) for el in tree.iter("title")]
    bodies = list(tree.iter("body")) or [tree]
    return " ".join([*titles, *element_paragraphs(bodies[:1])])


def _select(tree: lxml_html.HtmlElement, selector: str) -> list[lxml_html.HtmlElement]:
    """Elements matching ``selector``, without those nested in another match (no text twice)."""
    matches = tree.cssselect(selector)
    chosen = set(matches)
    return [el for el in matches if not any(anc in chosen for anc in el.iterancestors())]


# --- text -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrafilaturaOptions:
    """The trafilatura options of one pass (trafilatura's own defaults unless said otherwise)."""

    favor_precision: bool = False
    favor_recall: bool = False
    include_comments: bool = True
    include_tables: bool = True
    #: trafilatura's ``fast``: no comparison with its readability and jusText fallbacks.
    fast: bool = False


#: The generic pass (see module doc); ``benchmarks/extraction.py`` measures each choice against the default.
GENERIC_OPTIONS = TrafilaturaOptions(favor_precision=True, include_comments=False)
#: A configured body element: keep as much of it as trafilatura will.
_SELECTED_OPTIONS = TrafilaturaOptions(favor_recall=True, include_comments=False)


def generic_paragraphs(tree: lxml_html.HtmlElement, url: str, title: str | None) -> list[str]:
    """The page's article text without source rules: one trafilatura pass, then the line rules (module doc)."""
    return drop_widget_lines(drop_title(split_paragraphs(trafilatura_text(tree, url, GENERIC_OPTIONS)), title))


def trafilatura_text(tree: lxml_html.HtmlElement, url: str, options: TrafilaturaOptions) -> str:
    """trafilatura's text of ``tree`` with ``options``, one line per block (see :func:`_document_text`).

    trafilatura works on a copy: ``tree`` stays intact for the other look-ups.
    """
    try:
        result = trafilatura.bare_extraction(
            tree,
            url=url,
            output_format="python",
            with_metadata=False,
            include_comments=options.include_comments,
            include_tables=options.include_tables,
            favor_precision=options.favor_precision,
            favor_recall=options.favor_recall,
            fast=options.fast,
            deduplicate=False,
        )
    except Exception as exc:  # a bug in a third-party extractor must not stop the run
        raise ExtractionError(f"trafilatura failed: {exc!r}", url=url) from exc
    return _document_text(result if isinstance(result, TrafilaturaDocument) else None)


def _selected_paragraphs(selected: Sequence[lxml_html.HtmlElement], url: str) -> list[str]:
    """Paragraphs of the configured body element(s); never loses one of the element's paragraphs."""
    own = element_paragraphs(selected)
    fragment = "".join(etree.tostring(el, encoding="unicode", method="html", with_tail=False) for el in selected)
    subtree = load_html(f"<html><body>{fragment}</body></html>")
    paragraphs = split_paragraphs(trafilatura_text(subtree, url, _SELECTED_OPTIONS)) if subtree is not None else []
    kept = word_key("".join(paragraphs))
    # Count, not just presence: a repeated "Wang Wenbin: No." is a paragraph of its own each time.
    needed = Counter(key for key in map(word_key, own) if key)
    if any(kept.count(key) < times for key, times in needed.items()):
        # trafilatura judged part of the element to be boilerplate; the source's rules say otherwise.
        return own
    return paragraphs


def _document_text(document: TrafilaturaDocument | None) -> str:
    """trafilatura's text, one line per block: line breaks in the page's source are not paragraphs.

    trafilatura keeps the newlines of the HTML source inside a paragraph's text ("...has stated\n
    its position"); our paragraphs must be the page's blocks, so those become spaces before the tree
    is turned into text (``<br>`` is an ``lb`` element in its tree and still breaks the line).
    """
    if document is None:
        return ""
    body = document.body
    if body is None:
        return document.text or ""
    changed = False
    for node in body.iter():
        if node.text and "\n" in node.text:
            node.text = node.text.replace("\n", " ")
            changed = True
        if node.tail and "\n" in node.tail:
            node.tail = node.tail.replace("\n", " ")
            changed = True
    if not changed:
        return document.text or ""
    return xmltotxt(body, False)


@lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


# --- metadata -----------------------------------------------------------------------------------------


def _title(tree: lxml_html.HtmlElement, selector: str | None, from_metadata: str | None, url: str) -> str | None:
    """The configured selector's text, else trafilatura's title, else ``<title>``, else the page's single
    ``<h1>``; all but the first without the site's name, and passed over when they are nothing but the site's
    name ("| Example News")."""
    if selector:
        for element in tree.cssselect(selector):
            text = normalize_space(element.text_content())
            if text:
                return text
    names = site_names(tree, url)
    for candidate in (from_metadata, *(element.text_content() for element in tree.iter("title"))):
        cleaned = clean_title(candidate, names)
        if cleaned:
            return cleaned
    # A CMS that leaves its headline field empty still prints the headline on the page; with several <h1>
    # (a logo, section names) there is no telling which one it is.
    headings = [normalize_space(element.text_content()) for element in tree.iter("h1")]
    headings = [text for text in headings if text]
    return clean_title(headings[0], names) if len(headings) == 1 else None


def _authors(value: str | None) -> tuple[str, ...]:
    """trafilatura's author string ("A; B") → distinct names, in order."""
    names: list[str] = []
    for part in re.split(r"[;,]", value or ""):
        name = normalize_space(part)
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _language(tree: lxml_html.HtmlElement) -> str | None:
    """The page's declared language (``<html lang>``, ``xml:lang``, ``Content-Language`` meta) as ISO 639-1."""
    root = tree.getroottree().getroot()
    declared = [root.get("lang"), root.get(_XML_LANG)]
    declared += root.xpath(
        "//meta[translate(@http-equiv, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
        " = 'content-language']/@content"
    )
    for value in declared:
        code = _language_code(value)
        if code:
            return code
    return None


def _language_code(value: object) -> str | None:
    """ "zh-CN" → "zh", "en_US" → "en", "eng" → "en"; ``None`` for "und", "x-default" and the like."""
    if not isinstance(value, str):
        return None
    primary = re.split(r"[-_\s,;]", value.strip().lower(), maxsplit=1)[0]
    if not _LANG_CODE.match(primary):
        return None
    if len(primary) == 3:
        return _LANG_639_2.get(primary)
    return primary
