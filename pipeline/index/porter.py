"""The Porter stemmer as Lucene's ``PorterStemmer`` runs it (Elasticsearch's ``english`` analyzer).

Lucene's class is a port of Martin Porter's own reference C implementation, not of the 1980 paper that
Snowball's ``porter`` follows (PyStemmer's ``porter``). The reference version departs from the paper in
step 2: ``bli`` → ``ble`` (the paper has ``abli`` → ``able``) and an extra ``logi`` → ``log``; so
``possibly`` is ``possibl`` and ``ideology`` is ``ideolog`` in Elasticsearch, ``possibli`` and
``ideologi`` with the paper's rules. Like Lucene, words of one or two characters are left alone, and a
consonant is any character other than ``a e i o u`` (and ``y`` after a vowel or at the start).

The steps are numbered as in the reference code (1: plurals and ``-ed``/``-ing``; 2: ``y`` → ``i``;
3 and 4: double and single suffixes; 5: ``-ant``, ``-ence``...; 6: final ``e`` and ``ll``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final


def _consonant(word: str, i: int) -> bool:
    ch = word[i]
    if ch in "aeiou":
        return False
    if ch == "y":
        return i == 0 or not _consonant(word, i - 1)
    return True


def _measure(word: str, end: int) -> int:
    """m of ``word[:end]``: the number of vowel-consonant sequences in [C](VC)^m[V]."""
    count, i = 0, 0
    while i < end and _consonant(word, i):
        i += 1
    while i < end:
        while i < end and not _consonant(word, i):
            i += 1
        if i >= end:
            break
        count += 1
        while i < end and _consonant(word, i):
            i += 1
    return count


def _has_vowel(word: str, end: int) -> bool:
    return any(not _consonant(word, i) for i in range(end))


def _double_consonant(word: str, i: int) -> bool:
    return i >= 1 and word[i] == word[i - 1] and _consonant(word, i)


def _cvc(word: str, i: int) -> bool:
    """Consonant-vowel-consonant ending at ``i``, the last not ``w``, ``x`` or ``y`` (hop(e), not snow)."""
    return (
        i >= 2
        and _consonant(word, i)
        and not _consonant(word, i - 1)
        and _consonant(word, i - 2)
        and word[i] not in "wxy"
    )


#: Step 3 and 4 rules by the letter they look at (step 3: the last but one; step 4: the last), tried in
#: order; the first suffix that ends the word is the only one considered.
_STEP3: Final = {
    "a": (("ational", "ate"), ("tional", "tion")),
    "c": (("enci", "ence"), ("anci", "ance")),
    "e": (("izer", "ize"),),
    "l": (("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous")),
    "o": (("ization", "ize"), ("ation", "ate"), ("ator", "ate")),
    "s": (("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous")),
    "t": (("aliti", "al"), ("iviti", "ive"), ("biliti", "ble")),
    "g": (("logi", "log"),),
}
_STEP4: Final = {
    "e": (("icate", "ic"), ("ative", ""), ("alize", "al")),
    "i": (("iciti", "ic"),),
    "l": (("ical", "ic"), ("ful", "")),
    "s": (("ness", ""),),
}
#: Step 5 suffixes by the last but one letter (``ion`` is handled apart: only after ``s`` or ``t``).
_STEP5: Final = {
    "a": ("al",),
    "c": ("ance", "ence"),
    "e": ("er",),
    "i": ("ic",),
    "l": ("able", "ible"),
    "n": ("ant", "ement", "ment", "ent"),
    "o": ("ou",),
    "s": ("ism",),
    "t": ("ate", "iti"),
    "u": ("ous",),
    "v": ("ive",),
    "z": ("ize",),
}


def _step1(word: str) -> str:
    if word.endswith("s"):
        if word.endswith(("sses", "ies")):  # sses -> ss, ies -> i
            word = word[:-2]
        elif word[-2] != "s":
            word = word[:-1]
    if word.endswith("eed"):
        if _measure(word, len(word) - 3) > 0:
            word = word[:-1]
        return word
    for suffix in ("ed", "ing"):
        if word.endswith(suffix):
            if not _has_vowel(word, len(word) - len(suffix)):
                return word
            word = word[: -len(suffix)]
            if word.endswith(("at", "bl", "iz")):
                return word + "e"
            if _double_consonant(word, len(word) - 1):
                return word if word[-1] in "lsz" else word[:-1]
            if _measure(word, len(word)) == 1 and _cvc(word, len(word) - 1):
                return word + "e"
            return word
    return word


def _replace(word: str, rules: tuple[tuple[str, str], ...]) -> str:
    for suffix, replacement in rules:
        if word.endswith(suffix):
            stem = len(word) - len(suffix)
            return word[:stem] + replacement if _measure(word, stem) > 0 else word
    return word


def _step5(word: str) -> str:
    if word.endswith("ion"):
        stem = len(word) - 3
        if stem > 0 and word[stem - 1] in "st" and _measure(word, stem) > 1:
            return word[:stem]
        return word
    for suffix in _STEP5.get(word[-2], ()):
        if word.endswith(suffix):
            stem = len(word) - len(suffix)
            return word[:stem] if _measure(word, stem) > 1 else word
    return word


def _step6(word: str) -> str:
    if word.endswith("e"):
        m = _measure(word, len(word) - 1)
        if m > 1 or (m == 1 and not _cvc(word, len(word) - 2)):
            word = word[:-1]
    if word.endswith("l") and _double_consonant(word, len(word) - 1) and _measure(word, len(word)) > 1:
        word = word[:-1]
    return word


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The stem of a lower-case ``word`` (cached: indexing stems the same words over and over)."""
    if len(word) <= 2:
        return word
    word = _step1(word)
    if word.endswith("y") and _has_vowel(word, len(word) - 1):
        word = word[:-1] + "i"
    if len(word) > 1:
        word = _replace(word, _STEP3.get(word[-2], ()))
    word = _replace(word, _STEP4.get(word[-1], ()))
    if len(word) > 1:
        word = _step5(word)
    return _step6(word)
