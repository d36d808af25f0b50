"""The text the matchers read: words normalised once per document, shared by every matcher.

Spaced scripts (Latin, Cyrillic, Greek, Arabic...) are cut into words; each word is case-folded and
reduced to a stem (Latin script: the English Snowball stemmer) or a dictionary form (Cyrillic: the
pymorphy3 lemmatiser), so a term written once matches its inflected forms: "sanction" matches
"sanctions", "Китай" matches "Китая". Scripts written without spaces (Chinese, Japanese, Korean) are
matched as plain substrings of the text, since they have no word boundaries to respect.

Terms go through the very same normalisation as the text, which is what makes matching consistent:
whatever the stemmer does to a word, it does on both sides.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

#: Characters of scripts written without spaces between words.
UNSPACED_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
#: A word: a run of letters and digits of a spaced script (apostrophes and hyphens split words).
_WORD = re.compile(rf"[^\W_{UNSPACED_CHARS}]+")
_UNSPACED = re.compile(f"[{UNSPACED_CHARS}]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
#: Anything between two words other than spaces, hyphens and apostrophes ends a phrase: a term never
#: matches across a full stop, a comma or a bracket ("China. Daily" is not "China Daily").
_BREAK = re.compile(r"[^\s\-\u2010\u2011\u2013'\u2019`]")
#: The stream token standing for such a break.
BREAK = "|"
#: Sentence ends, for finding the lead; a full stop must be followed by a space or the end.
_SENTENCE_END = re.compile(r"[.!?](?:[\"'”’»)]*)(?=\s|$)|[。！？]")


def is_unspaced(term: str) -> bool:
    """True for a term in a script without spaces (matched as a substring)."""
    return _UNSPACED.search(term) is not None


def words(text: str) -> list[re.Match[str]]:
    """The words of ``text`` (spaced scripts only), as regex matches carrying their offsets."""
    return list(_WORD.finditer(text))


def prepare(text: str) -> str:
    """The form every text and term is read in: NFKC (full-width letters, ligatures, compatibility forms)."""
    return unicodedata.normalize("NFKC", text)


def _strip_marks(word: str) -> str:
    """Latin diacritics removed ("Côte" → "cote"), so that both spellings of a name match."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class Normaliser:
    """Word → matching key (stem or lemma), with a cache: vocabularies are small and words repeat."""

    def __init__(self) -> None:
        import snowballstemmer

        self._english: Any = snowballstemmer.stemmer("english")
        self._morph: Any = None
        self._lock = threading.Lock()
        #: Word → key and word → folded form, filled as words are seen.
        self.keys: dict[str, str] = {}
        self.folded: dict[str, str] = {}

    def fold(self, word: str) -> str:
        """Case-folded, Latin diacritics stripped, Cyrillic ё read as е: the form prefixes match on."""
        folded = self.folded.get(word)
        if folded is None:
            folded = word.casefold()
            folded = folded.replace("ё", "е") if _CYRILLIC.search(folded) else _strip_marks(folded)
            self.folded[word] = folded
        return folded

    def key(self, word: str) -> str:
        """The matching key of one word: its Snowball stem, or its lemma for a Cyrillic word."""
        key = self.keys.get(word)
        if key is None:
            folded = self.fold(word)
            if _CYRILLIC.search(folded):
                key = self._lemma(folded)
            elif folded.isdigit():
                key = folded
            else:
                with self._lock:  # the Snowball stemmer object keeps state between calls
                    key = self._english.stemWord(folded)
            self.keys[word] = key
        return key

    def _lemma(self, word: str) -> str:
        if self._morph is None:
            with self._lock:
                if self._morph is None:
                    import pymorphy3

                    self._morph = pymorphy3.MorphAnalyzer(lang="ru")
        parses = self._morph.parse(word)
        return str(parses[0].normal_form).replace("ё", "е") if parses else word


_default: Normaliser | None = None
_default_lock = threading.Lock()


