"""The embedded index's FTS5 side: the analysed token streams it indexes, the MATCH expression for a
query, and snippets. The point of it all: the same documents as Elasticsearch for the same query.

The FTS5 table has four columns, as the Elasticsearch mapping has two kinds of analysed fields:

* ``title``, ``text``: the ``standard`` analyzer's tokens (``title``/``text`` in Elasticsearch);
* ``ltitle``, ``ltext``: the tokens of the document's own language analyzer, each tagged with the
  language (``en:sanction``), standing for ``title_<lang>``/``text_<lang>``, which are filled only for
  the document's own language.

Tokens come from :mod:`pipeline.index.analysis` and are written one after the other, separated by
spaces, to a table whose FTS5 tokenizer (``ascii`` with the punctuation a token may hold as token
characters) splits on the spaces and nothing else, so ``china's``, ``u.s`` and ``1,000`` are FTS5
tokens as they are Lucene terms. The table is contentless: the original texts live in ``texts`` and
the streams are computed by SQL functions (:func:`register`) in the triggers that keep the index in
step, so they are never stored twice.

A query term becomes what Elasticsearch runs for it (:func:`pipeline.index.es_search.term_query`):

* word: the standard tokens as a phrase in ``title``/``text``, OR, for each language searched, that
  language's tokens as a phrase in ``ltitle``/``ltext`` (a language analysing the word to nothing, a
  stop word, is left out, as Elasticsearch skips that field);
* phrase: the standard tokens as a phrase in ``title``/``text``;
* prefix: in ``title`` or in ``text``, every standard token, the last one as a prefix.

Every token is written as an FTS5 string (``"..."``), so user input is never read as FTS5 syntax.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import regex

from pipeline.index.analysis import Token, filter_tokens, terms, tokenize
from pipeline.index.projection import ANALYZED_LANGUAGES, analyzed_codes
from pipeline.index.query import Group, Query, Term, is_cjk
from pipeline.index.search import MARK_END, MARK_START

#: The ASCII characters a Lucene standard token can contain besides letters and digits (UAX #29
#: MidLetter ``:``, MidNumLet ``.`` ``'``, MidNum ``,`` ``;``, ExtendNumLet ``_``, and ``"`` between
#: Hebrew letters); ``:`` is also the language tags' separator. FTS5 token characters.
TOKEN_CHARS: Final = ".,:;_'\""  # noqa: S105 (not a password)
#: The FTS5 tokenizer: ASCII letters, digits, :data:`TOKEN_CHARS` and every non-ASCII character make
#: tokens; so only the spaces between the tokens of a stream separate them. (Quoted for SQL: ``'``
#: doubled inside the FTS5 argument, ``"`` doubled inside the SQL identifier.)
TOKENIZER: Final = "ascii tokenchars '" + TOKEN_CHARS.replace("'", "''").replace('"', '""') + "'"
_STANDARD: Final = "{title text}"
_LANGUAGE: Final = "{ltitle ltext}"
#: Tokens in a snippet: about 30 words; CJK texts count characters, so they get more.
SNIPPET_TOKENS: Final = 30
SNIPPET_TOKENS_CJK: Final = 64
#: Characters of a hit's text analysed for a snippet before giving up on finding a match in it.
SNIPPET_SCAN_CHARS: Final = 10_000
#: Characters of text analysed at a time for a snippet (more than a window's worth of tokens).
_CHUNK: Final = 500
#: Characters that are a token each (Lucene's <IDEOGRAPHIC> and <HIRAGANA>).
_CUT_BETWEEN: Final = regex.compile(r"[\p{Han}\p{Hiragana}]")


def register(conn: sqlite3.Connection) -> None:
    """The SQL functions the index triggers call: ``readout_std(text)`` and ``readout_lang(text,
    language)``, the token streams of the two kinds of columns."""
    conn.create_function("readout_std", 1, standard_stream, deterministic=True)
    conn.create_function("readout_lang", 2, language_stream, deterministic=True)


def standard_stream(text: str | None) -> str:
    """The ``standard`` analyzer's tokens of a text, space-separated, as indexed in ``title``/``text``."""
    return " ".join(_terms(text or "", "standard"))


def language_stream(text: str | None, language: str | None) -> str:
    """The language analyzer's tokens, tagged with the language; empty for a language without one."""
    if not text or language not in ANALYZED_LANGUAGES:
        return ""
    tokens = _terms(text, ANALYZED_LANGUAGES[language])
    tag = f"{language}:"
    return tag + f" {tag}".join(tokens) if tokens else ""


@lru_cache(maxsize=64)
def _terms(text: str, analyzer: str) -> tuple[str, ...]:
    return tuple(terms(text, analyzer))


