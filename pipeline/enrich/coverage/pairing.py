"""Pairing a quote's words with a passage's, and reading the answer around the pairs.

The pieces :class:`~pipeline.enrich.coverage.align.Aligner` judges a quote with: :class:`Token` (a word with
its key and role), :func:`lcs_pairs` (a longest common subsequence of keys, each word paired as early as keeps it
longest), :func:`trim_edges` (chance pairs at either end dropped), and the answer's words a quote leaves out
at its edges: a negation just before it (:func:`negation_before`), the words it replaced at its start
(:func:`words_before`), the rest of a clause it cut short (:func:`unfinished_clause`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipeline.enrich.coverage.words import NEGATIVE_FORMS
from pipeline.enrich.text import prepare

CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CLAUSE_BREAK = re.compile(r"[,;:.!?()\u2013\u2014，；：。！？、]")
#: The most words of an unfinished clause a quote counts as dropped (see :func:`unfinished_clause`).
MAX_DROPPED_TAIL = 5
#: The most words of a name a quote may stop short of (see :func:`unfinished_name`).
MAX_NAME_TAIL = 8
#: Heads of the formulas diplomacy names relations by: cutting what follows them renames the relation.
FORMULA_HEADS = frozenset({"partnership", "relationship", "relations"})
_JOINERS = frozenset({"of", "for", "and", "on", "the", "a", "in"})


@dataclass(frozen=True, slots=True)
class Token:
    """A word of a quote or a passage: ``key`` is what it is compared by (stem, lemma or character),
    ``surface`` how it is written, ``start``..``end`` where (in the prepared text)."""

    key: str
    surface: str
    start: int
    end: int
    #: "marker" (changes meaning), "trivial" (function word) or "content".
    role: str
    #: Which ellipsis-separated part of a quote the token is in.
    part: int = 0


def clause_left_out(said_side: list[Token], said: str) -> bool:
    """Whether the words left out run to a clause break (a comma, a semicolon): a whole clause, not a word."""
    if len(said_side) < 3:
        return False
    text = prepare(said)
    after = text[said_side[-1].end : said_side[-1].end + 2]
    return bool(CLAUSE_BREAK.search(after))


#: Words that negate besides the contracted and auxiliary forms of :data:`NEGATIVE_FORMS`.
_NEGATION_WORDS = frozenset(
    {"no", "nor", "neither", "none", "never", "nothing", "without", "ни", "нет", "без", "никогда", "ничего"}
)


#: Words that say "not" in a word of their own ("impossible", "вместо"): no negation to compare within one
#: language, where the word itself is the difference, but the form another language's "cannot", "а не", "not"
#: may take in translation; and the pairs that do ("rather than", "instead of"; not "would rather").
_NEGATING_WORDS = frozenset(
    {
        *("impossible", "unable", "nobody", "lack", "lacks"),
        *("невозможно", "невозможен", "невозможна", "невозможны", "нельзя", "вместо", "никто", "отсутствие"),
    }
)
_NEGATING_PAIRS = frozenset({("rather", "than"), ("instead", "of")})


def negated(tokens: Sequence[Token], *, translated: bool = False) -> bool:
    """Whether ``tokens`` hold a negation ("not", "never", "cannot", "не", "нет", 不, 没). ``translated``: compared
    with a text in another language, so a word or pair that negates by itself counts too (:data:`_NEGATING_WORDS`,
    :data:`_NEGATING_PAIRS`)."""
    words = [t.surface.casefold() for t in tokens]
    if any(w in NEGATIVE_FORMS or w in _NEGATION_WORDS for w in words) or any(
        t.surface in ("不", "没", "未", "无", "非") for t in tokens
    ):
        return True
    return translated and (
        any(w in _NEGATING_WORDS for w in words) or any(pair in _NEGATING_PAIRS for pair in itertools.pairwise(words))
    )


#: The offices a report may put in the place of another: "the Dalmerian president" for "the Dalmerian
#: ambassador" is another person spoken to.
_OFFICES = {
    form: office
    for office, forms in {
        "president": "president presidents президент президента президенту президентом",
        # A premier is a (prime) minister, an envoy an ambassador: no other person.
        "minister": "minister ministers premier министр министра министру министром премьер премьер-министр "
        "премьер-министра премьер-министру премьер-министром",
        "ambassador": "ambassador ambassadors envoy envoys посол посла послу послом",
        "chancellor": "chancellor",
        "king": "king",
        "consul": "consul",
    }.items()
    for form in forms.split()
}


def office_changed(added: list[Token], dropped: list[Token]) -> bool:
    """Whether the quote names one office where the answer named another ("president" for "ambassador",
    "министра" for "посла"). Words only: Chinese is read by its characters (ZH_MARKERS and the like)."""
    quoted = {_OFFICES[t.surface.casefold()] for t in added if t.surface.casefold() in _OFFICES}
    said = {_OFFICES[t.surface.casefold()] for t in dropped if t.surface.casefold() in _OFFICES}
    return bool(quoted) and bool(said) and quoted.isdisjoint(said)


def names_another_party(quote: Sequence[Token], said: Sequence[Token], speaker: Callable[[str], bool]) -> bool:
    """Whether ``quote`` names something (a capitalised word that is not a function word) that ``said`` does not,
    in any form of the name ("Manila must end its provocations" for "The US should stop its provocations"); not
    the one the answer speaks for (``speaker``: "China will ..." for "We will ...")."""

    def names(tokens: Sequence[Token]) -> set[str]:
        return {
            t.surface.casefold().removesuffix("'s").removesuffix("’s")
            for t in tokens
            if t.surface[:1].isupper() and t.role != "trivial"
        }

    theirs = names(said)
    return any(not speaker(name) and not any(_same_country(name, other) for other in theirs) for name in names(quote))


def renamed(added: list[Token], dropped: list[Token]) -> bool:
    """Both sides of a gap name something (a capitalised word past the start of its text) and not the same: not
    a country and its people's adjective either ("Norvania's government" for "the Norvanian government",
    "Japan's" for "Japanese")."""

    def names(tokens: list[Token]) -> set[str]:
        return {
            t.surface.casefold().removesuffix("'s").removesuffix("’s")
            for t in tokens
            if t.surface[:1].isupper() and t.start > 0
        }

    quoted, said = names(added), names(dropped)
    if not quoted or not said:
        return False
    # Each side's names that name nothing the other side does.
    return any(not any(_same_country(a, b) for b in said) for a in quoted) or any(
        not any(_same_country(a, b) for a in quoted) for b in said
    )


#: The endings that make a country's name its people's adjective, after its final vowel goes.
_PEOPLE_ENDINGS = frozenset({"", "n", "an", "ian", "ean", "ese", "ish", "i", "ic"})


def _same_country(one: str, other: str) -> bool:
    """A name and its adjective: the shorter, less a final vowel, opens the longer ("china"/"chinese",
    "russia"/"russian", "norvania"/"norvanian"), or they are the same."""
    if one == other:
        return True
    short, long = sorted((one, other), key=len)
    stem = short[:-1] if short[-1:] in "aeiouy" and len(short) > 4 else short
    # What the adjective adds is a people's ending ("-n", "-ian", "-ese", "-ish"), not another name's
    # ("Guinea-Bissau" is not Guinea).
    return len(stem) >= 4 and long.startswith(stem) and long[len(stem) :] in _PEOPLE_ENDINGS


def joined(previous: Token, word: str, between: str) -> bool:
    """Whether ``word`` continues the token before it: the letters of an acronym written with full stops
    ("U.S."), or the parts of a hyphenated word ("non-discriminatory")."""
    if between == "." and len(word) == 1 and word.isupper():
        return previous.surface.isupper() and len(previous.surface) <= 3
    return between in ("-", "\u2010", "\u2011") and not is_cjk(word) and not is_cjk(previous.surface[-1])


def is_cjk(word: str) -> bool:
    return bool(re.fullmatch(f"[{CJK}]", word))


def meaningful(tokens: list[Token]) -> bool:
    return any(t.role != "trivial" for t in tokens)


def phrase(tokens: list[Token], text: str) -> str:
    """The words of a gap as written in ``text`` (from the first to the last)."""
    return prepare(text)[tokens[0].start : tokens[-1].end]


def lcs_pairs(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """The pairs (index in ``a``, index in ``b``) of a longest common subsequence, each word of ``a`` paired
    with the earliest word of ``b`` that keeps the subsequence longest (so a repeated word pairs with the
    occurrence next to its neighbours, not a later one)."""
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below, word = table[i], table[i + 1], a[i]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if word == b[j] else max(below[j], row[j + 1])
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if a[i] == b[j] and table[i][j] == table[i + 1][j + 1] + 1:
            pairs.append((i, j))
            i += 1
            j += 1
        elif table[i][j + 1] == table[i][j]:
            j += 1
        else:
            i += 1
    return pairs


def trim_edges(pairs: list[tuple[int, int]], words: list[Token], window: list[Token]) -> list[tuple[int, int]]:
    """Drop words paired far from the rest at either end ("the" paired with a "the" three clauses before the
    passage): they would stretch the matched passage over words the quote never touched."""
    while len(pairs) > 1 and _detached(pairs[0], pairs[1], words, edge=pairs[0]):
        pairs = pairs[1:]
    while len(pairs) > 1 and _detached(pairs[-2], pairs[-1], words, edge=pairs[-1]):
        pairs = pairs[:-1]
    return pairs


def _detached(left: tuple[int, int], right: tuple[int, int], words: list[Token], *, edge: tuple[int, int]) -> bool:
    """Two neighbouring pairs far apart in the passage but not in the quote, or with a function word at the
    edge: the edge one is a chance match (a "the", or "China" of "China's position" for the "China" of "China
    opposes"). A content word at the edge paired far from a function word inside stays ("Посольство ...
    с местными властями")."""
    far = right[1] - left[1] > (8 if is_cjk(words[left[0]].surface) else 4)
    return far and (right[0] - left[0] <= 2 or words[edge[0]].role == "trivial")


def negation_before(window: list[Token], first_j: int, said: str) -> list[Token]:
    """The negation just before the first paired word, in the same clause ("мы не видим" quoted as "Москва
    видит"): a quote that starts after it lost it."""
    text = prepare(said)
    for back in (1, 2):
        index = first_j - back
        if index < 0 or CLAUSE_BREAK.search(text[window[index].end : window[first_j].start]):
            return []
        if negated([window[index]]):
            return window[index:first_j]
    return []


def words_before(window: list[Token], first_j: int, count: int, said: str) -> list[Token]:
    """The answer's words in the places of the quote's first ``count`` words that it does not share, when they
    are in the same clause: "will include" quoted for "may include" replaced "may", it did not start later."""
    if not count or first_j < count:
        return []
    text = prepare(said)
    before = window[first_j - count : first_j]
    if CLAUSE_BREAK.search(text[before[0].end : window[first_j].start]):
        return []
    return before


def unfinished_name(window: list[Token], last_j: int, said: str) -> list[Token]:
    """The rest of a name the quote stopped short of: an official formula ("comprehensive strategic
    partnership" of "... partnership of coordination for a new era") or a title that goes on in capitals
    ("Partnership for Growth" of "... Growth and Security"). [] when the answer's words after the quote are
    not the rest of a name."""
    text = prepare(said)
    rest: list[Token] = []
    previous = window[last_j]
    for token in window[last_j + 1 : last_j + 1 + MAX_NAME_TAIL]:
        if CLAUSE_BREAK.search(text[previous.end : token.start]) or text[previous.end : token.start].strip():
            break
        rest.append(token)
        previous = token
    if len(rest) < 2:
        return []
    last = window[last_j].surface.casefold()
    joiner = rest[0].surface.casefold()
    # A formula: a relation's name going on with "of" or "for" ("partnership of coordination", "relationship of mutual
    # trust"), not any "cooperation for the benefit of ...".
    formula = last in FORMULA_HEADS and joiner in ("of", "for")
    # A title: the quote ends inside a run of capitalised words (two of its last three), which goes on.
    capitals = sum(1 for token in window[max(0, last_j - 2) : last_j + 1] if token.surface[:1].isupper())
    titled = (
        capitals >= 2
        and window[last_j].surface[:1].isupper()
        and (rest[0].surface[:1].isupper() or (joiner in _JOINERS and rest[1].surface[:1].isupper()))
    )
    if titled:
        # The title runs while its words are capitalised (or joined by a small word), and ends on a capital.
        end = 1
        while end < len(rest) and (rest[end].surface[:1].isupper() or rest[end].surface.casefold() in _JOINERS):
            end += 1
        while end > 0 and not rest[end - 1].surface[:1].isupper():
            end -= 1
        return rest[:end]
    return rest[:MAX_NAME_TAIL] if formula else []


def unfinished_clause(window: list[Token], last_j: int, said: str, *, leftover: bool, closed: bool) -> list[Token]:
    """The rest of the answer's clause after the last paired word, when the quote ends with words of its own
    (``leftover``: they stand in for it) or presents itself as complete there (``closed``: a full stop or a
    comma ends it, inside its marks or right after them) while the answer's clause goes on: a qualifier the
    quote cut off ("...sanctions" of "...sanctions or the threat of sanctions")."""
    if not leftover and not closed:
        return []
    text = prepare(said)
    rest: list[Token] = []
    previous = window[last_j]
    for token in window[last_j + 1 :]:
        if CLAUSE_BREAK.search(text[previous.end : token.start]):
            break
        rest.append(token)
        previous = token
    # A short rest is a qualifier of what was quoted ("or the threat of sanctions", "at this stage"); a long
    # one is a clause of its own, which a quote may leave out ("and undermines the stability of ...").
    return rest if len(rest) <= MAX_DROPPED_TAIL else []


#: A word swapped for another at the edge of the paired words counts toward a match only after this many
#: paired words (any kind): a long run said word for word makes the swap a misquote, a short one a coincidence.
EDGE_SWAP_CONTEXT = 6


def conjunct(said: list[Token]) -> bool:
    """Whether ``said`` is "and"/"or" and one or two words: a conjunct a quote leaving it out narrows."""
    return (
        2 <= len(said) <= 3
        and said[0].surface.casefold() in ("and", "or", "и", "или")
        and all(t.role == "content" for t in said[1:])
    )


def swapped(words: list[Token], window: list[Token], pairs: list[tuple[int, int]]) -> int:
    """The quote's words put in the place of the answer's, one for one between, just before or just after paired
    words: its markers ("three patrol vessels" for "two patrol vessels") and one other word between paired
    words, or at an edge of a run of :data:`EDGE_SWAP_CONTEXT` paired words ("a response will follow, and it
    will be tough" for "... proportionate"; not "unilateral sanctions are illegal" for "... counterproductive").
    They count towards the words a match needs, since the swap is what a reader wants to see."""
    last_i, last_j = pairs[-1]
    places = [(-1, pairs[0][1] - pairs[0][0] - 1), *pairs, (last_i + 2, last_j + 2)]
    markers = other = 0
    for number, ((i1, j1), (i2, j2)) in enumerate(itertools.pairwise(places)):
        if i2 - i1 == 2 and j2 - j1 == 2 and 0 <= j1 + 1 < len(window) and 0 <= i1 + 1 < len(words):
            said, quoted = window[j1 + 1], words[i1 + 1]
            edge = number in (0, len(places) - 2)
            if said.key != quoted.key and said.role == quoted.role == "marker":
                markers += 1
            elif said.key != quoted.key and said.role == quoted.role == "content":
                other = other or int(not edge or len(pairs) >= EDGE_SWAP_CONTEXT)
    return markers + other
