"""Text analysis as Elasticsearch's analyzers do it, for the embedded index.

The embedded index must find the same documents as Elasticsearch for the same query, so it indexes
and queries the *tokens* Elasticsearch's analyzers would produce (``config/elasticsearch/``):

* **tokenizer** (every analyzer): Lucene's ``standard`` tokenizer, i.e. Unicode default word boundaries
  (UAX #29, the ``regex`` module's WORD flag). A segment is a token if it holds a letter or a digit:
  ``China's``, ``U.S`` (the final period is not part of the word), ``1,000``, ``Lavrov’s``, ``foo_bar``
  are single tokens; ``U.S.-China`` is ``U.S`` + ``China``; every Han character and every Hiragana
  character is a token of its own, Katakana and Hangul runs are one token each. Tokens longer than 255
  characters are cut every 255 (``max_token_length``). Text in Latin and Cyrillic letters takes a faster
  road with the same result (:func:`_fast_tokenizer`); a lead apostrophe the ``regex`` module keeps on a
  word (``'abc``) is dropped, as UAX #29 and Lucene break there.
* ``standard`` analyzer (the ``title``/``text`` fields): lower case.
* ``english``: possessive ``'s``/``’s``/``＇s`` removed, lower case, the English stop words, Porter stemming
  as Lucene's ``PorterStemmer`` does it (:mod:`pipeline.index.porter`: Martin Porter's reference version,
  ``possibly`` → ``possibl``; not Snowball's ``porter``, which follows the 1980 paper).
* ``russian``: lower case, Snowball Russian stemming (the algorithm Lucene's ``russian`` analyzer runs).
* ``cjk`` (``zh``, ``ja``): full-width ASCII and half-width Katakana folded, lower case, overlapping
  bigrams of adjacent Han/Hiragana/Katakana/Hangul characters (a lone character stays a unigram), the
  CJK analyzer's stop words.
* ``french``, ``spanish``, ``german``, ``arabic``: lower case (French: elided articles removed), then the
  Snowball stemmer of the language. Elasticsearch uses Lucene's *light* stemmers there, so a few forms
  stem differently: a known gap between the backends (with the two below), limited to these four
  languages' own fields (the ``standard`` fields, which phrases and prefixes use, are exact).

Two simplifications, both documented in the README (Search): stop words are removed only for English
and CJK, while Elasticsearch's ``russian``, ``french``, ``spanish``, ``german`` and ``arabic`` analyzers
drop their language's stop words too (such a stop word typed alone matches on the ``standard`` fields on
both backends, but on the embedded language field also forms that stem alike, ``она`` finding "он"; a
term cut into several tokens around one, ``Россия-и-Вьетнам``, needs that very word on the embedded
language field, where Elasticsearch takes any word in its place); and removed stop words leave no gap
in positions (Elasticsearch keeps one, which matters only inside a hyphenated word such as
``state-of-the-art`` on a language field).

:func:`analysis_id` names this behaviour (:data:`ANALYSIS_VERSION` and a hash of what the analysis makes
of a sample text, so a library upgrade that changes tokens is noticed and one that does not costs
nothing); the embedded index stores it and is rebuilt when it changes, so a file is never searched
with tokens it was not built with.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Final

import regex
import Stemmer

from pipeline.index import porter
from pipeline.index.projection import ANALYZED_LANGUAGES

#: Bump whenever the tokens produced for a text change (2: Lucene's Porter stemmer, CJK stop words
#: without "an", Java's per-character lower case of Σ).
ANALYSIS_VERSION: Final = 2
MAX_TOKEN_LENGTH: Final = 255

#: One UAX #29 segment per match (WORD flag: Unicode default word boundaries), in the group. The ``regex``
#: module glues an apostrophe to the letters after it ("'abc", where UAX #29 and Lucene break before the
#: letters): the group leaves such a lead out.
_SEGMENT = regex.compile(r"(?V1ws)\b[\p{WB=MidNumLet}\p{WB=Single_Quote}\p{WB=MidLetter}\p{WB=MidNum}]*(.+?)\b")


def _fast_tokenizer() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The same segmentation by a much faster road, for text written only in Latin and Cyrillic letters,
    ASCII digits, whitespace and punctuation (most of what Readout indexes).

    For those characters UAX #29 reduces to: letters, digits and ExtendNumLet (``_``, U+202F...) join
    (WB5, WB8-10, WB13a/b); a MidLetter or MidNumLet character (``:``, ``·``, ``.``, ``'``, ``’``) joins
    two letters (WB6/7); a MidNum or MidNumLet character (``,``, ``;``, ``.``, ``'``) joins two digits
    (WB11/12); everything else breaks. The classes are read from the Unicode ``Word_Break`` property
    (the ``regex`` module's), so they are the ones the full rules use. A text with any other character
    (CJK, Hebrew, combining marks, format characters...) takes the full rules. A test compares both
    roads on random text.
    """
    classes: dict[str, list[str]] = {}
    for code in (*range(0x250), *range(0x400, 0x530), *range(0x2000, 0x2070), 0x3000):
        ch = chr(code)
        name = next((n for n, pattern in _WORD_BREAK.items() if pattern.match(ch)), "Other")
        classes.setdefault(name, []).append(re.escape(ch))
    letter, digit, joiner = ("".join(classes.get(n, [])) for n in ("ALetter", "Numeric", "ExtendNumLet"))
    mid_letter = "".join(classes.get("MidLetter", []) + classes.get("MidNumLet", []) + classes.get("Single_Quote", []))
    mid_number = "".join(classes.get("MidNum", []) + classes.get("MidNumLet", []) + classes.get("Single_Quote", []))
    word = f"[{letter}{digit}{joiner}]+"
    token = re.compile(
        f"{word}(?:(?<=[{letter}])[{mid_letter}](?=[{letter}]){word}|(?<=[{digit}])[{mid_number}](?=[{digit}]){word})*"
    )
    simple = "".join(
        "".join(classes.get(n, []))
        for n in ("ALetter", "Numeric", "ExtendNumLet", "MidLetter", "MidNumLet", "MidNum", "Single_Quote",
                  "Double_Quote", "Other", "CR", "LF", "Newline", "WSegSpace")
    )  # fmt: skip
    # The whitespace no token spans (all of it but U+202F, an ExtendNumLet): a text is cut there into
    # simple stretches and the words holding other characters, which take the full rules.
    cut = "".join(re.escape(chr(code)) for code in range(0x3001) if chr(code).isspace() and code != 0x202F)
    return token, re.compile(f"[^{simple}]"), re.compile(f"[^{cut}]*")


