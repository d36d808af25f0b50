"""The coverage stage: a news document's briefing quotes, each with the exchange it reports.

Two halves, so that the costly, catalog-free part runs in the extraction workers:

* :func:`wanted` (pure, in the workers): the document's quotes that are attributed to a ministry, each with
  its :class:`~pipeline.enrich.coverage.targets.Target`;
* :func:`cite` (in the catalog's transaction): each wanted quote aligned with the answers of the target's
  briefings, given by ``passages(ministry, first_day, last_day)``; when none of them says it, the ministry's
  briefings of the :data:`LOOKBACK_DAYS` before are tried, and a match there is kept with ``elsewhere`` set
  (a report recycling an older answer, or a date read wrong). Only those briefings are ever read.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo

from pipeline.enrich.coverage.align import Aligner
from pipeline.enrich.coverage.judging import VERDICT_SEVERITY, Alignment, Verdict
from pipeline.enrich.coverage.meaning import script
from pipeline.enrich.coverage.pairing import is_cjk
from pipeline.enrich.coverage.reading import Passage
from pipeline.enrich.coverage.targets import Target, country_speaker, targets
from pipeline.enrich.quotes import PARAGRAPH_BREAK, Quote, extract_quotes
from pipeline.enrich.quotes.extractor import is_short
from pipeline.enrich.quotes.lexicon import EN_GERUNDS, RU_GERUNDS, VERBS
from pipeline.enrich.quotes.marks import sentences
from pipeline.enrich.quotes.reported import TOKEN
from pipeline.enrich.speakers import SpeakerDirectory
from pipeline.enrich.text import simplified

#: How far before the target's days an unmatched quote is looked for.
LOOKBACK_DAYS = 14
#: How far after them, up to the report's publication day, when no briefing before says it either.
FORWARD_DAYS = 7

#: Where a reported clause goes on to another statement.
_GOES_ON = re.compile(
    # English: ", but (that)" before a verb of the same speaker ("..., but would wait for ..."; not "but gave no
    # details", the writer's), "and that", a semicolon before "that" or a pronoun and its verb.
    r",?\s+but\s+(?:that\s+|(?=(?:would|will|could|should|must|might|may|was|were|is|are|had|has|have|did|does"
    r"|it|he|she|they|we|there)\b))|\s+and\s+that\s+|;\s*(?=that\b|(?:it|he|she|they|we)\s+\w+)"
    r"|,\s*но\s+|\s+и\s+что\s+"  # Russian
    r"|；|，(?:但|并|並|同时|同時)"  # Chinese (simplified and traditional)
)
#: A Chinese reported clause going on to another speech verb of the same speaker ("...处理，并强调多边金融机构...":
#: what follows 强调 is a statement of its own). The extractor misses such a verb when no comma follows it. Not
#: a verb inside a longer word: 并称之为 (and calls it), 还说明了, 也表示关切的, 并指出的问题.
_SAYS_AGAIN = re.compile(
    r"[，,](?:并|並|同时|同時|还|還|又|也)(?:强调|強調|表示|指出|重申|称|稱|说|說)(?![之明为為了的得上服道])[，,：:]?"
)
#: Between the two parts of an interrupted quotation: the closing mark, the speaker named in a few words and a comma
#: or a dash, the opening mark ("," he added, "  /  », — добавил он, — «). No sentence ends in between.
_INTERRUPTED = re.compile(r"[\"'”’»]?\s*[,，]?\s*(?:[—–-]\s*)?[^.!?。！？\"“”«»\n]{2,60}?[,，—–]\s*[\"'“‘«]$")
_GERUNDS = EN_GERUNDS | RU_GERUNDS
#: Words between two quotes that make the second another statement: "while", "and", "but".
_RESUMED_OTHERWISE = frozenset({"while", "and", "but", "whereas", "и", "а", "но", "тогда", "then"})
#: An unmatched whole, when its openings are tried: any opening an answer says replaces it.
_RANK_UNMATCHED = max(VERDICT_SEVERITY.values()) + 1
#: A part of a clause with fewer words (or Chinese characters than this, twice over) is not a statement.
MIN_PART_WORDS = 3

#: ``passages(ministry, first_day, last_day)``: the answers of that ministry's briefings held on those days.
PassageSource = Callable[[str, date, date], Sequence[Passage]]


@dataclass(frozen=True, slots=True)
class Citation:
    """One quote of a news document and what it reports: ``alignment`` None means no briefing says it
    (verdict ``unmatched``); ``elsewhere`` that the passage is from a briefing outside ``target.days``."""

    quote: Quote
    target: Target
    alignment: Alignment | None
    elsewhere: bool = False

    @property
    def verdict(self) -> Verdict:
        return self.alignment.verdict if self.alignment else "unmatched"


def wanted(
    text: str,
    *,
    language: str | None,
    published: datetime | None,
    local_zone: tzinfo,
    speakers: SpeakerDirectory,
) -> tuple[tuple[Quote, Target], ...]:
    """The quotes of ``text`` attributed to a ministry's briefing, with their targets (pure and total)."""
    quotes = extract_quotes(text, language=language, speakers=speakers)
    # Targets read the text as extract_quotes did: traditional characters as simplified (same offsets), the
    # quotes too, so that a date or an outlet inside a quote is masked.
    read = simplified(text)
    as_read = [replace(quote, text=simplified(quote.text)) for quote in quotes] if read != text else quotes
    found = targets(as_read, read, published=published, local_zone=local_zone, language=language, speakers=speakers)
    cited = [
        (quote, target)
        for group, target in zip(_in_context(quotes, text), found, strict=True)
        if target is not None
        for quote in group
    ]
    cited.sort(key=lambda pair: pair[0].start)  # a clause's later part after the quote it opens with
    cited = _interrupted(cited, text, language)
    return tuple((piece, target) for quote, target in cited for piece in _paragraph_pieces(quote, text))


