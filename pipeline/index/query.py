"""Readout's search query language, shared by the embedded index and Elasticsearch.

::

    sanctions export controls      all words (AND is implied)
    "unilateral sanctions"         a phrase
    sanction*                      a prefix
    taiwan OR "south china sea"    either side of OR (OR binds loosest)
    sanctions -sport  /  NOT sport leave out documents with a word or phrase

Words are case-insensitive. Chinese and Japanese text has no spaces, so a run of CJK characters is
treated as a phrase of its characters (``制裁`` finds 制裁 anywhere). :func:`parse` turns a query into
a small tree (:class:`Query`) that each backend translates; a query it cannot accept raises
:class:`QueryError` with a sentence saying why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pipeline.errors import ReadoutError

TermKind = Literal["word", "phrase", "prefix"]

_TOKEN = re.compile(r'\s*(?:(?P<neg>-)?"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))')
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
#: Characters that are not part of a word (kept out so backends never see operator syntax).
_PUNCT = re.compile(r"[^\w*]+", re.UNICODE)


class QueryError(ReadoutError):
    """The search query cannot be understood."""


@dataclass(frozen=True, slots=True)
class Term:
    """A word, a phrase (words in order) or a prefix."""

    kind: TermKind
    text: str

    @property
    def words(self) -> list[str]:
        return self.text.split()


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
    return bool(_CJK.search(text))


def split_cjk(text: str) -> str:
    """Put spaces around every CJK character, so that character n-grams become words."""
    return re.sub(r"\s+", " ", _CJK.sub(lambda m: f" {m.group(0)} ", text)).strip()


def _term(raw: str, *, phrase: bool) -> Term | None:
    if phrase:
        words = " ".join(_PUNCT.sub(" ", raw).replace("*", " ").split()).lower()
        if not words:
            return None
        return Term("phrase", words) if len(words.split()) > 1 or is_cjk(words) else Term("word", words)
    prefix = raw.endswith("*")
    cleaned = " ".join(_PUNCT.sub(" ", raw.rstrip("*")).replace("*", " ").split()).lower()
    if not cleaned:
        return None
    if len(cleaned.split()) > 1 or (is_cjk(cleaned) and len(cleaned) > 1):
        # "U.S.-China" or 制裁措施: the parts must stand together.
        return Term("phrase", cleaned)
    return Term("prefix" if prefix else "word", cleaned)


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