_WORD_BREAK = {
    name: regex.compile(rf"\p{{Word_Break={name}}}")
    for name in (
        "ALetter", "Numeric", "ExtendNumLet", "MidLetter", "MidNumLet", "MidNum", "Single_Quote", "Double_Quote",
        "CR", "LF", "Newline", "WSegSpace", "Extend", "Format", "ZWJ", "Katakana", "Hebrew_Letter",
        "Regional_Indicator",
    )
}  # fmt: skip
#: A token of simple text, a character that is not simple, and a run of text without whitespace.
_FAST_TOKEN, _NOT_SIMPLE, _NO_SPACE = _fast_tokenizer()
_WORDY = regex.compile(r"[\p{L}\p{Nd}]")
_CJK_CHAR = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
#: Characters the standard tokenizer makes CJK tokens of (the prolonged sound and voicing marks belong to
#: Katakana words); a run of them is a run of adjacent CJK tokens.
_CJK_RUN = regex.compile(r"([\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u30fc\u309b\u309c]+)")
_WIDE = regex.compile(r"[\uff01-\uff5e\uff65-\uff9f]")
_POSSESSIVE = regex.compile(r"(?<=.)['\u2019\uff07][sS]$", regex.MULTILINE)

#: Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (the ``_english_`` stop words).
ENGLISH_STOP: Final = frozenset(
    (
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no",
        "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this",
        "to", "was", "will", "with",
    )
)  # fmt: skip
#: Lucene's CJKAnalyzer default stop words (``analysis/cjk/stopwords.txt``): the English set without
#: ``an``, plus ``s``, ``t``, ``www``.
CJK_STOP: Final = (ENGLISH_STOP - {"an"}) | {"s", "t", "www"}
#: The ``elision`` articles of Elasticsearch's ``french`` analyzer.
_FRENCH_ELISION: Final = ("l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu")
_APOSTROPHES: Final = ("'", "\u2019", "\uff07")

_SNOWBALL: Final = {
    "russian": "russian",
    "french": "french",
    "spanish": "spanish",
    "german": "german",
    "arabic": "arabic",
}

#: The text :func:`analysis_id` analyses: possessives, abbreviations, numbers, hyphens, apostrophes, long
#: and stop words, CJK (with full-width and half-width forms), Cyrillic, Greek, Arabic, accents, punctuation.
_SAMPLE: Final = (
    "The U.S. and China's ministers' talks on 1,000 firms (3.5% of 12 000): U.S.-China relations, "
    "Lavrov’s remarks, 'unilateral' sanctioning, possibly ideological; state-of-the-art foo_bar www.mfa.gov "
    "İstanbul Ǆemal ﬁnance. 外交部发言人表示，中方坚决反对ＡＢＣ单边制裁。ｶﾀｶﾅ カタカナ ひらがな 한국어 "
    "Россия и Вьетнам, удобрений; ΟΔΟΣ Σωκράτης; l'État français, s'engagent; Bundesländer, niños; "
    "وزارة الخارجية؛ " + "x" * 300
)