def _string(tokens: Sequence[str]) -> str:
    """An FTS5 string: the tokens as one phrase, ``"`` doubled (so never read as syntax)."""
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def term_expression(term: Term, languages: Sequence[str]) -> str:
    """One term as an FTS5 expression (see the module docstring)."""
    standard = terms(term.text, "standard")
    if term.kind == "prefix":
        if len(standard) == 1:
            return f"{_STANDARD} : {_string(standard)} *"
        parts = " AND ".join([*(_string([token]) for token in standard[:-1]), f"{_string(standard[-1:])} *"])
        return f"(({{title}} : ({parts})) OR ({{text}} : ({parts})))"
    alternatives = [f"{_STANDARD} : {_string(standard)}"]
    if term.kind == "word":
        for code in languages:
            tokens = terms(term.text, ANALYZED_LANGUAGES[code])
            if tokens:
                alternatives.append(f"{_LANGUAGE} : {_string([f'{code}:{token}' for token in tokens])}")
    return alternatives[0] if len(alternatives) == 1 else f"({' OR '.join(alternatives)})"


def compile_query(query: Query, languages: Iterable[str] | None) -> str | None:
    """The FTS5 MATCH expression for a parsed query, or None when nothing can match.

    Ranking: a group of two or more terms is sent as ``(t1 AND t2 ...) OR "t1 t2 ..."`` with the
    second part a phrase of all the group's standard tokens. That phrase implies every term, so the
    matches do not change, but FTS5's bm25 sums over every phrase of the query, so the words adjacent
    and in order rank higher, like a ``match_phrase`` *should* clause in Elasticsearch.
    """
    searched = analyzed_codes(languages)  # as es_search.search_fields picks them
    groups = [_group_expression(group, searched) for group in query.groups if group.must]
    return " OR ".join(f"({group})" for group in groups) if groups else None


def _group_expression(group: Group, languages: Sequence[str]) -> str:
    expression = " AND ".join(term_expression(term, languages) for term in group.must)
    boosts = _phrase_boosts(group.must, languages)
    if boosts:
        expression = f"({expression}) OR {' OR '.join(boosts)}"
    if group.must_not:
        excluded = " OR ".join(term_expression(term, languages) for term in group.must_not)
        expression = f"({expression}) NOT ({excluded})"
    return expression


def _phrase_boosts(must: Sequence[Term], languages: Sequence[str]) -> list[str]:
    """The group's tokens, in order, as one phrase: the standard tokens in ``title``/``text`` and, when
    every term is a plain word, each language's tokens in ``ltitle``/``ltext`` (so that stemmed forms
    in order rank too). None for a single term (already exact). Each phrase implies every term of the
    group, so OR-ing them in changes only the ranking."""
    if len(must) < 2:
        return []
    parts = [_string(terms(term.text, "standard")) + (" *" if term.kind == "prefix" else "") for term in must]
    boosts = [f"{_STANDARD} : " + " + ".join(parts)]
    if all(term.kind == "word" for term in must):
        for code in languages:
            tokens = [[f"{code}:{token}" for token in terms(term.text, ANALYZED_LANGUAGES[code])] for term in must]
            if all(tokens):
                boosts.append(f"{_LANGUAGE} : " + " + ".join(_string(part) for part in tokens))
    return boosts


# --- snippets ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pattern:
    """A run of terms to find in a token list; the last one may be a prefix."""

    terms: tuple[str, ...]
    prefix: bool = False


def _patterns(query: Query, language: str | None) -> tuple[list[_Pattern], list[_Pattern]]:
    """What to mark: patterns over the standard tokens, and over the document language's tokens."""
    standard: list[_Pattern] = []
    own: list[_Pattern] = []
    for term in query.positive_terms():
        standard.append(_Pattern(tuple(terms(term.text, "standard")), term.kind == "prefix"))
        if term.kind == "word" and language in ANALYZED_LANGUAGES:
            tokens = terms(term.text, ANALYZED_LANGUAGES[language])
            if tokens:
                own.append(_Pattern(tuple(tokens)))
    return standard, own


def _spans(tokens: Sequence[Token], patterns: Sequence[_Pattern]) -> list[tuple[int, int]]:
    """Character spans of every occurrence of a pattern in the tokens."""
    spans = []
    for pattern in patterns:
        head, last, size = pattern.terms[0], pattern.terms[-1], len(pattern.terms)
        for i, token in enumerate(tokens):
            # The first term decides quickly; most tokens are not it.
            if size == 1:
                if token.term == last or (pattern.prefix and token.term.startswith(last)):
                    spans.append((token.start, token.end))
                continue
            if token.term != head or i + size > len(tokens):
                continue
            window = tokens[i : i + size]
            if all(window[j].term == pattern.terms[j] for j in range(1, size - 1)) and (
                window[-1].term.startswith(last) if pattern.prefix else window[-1].term == last
            ):
                spans.append((window[0].start, window[-1].end))
    return spans


