"""A page's title without the site's name: ``<title>`` (and trafilatura's title, read from it when ``og:title`` is
empty) is usually "Headline | Site", and a CMS page whose headline field is empty says just "| Site".

:func:`clean_title` strips a site-name prefix or suffix and refuses a title that is nothing but separators and the
site's name, so that the caller falls back to another title (the page's ``<h1>``, or the listing's title).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from lxml import html as lxml_html

from pipeline.extract.text import normalize_space

#: Characters sites put between the headline and their name ("Headline | Site", "Site — Headline").
#: (Not « » ‹ ›: they are also quotation marks, and a title may end with a quote.)
_SEPARATORS = "|-–—·•:~/"
#: A title starting with a separator and a space: "| Site", "- Site".
_LEADING = re.compile(rf"^[{re.escape(_SEPARATORS)}]+\s")
_EDGE = re.compile(rf"^[\s{re.escape(_SEPARATORS)}]+|[\s{re.escape(_SEPARATORS)}]+$")
#: A separator with whitespace on both sides: a hyphen inside a word ("Guinea-Bissau") is not one.
_SPLIT = re.compile(rf"\s+[{re.escape(_SEPARATORS)}]\s+")
#: Host labels that say nothing about the site's name.
_GENERIC_LABELS = frozenset({"www", "m", "en", "news", "com", "org", "net", "gov", "co", "uk", "cn", "ru", "jp"})


def site_names(tree: lxml_html.HtmlElement, url: str) -> list[str]:
    """What the page calls its site (``og:site_name``, ``application-name``) and the distinctive labels of
    its host name ("islamtimes" of www.islamtimes.com), as comparison keys."""
    declared = tree.xpath(
        "//meta[@property='og:site_name' or @name='og:site_name' or @name='application-name']/@content"
    )
    host = (urlsplit(url).hostname or "").lower()
    labels = [label for label in host.split(".") if len(label) > 2 and label not in _GENERIC_LABELS]
    return [key for key in (*map(_key, declared), *labels) if key]


def clean_title(title: str | None, names: Iterable[str]) -> str | None:
    """``title`` without a site-name prefix or suffix; None when nothing but separators and the site's name
    is left (the caller tries its next source of a title)."""
    if not title:
        return None
    text = normalize_space(title)
    keys = list(names)
    if _LEADING.match(text):
        # "| Site": the headline in front of the separator is empty, whatever the site is called.
        return None
    parts = _SPLIT.split(text)
    while len(parts) > 1 and _is_site(parts[-1], keys):
        parts.pop()
    while len(parts) > 1 and _is_site(parts[0], keys):
        parts.pop(0)
    cleaned = _EDGE.sub("", " ".join(_joined(text, parts)))
    if not cleaned or _is_site(cleaned, keys):
        return None
    return cleaned


def _joined(text: str, parts: list[str]) -> list[str]:
    """The kept parts with their original separators (the span of ``text`` from the first to the last)."""
    start = text.find(parts[0])
    end = text.rfind(parts[-1]) + len(parts[-1])
    return [text[start:end]] if start >= 0 and end >= start else parts


def _is_site(part: str, keys: list[str]) -> bool:
    """``part`` is the site's name: equal to a key, or a host label with a few letters around it ("Example
    News" on news.example.com), not a longer headline that happens to contain it."""
    key = _key(part)
    return bool(key) and any(
        key == name or (len(name) >= 4 and name in key and len(key) <= len(name) + 8) for name in keys
    )


def _key(text: str) -> str:
    """Letters and digits only, case-folded: "Islam Times" and "islamtimes" compare equal."""
    return "".join(char for char in text.casefold() if char.isalnum())
