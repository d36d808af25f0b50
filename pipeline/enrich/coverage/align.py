"""Aligning a quote with what was said, and judging how faithfully it reproduces it.

:func:`align` takes a quote's text and candidate answers (:class:`Passage`: the answers and announcements of
the briefings a :class:`~pipeline.enrich.coverage.targets.Target` points to) and returns the best
:class:`Alignment`, or None when no answer says it.

How:

1. Words are compared by key: the Snowball stem of a Latin-script word, the lemma of a Cyrillic one (the
   tagger's :class:`~pipeline.enrich.text.Normaliser`), each Chinese or Japanese character on its own.
2. The answers sharing the most content words with the quote are short-listed; in each, every window of one
   to three consecutive sentences is scored by the longest common subsequence of keys (rapidfuzz), so a
   quote trimmed from a sentence, joined across two, or cut with an ellipsis finds its passage.
3. In the best window the words are paired (the earliest pairing of a longest common subsequence) and the
   gaps between paired words are read: words of the quote not said (``added``), words said but left out of
   the quote (``dropped``). An ellipsis in the quote excuses what it leaves out; so does trimming a quote
   at a clause boundary, but a quote that presents itself as a whole clause ("We oppose X," he said) while
   the answer's clause goes on ("...X or the threat of sanctions") drops the rest.
4. The verdict: ``verbatim`` when no gap holds anything but function words; ``divergent`` when a gap adds or
   drops an intensifier, a negation, a hedge or modal, a number, or content words with nothing in their
   place (a qualifier dropped: "willful", "strategic ... of coordination"); ``paraphrase`` when words were
   replaced by others that are none of those. In reported speech, the change of person ("we" → "China") and
   the back-shift of tense ("will" → "would") are not differences.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz.distance import Indel, LCSseq

from pipeline.enrich.coverage.figures import figures
from pipeline.enrich.coverage.meaning import MEANING_MIN_WORDS, Meaning, MeaningError, meant, script
from pipeline.enrich.coverage.pairing import (
    Token,
    clause_left_out,
    conjunct,
    is_cjk,
    lcs_pairs,
    meaningful,
    negated,
    negation_before,
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
    BACKSHIFTED,
    NEGATIVE_FORMS,
    ZH_MARKERS,
)
from pipeline.enrich.text import Normaliser, prepare

_log = logging.getLogger(__name__)

Verdict = Literal["verbatim", "paraphrase", "divergent", "unmatched"]
MatchedBy = Literal["words", "meaning"]
#: Worst first: the order a document's worst verdict is chosen by.
VERDICT_SEVERITY: dict[str, int] = {"divergent": 3, "unmatched": 2, "paraphrase": 1, "verbatim": 0}

#: A quote matches an answer when at least this share of its content words is found there, in order...
MATCH_COVERAGE = 0.5
#: ...and at least this many (characters in Chinese and Japanese, which count double).
MATCH_MIN_WORDS = 3
#: The answers compared in full with one quote (those sharing the most content words with it).
SHORTLIST = 4
#: Below this token similarity between the quote and the passage it matched, the match is chance.
MIN_SIMILARITY = 0.45
#: Reported speech whose words are in another order than the answer's matches a sentence holding this share
#: of its content words (:meth:`Aligner._reordered`).
REORDERED_COVERAGE = 0.7
#: Below this token similarity, a sentence holding only half of reported speech's words (in another order)
#: is a chance match.
REORDERED_MIN_SIMILARITY = 0.25
#: Reported speech summing up an exchange (:meth:`Aligner._summarised`): this share of its content words (and
#: at least this many) in one turn's question and answer...
SUMMARY_COVERAGE = 0.5
SUMMARY_MIN_WORDS = 5
#: ...and this much more than in any other candidate turn.
SUMMARY_MARGIN = 0.25
#: ...of which this share in its answer (not only in its question).
SUMMARY_ANSWER_SHARE = 0.1
#: A window is at most this many consecutive sentences.
MAX_SENTENCES = 3


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


class Aligner(Reader):
    """Aligns quotes with passages; keeps the normaliser and the language word lists, and the model that
    matches by meaning (``meaning``; None: the word rules alone)."""

    def __init__(self, normaliser: Normaliser, meaning: Meaning | None = None) -> None:
        super().__init__(normaliser)
        self.meaning = meaning

    def align(
        self,
        quote: str,
        passages: Sequence[Passage],
        *,
        language: str,
        reported: bool = False,
        spokesperson_id: str | None = None,
        outlets: Sequence[str] = (),
        closed: bool = False,
    ) -> Alignment | None:
        """The best alignment of ``quote`` with one of ``passages`` (a different spokesperson's are skipped
        when ``spokesperson_id`` is known), or None when none says it."""
        words = self.tokens(quote, language, parts=True)
        content = [t for t in words if t.role != "trivial"]
        if not content:
            return None
        wanted = {t.key for t in content}
        if len(content) < MATCH_MIN_WORDS:
            # Too few words to align by ("It is not a no."): only a passage saying it word for word counts.
            return self._exact(quote, words, passages, language=language, spokesperson_id=spokesperson_id)
        shortlist: list[tuple[float, Passage]] = []
        for passage in _theirs(passages, spokesperson_id):
            said = self._passage(passage, language)
            needed = wanted - said.context if reported else wanted
            shared = len(needed & said.keys) / len(needed) if needed else 0.0
            if shared >= MATCH_COVERAGE:
                shortlist.append((shared, passage))
        shortlist.sort(key=lambda item: -item[0])
        keys = [t.key for t in words]
        best: Alignment | None = None
        for _, passage in shortlist[:SHORTLIST]:
            window = self._best_window(keys, passage, language)
            judged = self._judge(quote, words, passage, window, reported=reported, language=language, closed=closed)
            # The passage the quote reproduces most of; of those, one the report says the outlet asked for;
            # then the closest: an answer that says the same words and little else beats one that says them
            # inside a longer clause.
            if judged is not None and (best is None or _rank(judged, outlets) > _rank(best, outlets)):
                best = judged
        if best is None and reported:
            best = self._reordered(words, shortlist[:SHORTLIST], language)
        if best is None and reported and language not in ("zh", "ja"):
            best = self._summarised(words, passages, language, spokesperson_id)
        return best

    def _summarised(
        self, words: list[Token], passages: Sequence[Passage], language: str, spokesperson_id: str | None
    ) -> Alignment | None:
        """Reported speech that sums up one exchange in its own words ("Russia will retaliate for the
        expulsion" for an answer calling the expulsion a hostile step to which "a response will follow"): a turn
        whose question and answer hold :data:`SUMMARY_COVERAGE` of its content words (five or more), clearly
        more than any other candidate turn does (:data:`SUMMARY_MARGIN`; there must be another) and some of them
        in its answer (:data:`SUMMARY_ANSWER_SHARE`), is the one it reports: a paraphrase, or divergent when only
        one of the quote and the answer's sentence holding most of its words (shown as matched) is negated. Not in
        Chinese or Japanese, whose characters shared out of sentence say little."""
        content = {t.key for t in words if t.role != "trivial"}
        if len(content) < SUMMARY_MIN_WORDS:
            return None
        shares: list[tuple[float, Passage]] = []
        for passage in _theirs(passages, spokesperson_id):
            said = self._passage(passage, language)
            shares.append((len(content & (said.keys | said.asked)) / len(content), passage))
        shares.sort(key=lambda item: -item[0])
        # Singled out among the day's exchanges: with no other to compare with, half of the words is no sign.
        if len(shares) < 2 or shares[0][0] < SUMMARY_COVERAGE or shares[0][0] - shares[1][0] < SUMMARY_MARGIN:
            return None
        share, passage = shares[0]
        said = self._passage(passage, language)
        if not said.sentences or len(content & said.keys) < SUMMARY_ANSWER_SHARE * len(content):
            return None  # the question's words alone: what was asked, not what was answered
        first, last = max(said.sentences, key=lambda s: len(content & {t.key for t in said.tokens[s[0] : s[1]]}))
        sentence = said.tokens[first:last]
        matched = prepare(passage.text)[sentence[0].start : sentence[-1].end]
        similarity = Indel.normalized_similarity([t.key for t in words], [t.key for t in sentence])
        # A polarity the answer's sentence does not have ("China would join the sanctions" for "China has never
        # approved of unilateral sanctions") is a misreport, not a paraphrase.
        flipped = negated(words) != negated(sentence)
        verdict: Verdict = "divergent" if flipped else "paraphrase"
        return Alignment(passage, matched, round(similarity, 3), round(share, 3), verdict, (), ())

    def by_meaning(
        self, quote: str, passages: Sequence[Passage], *, language: str, spokesperson_id: str | None = None
    ) -> Alignment | None:
        """The answer sentence ``quote`` says in other words or in another language, by the model of
        :mod:`.meaning` (None without one): the closest sentence of ``passages``, when it is close enough and
        stands out from every other answer's sentences (:func:`~.meaning.meant`; a lone answer has none to
        stand out from). A paraphrase, or divergent when only one of the
        two is negated. Between Chinese or Japanese and another script a negation character is no sure negation
        (无条件 is "unconditionally"): a negated other side needs one on the Chinese side too, else it is left
        unlinked rather than called a paraphrase. ``similarity`` is the model's cosine, ``coverage`` the share
        of the quote's content words in the sentence."""
        words = self.tokens(quote, language)
        closest = self.closest_in_meaning(
            quote, passages, language=language, spokesperson_id=spokesperson_id, words=words
        )
        if closest is None:
            return None
        passage, sentence, matched, score, rival = closest
        keys = {t.key for t in words if t.role != "trivial"}
        shared = len(keys & {t.key for t in sentence})
        scripts = (script(quote), script(matched))
        if not meant(*scripts, score, 0.0 if rival is None else rival, shared_words=shared):
            return None
        if scripts[0] != scripts[1] and "cjk" in scripts:
            chinese, other = (words, sentence) if scripts[0] == "cjk" else (sentence, words)
            if negated(other) and not negated(chinese):
                return None  # "does not oppose" for a sentence with no 不/没/未/无/非 at all: not this one
            verdict: Verdict = "paraphrase"
        else:
            verdict = "divergent" if negated(words) != negated(sentence) else "paraphrase"
        coverage = round(shared / len(keys), 3)
        return Alignment(passage, matched, round(score, 3), coverage, verdict, (), (), matched_by="meaning")

    def closest_in_meaning(
        self,
        quote: str,
        passages: Sequence[Passage],
        *,
        language: str,
        spokesperson_id: str | None = None,
        words: list[Token] | None = None,
    ) -> tuple[Passage, list[Token], str, float, float | None] | None:
        """The sentence of ``passages`` closest to ``quote`` in meaning (its tokens and text), with its cosine
        similarity and the best of any other answer's sentences (None when there is no other answer); None
        without a model, for a quote of fewer than :data:`~.meaning.MEANING_MIN_WORDS` content words, with no
        sentence to compare, or when the model fails (logged: the word rules' verdict stands). ``words``: the
        quote's tokens, when the caller has them."""
        content = [t for t in (words or self.tokens(quote, language)) if t.role != "trivial"]
        if self.meaning is None or sum(0.5 if is_cjk(t.key) else 1 for t in content) < MEANING_MIN_WORDS:
            return None
        sentences: list[tuple[Passage, list[Token]]] = []
        texts: list[str] = []
        for passage in _theirs(passages, spokesperson_id):
            said, text = self._passage(passage, language), prepare(passage.text)
            for first, last in said.sentences:
                sentences.append((passage, said.tokens[first:last]))
                texts.append(text[said.tokens[first].start : said.tokens[last - 1].end])
        if not sentences:
            return None
        try:
            said_vectors = self.meaning.vectors(texts, keep=True)
            quote_vector = self.meaning.vectors([prepare(quote)])[0]
        except MeaningError as exc:
            _log.warning("not matched by meaning: %s (quote %r)", exc, quote[:80])
            return None
        scores = said_vectors @ quote_vector
        best = int(np.argmax(scores))
        passage, sentence = sentences[best]
        others = [float(s) for (p, _), s in zip(sentences, scores, strict=True) if p.turn_id != passage.turn_id]
        return passage, sentence, texts[best], float(scores[best]), max(others) if others else None

    def within(self, quote: str, around: Alignment, *, language: str, closed: bool = False) -> Alignment | None:
        """The words of ``quote`` judged against the sentences of ``around.passage`` that the reported clause it
        stands in matched (``around``), however few of them they say; None when they say none of them (the
        clause matched, but not where the quoted words would be: nothing shows what they misquote). ``closed``:
        the report ends its sentence with the quote, which then claims the answer's clause ended there too."""
        passage = around.passage
        said = self._passage(passage, language)
        at = prepare(passage.text).find(around.matched)
        span = [t for t in said.tokens if at <= t.start < at + len(around.matched)] if at >= 0 else []
        window = self._sentences_around(passage, language, span) if span else said.tokens
        words = self.tokens(quote, language, parts=True)
        content = [t for t in words if t.role != "trivial"]
        if not content:
            return around  # nothing of its own to check: the clause's judgement
        return self._judge(
            quote, words, passage, window, reported=False, language=language, closed=closed, fragment=True
        )

    def _exact(
        self,
        quote: str,
        words: list[Token],
        passages: Sequence[Passage],
        *,
        language: str,
        spokesperson_id: str | None,
    ) -> Alignment | None:
        folded = [written(t) for t in words]
        for passage in _theirs(passages, spokesperson_id):
            tokens = self._passage(passage, language).tokens
            said = [written(t) for t in tokens]
            for start in range(len(said) - len(folded) + 1):
                if said[start : start + len(folded)] == folded:
                    span = tokens[start : start + len(folded)]
                    matched = prepare(passage.text)[span[0].start : span[-1].end]
                    # "Partnership for Growth" of "Partnership for Growth and Security": a name cut short.
                    cut = unfinished_name(tokens, start + len(folded) - 1, passage.text)
                    if cut:
                        return Alignment(passage, matched, 1.0, 1.0, "divergent", (), (phrase(cut, passage.text),))
                    return Alignment(passage, matched, 1.0, 1.0, "verbatim", (), ())
        return None

    def _reordered(
        self, words: list[Token], shortlist: Sequence[tuple[float, Passage]], language: str
    ) -> Alignment | None:
        """Reported speech that says the answer's clauses in another order ("China will act if the US adds
        more" for "If the US adds more, China will act"): the sentence holding :data:`REORDERED_COVERAGE` of
        its content words, in any order (or half of them when that is four words or more, outside Chinese and
        Japanese), is a paraphrase of it; divergent when the words that change meaning (negations,
        intensifiers, hedges, numbers) differ."""
        content = {t.key for t in words if t.role != "trivial"}
        if len(content) < MATCH_MIN_WORDS:
            return None
        best: tuple[float, Passage, list[Token]] | None = None
        # Half of a sentence's words, in any order, when they are words (four or more): Chinese characters
        # shared out of order say little.
        words_apart = language not in ("zh", "ja")
        for _, passage in shortlist:
            said = self._passage(passage, language)
            needed = content - said.context
            for first, last in said.sentences:
                sentence = said.tokens[first:last]
                shared = len(needed & {t.key for t in sentence})
                share = shared / len(needed) if needed else 0.0
                enough = share >= REORDERED_COVERAGE or (
                    words_apart and share >= MATCH_COVERAGE and shared > MATCH_MIN_WORDS
                )
                if enough and (best is None or share > best[0]):
                    best = (share, passage, sentence)
        if best is None:
            return None
        share, passage, sentence = best
        sentence_keys = {t.key for t in sentence}
        framing = self._person.get(language, self._person["en"]) | self._passage(passage, language).context
        added = [t for t in words if t.role != "trivial" and t.key not in framing and t.key not in sentence_keys]
        marked = self._marked(
            [t for t in words if t.role == "marker"], [t for t in sentence if t.role == "marker"], reported=True
        )
        matched = prepare(passage.text)[sentence[0].start : sentence[-1].end]
        similarity = Indel.normalized_similarity([t.key for t in words], [t.key for t in sentence])
        if share < REORDERED_COVERAGE and similarity < REORDERED_MIN_SIMILARITY:
            return None  # half of the words, in another order and few of them in the same: a chance match
        return Alignment(
            passage,
            matched,
            round(similarity, 3),
            round(share, 3),
            "divergent" if marked else "paraphrase",
            tuple(t.surface for t in added),
            (),
        )

    def _sentences_around(self, passage: Passage, language: str, span: list[Token]) -> list[Token]:
        """The words of the sentences of ``passage`` that ``span`` touches."""
        said = self._passage(passage, language)
        return [
            token
            for first, last in said.sentences
            if said.tokens[first].start <= span[-1].end and said.tokens[last - 1].end >= span[0].start
            for token in said.tokens[first:last]
        ]

    def _best_window(self, keys: list[str], passage: Passage, language: str) -> list[Token]:
        """The run of one to :data:`MAX_SENTENCES` sentences of ``passage`` holding most of the quote's words
        in order (then the closest to it in length)."""
        said = self._passage(passage, language)
        tokens, sentences = said.tokens, said.sentences
        best: tuple[tuple[float, float], list[Token]] | None = None
        for first in range(len(sentences)):
            for last in range(first, min(first + MAX_SENTENCES, len(sentences))):
                window = tokens[sentences[first][0] : sentences[last][1]]
                window_keys = [t.key for t in window]
                score = (LCSseq.similarity(keys, window_keys), Indel.normalized_similarity(keys, window_keys))
                if best is None or score > best[0]:
                    best = (score, window)
        return best[1] if best else tokens

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
    ) -> Alignment | None:
        """``words`` of ``quote`` judged against ``window`` of ``passage``; None when they match too little of
        it. A ``fragment`` (the quoted words of a clause whose sentence is known) is judged whatever it matches,
        and is not a clause of its own that could cut the answer's short."""
        pairs = trim_edges(lcs_pairs([t.key for t in words], [t.key for t in window]), words, window)
        paired = {i for i, _ in pairs}
        context = self._passage(passage, language).context if reported else frozenset()
        content = [i for i, t in enumerate(words) if t.role != "trivial" and (i in paired or t.key not in context)]
        if not content or not pairs:
            return None
        found = sum(1 for i in content if i in paired)
        weight = sum(2 if is_cjk(words[i].surface) else 0 for i in content if i in paired) // 2
        coverage = found / len(content)
        enough = coverage >= MATCH_COVERAGE and found + weight + swapped(words, window, pairs) >= MATCH_MIN_WORDS
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
        if last_i < len(words) - 1 or tail:
            gaps.append((words[last_i + 1 :], tail, "edge"))
        verdict: Verdict = "verbatim"
        added: list[str] = []
        dropped: list[str] = []
        for quote_side, said_side, where in gaps:
            quote_side = [t for t in quote_side if t.key not in context]
            kind = self._gap(quote_side, said_side, where, reported=reported, language=language, said_text=passage.text)
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
        if verdict == "verbatim" and reported and [written(t) for t in words] != [written(t) for t in span]:
            verdict = "paraphrase"  # reported speech is verbatim only when it keeps the words
        replaced = [(words[i], window[j]) for i, j in pairs if self._stem(words[i]) != self._stem(window[j])]
        if replaced:
            # A synonym in the place of the answer's word ("free" for "release") matched it; it is a change.
            verdict = "paraphrase" if verdict == "verbatim" else verdict
            added += [q.surface for q, _ in replaced if q.surface not in added]
            dropped += [a.surface for _, a in replaced if a.surface not in dropped]
        quoted_figures = figures(words, prepare(quote)) if any(t.surface[:1].isdigit() for t in words) else {}
        said_figures = (
            figures(self._sentences_around(passage, language, span), prepare(passage.text)) if quoted_figures else {}
        )
        if quoted_figures.keys() - said_figures.keys() and said_figures.keys() - quoted_figures.keys():
            # A figure the answer does not give, where the sentences the quote matched give another ("as many as
            # 430 have returned" for "So far, 340 have returned"), wherever the two stand: reported speech
            # reframes words, not figures. Both figures are shown.
            verdict = "divergent"
            shown = {word for phrase in (*added, *dropped) for word in phrase.split()}
            added += [
                quoted_figures[v] for v in quoted_figures.keys() - said_figures.keys() if quoted_figures[v] not in shown
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
    ) -> Verdict | None:
        """What one gap makes of the quote: None (nothing but function words), "paraphrase" or "divergent"."""
        if reported:
            person = self._person.get(language, self._person["en"])
            quote_side = [t for t in quote_side if t.key not in person]
            said_side = [t for t in said_side if t.key not in person]
            quote_side, said_side = self._without_backshift(quote_side, said_side)
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
        if self._marked(added, dropped, reported=reported):
            return "divergent"
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
        # partners" for "comprehensive strategic partnership of coordination").
        return "divergent" if len(dropped) > len(added) + 1 else "paraphrase"

    def _marked(self, added: list[Token], dropped: list[Token], *, reported: bool) -> bool:
        """Whether the gap changes intensity, certainty, quantity or polarity: a marker word on one side that
        the other side does not match ("cannot" and "could not" have the same polarity)."""

        def markers(tokens: list[Token]) -> Counter[str]:
            found: Counter[str] = Counter()
            for token in tokens:
                if token.role != "marker":
                    continue
                word = self.normaliser.fold(token.surface)
                if word in NEGATIVE_FORMS:
                    found["not"] += 1
                    word = NEGATIVE_FORMS[word]
                    if not word:
                        continue
                found[BACKSHIFTED.get(word, word) if reported else word] += 1
            return found

        return markers(added) != markers(dropped)

    def _without_backshift(self, quote_side: list[Token], said_side: list[Token]) -> tuple[list[Token], list[Token]]:
        for said in list(said_side):
            for said_quote in list(quote_side):
                if (said.key, said_quote.key) in self._backshift:
                    said_side = [t for t in said_side if t is not said]
                    quote_side = [t for t in quote_side if t is not said_quote]
                    break
        return quote_side, said_side


def _theirs(passages: Sequence[Passage], spokesperson_id: str | None) -> list[Passage]:
    """The passages ``spokesperson_id`` may have said: all of them when the quote names nobody, else those of
    that spokesperson and those whose speaker is unknown."""
    if not spokesperson_id:
        return list(passages)
    return [p for p in passages if not p.spokesperson_id or p.spokesperson_id == spokesperson_id]


def _rank(alignment: Alignment, outlets: Sequence[str]) -> tuple[float, bool, float]:
    return (alignment.coverage, alignment.passage.outlet_id in outlets, alignment.similarity)
