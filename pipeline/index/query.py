"""Readout's search query language, shared by the embedded index and Elasticsearch.

::

    sanctions export controls      all words (AND is implied)
    "unilateral sanctions"         a phrase
    sanction*                      a prefix
    taiwan OR "south china sea"    either side of OR (OR binds loosest)
    sanctions -sport  /  NOT sport leave out documents with a word or phrase

The parser only finds the structure (terms, quotes, ``*``, ``-``, ``OR``, ``NOT``); it never splits or
normalises the words themselves. Each term keeps the text as the user typed it, and the backend's
analyzers turn it into tokens: Elasticsearch analyses it per field, and the embedded index applies the
same analysis in Python (:mod:`pipeline.index.analysis`). So ``China's``, ``U.S.``, ``1,000`` and
``Lavrov’s`` each stay one word (the standard tokenizer's UAX #29 rules), ``U.S.-China`` is a phrase of
two, and a run of Chinese or Japanese characters is a phrase of its characters (``制裁`` finds 制裁
anywhere). A term with no letter or digit at all (``-``, ``_``) is left out.

:func:`parse` turns a query into a small tree (:class:`Query`) that each backend translates; a query it
cannot accept raises :class:`QueryError` with a sentence saying why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pipeline.errors import ReadoutError
from pipeline.index.analysis import tokenize

TermKind = Literal["word", "phrase", "prefix"]

_TOKEN = re.compile(r'\s*(?:(?P<neg>-)?"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))')
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


class QueryError(ReadoutError):
    """The search query cannot be understood."""


@dataclass(frozen=True, slots=True)
class Term:
    """A word (unquoted), a phrase (quoted) or a prefix (``word*``), with ``text`` as the user typed it
    (without the quotes, the ``*`` or a leading ``-``)."""

    kind: TermKind
    text: str


@dataclass(frozen=True, slots=True)
class Group:
    """Terms that must all match, and terms that must not."""

    must: tuple[Term, ...]
    must_not: tuple[Term, ...] = ()


@dataclass(frozen=True, slots=True)
class Query:
    """Groups joined by OR. No groups: match every document (filters only)."""

    groups: tuple[Group, ...] = field(default_factory=tuple)
    text: str = ""

    @property
    def match_all(self) -> bool:
        return not self.groups

    def positive_terms(self) -> list[Term]:
        """Every term a match can contain (for highlighting and ranking)."""
        return [term for group in self.groups for term in group.must]


def is_cjk(text: str) -> bool:
    """Whether the text has a Chinese, Japanese or Korean character."""
    return bool(_CJK.search(text))


def _term(raw: str, *, phrase: bool) -> Term | None:
    text = raw.strip() if phrase else raw.rstrip("*")
    # Nothing the standard tokenizer keeps (only punctuation): no term, on either backend.
    if not tokenize(text):
        return None
    if phrase:
        return Term("phrase", text)
    return Term("prefix" if text != raw else "word", text)


def parse(text: str) -> Query:
    """Parse a query (see the module docstring). Raises :class:`QueryError`."""
    groups: list[Group] = []
    must: list[Term] = []
    must_not: list[Term] = []
    negate_next = False

    def close_group() -> None:
        nonlocal must, must_not
        if must_not and not must:
            raise QueryError("a part of the query has only exclusions; add a word to search for before '-' or NOT")
        if must:
            groups.append(Group(tuple(must), tuple(must_not)))
        must, must_not = [], []

    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            break
        position = match.end()
        if match.group("phrase") is not None:
            negative = bool(match.group("neg")) or negate_next
            negate_next = False
            term = _term(match.group("phrase"), phrase=True)
        else:
            word = match.group("word")
            if word == "OR":
                close_group()
                continue
            if word == "AND":
                continue
            if word == "NOT":
                negate_next = True
                continue
            negative = negate_next or (word.startswith("-") and len(word) > 1)
            negate_next = False
            term = _term(word[1:] if word.startswith("-") else word, phrase=False)
        if term is None:
            continue
        (must_not if negative else must).append(term)
    close_group()
    return Query(tuple(groups), text.strip())
