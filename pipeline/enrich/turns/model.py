"""The turns of a briefing: what :func:`pipeline.enrich.turns.segment` returns.

* :class:`Utterance`: one labelled part of a transcript (an announcement, a question or an answer), with
  its speaker or outlet as written and as normalised ids;
* :class:`Exchange`: an opening announcement, or a question with its answer (follow-ups included);
* :class:`Segmentation`: what :func:`segment` found in one document, with the layout it recognised and
  the labels it could not normalise.

Texts are the extracted document text: paragraphs separated by a blank line
(:data:`pipeline.extract.text.PARAGRAPH_SEPARATOR`); ``paragraph`` numbers count from 0 in that split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.extract.text import PARAGRAPH_SEPARATOR

UtteranceKind = Literal["announcement", "question", "answer"]
ExchangeKind = Literal["announcement", "exchange"]


@dataclass(frozen=True, slots=True)
class Utterance:
    """One part of a transcript, as one speaker said it."""

    kind: UtteranceKind
    text: str
    #: The number of the paragraph it starts at (0-based, in the text split on blank lines).
    paragraph: int
    #: The speaker's label as written ("Wang Wenbin", "MR PRICE", "汪文斌"); None when unlabelled ("A:").
    speaker: str | None = None
    #: The spokesperson's id from the speakers file; None for a journalist or an unknown label.
    speaker_id: str | None = None
    #: For a question: the outlet's label as written ("AFP", "路透社记者").
    outlet: str | None = None
    outlet_id: str | None = None
    #: The journalist's name, where the transcript gives it.
    journalist: str | None = None
    #: The section heading it falls under, where the transcript has them (MID topics, MOFA question topics).
    heading: str | None = None


@dataclass(frozen=True, slots=True)
class Exchange:
    """An announcement, or a question (with its follow-ups and multi-part questions) and its answer."""

    position: int
    kind: ExchangeKind
    utterances: tuple[Utterance, ...]
    #: A question with no outlet of its own that continues the previous exchange's questioning.
    follow_up: bool = False

    @property
    def question(self) -> str:
        """The questions' text, "" for an announcement."""
        return PARAGRAPH_SEPARATOR.join(u.text for u in self.utterances if u.kind == "question")

    @property
    def answer(self) -> str:
        """The answers' (or the announcement's) text."""
        return PARAGRAPH_SEPARATOR.join(u.text for u in self.utterances if u.kind != "question")

    def _first(self, kind: UtteranceKind) -> Utterance | None:
        return next((u for u in self.utterances if u.kind == kind), None)

    @property
    def spokesperson(self) -> tuple[str | None, str | None]:
        """(label as written, id) of the first answer's or announcement's speaker."""
        first = self._first("answer") or self._first("announcement")
        return (first.speaker, first.speaker_id) if first else (None, None)

    @property
    def questioner(self) -> tuple[str | None, str | None, str | None]:
        """(outlet as written, outlet id, journalist) of the first question."""
        first = self._first("question")
        return (first.outlet, first.outlet_id, first.journalist) if first else (None, None, None)


@dataclass(frozen=True, slots=True)
class Segmentation:
    """The exchanges of one document."""

    exchanges: tuple[Exchange, ...]
    #: The layout recognised ("generic" when none was).
    layout: str
    #: Speaker and outlet labels not found in the speakers file, as written (each once).
    unknown_labels: tuple[str, ...] = ()