def default_normaliser() -> Normaliser:
    """The process-wide normaliser (its caches are worth sharing between taggers and documents)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Normaliser()
    return _default


class TextView:
    """One text, prepared for matching: its words and the streams the automata scan.

    ``keys`` is " k1 k2 ... " (normalised words between single spaces, so a term's keys match on word
    boundaries by construction, with ``|`` where punctuation separates two words); ``folded`` is the same
    with case-folded words, for prefix terms (built on first use: few rules have any); ``text`` is the NFKC
    text itself, for unspaced-script terms. Words are kept as parallel lists (``starts``, ``ends``,
    ``surfaces``) because this runs for every word of every document. Terms are compiled through a view of
    their own, which is what keeps both sides consistent.
    """

    __slots__ = (
        "_breaks",
        "_folded",
        "_folded_index",
        "_key_index",
        "_normaliser",
        "ends",
        "keys",
        "starts",
        "surfaces",
        "text",
    )

    def __init__(self, text: str, normaliser: Normaliser) -> None:
        self.text = text = prepare(text)
        self._normaliser = normaliser
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.surfaces: list[str] = []
        #: Numbers of the words a break precedes.
        self._breaks: set[int] = set()
        self._key_index: dict[int, int] = {}
        self._folded: str | None = None
        self._folded_index: dict[int, int] = {}
        parts: list[str] = []
        position = 1  # the stream starts with a space
        previous_end = -1
        known = normaliser.keys
        for number, match in enumerate(_WORD.finditer(text)):
            start, end = match.span()
            # One plain space is by far the most common gap: only look closer at the others.
            gap_is_space = start - previous_end == 1 and text[previous_end] == " "
            if previous_end >= 0 and not gap_is_space and _BREAK.search(text, previous_end, start):
                parts.append(BREAK)
                position += 2
                self._breaks.add(number)
            previous_end = end
            surface = match.group()
            key = known.get(surface) or normaliser.key(surface)
            self.starts.append(start)
            self.ends.append(end)
            self.surfaces.append(surface)
            self._key_index[position] = number
            parts.append(key)
            position += len(key) + 1
        self.keys = " " + " ".join(parts) + " "

    @property
    def folded(self) -> str:
        """The stream of case-folded words (for prefix terms)."""
        if self._folded is None:
            fold = self._normaliser.fold
            parts: list[str] = []
            position = 1
            for number, surface in enumerate(self.surfaces):
                if number in self._breaks:
                    parts.append(BREAK)
                    position += 2
                folded = fold(surface)
                self._folded_index[position] = number
                parts.append(folded)
                position += len(folded) + 1
            self._folded = " " + " ".join(parts) + " "
        return self._folded

    def word_at(self, position: int, *, folded: bool = False) -> int | None:
        """The number of the word that starts at ``position`` of a stream (None if none does)."""
        return (self._folded_index if folded else self._key_index).get(position)


def lead_end(text: str, sentences: int = 2, cap: int = 600) -> int:
    """Where the lead of ``text`` ends: after its first ``sentences`` sentences, and never past ``cap``."""
    if sentences <= 0:
        return 0
    end = 0
    for count, match in enumerate(_SENTENCE_END.finditer(text), start=1):
        end = match.end()
        if count == sentences:
            break
    else:
        end = len(text)
    return min(end, cap)


_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_converter: Any = None


def simplified(text: str) -> str:
    """``text`` with traditional Chinese characters written as simplified ones (OpenCC's t2s), the same length
    so that offsets into it hold for the original; text without Chinese characters is returned as it is. Hong
    Kong, Taiwan and overseas papers quote the ministry in traditional characters; its transcripts, speakers
    file and word lists are simplified."""
    global _converter
    if not _HAN.search(text):
        return text
    if _converter is None:
        import opencc  # loaded on the first Chinese text: most runs never need it

        _converter = opencc.OpenCC("t2s")
    converted: str = _converter.convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase converted to another length: character by character, keeping any that would change length.
    return "".join(c if len(one := _converter.convert(c)) != 1 else one for c in text)
