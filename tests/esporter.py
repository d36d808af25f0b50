"""The Porter stemmer of Elasticsearch's ``english`` analyzer, for the test-side evaluator (:mod:`tests.esquery`).

Written apart from ``pipeline.index.porter`` and differently: from the rule tables of Porter's 1980
paper ("An algorithm for suffix stripping"), in its own notation (a word as a pattern of ``c`` and ``v``,
m the number of ``VC`` in ``[C](VC)^m[V]``; in each step only the rule with the longest matching suffix
is considered), with the departures of Martin Porter's reference implementation that Lucene's
``PorterStemmer`` (what the ``english`` analyzer and the ``porter_stem`` filter run) ports:

* step 2: ``bli`` → ``ble`` instead of ``abli`` → ``able``, and ``logi`` → ``log`` added;
* step 1b: any double consonant but ``l``, ``s``, ``z`` is undoubled (Snowball's ``porter`` only
  undoubles ``bb dd ff gg mm nn pp rr tt``: ``specced`` is ``spec`` in Lucene, ``specc`` there);
* words of one or two letters are not stemmed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_VC = re.compile(r"v+c+")


def _pattern(word: str) -> str:
    """``c``/``v`` for each letter: a vowel is a e i o u, or y after a consonant."""
    out = ""
    for ch in word:
        out += "v" if ch in "aeiou" or (ch == "y" and out.endswith("c")) else "c"
    return out


def _m(stem: str) -> int:
    return len(_VC.findall(_pattern(stem)))


def _star_v(stem: str) -> bool:
    return "v" in _pattern(stem)


def _star_d(stem: str) -> bool:
    return len(stem) >= 2 and stem[-1] == stem[-2] and _pattern(stem).endswith("c")


def _star_o(stem: str) -> bool:
    return _pattern(stem).endswith("cvc") and stem[-1] not in "wxy"


_STEP2 = {
    "ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize", "bli": "ble",
    "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous", "ization": "ize", "ation": "ate", "ator": "ate",
    "alism": "al", "iveness": "ive", "fulness": "ful", "ousness": "ous", "aliti": "al", "iviti": "ive",
    "biliti": "ble", "logi": "log",
}  # fmt: skip
_STEP3 = {"icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": ""}
_STEP4 = (
    "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate",
    "iti", "ous", "ive", "ize",
)  # fmt: skip


def _longest(word: str, suffixes: Iterable[str]) -> str | None:
    found = [s for s in suffixes if word.endswith(s)]
    return max(found, key=len) if found else None


def porter_stem(word: str) -> str:
    """The stem Lucene's ``PorterStemmer`` gives a lower-case word."""
    if len(word) <= 2:
        return word
    # Step 1a.
    for suffix, replacement in (("sses", "ss"), ("ies", "i"), ("ss", "ss"), ("s", "")):
        if word.endswith(suffix):
            word = word[: len(word) - len(suffix)] + replacement
            break
    # Step 1b.
    if word.endswith("eed"):
        if _m(word[:-3]) > 0:
            word = word[:-1]
    else:
        for suffix in ("ed", "ing"):
            if word.endswith(suffix) and _star_v(word[: -len(suffix)]):
                word = word[: -len(suffix)]
                if word.endswith(("at", "bl", "iz")):
                    word += "e"
                elif _star_d(word) and word[-1] not in "lsz":
                    word = word[:-1]
                elif _m(word) == 1 and _star_o(word):
                    word += "e"
                break
    # Step 1c.
    if word.endswith("y") and _star_v(word[:-1]):
        word = word[:-1] + "i"
    # Steps 2 and 3: (m>0) suffix -> replacement.
    for table in (_STEP2, _STEP3):
        suffix = _longest(word, table)
        if suffix is not None and _m(word[: -len(suffix)]) > 0:
            word = word[: -len(suffix)] + table[suffix]
    # Step 4: (m>1) suffix -> nothing; ion only after s or t.
    suffix = _longest(word, _STEP4)
    if suffix is not None:
        stem = word[: -len(suffix)]
        if _m(stem) > 1 and (suffix != "ion" or stem.endswith(("s", "t"))):
            word = stem
    # Step 5a and 5b.
    if word.endswith("e"):
        m = _m(word[:-1])
        if m > 1 or (m == 1 and not _star_o(word[:-1])):
            word = word[:-1]
    if _m(word) > 1 and _star_d(word) and word.endswith("l"):
        word = word[:-1]
    return word
