"""Judging how faithfully a quote reproduces the words it was aligned with (:class:`Judge`, the part of
:class:`~pipeline.enrich.coverage.align.Aligner` that gives the verdict), and the :class:`Alignment` it gives.

In the window of the answer a quote was aligned with, the words are paired (the earliest pairing of a longest
common subsequence) and the gaps between paired words are read: words of the quote not said (``added``), words
said but left out of the quote (``dropped``). An ellipsis in the quote excuses what it leaves out; so does
trimming a quote at a clause boundary, but a quote that presents itself as a whole clause ("We oppose X," he
said) while the answer's clause goes on ("...X or the threat of sanctions") drops the rest. The verdict:
``verbatim`` when no gap holds anything but function words; ``divergent`` when a gap adds or drops an
intensifier, a negation, a hedge or modal, a number, or content words with nothing in their place (a qualifier
dropped: "willful", "strategic ... of coordination"); ``paraphrase`` when words were replaced by others that are
none of those. In reported speech, the change of person ("we" → "China") and the back-shift of tense ("will" →
"would") are not differences.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import Indel

from pipeline.enrich.coverage.figures import figures, same_day
from pipeline.enrich.coverage.pairing import (
    CLAUSE_BREAK,
    Token,
    clause_left_out,
    conjunct,
    is_cjk,
    lcs_pairs,
    meaningful,
    negated,
    negation_before,
    office_changed,
    phrase,
    renamed,
    swapped,
    trim_edges,
    unfinished_clause,
    unfinished_name,
    words_before,
)
from pipeline.enrich.coverage.reading import Passage, Reader, written
from pipeline.enrich.coverage.words import (
    APPROXIMATELY,
    BACKSHIFTED,
    CONDITIONS,
    CURRENCIES,
    CURRENCY_SIGNS,
    HEDGE_PHRASES,
    MOSTLY,
    NEGATIVE_FORMS,
    UNNAMED_PARTIES,
    ZH_MARKERS,
    ZH_NAMED_PARTY,
)
from pipeline.enrich.text import prepare

Verdict = Literal["verbatim", "paraphrase", "divergent", "unmatched"]
#: What parts two clauses of a sentence: a hedge beyond one is another clause's.
_CLAUSE_BREAK = re.compile(r"[,;:，；：]|\s(?:and|but|while|и|но|а)\s")
#: How far after the words a quote matched an answer's unnamed party may stand to be the one it names.
_EDGE_GAP = 24
#: Words before a Russian "самый" form that make it no superlative.
_NOT_SUPERLATIVE = frozenset({"тем", "же", "то"})
MatchedBy = Literal["words", "meaning"]
#: Worst first: the order a document's worst verdict is chosen by.
VERDICT_SEVERITY: dict[str, int] = {"divergent": 3, "unmatched": 2, "paraphrase": 1, "verbatim": 0}

#: A quote matches an answer when at least this share of its content words is found there, in order...
MATCH_COVERAGE = 0.5
#: ...and at least this many (characters in Chinese and Japanese, which count double).
MATCH_MIN_WORDS = 3
#: Below this token similarity between the quote and the passage it matched, the match is chance.
MIN_SIMILARITY = 0.45


@dataclass(frozen=True, slots=True)
class Alignment:
    """A quote aligned with a passage: ``matched`` is the passage's words the quote reproduces (from the first
    paired word to the last, with what the quote dropped); ``similarity`` the token similarity of the two (0
    to 1); ``added`` and ``dropped`` the differing words, one phrase per gap (only gaps that hold more than
    function words). ``coverage`` is the share of the quote's content words found. ``matched_by`` says how:
    ``words`` (the rules above) or ``meaning`` (:meth:`Aligner.by_meaning`: then ``matched`` is the answer's
    sentence, ``similarity`` the model's cosine of the two and no differing words are given)."""

    passage: Passage
    matched: str
    similarity: float
    coverage: float
    verdict: Verdict
    added: tuple[str, ...]
    dropped: tuple[str, ...]
    matched_by: MatchedBy = "words"


#: The words that join an alternative ("by force or coercion", "силой или принуждением").
_OR = frozenset({"or", "или", "либо"})


class Judge(Reader):
    """Gives the verdict on a quote aligned with a window of an answer (see the module's docstring)."""

    def _sentences_around(self, passage: Passage, language: str, span: list[Token]) -> list[Token]:
        """The words of the sentences of ``passage`` that ``span`` touches."""
        said = self._passage(passage, language)
        return [
            token
            for first, last in said.sentences
            if said.tokens[first].start <= span[-1].end and said.tokens[last - 1].end >= span[0].start
            for token in said.tokens[first:last]
        ]

    def _judge(
        self,
        quote: str,
        words: list[Token],
        passage: Passage,
        window: list[Token],
        *,
        reported: bool,
        language: str,
        closed: bool = False,
        fragment: bool = False,
        min_words: int = MATCH_MIN_WORDS,
    ) -> Alignment | None:
        """``words`` of ``quote`` judged against ``window`` of ``passage``; None when they match too little of
        it (fewer than ``min_words`` content words). A ``fragment`` (the quoted words of a clause whose sentence
        is known) is judged whatever it matches, and is not a clause of its own that could cut the answer's
        short."""
        pairs = trim_edges(lcs_pairs([t.key for t in words], [t.key for t in window]), words, window)
        if pairs and pairs[0][0] > 0 and meaningful(words[: pairs[0][0]]):
            # The quote's first words are the answer's words just before the match ("no one will ..." where the
            # pairing kept "No" for an earlier "No decision"): matched, not a gap. (A leading "the" is left out of
            # the match, as it always was: the words before it are not the quote's.)
            first_i, first_j = pairs[0]
            before = window[max(0, first_j - first_i) : first_j]
            if [t.key for t in before] == [t.key for t in words[:first_i]]:
                pairs = [(i, first_j - first_i + i) for i in range(first_i)] + list(pairs)
        paired = {i for i, _ in pairs}
        context = self._passage(passage, language).context if reported else frozenset()
        content = [i for i, t in enumerate(words) if t.role != "trivial" and (i in paired or t.key not in context)]
        if not content or not pairs:
            return None
        found = sum(1 for i in content if i in paired)
        weight = sum(2 if is_cjk(words[i].surface) else 0 for i in content if i in paired) // 2
        coverage = found / len(content)
        enough = coverage >= MATCH_COVERAGE and found + weight + swapped(words, window, pairs) >= min_words
        if not enough and (not fragment or not found):
            return None  # a fragment is judged however little it matches, but not on function words alone
        gaps: list[tuple[list[Token], list[Token], str]] = []
        first_i, first_j = pairs[0]
        head = negation_before(window, first_j, passage.text) or words_before(window, first_j, first_i, passage.text)
        if first_i > 0 or head:
            gaps.append((words[:first_i], head, "inner" if head else "edge"))
        for (i1, j1), (i2, j2) in itertools.pairwise(pairs):
            if i2 > i1 + 1 or j2 > j1 + 1:
                elided = words[i1].part != words[i2].part
                said_side = [] if elided else window[j1 + 1 : j2]
                # One word the answer puts right before a word the quote keeps: a qualifier dropped
                # ("security interests" for "legitimate security interests").
                qualifier = i2 == i1 + 1 and len(said_side) == 1 and said_side[0].role == "content"
                qualifier = qualifier and window[j2].role == "content" and said_side[0].surface.islower()
                # ...or a conjunct: "freedom of navigation" for "freedom of navigation and overflight".
                qualifier = qualifier or (i2 == i1 + 1 and conjunct(said_side))
                # ...or an alternative before a verb the report puts in another tense ("by force was unacceptable"
                # for "by force or coercion is unacceptable").
                core = list(itertools.dropwhile(lambda t: t.role == "trivial", reversed(said_side)))[::-1]
                alternative = bool(core) and core[0].surface.casefold() in _OR and conjunct(core)
                qualifier = qualifier or (alternative and not meaningful(words[i1 + 1 : i2]))
                gaps.append((words[i1 + 1 : i2], said_side, "qualifier" if qualifier else "inner"))
        last_i, last_j = pairs[-1]
        leftover = last_i < len(words) - 1
        # Closed by the report (punctuation after its marks) or by the quote's own last character.
        closed = closed or bool(re.search(r"[.,!?;。，！？]\s*$", quote))
        tail = (
            []
            if reported or (fragment and not closed)
            else unfinished_clause(window, last_j, passage.text, leftover=leftover, closed=closed)
        )
        if not reported and not tail and not leftover:
            tail = unfinished_name(window, last_j, passage.text)
        if reported and not leftover:
            # Reported speech may stop short of the answer's clause, but not of an alternative that ends it: "by
            # force" for "by force or coercion" narrows what was said, as the same conjunct dropped inside does.
            # Not "and": "laws" for "laws and regulations", "peace" for "peace and stability" is a doublet cut.
            rest = unfinished_clause(window, last_j, passage.text, leftover=False, closed=True)
            alternative = conjunct(rest) and rest[0].surface.casefold() in _OR
            tail = rest if alternative else tail
        if last_i < len(words) - 1 or tail:
            # In reported speech a tail is only ever such an alternative, a qualifier dropped.
            gaps.append((words[last_i + 1 :], tail, "qualifier" if reported and tail else "edge"))
        verdict: Verdict = "verbatim"
        added: list[str] = []
        dropped: list[str] = []
        for quote_side, said_side, where in gaps:
            quote_side = [t for t in quote_side if t.key not in context]
            if (
                quote_side
                and said_side
                and same_day(phrase(quote_side, quote), phrase(said_side, passage.text), passage)
            ):
                # "已于13日下午" for the briefing of the 14th's "已于昨天下午": the same day, named otherwise.
                verdict = "paraphrase" if verdict == "verbatim" else verdict
                continue
            kind = self._gap(
                quote_side, said_side, where, reported=reported, language=language, said_text=passage.text, quoted=quote
            )
            if kind is None:
                continue
            if kind == "divergent" or verdict == "verbatim":
                verdict = kind
            if meaningful(quote_side):
                added.append(phrase(quote_side, quote))
            if meaningful(said_side):
                dropped.append(phrase(said_side, passage.text))
        end_j = window.index(tail[-1]) if tail else last_j
        span = window[first_j : end_j + 1]
        # Conditions only in reported speech, each shown with its clause.
        left_out = [(HEDGE_PHRASES, False), *([(CONDITIONS, True)] if reported else [])]
        hedges = self._left_out(left_out, quote, passage, language, span)
        if hedges:
            # "as far as we know", "up to", "насколько нам известно" dropped, or in reported speech the condition
            # put on what was said: the report claims more certainty, or more, than was said.
            verdict = "divergent"
            dropped += [h for h in hedges if h not in dropped]
        named = _named_at_edge(words[last_i + 1 :], passage.text, span[-1].end, language)
        if named is not None:
            # "... not aimed at Tuskal" for "... not targeted at any third party": the quote ends naming whom the
            # answer left unnamed.
            verdict = "divergent"
            added += [named[0]] if named[0] not in added else []
            dropped += [named[1]] if named[1] not in dropped else []
        if verdict == "verbatim" and reported and [written(t) for t in words] != [written(t) for t in span]:
            verdict = "paraphrase"  # reported speech is verbatim only when it keeps the words
        replaced = [(words[i], window[j]) for i, j in pairs if self._stem(words[i]) != self._stem(window[j])]
        if replaced:
            # A synonym in the place of the answer's word ("free" for "release") matched it; it is a change.
            verdict = "paraphrase" if verdict == "verbatim" else verdict
            added += [q.surface for q, _ in replaced if q.surface not in added]
            dropped += [a.surface for _, a in replaced if a.surface not in dropped]
        for days in (False, True) if any(t.surface[:1].isdigit() for t in words) else ():
            # A figure the answer does not give, where the sentences the quote matched give another ("as many as
            # 430 have returned" for "So far, 340 have returned"), wherever the two stand: reported speech
            # reframes words, not figures. The same for the days of dates ("April 28 to 30" for "27 to 29"); a
            # date only one side gives is when, not what, and changes nothing. Both are shown.
            quoted_figures = figures(words, prepare(quote), days=days)
            said_figures = (
                figures(self._sentences_around(passage, language, span), prepare(passage.text), days=days)
                if quoted_figures
                else {}
            )
            if quoted_figures.keys() - said_figures.keys() and said_figures.keys() - quoted_figures.keys():
                verdict = "divergent"
                shown = {word for phrase in (*added, *dropped) for word in phrase.split()}
                added += [
                    quoted_figures[v]
                    for v in quoted_figures.keys() - said_figures.keys()
                    if quoted_figures[v] not in shown
                ]
                dropped += [
                    said_figures[v] for v in said_figures.keys() - quoted_figures.keys() if said_figures[v] not in shown
                ]
        matched = prepare(passage.text)[span[0].start : span[-1].end]
        similarity = Indel.normalized_similarity([t.key for t in words if t.key not in context], [t.key for t in span])
        if similarity < MIN_SIMILARITY and not fragment:
            return None
        return Alignment(
            passage, matched, round(similarity, 3), round(coverage, 3), verdict, tuple(added), tuple(dropped)
        )

    def _gap(
        self,
        quote_side: list[Token],
        said_side: list[Token],
        where: str,
        *,
        reported: bool,
        language: str,
        said_text: str = "",
        quoted: str = "",
    ) -> Verdict | None:
        """What one gap makes of the quote: None (nothing but function words), "paraphrase" or "divergent"
        (``said_text`` and ``quoted``: the answer and the quote the gap is in)."""
        if said_side and quote_side and _named_for_unnamed(quote_side, said_side, said_text, language):
            # "target China" for "target a third party": another party named (read before the person filter,
            # which would take "country" out of "the relevant country").
            return "divergent"
        if reported:
            person = self._person.get(language, self._person["en"])
            quote_side = [t for t in quote_side if t.key not in person]
            said_side = [t for t in said_side if t.key not in person]
            quote_side, said_side = self._without_backshift(quote_side, said_side)
        if _currency_changed(quote_side, said_side):
            return "divergent"  # "6 billion dollars" for "6 billion euros": another figure
        # A currency's sign spelled out on one side ("6 billion dollars" for "$6 billion"): no word of it changed.
        said_side = [t for t in said_side if not _written_as_sign(t, quoted)]
        quote_side = [t for t in quote_side if not _written_as_sign(t, said_text)]
        if not said_side and not quote_side:
            return None
        added = [t for t in quote_side if t.role != "trivial"]
        dropped = [t for t in said_side if t.role != "trivial"]
        if where == "qualifier":
            return "divergent"
        if reported and (where == "edge" or not added) and not negated(said_side) and len(said_side) > 2:
            # Reported speech frames and summarises: words around it are the reporter's, and a clause it
            # leaves out is not a misquote (a short omission still counts: "strongly opposes" → "opposes").
            return "paraphrase" if added or dropped else None
        if reported and where == "edge":
            return "paraphrase" if added or dropped else None
        if where == "inner" and not added and clause_left_out(said_side, said_text):
            return "paraphrase"  # a whole clause left out: an elision without its mark
        if language == "zh":
            added_text = "".join(t.surface for t in quote_side)
            dropped_text = "".join(t.surface for t in said_side)
            if any(m in added_text or m in dropped_text for m in ZH_MARKERS):
                return "divergent"
        if not added and not dropped:
            return None
        if self._marked(quote_side, said_side, reported=reported):
            return "divergent"
        if office_changed(added, dropped):
            return "divergent"  # "raised it with the president" for "... with the ambassador": someone else
        if renamed(added, dropped):
            return "divergent"  # a name replaced by another: another party ("Brussels" for "Washington")
        if where == "edge" and not dropped:
            # Words around the quote that the speaker did not say: the report's framing in reported speech,
            # an addition put in the speaker's mouth in a direct quote.
            return "paraphrase" if reported else "divergent"
        if dropped and not added:
            # Reported speech summarises; a direct quote that leaves out words inside a clause drops a
            # qualifier.
            return "paraphrase" if reported else "divergent"
        if added and not dropped:
            return "paraphrase" if reported else "divergent"
        # Words replaced by fewer words: what was dropped went further than a rewording ("comprehensive
        # partners" for "comprehensive strategic partnership of coordination"). In reported speech, words the
        # quote says elsewhere were moved, not dropped ("the loan to Solmera was repaid" for "Solmera has repaid
        # the loan").
        if reported:
            elsewhere = {t.key for t in self.tokens(quoted, language)}
            dropped = [t for t in dropped if t.key not in elsewhere]
        return "divergent" if len(dropped) > len(added) + 1 else "paraphrase"

    def _left_out(
        self,
        patterns: Sequence[tuple[re.Pattern[str], bool]],
        quote: str,
        passage: Passage,
        language: str,
        span: list[Token],
    ) -> list[str]:
        """What each of ``patterns`` finds (a hedge of several words, :data:`HEDGE_PHRASES`; a condition's opening
        word, :data:`CONDITIONS`) in the answer's words the quote matched, or in the same clause right before or
        after them, when the quote has none; with True beside a pattern, each is shown with the rest of its
        clause ("if both sides request it")."""
        around = self._sentences_around(passage, language, span)
        if not around:
            return []
        text, quoted = prepare(passage.text), prepare(quote)
        first, last = span[0].start, span[-1].end
        found: list[str] = []
        for pattern, whole_clause in patterns:
            if pattern.search(quoted):
                continue
            for match in pattern.finditer(text, around[0].start, around[-1].end):
                between = text[last : match.start()] if match.start() >= last else text[match.end() : first]
                # Inside the matched words, in their clause, or set off by a comma alone ("As far as we know, no
                # citizens have been hurt"; "..., if both sides request it").
                if first <= match.start() < last or not _CLAUSE_BREAK.search(between) or between.strip() in (",", "，"):
                    clause = CLAUSE_BREAK.search(text, match.end(), around[-1].end) if whole_clause else None
                    end = match.end() if not whole_clause else clause.start() if clause else around[-1].end
                    found.append(text[match.start() : end].strip())
        return found

    def _marked(self, quote_side: list[Token], said_side: list[Token], *, reported: bool) -> bool:
        """Whether the gap (its words on the quote's side and on the answer's) changes intensity, certainty,
        quantity or polarity: a marker word on one side that the other side does not match ("cannot" and "could
        not" have the same polarity; "roughly" and "approximately", "largely" and "generally" say the same)."""

        def markers(tokens: list[Token]) -> Counter[str]:
            found: Counter[str] = Counter()
            for number, token in enumerate(tokens):
                if token.role != "marker":
                    continue
                word = self.normaliser.fold(token.surface)
                if word in APPROXIMATELY or word in MOSTLY:
                    # "approximately" for "roughly": the same claim, whichever word says it.
                    found["~" if word in APPROXIMATELY else "mostly"] += 1
                    continue
                previous = self.normaliser.fold(tokens[number - 1].surface) if number > 0 else ""
                if word.startswith("сам") and previous in _NOT_SUPERLATIVE:
                    continue  # "тем самым" (thereby), "то же самое" (the same): no superlative
                if word in NEGATIVE_FORMS:
                    found["not"] += 1
                    word = NEGATIVE_FORMS[word]
                    if not word:
                        continue
                found[BACKSHIFTED.get(word, word) if reported else word] += 1
            return found

        marked = (markers(quote_side), markers(said_side))
        # "about" (a function word elsewhere: "talk about") counts as the approximation it stands for when the
        # other side has one: "about $45 million" for "roughly $45 million".
        for side, other, tokens in ((0, 1, quote_side), (1, 0, said_side)):
            loose = any(t.role != "marker" and self.normaliser.fold(t.surface) in APPROXIMATELY for t in tokens)
            if loose and marked[other]["~"] > marked[side]["~"]:
                marked[side]["~"] = marked[other]["~"]
        return marked[0] != marked[1]

    def _without_backshift(self, quote_side: list[Token], said_side: list[Token]) -> tuple[list[Token], list[Token]]:
        for said in list(said_side):
            for said_quote in list(quote_side):
                if (said.key, said_quote.key) in self._backshift:
                    said_side = [t for t in said_side if t is not said]
                    quote_side = [t for t in quote_side if t is not said_quote]
                    break
        return quote_side, said_side


def _written_as_sign(token: Token, other: str) -> bool:
    """Whether ``token`` is a currency's word that ``other`` (the other side's text) writes as its sign."""
    currency = CURRENCIES.get(token.surface.casefold())
    # The sign before a figure ("$6 billion"), not anywhere in the text.
    return currency is not None and any(
        re.search(re.escape(sign) + r"\s?\d", other) for sign in CURRENCY_SIGNS[currency]
    )


def _named_for_unnamed(quote_side: list[Token], said_side: list[Token], said_text: str, language: str) -> bool:
    """Whether the quote names a party where the answer left it unnamed ("China" for "a third party", "美方" for
    "有关方面", "Вашингтон" for "третьих стран")."""
    said = phrase(said_side, said_text)
    if language == "zh":
        # A character the quote shares may end the phrase (有关[方]面 for 美[方]): the two after the gap too.
        said = prepare(said_text)[said_side[0].start : said_side[-1].end + 2]
    return UNNAMED_PARTIES.search(said) is not None and _party_named(quote_side, language) is not None


def _party_named(tokens: list[Token], language: str) -> str | None:
    """The party ``tokens`` name: a capitalised word, or in Chinese a country's name or its 方 (美方)."""
    if language == "zh":
        named = ZH_NAMED_PARTY.search("".join(t.surface for t in tokens))
        return named.group() if named else None
    return next((t.surface for t in tokens if t.surface[:1].isupper()), None)


def _named_at_edge(tail: list[Token], said_text: str, end: int, language: str) -> tuple[str, str] | None:
    """(the name, the unnamed party) when the words a quote ends with, past what it matched (``tail``), name a
    party and the answer's clause goes on, right after the matched words (ending at ``end``), to leave it
    unnamed."""
    name = _party_named(tail, language)
    if name is None:
        return None
    text = prepare(said_text)
    clause = CLAUSE_BREAK.search(text, end)
    party = UNNAMED_PARTIES.search(text, end, clause.start() if clause else len(text))
    return (name, party.group()) if party is not None and party.start() - end <= _EDGE_GAP else None


def _currency_changed(quote_side: list[Token], said_side: list[Token]) -> bool:
    """Whether the two sides of a gap name currencies, and not the same ones."""
    quoted = {CURRENCIES[t.surface.casefold()] for t in quote_side if t.surface.casefold() in CURRENCIES}
    said = {CURRENCIES[t.surface.casefold()] for t in said_side if t.surface.casefold() in CURRENCIES}
    return bool(quoted) and bool(said) and quoted != said