@cache
def analysis_id() -> str:
    """What the embedded index stores to know it was built with this analysis: :data:`ANALYSIS_VERSION`
    and a hash of the tokens every analyzer makes of a fixed sample text (computed once per process, a
    few milliseconds). A library upgrade that changes no token keeps the id, and the index; one that
    splits or stems the sample differently changes it."""
    digest = hashlib.sha256()
    for analyzer in ("standard", *sorted(set(ANALYZED_LANGUAGES.values()))):
        found = terms(_SAMPLE, analyzer)
        offsets = [f"{token.term}@{token.start}-{token.end}" for token in analyze(_SAMPLE, analyzer)]
        digest.update("\x00".join([analyzer, *found, *offsets]).encode())
    return f"{ANALYSIS_VERSION}:{digest.hexdigest()[:16]}"


@dataclass(frozen=True, slots=True)
class Token:
    """A term and the characters of the original text it came from."""

    term: str
    start: int
    end: int


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """The ``standard`` tokenizer's tokens with their offsets, original case (see the module docstring),
    of ``text[start:end]``; cut it only at whitespace, which no token spans."""
    tokens: list[Token] = []
    for segment, at in _segments(text, start, len(text) if end is None else end):
        if not _is_word(segment):
            continue
        if len(segment) > MAX_TOKEN_LENGTH:
            tokens.extend(_cut(segment, at))
        else:
            tokens.append(Token(segment, at, at + len(segment)))
    return tokens


def _segments(text: str, start: int, stop: int) -> Iterator[tuple[str, int]]:
    """Word-boundary segments (those that start like a word) and their offsets: the fast road over simple
    stretches, the full rules over the words around any other character."""
    position = start
    while (other := _NOT_SIMPLE.search(text, position, stop)) is not None:
        # The words around it: back and forward to whitespace.
        begin = other.start()
        while begin > position and _NO_SPACE.fullmatch(text, begin - 1, begin):
            begin -= 1
        found = _NO_SPACE.match(text, other.end(), stop)
        end = found.end() if found else other.end()
        for match in _FAST_TOKEN.finditer(text, position, begin):
            yield match.group(), match.start()
        for match in _SEGMENT.finditer(text, begin, end):
            yield match.group(1), match.start(1)
        position = end
    for match in _FAST_TOKEN.finditer(text, position, stop):
        yield match.group(), match.start()


def words(text: str) -> list[str]:
    """Just the terms of :func:`tokenize` (no offsets: the fast path for indexing)."""
    return list(_words(text))


@lru_cache(maxsize=8)
def _words(text: str) -> tuple[str, ...]:
    # Cached: indexing a document analyses the same text with the standard and its language analyzer.
    if _NOT_SIMPLE.search(text):
        found = [segment for segment, _ in _segments(text, 0, len(text)) if _is_word(segment)]
    else:
        # _is_word inlined: this runs for every word of most indexed texts.
        found = [s for s in _FAST_TOKEN.findall(text) if s[0].isalpha() or s[0].isdecimal() or _WORDY.search(s)]
    if any(len(segment) > MAX_TOKEN_LENGTH for segment in found):
        found = [token.term for segment in found for token in _cut(segment, 0)]
    return tuple(found)


def _is_word(segment: str) -> bool:
    # Lucene emits a segment with a letter or a decimal digit (ALetter, Numeric, ideographs, kana...);
    # "_" or "²" alone is no token.
    first = segment[0]
    return first.isalpha() or first.isdecimal() or bool(_WORDY.search(segment))


def _cut(segment: str, start: int) -> list[Token]:
    """``max_token_length``: a longer token is split every 255 characters."""
    return [
        Token(segment[cut : cut + MAX_TOKEN_LENGTH], start + cut, start + min(len(segment), cut + MAX_TOKEN_LENGTH))
        for cut in range(0, len(segment), MAX_TOKEN_LENGTH)
    ]


def lower(term: str) -> str:
    """Lower case one character at a time, as Java's ``Character.toLowerCase`` (Lucene's
    ``LowerCaseFilter``): ``İ`` → ``i``, and ``Σ`` → ``σ`` even at the end of a word, where
    ``str.lower()`` writes the final ``ς`` (``ΟΔΟΣ`` is ``οδοσ`` in Elasticsearch)."""
    lowered = term.lower()
    if len(lowered) == len(term) and "Σ" not in term:
        return lowered
    return "".join(ch.lower()[0] for ch in term)