def _interrupted(cited: list[tuple[Quote, Target]], text: str, language: str | None) -> list[tuple[Quote, Target]]:
    """An interrupted quotation ("“China is ready to play a constructive role,” he added, “if both parties so
    wish.”", "«...», — сказал он, — «...»") as one statement in two parts: the first is not closed by its comma
    (the convention of the interruption, not the end of what was said, and the words left for the second part
    are not dropped), and the second is judged within the whole (its ``context``), as a quoted fragment of a
    reported clause is."""
    result = list(cited)
    for index, ((first, target), (second, _)) in enumerate(itertools.pairwise(cited)):
        if not (first.kind == second.kind == "direct" and first.speaker == second.speaker):
            continue
        if first.context is not None or not _interruption(text[first.end : second.start], second.text, language):
            continue
        kept = first.text.rstrip(" ,，")
        result[index] = (replace(first, text=kept, end=first.start + len(kept)), replace(target, closed=False))
        if second.context is None:
            result[index + 1] = (replace(second, context=f"{kept} {second.text}"), result[index + 1][1])
    return result


def _interruption(between: str, following: str, language: str | None) -> bool:
    """Whether ``between`` (the text from one quote's end to the next one's start) only names the speaker, with
    one speech verb ("," he added, "  /  », — сказал он, — «), and the next quote goes on in lower case: the same
    sentence resumed, not a new one ("..., adding, “We urge ...”") nor another speaker's words."""
    if not following[:1].islower() or not _INTERRUPTED.match(between):
        return False
    words = [w.casefold() for w in TOKEN.findall(between)]
    verbs = VERBS.get(language or "en", frozenset())
    said = [w for w in words if w in verbs]
    return len(words) <= 6 and len(said) == 1 and said[0] not in _GERUNDS and not _RESUMED_OTHERWISE & set(words)


