"""A briefing's exchanges, tagged one at a time: the segmentation stage of enrichment.

:class:`ExchangeTagger` cuts a briefing's text into exchanges (:func:`pipeline.enrich.turns.segment`) and
tags each with the document's own taggers: the topics of the whole exchange, the countries of the whole
exchange, and separately those of its question and of its answer (what was asked about and what was
answered about are not always the same). No key phrases per exchange: they are the costliest part of the
document's tagging (about 40 % of it on an English briefing) and nothing shows them per exchange.

What comes out (:class:`ExchangeTags`, :class:`ExchangeResult`) is frozen, picklable data: it crosses
from the extraction workers to the run's process inside the document's
:class:`~pipeline.enrich.enricher.Enrichment`, and the catalog stores it as the document's turns.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline.enrich.text import Normaliser, TextView, lead_end
from pipeline.enrich.turns import Exchange, Segmentation, segment

if TYPE_CHECKING:
    from collections.abc import Callable

    from pipeline.enrich.countries import CountryTagger
    from pipeline.enrich.speakers import SpeakerDirectory
    from pipeline.enrich.topics import TopicTagger

#: The source kind whose documents are segmented.
BRIEFING = "briefing"


def exchange_hash(exchange: Exchange) -> str:
    """SHA-256 of an exchange's kind and its utterances' kinds and texts: what decides whether a re-segmented
    exchange is "the same" one (and keeps its turn id). Speaker and outlet labels are left out on purpose:
    a better speakers file must not change the ids of exchanges whose words did not change."""
    digest = hashlib.sha256(exchange.kind.encode())
    for utterance in exchange.utterances:
        digest.update(b"\x00" + utterance.kind.encode() + b"\x00" + utterance.text.encode())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class ExchangeTags:
    """One exchange (or opening announcement) of a briefing with its tags."""

    exchange: Exchange
    topics: tuple[str, ...] = ()
    #: Countries mentioned anywhere in the exchange.
    countries: tuple[str, ...] = ()
    #: Countries mentioned in its question(s) / in its answer(s) (or announcement).
    question_countries: tuple[str, ...] = ()
    answer_countries: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        """See :func:`exchange_hash`."""
        return exchange_hash(self.exchange)


@dataclass(frozen=True, slots=True)
class ExchangeResult:
    """What segmenting one briefing found: its tagged exchanges, the layout recognised, the unknown labels."""

    exchanges: tuple[ExchangeTags, ...]
    layout: str
    unknown_labels: tuple[str, ...] = ()

    def explanation(self) -> dict[str, Any]:
        """The ``turns`` part of the document's tag explanation (``readout show --explain``)."""
        return {
            "layout": self.layout,
            "exchanges": sum(1 for tags in self.exchanges if tags.exchange.kind == "exchange"),
            "announcements": sum(1 for tags in self.exchanges if tags.exchange.kind == "announcement"),
            "unknown_labels": list(self.unknown_labels),
        }


class ExchangeTagger:
    """Segments briefings and tags their exchanges with a document enricher's taggers (either may be None)."""

    def __init__(
        self,
        normaliser: Normaliser,
        topics: TopicTagger | None,
        countries: CountryTagger | None,
        *,
        lead_sentences: int = 2,
        speakers: Callable[[], SpeakerDirectory] | None = None,
    ) -> None:
        self.speakers = speakers
        self.normaliser = normaliser
        self.topics = topics
        self.countries = countries
        self.lead_sentences = lead_sentences

    def tag(self, title: str | None, text: str, *, language: str | None, ministry: str | None) -> ExchangeResult:
        """Segment a briefing's ``text`` (in ``language``, of the ``ministry``'s country code) and tag each
        exchange."""
        directory = self.speakers() if self.speakers is not None else None
        segmentation: Segmentation = segment(
            text, title=title, language=language, ministry=ministry, speakers=directory
        )
        tagged = tuple(self.tag_exchange(exchange) for exchange in segmentation.exchanges)
        return ExchangeResult(tagged, segmentation.layout, tuple(segmentation.unknown_labels))

    def tag_exchange(self, exchange: Exchange) -> ExchangeTags:
        """The topics of ``exchange`` and the countries of all of it, of its questions and of its answers."""
        if self.topics is None and self.countries is None:
            return ExchangeTags(exchange)
        question, answer = exchange.question, exchange.answer
        # One view per part, built once: the country tagger reads them apart and together; the topic tagger
        # needs one text whose lead is the question, so it gets the whole exchange (an announcement: its text).
        question_view = TextView(question, self.normaliser) if question else None
        answer_view = TextView(answer, self.normaliser) if answer else None
        topics: tuple[str, ...] = ()
        if self.topics is not None:
            if question_view is None or answer_view is None:
                whole = question_view or answer_view
            else:
                whole = TextView(f"{question}\n\n{answer}", self.normaliser)
            if whole is not None:
                found = self.topics.tag(None, whole, lead_end(whole.text, self.lead_sentences))
                topics = tuple(found.topics)
        if self.countries is None:
            return ExchangeTags(exchange, topics)
        asked = tuple(self.countries.tag([question_view]).codes) if question_view else ()
        answered = tuple(self.countries.tag([answer_view]).codes) if answer_view else ()
        if question_view is not None and answer_view is not None:
            # Together, not the union: an ambiguous name in one part can be confirmed by the other.
            anywhere = tuple(self.countries.tag([question_view, answer_view]).codes)
        else:
            anywhere = asked or answered
        return ExchangeTags(exchange, topics, anywhere, asked, answered)
