"""What changed between two versions of a document's text: paragraphs added, removed and changed (with the
words that changed inside them), and whether only its formatting did.

Every decision is made on the text's *substance* (:func:`substance`), not on its bytes:

* whitespace is normalised (runs of spaces, non-breaking and full-width spaces, line breaks inside a
  paragraph, and the paragraph breaks themselves: a re-wrapped text is the same text), and compatibility
  forms are folded (NFKC: a full-width colon is a colon);
* page furniture that the extractor let through and that changes between fetches is left out: view
  counters ("Views: 1,234", "浏览次数：1234次"), tool bars ("[Print] [Close]", "【打印】【关闭】", "分享到"),
  and related-links boxes (a "Related links" / "相关链接" / "Читайте также" heading and the link titles
  under it).

Numbers inside sentences are substance ("80 countries" becoming "90 countries" is an edit): only a line
that is nothing but a counter is furniture. A version whose substance and title are unchanged is
*cosmetic*: it is kept as a version, but it is not an edit.

Pure functions over strings; the catalog calls :func:`text_diff` when it stores a version
(:mod:`pipeline.store.history`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from rapidfuzz import fuzz

from pipeline.extract.text import PARAGRAPH_SEPARATOR

#: How alike (0-100, rapidfuzz's ratio of the normalised texts) two paragraphs in the same place must be for
#: the later one to be the earlier one changed, rather than one paragraph removed and another added.
PAIR_SIMILARITY = 50.0
#: Above this many candidate pairs in one changed block, paragraphs are paired only near their own place.
_PAIRING_BUDGET = 40_000
_WINDOW = 25

#: A run of at most this many kept words between two changes, one of them at least this long, is changed too.
_SHORT_KEPT = 2
_LONG_CHANGE = 3

_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
#: Words, numbers (with their separators) and single punctuation marks; each CJK character is a word of its own.
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_]+(?:[-'’.,:/][^\W_]+)*|[^\w\s]")
#: Words of a line that is only a view counter, once its digits and punctuation are gone.
_COUNTER_VOCABULARY = (
    "views view viewed hits reads read visits visitors times page pageviews clicks 浏览 浏览次数 浏览量 "
    "阅读 阅读次数 阅读量 点击 点击数 点击量 访问 访问量 访问次数 次 人次 просмотров просмотры просмотр просмотра"
)
_COUNTER_WORDS = frozenset(_COUNTER_VOCABULARY.split())
#: Words of a line that is only a tool bar (print, close, share, font size).
_TOOLBAR_VOCABULARY = (
    "print close share email e mail top back to font large medium small this page "
    "打印 关闭 分享到 分享 收藏 返回顶部 字号 大 中 小 печать распечатать поделиться закрыть"
)
_TOOLBAR_WORDS = frozenset(_TOOLBAR_VOCABULARY.split())
#: A related-links box's heading, alone or followed by a colon and its links on the same line.
_RELATED = re.compile(
    r"^(?:related(?: (?:links?|news|stories|articles|content|reading|documents))?|see also|read (?:more|also)|"
    r"more on this(?: topic)?|recommended(?: reading)?|相关(?:链接|新闻|阅读|文章|报道|稿件)|推荐阅读|延伸阅读|"
    r"читайте также|см\. также|по теме|другие материалы)\s*(?:[:：]\s*(?P<links>.*))?$",
    re.IGNORECASE | re.DOTALL,
)
#: A link title under a related-links box: short, and not a sentence.
_LINK_MAX_WORDS = 20
_LINK_MAX_CJK = 60
_SENTENCE_END = re.compile(r"[.!?。！？…\"”»)）]$")


def spaced(text: str) -> str:
    """``text`` with every run of whitespace one space: how changed words are shown (as written)."""
    return _SPACE.sub(" ", text).strip()


def normalised(text: str) -> str:
    """``text`` with compatibility forms folded and every run of whitespace one space (the comparison key)."""
    return spaced(unicodedata.normalize("NFKC", text))


def _words_of(line: str) -> set[str]:
    return set(re.sub(r"[\d\W_]+", " ", line.lower()).split())


def is_counter(line: str) -> bool:
    """A line that is only a view or hit counter ("Views: 1,234", "浏览次数：1234次", "1 234 просмотров")."""
    words = _words_of(line)
    return bool(words) and words <= _COUNTER_WORDS and any(ch.isdigit() for ch in line)


def is_toolbar(line: str) -> bool:
    """A line that is only page tools ("[Print] [Close]", "【打印】【关闭】", "分享到", "Font: Large Medium Small")."""
    words = _words_of(line)
    return bool(words) and words <= _TOOLBAR_WORDS and len(line) <= 80


def _link_like(paragraph: str) -> bool:
    """A paragraph that can be a link title under a related-links box."""
    cjk = sum(1 for ch in paragraph if "\u3400" <= ch <= "\u9fff")
    short = cjk <= _LINK_MAX_CJK if cjk > len(paragraph) / 3 else len(paragraph.split()) <= _LINK_MAX_WORDS
    return short and not _SENTENCE_END.search(paragraph)


@dataclass(frozen=True, slots=True)
class Substance:
    """A text split into what counts (``kept``: paragraphs as written, with their comparison keys) and the
    furniture left out (``furniture``: lines as written)."""

    kept: tuple[str, ...]
    keys: tuple[str, ...]
    furniture: tuple[str, ...]

    @property
    def key(self) -> str:
        """The whole substance as one string: paragraph breaks count as whitespace."""
        return " ".join(self.keys)


def substance(text: str) -> Substance:
    """Split ``text`` (paragraphs separated by a blank line) into its substance and its furniture (see the
    module's docstring). Furniture is dropped line by line inside a paragraph too: extractors sometimes keep
    a tool bar on the last line of a paragraph."""
    kept: list[str] = []
    keys: list[str] = []
    furniture: list[str] = []
    in_box = False
    for paragraph in text.split(PARAGRAPH_SEPARATOR):
        lines = [line for line in paragraph.split("\n") if line.strip()]
        if not lines:
            continue
        key = normalised(paragraph)
        related = _RELATED.match(key)
        if related is not None:
            in_box = not related.group("links")  # a heading alone: its links follow as paragraphs
            furniture.append(paragraph.strip())
            continue
        if in_box and _link_like(key):
            furniture.append(paragraph.strip())
            continue
        in_box = False
        staying = [line for line in lines if not (is_counter(line) or is_toolbar(line))]
        furniture.extend(line.strip() for line in lines if line not in staying)
        if staying:
            kept.append("\n".join(staying).strip() if len(staying) < len(lines) else paragraph.strip())
            keys.append(normalised(kept[-1]))
    return Substance(tuple(kept), tuple(keys), tuple(furniture))


# --- words ---------------------------------------------------------------------------------------------------


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def word_segments(before: str, after: str) -> list[tuple[str, str]]:
    """``before`` turned into ``after`` as (op, text) segments in reading order: "=" kept, "-" removed,
    "+" added. Words are compared as words (each CJK character on its own); the text of each segment is cut
    from the original strings with the spacing before it, so that the "=" and "+" segments make ``after``."""
    old, new = _tokens(before), _tokens(after)
    matcher = SequenceMatcher(None, [t[0] for t in old], [t[0] for t in new], autojunk=False)

    def span(tokens: list[tuple[str, int, int]], text: str, first: int, stop: int) -> str:
        # From the end of the word before the run to the end of its last word: the spacing before a word goes
        # with it (a removed word takes the space before it in the old text, where it had one).
        start = tokens[first - 1][2] if first > 0 else 0
        return text[start : tokens[stop - 1][2] if stop < len(tokens) else len(text)]

    segments: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in _cleaned(matcher.get_opcodes()):
        if tag == "equal":
            segments.append(("=", span(new, after, j1, j2)))
            continue
        if i2 > i1:
            segments.append(("-", span(old, before, i1, i2)))
        if j2 > j1:
            segments.append(("+", span(new, after, j1, j2)))
    return [(op, text) for op, text in segments if text]


Opcode = tuple[str, int, int, int, int]


def _cleaned(opcodes: Sequence[Opcode]) -> list[Opcode]:
    """``opcodes`` with a short run of kept words between two changes, one of them long, taken into the change:
    a rewritten clause shares a "to" or a "the" with the old one, and cutting the change there reads badly."""
    merged: list[Opcode] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        inside = 0 < index < len(opcodes) - 1 and tag == "equal" and i2 - i1 <= _SHORT_KEPT
        if inside and max(_size(opcodes[index - 1]), _size(opcodes[index + 1])) >= _LONG_CHANGE:
            tag = "replace"
        if merged and tag != "equal" and merged[-1][0] != "equal":
            start = merged.pop()
            merged.append(("replace", start[1], i2, start[3], j2))
        else:
            merged.append((tag, i1, i2, j1, j2))
    return merged


def _size(opcode: Opcode) -> int:
    return max(opcode[2] - opcode[1], opcode[4] - opcode[3])


def word_changes(before: str, after: str) -> dict[str, list[str]]:
    """The phrases removed from ``before`` and added in ``after`` (each run of changed words as one phrase)."""
    segments = word_segments(before, after)
    return {
        "added": [text.strip() for op, text in segments if op == "+" and text.strip()],
        "removed": [text.strip() for op, text in segments if op == "-" and text.strip()],
    }


# --- paragraphs ----------------------------------------------------------------------------------------------


def _pairs(before: Sequence[str], after: Sequence[str]) -> list[tuple[int, int]]:
    """Monotone pairs (i, j) of paragraphs alike enough to be one paragraph changed, best first, in order."""
    if not before or not after:
        return []
    large = len(before) * len(after) > _PAIRING_BUDGET
    scored: list[tuple[float, int, int]] = []
    for i, old in enumerate(before):
        for j, new in enumerate(after):
            if large and abs(i * len(after) / len(before) - j) > _WINDOW:
                continue
            score = fuzz.ratio(old, new, score_cutoff=PAIR_SIMILARITY)
            if score:
                scored.append((score, i, j))
    chosen: list[tuple[int, int]] = []
    for _, i, j in sorted(scored, key=lambda entry: (-entry[0], entry[1], entry[2])):
        # Keep the pairs in reading order: a pair that would cross one already chosen is a move, not an edit.
        if all((i - a) * (j - b) > 0 for a, b in chosen):
            chosen.append((i, j))
    return sorted(chosen)


def paragraph_diff(before: Substance, after: Substance) -> dict[str, Any]:
    """The paragraphs removed, added and changed from ``before`` to ``after`` (compared by their keys):
    ``{"added": [paragraph], "removed": [paragraph], "changed": [{"before", "after", "words": {"added",
    "removed"}}]}``, each list in reading order."""
    added: list[str] = []
    removed: list[str] = []
    changed: list[dict[str, Any]] = []
    matcher = SequenceMatcher(None, before.keys, after.keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = _pairs(before.keys[i1:i2], after.keys[j1:j2])
        paired_old = {i for i, _ in pairs}
        paired_new = {j for _, j in pairs}
        removed.extend(before.kept[i1 + i] for i in range(i2 - i1) if i not in paired_old)
        added.extend(after.kept[j1 + j] for j in range(j2 - j1) if j not in paired_new)
        for i, j in pairs:
            old, new = before.kept[i1 + i], after.kept[j1 + j]
            changed.append({"before": old, "after": new, "words": word_changes(spaced(old), spaced(new))})
    return {"added": added, "removed": removed, "changed": changed}


def text_diff(
    before_title: str | None, before_text: str, after_title: str | None, after_text: str
) -> tuple[dict[str, Any], bool]:
    """What changed from one version to the next, and whether it is only cosmetic.

    The diff is :func:`paragraph_diff`'s (empty lists for a cosmetic change), with ``title`` ({"before",
    "after"}) when the title changed and ``ignored`` ({"added", "removed"}: the furniture lines that differ,
    which decided nothing)."""
    old, new = substance(before_text), substance(after_text)
    title_changed = normalised(before_title or "") != normalised(after_title or "")
    cosmetic = not title_changed and old.key == new.key
    diff: dict[str, Any] = {"added": [], "removed": [], "changed": []} if cosmetic else paragraph_diff(old, new)
    if title_changed:
        diff["title"] = {"before": before_title, "after": after_title}
    old_furniture, new_furniture = list(old.furniture), list(new.furniture)
    diff["ignored"] = {
        "added": [line for line in new_furniture if line not in old_furniture],
        "removed": [line for line in old_furniture if line not in new_furniture],
    }
    return diff, cosmetic