def _in_context(quotes: Sequence[Quote], text: str) -> list[list[Quote]]:
    """Each of ``quotes`` as cited (a list per quote, in order). A reported clause that quotes some of its words
    is cited through those words (the writer's quote marks are the claim to check), with the part of the clause
    they stand in as their context; the clause's other parts ("..., but would wait for ...", "... and that
    Beijing would not accept ...") are cited as reported speech of their own, in the place of the clause."""
    # Each fragment's clause as (start, end) in ``text``, and the reported quotes that are such a clause (none
    # around a longer quote: the extractor cites no clause there).
    fragments: list[Quote] = []
    clause_of: dict[int, tuple[int, int]] = {}
    for quote in quotes:
        if quote.kind == "direct" and quote.context is not None and quote.context_start is not None:
            fragments.append(quote)
            clause_of[quote.start] = (quote.context_start, quote.context_start + len(quote.context))
    owners = {(q.start, q.end): q for q in quotes if q.kind == "reported" and (q.start, q.end) in clause_of.values()}
    contexts: dict[int, tuple[str, int]] = {}
    others: dict[tuple[int, int], list[Quote]] = {}
    for clause in dict.fromkeys(clause_of.values()):
        first_at, last_at = clause
        inside = [f for f in fragments if clause_of.get(f.start) == clause]
        speaking = owners.get(clause, inside[0])
        rest: list[Quote] = []
        marks = [
            (q.start - first_at, q.end - first_at)
            for q in quotes
            if q.kind == "direct" and first_at <= q.start < last_at
        ]
        for first, last in _parts(text[first_at:last_at], marks):
            piece = text[first_at + first : first_at + last]
            held = [f for f in inside if first_at + first <= f.start < first_at + last]
            for fragment in held:
                contexts[fragment.start] = (piece, first_at + first)
            if not held and _statement_sized(piece):
                rest.append(
                    Quote(
                        piece,
                        "reported",
                        speaking.speaker,
                        speaking.speaker_id,
                        speaking.paragraph,
                        first_at + first,
                        first_at + last,
                        False,
                    )
                )
        others[clause] = rest
    cited: list[list[Quote]] = []
    for quote in quotes:
        span = (quote.start, quote.end)
        if quote.kind == "reported" and span in owners:
            cited.append(others.pop(span, []))  # the clause, as its parts without a quote
        elif quote in fragments and quote.start in clause_of:
            part, at = contexts.get(quote.start, (quote.context, quote.context_start))
            group = [replace(quote, context=part, context_start=at)]
            clause = clause_of[quote.start]
            if clause not in owners:
                group += others.pop(clause, [])  # a clause no quote stands for: its other parts go with the first
            cited.append(group)
        elif quote.kind == "reported":
            cited.append(_reported_parts(quote))
        else:
            cited.append([quote])
    return cited


def _reported_parts(quote: Quote) -> list[Quote]:
    """A reported clause that goes on to another speech verb of its speaker ("中方将...，并强调...") as its two
    statements, each cited on its own; the clause whole otherwise (a "但" or "but" goes on within one)."""
    cut = _SAYS_AGAIN.search(quote.text)
    # Only in the clause's own sentence: after a 。 the subject may be someone else's ("美方...，并称...").
    if cut is not None and any(mark in quote.text[: cut.start()] for mark in "。！？；"):
        cut = None
    if cut is None or not _statement_sized(quote.text[: cut.start()]) or not _statement_sized(quote.text[cut.end() :]):
        return [quote]
    return [
        replace(quote, text=quote.text[: cut.start()], end=quote.start + cut.start()),
        replace(quote, text=quote.text[cut.end() :], start=quote.start + cut.end()),
    ]


def _parts(clause: str, quoted: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """A reported clause cut where it goes on to another statement (", but", "and that", a semicolon), never
    inside one of the ``quoted`` spans (offsets in the clause: the marks of the quotes it holds)."""
    bounds = [0]
    for match in _GOES_ON.finditer(clause):
        if any(start - 1 <= match.start() < end + 1 for start, end in quoted):
            continue  # "“would not accept the ruling, but would keep talking”": the quote's own words
        bounds += [match.start(), match.end()]
    bounds.append(len(clause))
    return [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2) if bounds[i + 1] > bounds[i]]


def _statement_sized(piece: str) -> bool:
    """Whether a part of a clause is long enough to be a statement: three words, or six Chinese or Japanese
    characters (which have no spaces)."""
    characters = sum(1 for c in piece if is_cjk(c))
    return characters >= 2 * MIN_PART_WORDS if characters else len(piece.split()) >= MIN_PART_WORDS


