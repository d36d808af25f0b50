"""How the aligner reads text: words with their keys and roles, and each passage's sentences (cached).

A word's key is what two words must share to match: the Snowball stem of a Latin-script word (British spelling
read as American, the synonyms of :data:`~pipeline.enrich.coverage.words.SYNONYMS` as their group's first word),
the lemma of a Cyrillic one (the tagger's :class:`~pipeline.enrich.text.Normaliser`), each Chinese or Japanese
character on its own. Its role is ``marker`` (an intensifier, negation, hedge or number: words that change
meaning), ``trivial`` (a function word) or ``content``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pipeline.enrich.coverage.pairing import CJK, Token, is_cjk, joined
from pipeline.enrich.coverage.words import (
    BACKSHIFT,
    HEDGES,
    INTENSIFIERS,
    NEGATIONS,
    PERSON,
    SYNONYMS,
    ZH_TRIVIAL,
)
from pipeline.enrich.keyphrases import STOPWORDS
from pipeline.enrich.text import Normaliser, prepare, simplified

#: British spellings read as American ones ("destabilising", "labour", "centre"), so that a quote in one
#: spelling matches an answer in the other.
_AMERICAN = re.compile(r"(is|our|tre)(e|ed|es|ing|ation|ations|s|)$", re.IGNORECASE)
_SPELLING = {"is": "iz", "our": "or", "tre": "ter"}
#: Words after which "one" is a pronoun or "single", not a number ("any one", "no one", "the one").
_NOT_COUNTING = frozenset({"any", "no", "every", "each", "the", "this", "that", "which", "someone", "anyone"})
#: What "two" names as a pair rather than counts: "the two countries", "the two sides".
_PAIRS = frozenset({"sides", "countries", "nations", "governments", "leaders", "parties", "peoples", "neighbours"})

_TOKEN = re.compile(rf"[{CJK}]|[^\W_{CJK}]+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])[\"'”’»)]*\s+|(?<=[。！？；])")
_ELLIPSIS = re.compile(r"\.\s?\.\s?\.|…|\[\s*(?:\.\.\.|…)\s*\]")


@dataclass(frozen=True, slots=True)
class Passage:
    """What a spokesperson said in one exchange (its answer) or announcement, as a candidate for quotes."""

    turn_id: str
    doc_id: str
    ministry: str
    day: date
    spokesperson_id: str | None
    text: str
    #: The outlet that asked (None for an announcement or an unknown outlet).
    outlet_id: str | None = None
    #: The question(s) the answer replies to ("" for an announcement): reported speech restates its topic.
    question: str = ""


@dataclass(frozen=True, slots=True)
class Said:
    """A passage as the aligner reads it."""

    tokens: list[Token]
    #: Its sentences, as (first, last + 1) token indices.
    sentences: list[tuple[int, int]]
    keys: frozenset[str]
    #: Content words of the question that the answer does not use: reported speech takes its topic from the
    #: question ("responding to the EU's planned 11th package of sanctions" for "We will respond ..."), so
    #: they are the reporter's framing, neither found nor added.
    context: frozenset[str]
    #: Every word of the question that is not a function word (what an exchange is about, with its answer).
    asked: frozenset[str] = frozenset()


class Reader:
    """Reads quotes and passages into tokens; keeps the normaliser, the language word lists and the passages
    read (many quotes meet the same answers)."""

    def __init__(self, normaliser: Normaliser) -> None:
        self.normaliser = normaliser
        self._markers: dict[str, frozenset[str]] = {}
        # Each synonym, as written, read as its group's first word.
        self._synonyms = {word: self.normaliser.key(american(group[0])) for group in SYNONYMS["en"] for word in group}
        self._stems: dict[str, str] = {}
        self._trivial: dict[str, frozenset[str]] = {}
        self._person: dict[str, frozenset[str]] = {}
        for language in ("en", "ru"):
            # Markers are read as written (folded), not stemmed: "willful" stems to "will".
            markers = " ".join((INTENSIFIERS[language], NEGATIONS[language], HEDGES[language]))
            self._markers[language] = frozenset(self.normaliser.fold(w) for w in markers.split())
            stopwords = STOPWORDS.get(language, frozenset())
            # English function words as written; Russian ones by lemma, so that their inflections count too.
            self._trivial[language] = frozenset(
                {self.normaliser.fold(w) for w in stopwords}
                | ({self._key(w) for w in stopwords} if language == "ru" else set())
            )
            self._person[language] = frozenset(self._key(w) for w in PERSON[language].split())
        self._backshift = {(self._key(a), self._key(b)) for a, b in BACKSHIFT}
        self._passages: dict[str, Said] = {}

    def _key(self, word: str) -> str:
        synonym = self._synonyms.get(word.casefold())
        return synonym if synonym is not None else self.normaliser.key(american(word))

    def _stem(self, token: Token) -> str:
        """A token's own stem, before synonyms are read as one word (kept per surface: judged often)."""
        if is_cjk(token.surface) or token.surface.casefold() not in self._synonyms:
            return token.key
        stem = self._stems.get(token.surface)
        if stem is None:
            stem = self._stems[token.surface] = self.normaliser.key(american(token.surface))
        return stem

    def tokens(self, text: str, language: str, *, parts: bool = False) -> list[Token]:
        """The words of ``text`` with their keys and roles; with ``parts``, numbered by ellipsis-separated part."""
        text = prepare(text)
        # Traditional characters read as simplified, once per text ("強" of a Hong Kong paper is the "强" of
        # the transcript); the same length, so a token's offsets index both.
        read = simplified(text)
        found: list[Token] = []
        boundaries = [m.start() for m in _ELLIPSIS.finditer(text)] if parts else []
        markers = self._markers.get(language, self._markers["en"])
        trivial = self._trivial.get(language, self._trivial["en"])
        for match in _TOKEN.finditer(text):
            word = match.group(0)
            start = match.start()
            part = sum(1 for b in boundaries if b < start)
            previous = found[-1] if found else None
            if previous is not None and joined(previous, word, text[previous.end : start]):
                # "U.S." is "US" and "non-discriminatory" "nondiscriminatory": spellings, not other words.
                found.pop()
                word, start = previous.surface + word, previous.start
            if len(word) == 1 and is_cjk(word):
                key = read[start]
                role = "trivial" if key in ZH_TRIVIAL else "content"
                found.append(Token(key, word, start, match.end(), role, part))
                continue
            key = self._key(word)
            marked = self.normaliser.fold(word) in markers or (language == "ru" and key in markers)
            # A single letter is what an apostrophe leaves ("it's", "doesn't"), not a word of its own.
            plain = self.normaliser.fold(word) in trivial or (language == "ru" and key in trivial) or len(word) == 1
            if previous is not None and word.casefold() == "one" and previous.surface.casefold() in _NOT_COUNTING:
                marked = False  # "any one announcement", "the one thing": not a number
            if previous is not None and previous.surface.casefold() == "two" and word.casefold() in _PAIRS:
                # "the two countries", "the two sides": the pair the story is about, not a count.
                found[-1] = Token(
                    previous.key, previous.surface, previous.start, previous.end, "trivial", previous.part
                )
            role = "marker" if marked or word.isdigit() else "trivial" if plain else "content"
            found.append(Token(key, word, start, match.end(), role, part))
        return found

    def _passage(self, passage: Passage, language: str) -> Said:
        """A passage's tokens, its sentences as token ranges, its keys and its question's own content keys, read
        as ``language`` reads them (cached: many quotes meet the same answers; an answer met by a Russian report
        and then by an English one is read twice, each time in the report's language)."""
        cache_key = "\x00".join((language, passage.turn_id, passage.text, passage.question))
        cached = self._passages.get(cache_key)
        if cached is None:
            tokens = self.tokens(passage.text, language)
            ends = [m.start() for m in _SENTENCE_END.finditer(prepare(passage.text))]
            sentences: list[tuple[int, int]] = []
            start = 0
            for index, token in enumerate(tokens):
                if ends and token.start >= ends[0]:
                    while ends and token.start >= ends[0]:
                        ends.pop(0)
                    if index > start:
                        sentences.append((start, index))
                    start = index
            if start < len(tokens):
                sentences.append((start, len(tokens)))
            keys = frozenset(t.key for t in tokens)
            question = [t for t in self.tokens(passage.question, language) if t.role != "trivial"]
            asked = frozenset(t.key for t in question if t.role == "content" and not is_cjk(t.key))
            cached = Said(tokens, sentences, keys, asked - keys, frozenset(t.key for t in question))
            if len(self._passages) > 4096:
                self._passages.clear()
            self._passages[cache_key] = cached
        return cached


def written(token: Token) -> str:
    """How a word is written, for a word-for-word match: case, British spelling and traditional characters
    aside."""
    return token.key if is_cjk(token.surface) else american(token.surface.casefold())


def american(word: str) -> str:
    """``word`` in American spelling when it has a British ending ("destabilising", "labour", "centre")."""
    if len(word) < 6 or not word.isascii():
        return word
    return _AMERICAN.sub(lambda m: _SPELLING[m.group(1).lower()] + m.group(2), word)
