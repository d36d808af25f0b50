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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo

from pipeline.enrich.coverage.align import Aligner, Alignment, Passage, Verdict
from pipeline.enrich.coverage.targets import Target, targets
from pipeline.enrich.quotes import PARAGRAPH_BREAK, Quote, extract_quotes
from pipeline.enrich.quotes.extractor import is_short
from pipeline.enrich.speakers import SpeakerDirectory
from pipeline.enrich.text import simplified

#: How far before the target's days an unmatched quote is looked for.
LOOKBACK_DAYS = 14
#: How far after them, up to the report's publication day, when no briefing before says it either.
FORWARD_DAYS = 7

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
    return tuple(
        (piece, target)
        for quote, target in zip(quotes, found, strict=True)
        if target is not None
        for piece in _paragraph_pieces(quote, text)
    )


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
    quote, in the document's order."""
    found: list[Citation] = []
    for quote, target in quoted:
        alignment, elsewhere = align_one(quote.text, quote.kind, target, passages, aligner, language=language)
        if shown(quote.speaker, quote.text, alignment.verdict if alignment else None):
            found.append(Citation(quote, target, alignment, elsewhere))
    return found


def shown(speaker: str | None, quoted: str, verdict: str | None) -> bool:
    """Whether a quote's citation is shown (``verdict`` None: no answer says it). Two words no answer says are
    a term or a scare quote, and a quote the text attributes to nobody counts only when an answer says it word
    for word: neither is a misquote. The catalog keeps such rows unshown, so that a transcript stored later
    can still link them."""
    if speaker is None:
        return verdict == "verbatim"
    return verdict is not None or not is_short(quoted)


def align_one(
    text: str, kind: str, target: Target, passages: PassageSource, aligner: Aligner, *, language: str | None
) -> tuple[Alignment | None, bool]:
    """One quote's alignment with its target's briefings, or with a briefing of the :data:`LOOKBACK_DAYS` before
    them (then ``elsewhere`` is True) when none of the target's says it, or only an earlier one says it word for
    word, or else with one of the :data:`FORWARD_DAYS` after them up to the report's publication
    (``target.until``); (None, False) when none says it."""
    first, last = min(target.days), max(target.days)
    options = {
        "language": language or "en",
        "reported": kind == "reported",
        "spokesperson_id": target.spokesperson_id,
        "outlets": target.outlets,
        "closed": target.closed,
    }
    alignment = aligner.align(text, passages(target.ministry, first, last), **options)  # type: ignore[arg-type]
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
    if alignment is None:
        return elsewhere, elsewhere is not None
    if elsewhere is not None and elsewhere.verdict == "verbatim":
        return elsewhere, True
    return alignment, False
