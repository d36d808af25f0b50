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
3. In the best window the words are paired and the gaps between them read for the verdict (``verbatim``,
   ``paraphrase``, ``divergent``): :mod:`pipeline.enrich.coverage.judging`.
4. Quotes the windows do not match: two words said word for word (:meth:`Aligner._exact`) or with an
   intensifier added (:meth:`Aligner._intensified`), reported speech in another order or summing up an
   exchange, and last the sentence model (:meth:`Aligner.by_meaning`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import numpy as np
from rapidfuzz.distance import Indel, LCSseq

from pipeline.enrich.coverage.judging import (
    MATCH_COVERAGE,
    MATCH_MIN_WORDS,
    Alignment,
    Judge,
    Verdict,
)
from pipeline.enrich.coverage.meaning import MEANING_MARGIN, MEANING_MIN_WORDS, Meaning, MeaningError, meant, script
from pipeline.enrich.coverage.pairing import (
    Token,
    is_cjk,
    names_another_party,
    negated,
    phrase,
    unfinished_name,
)
from pipeline.enrich.coverage.reading import Passage, written
from pipeline.enrich.coverage.targets import countries_in
from pipeline.enrich.coverage.words import CONDITIONS, HEDGE_PHRASES, INTENSIFIERS, NEGATIONS, SUPERLATIVES
from pipeline.enrich.text import Normaliser, prepare

_log = logging.getLogger(__name__)

#: The answers compared in full with one quote (those sharing the most content words with it).
SHORTLIST = 4
#: A reported clause of this many content words (and at least this many words in all) is matched by the one
#: sentence that holds both (:meth:`Aligner._short_clause`).
SHORT_CLAUSE_WORDS = 2
SHORT_CLAUSE_MIN_TOKENS = 5
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
#: A quote of at most this many content words may be an answer's words with an intensifier added
#: (:meth:`Aligner._intensified`).
INTENSIFIED_MAX_WORDS = 4
#: The intensifiers that :meth:`Aligner._intensified` reads as added to an answer's words ("never" aside: it
#: negates).
_ADDED_INTENSITY = {
    language: frozenset(words.split()) - {"never", "никогда", "always", "всегда"}
    for language, words in INTENSIFIERS.items()
}
_ANY_INTENSITY = frozenset().union(*_ADDED_INTENSITY.values()) - SUPERLATIVES
_NEGATIONS = {language: frozenset(words.split()) for language, words in NEGATIONS.items()}
#: A window is at most this many consecutive sentences.
MAX_SENTENCES = 3


class Aligner(Judge):
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
            # Too few words to align by ("It is not a no."): only a passage saying it word for word counts, or
            # saying its words without the intensifier the report added.
            exact = self._exact(quote, words, passages, language=language, spokesperson_id=spokesperson_id)
            exact = exact or self._intensified(
                quote, words, passages, language=language, spokesperson_id=spokesperson_id
            )
            if exact is None and reported:
                exact = self._short_clause(quote, words, passages, language=language, spokesperson_id=spokesperson_id)
            return exact
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
        if best is None and len(content) <= INTENSIFIED_MAX_WORDS:
            best = self._intensified(quote, words, passages, language=language, spokesperson_id=spokesperson_id)
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
        left_out = self._hedges_left_out(words, passage, language, sentence)
        verdict: Verdict = "divergent" if flipped or left_out else "paraphrase"
        return Alignment(passage, matched, round(similarity, 3), round(share, 3), verdict, (), left_out)

    def _hedges_left_out(
        self, words: list[Token], passage: Passage, language: str, sentence: list[Token]
    ) -> tuple[str, ...]:
        """The hedges and conditions of the answer's ``sentence`` that reported speech matched loosely (a summary,
        its clauses reordered) leaves out: it keeps no more certainty than the answer gave ("it would contribute
        to the fund" for "India is ready to contribute to the fund, subject to the approval of the Union
        Cabinet")."""
        reported = " ".join(t.surface for t in words)
        return tuple(
            self._left_out([(HEDGE_PHRASES, False), (CONDITIONS, True)], reported, passage, language, sentence)
        )

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
        close_call = scripts[0] == scripts[1] and rival is not None and score - rival < MEANING_MARGIN
        if close_call and names_another_party(words, sentence, lambda name: countries_in(name) == {passage.ministry}):
            # Let in by :data:`~.meaning.CLOSE_MARGIN`: same-topic answers about another party score as high, so
            # the quote must name no one the sentence does not.
            return None
        if scripts[0] != scripts[1] and "cjk" in scripts:
            chinese, other = (words, sentence) if scripts[0] == "cjk" else (sentence, words)
            if negated(other) and not negated(chinese):
                return None  # "does not oppose" for a sentence with no 不/没/未/无/非 at all: not this one
            verdict: Verdict = "paraphrase"
            added: tuple[str, ...] = ()
            dropped: tuple[str, ...] = ()
        else:
            # An intensifier one side has and the other lacks changes the intensity ("fully stands by" for
            # "stand by"), whatever else was reworded. In one script compared by stem, so that another case of
            # the same word ("самым" for "самый") is none; across two ("решительно" for "firmly") only whether
            # each side has one, in its own language's words.
            translated = scripts[0] != scripts[1]
            fold = self.normaliser.fold
            quoted_words = _ADDED_INTENSITY.get(language, frozenset())
            # The answer's own language is not known here: across scripts, any language's intensifiers, but no
            # superlative ("самый" is "the most", which no list holds).
            said_words = _ANY_INTENSITY if translated else quoted_words
            if translated:
                quoted_words = quoted_words - SUPERLATIVES
            quoted_intense = {t.key: t.surface for t in words if fold(t.surface) in quoted_words}
            said_intense = {t.key: t.surface for t in sentence if fold(t.surface) in said_words}
            if translated:
                added = tuple(quoted_intense.values()) if not said_intense else ()
                dropped = tuple(said_intense.values()) if not quoted_intense else ()
            else:
                added = tuple(surface for key, surface in quoted_intense.items() if key not in said_intense)
                dropped = tuple(surface for key, surface in said_intense.items() if key not in quoted_intense)
            flipped = negated(words, translated=translated) != negated(sentence, translated=translated)
            verdict = "divergent" if flipped or added or dropped else "paraphrase"
        coverage = round(shared / len(keys), 3)
        return Alignment(passage, matched, round(score, 3), coverage, verdict, added, dropped, matched_by="meaning")

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

    def _intensified(
        self,
        quote: str,
        words: list[Token],
        passages: Sequence[Passage],
        *,
        language: str,
        spokesperson_id: str | None,
    ) -> Alignment | None:
        """A short quote that is an answer's words with an intensifier or a hedge the answer does not have
        ("absolutely irresponsible" for "an irresponsible decision", "абсолютно безответственным" for "Это
        безответственное решение"): the rest of its words, in the answer in that order and next to each other
        (function words aside, any inflection), make it ``divergent``, the added words shown. Too few words for
        the word-by-word alignment, which needs three matched."""
        markers = [t for t in words if self.normaliser.fold(t.surface) in _ADDED_INTENSITY.get(language, ())]
        rest = [t.key for t in words if t.role == "content" and t not in markers]
        if not markers or not rest or len(markers) + len(rest) != len([t for t in words if t.role != "trivial"]):
            # Nothing added, nothing left, or another marker: a negation flips the statement, a number or a
            # hedge changes what it says; neither is an intensifier on the answer's words.
            return None
        if len(rest) < 2 and any(t.role == "trivial" for t in words):
            return None  # "We firmly oppose it": a sentence, with one word left to find it by
        added = tuple(phrase([t], quote) for t in markers)
        intense = {t.key for t in markers}
        negations = _NEGATIONS.get(language, frozenset())
        found: Alignment | None = None
        for passage, tokens in self._sentences_of(passages, language, spokesperson_id):
            keys = [t.key for t in tokens]
            if set(rest) <= set(keys) and intense & set(keys):
                return None  # an answer says it with the intensifier ("deeply and seriously concerned")
            for start in range(len(tokens) - len(rest) + 1) if found is None else ():
                span = tokens[start : start + len(rest)]
                if keys[start : start + len(rest)] != rest:
                    continue
                if any(self.normaliser.fold(t.surface) in negations for t in tokens[max(0, start - 3) : start]):
                    continue  # "by no means unacceptable": the answer negates it
                matched = prepare(passage.text)[span[0].start : span[-1].end]
                said = [t.key for t in words if t.role != "trivial"]
                similarity = round(Indel.normalized_similarity(said, rest), 3)
                found = Alignment(passage, matched, similarity, round(len(rest) / len(said), 3), "divergent", added, ())
                break
        return found

    def _short_clause(
        self,
        quote: str,
        words: list[Token],
        passages: Sequence[Passage],
        *,
        language: str,
        spokesperson_id: str | None,
    ) -> Alignment | None:
        """A reported clause of two content words among its function words ("both were in contact with their
        families" for "They are in contact with their families"; "no decision had been made"), too few for the
        word-by-word shortlist: the one sentence of the answers that holds both, in order and as close together
        as in the quote, judged as reported speech. None when no sentence or more than one holds them (two
        words alone do not tell which answer is reported)."""
        content = [t.key for t in words if t.role != "trivial"]
        if len(content) != SHORT_CLAUSE_WORDS or len(words) < SHORT_CLAUSE_MIN_TOKENS:
            return None
        gap = len(words) + 2  # the two words may stand this many words apart in the answer
        found: list[tuple[Passage, list[Token]]] = []
        for passage in _theirs(passages, spokesperson_id):
            said = self._passage(passage, language)
            for first, last in said.sentences:
                sentence = said.tokens[first:last]
                keys = [t.key for t in sentence]
                starts = [i for i, key in enumerate(keys) if key == content[0]]
                if any(content[1] in keys[i + 1 : i + gap] for i in starts):
                    found.append((passage, sentence))
        if len(found) != 1:
            return None
        passage, sentence = found[0]
        return self._judge(
            quote, words, passage, sentence, reported=True, language=language, min_words=SHORT_CLAUSE_WORDS
        )

    def _sentences_of(
        self, passages: Sequence[Passage], language: str, spokesperson_id: str | None
    ) -> Iterator[tuple[Passage, list[Token]]]:
        """Each sentence of the answers the spokesperson may have given, as its words that are not function
        words."""
        for passage in _theirs(passages, spokesperson_id):
            said = self._passage(passage, language)
            for first, last in said.sentences:
                yield passage, [t for t in said.tokens[first:last] if t.role != "trivial"]

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
        left_out = self._hedges_left_out(words, passage, language, sentence)
        return Alignment(
            passage,
            matched,
            round(similarity, 3),
            round(share, 3),
            "divergent" if marked or left_out else "paraphrase",
            tuple(t.surface for t in added),
            left_out,
        )

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


def _theirs(passages: Sequence[Passage], spokesperson_id: str | None) -> list[Passage]:
    """The passages ``spokesperson_id`` may have said: all of them when the quote names nobody, else those of
    that spokesperson and those whose speaker is unknown."""
    if not spokesperson_id:
        return list(passages)
    return [p for p in passages if not p.spokesperson_id or p.spokesperson_id == spokesperson_id]


def _rank(alignment: Alignment, outlets: Sequence[str]) -> tuple[float, bool, float]:
    return (alignment.coverage, alignment.passage.outlet_id in outlets, alignment.similarity)