def _paragraph_pieces(quote: Quote, text: str) -> list[Quote]:
    """A direct quote over several paragraphs as one quote per paragraph, each with the whole quote's speaker
    and target: a long quotation strings together sentences an answer may say apart (or two answers say), and
    each paragraph is cited on its own."""
    parts = quote.text.split(PARAGRAPH_BREAK) if quote.kind == "direct" else [quote.text]
    if len(parts) == 1:
        return [quote]
    pieces: list[Quote] = []
    position = quote.start
    for number, part in enumerate(parts):
        start = text.find(part, position, quote.end)
        if start < 0:
            return [quote]  # not the text it was read from: keep the quote whole
        position = start + len(part)
        pieces.append(replace(quote, text=part, start=start, end=position, paragraph=quote.paragraph + number))
    return pieces


def cite(
    quoted: Sequence[tuple[Quote, Target]], passages: PassageSource, aligner: Aligner, *, language: str | None
) -> list[Citation]:
    """Each of ``quoted`` aligned with its target's briefings (then the days before them); one citation per
    quote, in the document's order (a quote cited by its opening, :func:`align_quote`, keeps its start)."""
    found: list[Citation] = []
    for quote, target in quoted:
        text, alignment, elsewhere = align_quote(
            quote.text, quote.kind, target, passages, aligner, language=language, context=quote.context
        )
        cited = quote if text == quote.text else replace(quote, text=text, end=quote.start + len(text))
        if shown(cited.speaker, cited.text, alignment.verdict if alignment else None, context=cited.context):
            found.append(Citation(cited, target, alignment, elsewhere))
    return found


def align_quote(
    text: str,
    kind: str,
    target: Target,
    passages: PassageSource,
    aligner: Aligner,
    *,
    language: str | None,
    context: str | None = None,
) -> tuple[str, Alignment | None, bool]:
    """One quote as cited, with its alignment and whether it is another day's (:func:`align_one`): the quote
    itself, or, for a reported clause read on past its sentence ("林剑指出，A。B。C。", where B and C may be the
    writer's) that no answer says as a whole or only in other words, the longest of its openings that an answer
    says more faithfully (a sentence the answer lacks makes a word-for-word opening a paraphrase). A divergent
    whole is kept: the words that diverge may be the sentences an opening would leave out."""
    alignment, elsewhere = align_one(text, kind, target, passages, aligner, language=language, context=context)
    if kind != "reported" or context is not None or (alignment is not None and alignment.verdict != "paraphrase"):
        return text, alignment, elsewhere
    best: tuple[str, Alignment | None, bool] = (text, alignment, elsewhere)
    rank = _RANK_UNMATCHED if alignment is None else VERDICT_SEVERITY[alignment.verdict]
    for opening in _openings(text):
        found, other_day = align_one(opening, "reported", target, passages, aligner, language=language)
        if found is None or VERDICT_SEVERITY[found.verdict] >= rank:
            continue
        if alignment is not None and alignment.passage == found.passage and len(alignment.matched) > len(found.matched):
            continue  # the whole matched more of the answer: the sentences left out reword it, a misquote to keep
        best, rank = (opening, found, other_day), VERDICT_SEVERITY[found.verdict]
    return best


def _openings(text: str) -> list[str]:
    """A text of several sentences cut after each of its sentences but the last, longest first, each without
    its closing punctuation; only those long enough to be a statement."""
    cuts = [end for _, end in sentences(text, {})][:-1]
    openings = [text[:cut].rstrip().rstrip("。.!?！？;；").rstrip() for cut in reversed(cuts)]
    return [opening for opening in openings if _statement_sized(opening)]


def shown(speaker: str | None, quoted: str, verdict: str | None, *, context: str | None = None) -> bool:
    """Whether a quote's citation is shown (``verdict`` None: no answer says it). Two words no answer says are
    a term or a scare quote, unless they stand in a reported clause (``context``: the statement is reported,
    the quote marks only pick its words), and a quote the text attributes to nobody counts only when an answer
    says it word for word: neither is a misquote. A country or its capital ("Russia said", "Beijing says") speaks
    for its government, which is not always its ministry's briefing: unmatched, it is not shown either. The
    catalog keeps such rows unshown, so that a transcript stored later can still link them."""
    if speaker is None:
        return verdict == "verbatim"
    if verdict is None and country_speaker(speaker) is not None:
        return False  # "Russia said ...": a government's words, a briefing's only when one says them
    return verdict is not None or not is_short(quoted) or context is not None


