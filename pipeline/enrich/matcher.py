"""Many terms found at once: Aho–Corasick automata over a :class:`~pipeline.enrich.text.TextView`.

Three kinds of term, each in its own automaton:

- **words** (the common case): the term's words are normalised like the text's and matched against the
  stream of normalised words, so a match always starts and ends on word boundaries;
- **prefixes** (a term ending in ``*``): the last word is a prefix of the text's case-folded word;
- **substrings** (Chinese, Japanese, Korean): matched anywhere in the text.

A term written entirely in capitals ("WHO", "US") is an acronym and must match the text's capitals
exactly, so "WHO" never matches "who". Scanning costs one pass over each stream whatever the number of
terms, which is what keeps the tagger fast with thousands of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import ahocorasick

from pipeline.enrich.text import BREAK, Normaliser, TextView, is_unspaced, prepare

P = TypeVar("P")

TermKind = Literal["words", "prefix", "substring"]


class TermError(ValueError):
    """A term that cannot be matched (nothing left after normalisation, a lone ``*``)."""


@dataclass(frozen=True, slots=True)
class Term:
    """A term as compiled: what was written, how it matches, and the words an acronym must show."""

    written: str
    kind: TermKind
    key: str
    #: For an acronym: the words as they must appear in the text, exactly.
    exact: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Hit(Generic[P]):
    """One occurrence of a term in a text: its span (in the NFKC text), the words seen, and the payload."""

    start: int
    end: int
    seen: str
    term: Term
    payload: P

    @property
    def length(self) -> int:
        return self.end - self.start


def _is_acronym(term: str) -> bool:
    letters = [ch for ch in term if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def compile_term(written: str, normaliser: Normaliser) -> Term:
    """How ``written`` will be matched; raises :class:`TermError` for a term that cannot match anything."""
    term = prepare(written).strip()
    if not term or term == "*":
        raise TermError(f"empty term {written!r}")
    if is_unspaced(term):
        return Term(written, "substring", term)
    prefix = term.endswith("*")
    view = TextView(term.rstrip("*"), normaliser)
    if not view.surfaces:
        raise TermError(f"term {written!r} has no letters or digits to match")
    if prefix:
        return Term(written, "prefix", view.folded.rstrip(" "))
    exact = tuple(view.surfaces) if _is_acronym(term) else None
    return Term(written, "words", view.keys, exact)


class PhraseMatcher(Generic[P]):
    """Finds every occurrence of many terms in a text; each term carries a payload (what it stands for).

    Add terms, then :meth:`scan` texts. A term may be added several times with different payloads (the
    same word can mean two topics, or "中美" two countries): every payload gets the hit.
    """

    def __init__(self, normaliser: Normaliser) -> None:
        self.normaliser = normaliser
        self._automata: dict[TermKind, Any] = {}
        self._entries: dict[TermKind, dict[str, list[tuple[Term, P]]]] = {"words": {}, "prefix": {}, "substring": {}}
        self._built = False

    def add(self, written: str, payload: P) -> Term:
        """Add one term; raises :class:`TermError` when it cannot match anything."""
        term = compile_term(written, self.normaliser)
        self._entries[term.kind].setdefault(term.key, []).append((term, payload))
        self._built = False
        return term

    def __len__(self) -> int:
        return sum(len(pairs) for entries in self._entries.values() for pairs in entries.values())

    def _build(self) -> None:
        for kind, entries in self._entries.items():
            automaton = ahocorasick.Automaton()
            for key, pairs in entries.items():
                automaton.add_word(key, (key, pairs))
            if entries:
                automaton.make_automaton()
            self._automata[kind] = automaton
        self._built = True

    def scan(self, view: TextView) -> list[Hit[P]]:
        """Every hit of every term in ``view``, overlaps included (see :func:`leftmost_longest`)."""
        if not self._built:
            self._build()
        hits: list[Hit[P]] = []
        hits.extend(self._scan_words(view, folded=False))
        hits.extend(self._scan_words(view, folded=True))
        substrings = self._automata["substring"]
        if self._entries["substring"]:
            for end, (key, pairs) in substrings.iter(view.text):
                start = end - len(key) + 1
                hits.extend(Hit(start, end + 1, key, term, payload) for term, payload in pairs)
        return hits

    def _scan_words(self, view: TextView, *, folded: bool) -> Iterator[Hit[P]]:
        kind: TermKind = "prefix" if folded else "words"
        if not self._entries[kind]:
            return
        stream = view.folded if folded else view.keys
        for end, (key, pairs) in self._automata[kind].iter(stream):
            first = view.word_at(end - len(key) + 2, folded=folded)
            if first is None:
                continue
            last = first + sum(1 for part in key.split() if part != BREAK) - 1
            start, end = view.starts[first], view.ends[last]
            seen = view.text[start:end]
            for term, payload in pairs:
                if term.exact is not None and tuple(view.surfaces[first : last + 1]) != term.exact:
                    continue
                yield Hit(start, end, seen, term, payload)


def leftmost_longest(hits: Iterable[Hit[P]]) -> list[Hit[P]]:
    """The hits that survive when overlapping ones compete: the longest wins, then the leftmost.

    Hits with the very same span all survive (one term, several payloads)."""
    ordered = sorted(hits, key=lambda hit: (-hit.length, hit.start))
    taken: list[tuple[int, int]] = []
    kept: list[Hit[P]] = []
    for hit in ordered:
        span = (hit.start, hit.end)
        if span in taken or not any(hit.start < end and start < hit.end for start, end in taken):
            kept.append(hit)
            if span not in taken:
                taken.append(span)
    kept.sort(key=lambda hit: (hit.start, hit.end))
    return kept