def snippet(text: str, language: str | None, query: Query) -> str:
    """A passage of the original text around the matches, each marked with :data:`MARK_START` and
    :data:`MARK_END`, ``…`` where it is cut, whitespace collapsed.

    A match is an occurrence of a query term's standard tokens (in order; the last as a prefix for a
    prefix term) or of its language tokens (stemmed forms). The text is analysed a chunk at a time and
    only up to the chunk after the first match (a hit's text can be megabytes); the window
    (:data:`SNIPPET_TOKENS` tokens, or :data:`SNIPPET_TOKENS_CJK` for CJK text) is the one with the most
    marked tokens among those.
    """
    standard, own = _patterns(query, language)
    # CJK bigrams only ever match where the standard tokens (one per character) do: skip them.
    analyzer = ANALYZED_LANGUAGES[language] if own and language is not None else None
    if analyzer == "cjk":
        analyzer = None
    tokens: list[Token] = []
    spans: list[tuple[int, int]] = []
    chunks_after_match = 0
    scanned = 0
    complete = True  # the whole text analysed
    for start, end in _chunks(text, _hint(text, [*standard, *own])):
        if not spans and scanned >= SNIPPET_SCAN_CHARS:
            # A hit that matched in its title only: the body has nothing to mark, and analysing all of it
            # would cost milliseconds per hit (Elasticsearch's highlighter has index.highlight.max_analyzed_offset).
            complete = False
            break
        scanned += end - start
        raw = tokenize(text, start, end)
        chunk = filter_tokens(raw, "standard")
        tokens += chunk
        spans += _spans(chunk, standard)
        if analyzer is not None:
            spans += _spans(filter_tokens(raw, analyzer), own)
        if spans:
            chunks_after_match += 1
            if chunks_after_match > 1:
                complete = False
                break
    if not tokens:
        return " ".join(text.split())
    tokens.sort(key=lambda token: token.start)  # the pieces before the hint come last
    merged = _merge(spans)
    size = SNIPPET_TOKENS_CJK if is_cjk(text) else SNIPPET_TOKENS
    first, last = _best_window(tokens, merged, size)
    begin = 0 if first == 0 else tokens[first].start
    end = len(text) if last == len(tokens) and complete else tokens[last - 1].end
    out: list[str] = ["…"] if begin > 0 else []
    cursor = begin
    for start, stop in merged:
        if start < begin or stop > end:
            continue
        out += [text[cursor:start], MARK_START, text[start:stop], MARK_END]
        cursor = stop
    out.append(text[cursor:end])
    if end < len(text):
        out.append("…")
    return " ".join("".join(out).split())


def _hint(text: str, patterns: Sequence[_Pattern]) -> int:
    """Where the first match probably is: the first occurrence, lower-cased, of a pattern's first term
    (all of it for a CJK run). Only where analysis starts; 0 when nothing is found."""
    lowered = text.lower()
    if len(lowered) != len(text):
        return 0
    found = [
        lowered.find("".join(p.terms) if all(_CUT_BETWEEN.fullmatch(term) for term in p.terms) else p.terms[0])
        for p in patterns
    ]
    return min((at for at in found if at >= 0), default=0)


def _chunks(text: str, hint: int) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of pieces of about :data:`_CHUNK` characters, cut where no token can span (at
    whitespace, between two Han or Hiragana characters), from a little before ``hint`` to the end, then
    from the start to there."""
    begin = _cut_at(text, max(0, hint - _CHUNK // 4), backwards=True)
    for first, last in ((begin, len(text)), (0, begin)):
        start = first
        while start < last:
            end = min(last, _cut_at(text, start + _CHUNK))
            yield start, end
            start = end


def _cut_at(text: str, position: int, *, backwards: bool = False) -> int:
    """The nearest place at or after (or before) ``position`` where text can be cut between tokens."""
    if position >= len(text):
        return len(text)
    if backwards:
        while position > 0 and not _cuttable(text, position):
            position -= 1
        return position
    while position < len(text) and not _cuttable(text, position):
        position += 1
    return position


def _cuttable(text: str, position: int) -> bool:
    before, after = text[position - 1], text[position]
    return before.isspace() or (bool(_CUT_BETWEEN.match(before)) and bool(_CUT_BETWEEN.match(after)))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with overlapping or touching ones joined (``⟦制裁⟧``, not ``⟦制⟧⟦裁⟧``)."""
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(stop, merged[-1][1]))
        else:
            merged.append((start, stop))
    return merged


def _best_window(tokens: Sequence[Token], spans: Sequence[tuple[int, int]], size: int) -> tuple[int, int]:
    """Token indexes [first, last) of the window of ``size`` tokens that holds the most marked tokens;
    it starts a few tokens before its first match, so the match has some context."""
    if len(tokens) <= size:
        return 0, len(tokens)
    # Spans are sorted and disjoint: one sweep marks the tokens inside them.
    marked: list[bool] = []
    span = 0
    for token in tokens:
        while span < len(spans) and spans[span][1] <= token.start:
            span += 1
        marked.append(span < len(spans) and spans[span][0] <= token.start)
    best, best_count = 0, -1
    for i, is_marked in enumerate(marked):
        if not is_marked:
            continue
        first = max(0, min(i - size // 4, len(tokens) - size))
        count = sum(marked[first : first + size])
        if count > best_count:
            best, best_count = first, count
        if count == size:
            break
    return best, best + size