def align_one(
    text: str,
    kind: str,
    target: Target,
    passages: PassageSource,
    aligner: Aligner,
    *,
    language: str | None,
    context: str | None = None,
) -> tuple[Alignment | None, bool]:
    """One quote's alignment with its target's briefings, or with a briefing of the :data:`LOOKBACK_DAYS` before
    them (then ``elsewhere`` is True) when none of the target's says it, or only an earlier one says it word for
    word, or else with one of the :data:`FORWARD_DAYS` after them up to the report's publication
    (``target.until``); (None, False) when none says it.

    A quote with a ``context`` (the reported clause it stands in) is looked for through the clause, and its own
    words are then judged against the sentences the clause matched (:meth:`Aligner.within`); when no briefing
    says the clause, the quote is looked for on its own."""
    if context is not None:
        around, other_day = align_one(context, "reported", target, passages, aligner, language=language)
        if around is not None:
            # Said word for word in the answer the clause reports (not only in the sentences it matched), else
            # judged against those sentences.
            exact = aligner.align(text, [around.passage], language=language or "en", closed=target.closed)
            judged = exact if exact is not None and exact.verdict == "verbatim" else None
            judged = judged or aligner.within(text, around, language=language or "en", closed=target.closed)
            if judged is not None:
                return judged, other_day
            if around.matched_by == "meaning" and script(text) != script(around.matched):
                # A translation: its words cannot be checked one by one, and the whole's judgement stands for the
                # part ("«по дипломатическим каналам»" of a Russian report of an English answer).
                return around, other_day
        # No answer says the clause, or not where the quoted words would be: the quoted words on their own.
        return align_one(text, kind, target, passages, aligner, language=language)
    first, last = min(target.days), max(target.days)
    options = {
        "language": language or "en",
        "reported": kind == "reported",
        "spokesperson_id": target.spokesperson_id,
        "outlets": target.outlets,
        "closed": target.closed,
    }
    named = passages(target.ministry, first, last)
    alignment = aligner.align(text, named, **options)  # type: ignore[arg-type]
    if alignment is not None and alignment.verdict == "verbatim":
        return alignment, False
    # Not said word for word on the days the report names: an earlier briefing that did say it is the one
    # quoted (a report recycling an older answer, or naming the day wrong); a looser match there does not
    # replace one on the named days.
    earlier = passages(target.ministry, first - timedelta(days=LOOKBACK_DAYS), first - timedelta(days=1))
    elsewhere = aligner.align(text, earlier, **options)  # type: ignore[arg-type]
    if alignment is None and elsewhere is None and target.until is not None and target.until > last:
        # The day was read from a sentence about another event ("22 fishermen were released on Wednesday.
        # 'We thank ...,' Jaiswal said" at Thursday's briefing): the briefings after it, up to publication.
        later = passages(
            target.ministry, last + timedelta(days=1), min(target.until, last + timedelta(days=FORWARD_DAYS))
        )
        elsewhere = aligner.align(text, later, **options)  # type: ignore[arg-type]
    if alignment is None and elsewhere is None:
        # No rule finds the words: an answer of the target's days (those the report names, else the window before
        # publication) that says it in other words or in another language; a model's judgement, made last.
        meant = aligner.by_meaning(text, named, language=language or "en", spokesperson_id=target.spokesperson_id)
        if meant is not None:
            return meant, False
        # ...else, as for words, an earlier briefing of the ministry ("此前也指出": said before, on a day the
        # report does not name).
        # The named days' sentences stay rivals: an answer there as close as the earlier one leaves it ambiguous.
        meant = aligner.by_meaning(
            text, [*named, *earlier], language=language or "en", spokesperson_id=target.spokesperson_id
        )
        return meant, meant is not None
    if alignment is None:
        return elsewhere, elsewhere is not None
    if elsewhere is not None and elsewhere.verdict == "verbatim":
        return elsewhere, True
    return alignment, False