def _lower_all(terms: list[str]) -> list[str]:
    joined = "\n".join(terms)  # one call instead of one per token; tokens never hold a newline
    lowered = joined.lower()
    if len(lowered) == len(joined) and "Σ" not in joined:
        return lowered.split("\n") if terms else []
    return [lower(term) for term in terms]


def _filter(terms: list[str], analyzer: str) -> list[str | None]:
    """The token filters of a non-CJK analyzer, token by token (None: removed, a stop word)."""
    if analyzer == "standard":
        return list(_lower_all(terms))
    if analyzer == "english":
        lowered = _lower_all(_strip_possessives(terms))
        return [None if term in ENGLISH_STOP else porter.stem(term) for term in lowered]
    if analyzer in _SNOWBALL:
        lowered = _lower_all(terms)
        if analyzer == "french":
            lowered = [_elide(term) for term in lowered]
        return list(_snowball(_SNOWBALL[analyzer])(lowered))
    raise ValueError(f"unknown analyzer {analyzer!r}")


def analyze(text: str, analyzer: str) -> list[Token]:
    """The tokens ``analyzer`` (``standard`` or a :data:`ANALYZED_LANGUAGES` value) makes of ``text``,
    with the offsets of the characters they came from."""
    return filter_tokens(tokenize(text), analyzer)


def filter_tokens(tokens: list[Token], analyzer: str) -> list[Token]:
    """:func:`analyze` of text already tokenized (to analyse one text with several analyzers)."""
    if analyzer == "cjk":
        return _cjk(tokens)
    filtered = _filter([token.term for token in tokens], analyzer)
    return [Token(term, token.start, token.end) for term, token in zip(filtered, tokens, strict=True) if term]


def terms(text: str, analyzer: str) -> list[str]:
    """Just the terms of :func:`analyze`."""
    if analyzer == "cjk":
        return _cjk_terms(text)
    return [term for term in _filter(words(text), analyzer) if term]


def _strip_possessives(terms: list[str]) -> list[str]:
    # EnglishPossessiveFilter: a trailing 's (or ’s, ＇s), upper or lower case s; one substitution over
    # all the terms at once (a term holds no newline).
    return _POSSESSIVE.sub("", "\n".join(terms)).split("\n") if terms else []


def _elide(term: str) -> str:
    for mark in _APOSTROPHES:
        head, found, tail = term.partition(mark)
        if found and head in _FRENCH_ELISION:
            return tail
    return term


@cache
def _snowball(language: str) -> Callable[[list[str]], list[str]]:
    stemmer = Stemmer.Stemmer(language)
    return lambda terms: list(stemmer.stemWords(terms))


def _width(term: str) -> str:
    """CJKWidthFilter: full-width ASCII to ASCII, half-width Katakana to full width."""
    out = []
    for ch in term:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif 0xFF65 <= code <= 0xFF9F:
            out.append(unicodedata.normalize("NFKC", ch))
        else:
            out.append(ch)
    return "".join(out)


def _cjk(tokens: list[Token]) -> list[Token]:
    """CJK analyzer: width folding, lower case, bigrams of adjacent CJK characters, stop words."""
    out: list[Token] = []
    run, run_start, run_end = "", 0, -1  # the current run of adjacent CJK characters

    def flush() -> None:
        if len(run) == 1:
            out.append(Token(run, run_start, run_start + 1))
        else:
            out.extend(Token(run[i : i + 2], run_start + i, run_start + i + 2) for i in range(len(run) - 1))

    for token in tokens:
        term = token.term
        if _WIDE.search(term):
            term = _width(term)
        term = lower(term)
        if _CJK_CHAR.match(term):
            if run and run_end != token.start:
                flush()  # not adjacent in the text: CJKBigramFilter does not pair across a gap
                run = ""
            if not run:
                run_start = token.start
            run += term
            run_end = token.end
            continue
        if run:
            flush()
            run = ""
        if term not in CJK_STOP:
            out.append(Token(term, token.start, token.end))
    if run:
        flush()
    return out


def _cjk_terms(text: str) -> list[str]:
    """The terms of :func:`_cjk` by a faster road, for indexing: runs of CJK characters found by one
    regex (adjacent CJK tokens are exactly such runs) and cut into bigrams by slicing, the text between
    them tokenized as usual. A test checks both roads agree."""
    if _WIDE.search(text):
        text = _width(text)
    out: list[str] = []
    for i, part in enumerate(_CJK_RUN.split(text)):
        if i % 2:
            out.extend([part] if len(part) == 1 else [part[j : j + 2] for j in range(len(part) - 1)])
        elif part:
            out.extend(term for term in _lower_all(list(_words.__wrapped__(part))) if term not in CJK_STOP)
    return out
