"""Paragraph-level text handling shared by the extract stage.

Readout's text model: a document's text is a list of paragraphs, each with its whitespace collapsed
to single spaces, joined by a blank line (``"\\n\\n"``). Briefing transcripts are later split into
Q&A turns paragraph by paragraph, so paragraph breaks are kept and never merged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from copy import deepcopy

from lxml import html as lxml_html

#: How paragraphs are joined in :attr:`ExtractedDocument.text`.
PARAGRAPH_SEPARATOR = "\n\n"

_WHITESPACE = re.compile(r"\s+")
# Invisible characters that only split words for the tokenizer and the search index. ZWJ/ZWNJ are kept:
# they are meaningful in Persian, Indic scripts and emoji.
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
_WORD = re.compile(r"\w+")

# Elements whose boundaries are paragraph breaks when we split an element's text ourselves.
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "caption",
        "center",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
# Elements whose content is never text a reader sees.
_SKIP_XPATH = (
    ".//script|.//style|.//noscript|.//template|.//iframe|.//svg|.//object|.//embed|.//canvas|.//select|.//button"
)

# Lines that are a widget's label and nothing else ("Tags", "Share this article", "12 comments").
# Only whole lines are dropped, so prose that merely mentions these words is never touched.
_WIDGET_LINE = re.compile(
    r"^\W*(?:advertisement|advertising|tags?|share(?: this)?(?: article| story| post)?"
    r"|related(?: articles| stories| posts)?|read more|more from .{0,40}|comments?|\d+ comments?"
    r"|like this story\? share it with a friend!?|also on \S+ .*|sign up .{0,120}newsletter.*)\W*$",
    re.IGNORECASE,
)


def normalize_space(text: str) -> str:
    """Collapse every run of whitespace (NBSP, ideographic spaces, newlines...) to one space; strip."""
    return _WHITESPACE.sub(" ", _INVISIBLE.sub("", text)).strip()


def split_paragraphs(text: str) -> list[str]:
    """Lines of extractor output → normalised, non-empty paragraphs."""
    # Only "\n" is structure; other line separators (U+2028, \r, \x85...) are just whitespace.
    return [para for para in (normalize_space(line) for line in text.split("\n")) if para]


def join_paragraphs(paragraphs: Iterable[str]) -> str:
    return PARAGRAPH_SEPARATOR.join(paragraphs)


def word_key(text: str) -> str:
    """The text's word characters only, case-folded: compares texts across formatting differences."""
    return "".join(_WORD.findall(text.casefold()))


def element_paragraphs(elements: Sequence[lxml_html.HtmlElement]) -> list[str]:
    """The visible text of ``elements``, split into paragraphs at block boundaries and ``<br>``.

    Used for a configured body selector when trafilatura would lose part of it: every paragraph of
    the selected element is kept, in document order.
    """
    paragraphs: list[str] = []
    for element in elements:
        copy = deepcopy(element)
        copy.tail = None
        for unwanted in copy.xpath(_SKIP_XPATH):
            unwanted.drop_tree()  # keeps the element's tail text
        for node in copy.iter():
            # Newlines in the source are formatting, not structure: only block boundaries break lines.
            if node.text:
                node.text = node.text.replace("\n", " ").replace("\r", " ")
            if node.tail:
                node.tail = node.tail.replace("\n", " ").replace("\r", " ")
        for node in copy.iter():
            tag = node.tag.lower() if isinstance(node.tag, str) else ""
            if tag in _BLOCK_TAGS:
                node.text = "\n" + (node.text or "")
                node.tail = "\n" + (node.tail or "")
        paragraphs.extend(split_paragraphs(copy.text_content()))
    return paragraphs


def drop_title(paragraphs: list[str], title: str | None) -> list[str]:
    """Drop a first paragraph that repeats the title: the title is kept in its own field."""
    if title and paragraphs and word_key(paragraphs[0]) and word_key(paragraphs[0]) == word_key(title):
        return paragraphs[1:]
    return paragraphs


def drop_widget_lines(paragraphs: list[str]) -> list[str]:
    """Drop paragraphs that are only a page widget's label (see ``_WIDGET_LINE``)."""
    return [para for para in paragraphs if not _WIDGET_LINE.match(para)]


def drop_matching(paragraphs: list[str], patterns: Sequence[re.Pattern[str]]) -> list[str]:
    """Drop paragraphs in which any configured pattern is found (``re.search``: anchor it to be strict)."""
    if not patterns:
        return paragraphs
    return [para for para in paragraphs if not any(pattern.search(para) for pattern in patterns)]
