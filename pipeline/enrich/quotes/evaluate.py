"""Scoring quote extraction against the labelled set (``tests/fixtures/coverage/quotes/labels.yaml``).

A predicted quote matches a labelled one when their character spans overlap by at least 80 % of each (one
to one, in text order). Precision and recall are over quotes; speaker accuracy is over the matched quotes: a
speaker is right when the label's id is the predicted id (for a labelled id), else when the names agree
ignoring case, punctuation and a leading article (a labelled null wants no speaker). Used by
``benchmarks/quotes_eval.py`` and the quality gate ``tests/quality/test_quotes_quality.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.enrich.quotes.extractor import extract_quotes
from pipeline.enrich.quotes.model import Quote
from pipeline.enrich.speakers import SpeakerDirectory, label_key

OVERLAP = 0.8


@dataclass(frozen=True)
class Expected:
    """One labelled quote."""

    start: int
    end: int
    kind: str
    speaker: str | None
    speaker_id: str | None
    short: bool


@dataclass(frozen=True)
class LabelledDocument:
    """One labelled news text."""

    id: str
    part: str
    language: str
    text: str
    quotes: tuple[Expected, ...]


@dataclass
class Score:
    """Counts behind the rates."""

    documents: int = 0
    predicted: int = 0
    expected: int = 0
    matched: int = 0
    speakers_right: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.documents += other.documents
        self.predicted += other.predicted
        self.expected += other.expected
        self.matched += other.matched
        self.speakers_right += other.speakers_right
        self.misses += other.misses

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def speaker_accuracy(self) -> float:
        return self.speakers_right / self.matched if self.matched else 1.0


def load_labelled(directory: Path) -> list[LabelledDocument]:
    """The labelled documents of ``directory``/labels.yaml, their texts read from ``texts/<id>.txt``."""
    labels = yaml.safe_load((directory / "labels.yaml").read_text("utf-8"))
    documents = []
    for entry in labels["documents"]:
        text = (directory / "texts" / f"{entry['id']}.txt").read_text("utf-8")
        quotes = []
        for quote in entry["quotes"]:
            if "quote" in quote:
                start = _find(text, str(quote["quote"]), int(quote.get("nth", 1)), entry["id"])
                end = start + len(str(quote["quote"]))
            else:
                start = _find(text, str(quote["from"]), 1, entry["id"])
                end = text.index(str(quote["to"]), start) + len(str(quote["to"]))
            quotes.append(
                Expected(
                    start,
                    end,
                    quote["kind"],
                    quote.get("speaker"),
                    quote.get("speaker_id"),
                    bool(quote.get("short", False)),
                )
            )
        documents.append(LabelledDocument(entry["id"], entry["part"], entry["language"], text, tuple(quotes)))
    return documents


def _find(text: str, needle: str, nth: int, document: str) -> int:
    position = -1
    for _ in range(nth):
        position = text.find(needle, position + 1)
        if position < 0:
            raise ValueError(f"{document}: {needle!r} (occurrence {nth}) is not in the text")
    return position


def overlaps(quote: Quote, expected: Expected) -> bool:
    """Whether the spans share at least :data:`OVERLAP` of each one's characters."""
    shared = min(quote.end, expected.end) - max(quote.start, expected.start)
    return (
        shared > 0
        and shared >= OVERLAP * (quote.end - quote.start)
        and shared >= OVERLAP * (expected.end - expected.start)
    )


def _name(name: str) -> str:
    words = label_key(name).split()
    return " ".join(words[1:] if words and words[0] in ("the", "a", "an") else words)


def speaker_right(quote: Quote, expected: Expected) -> bool:
    """Whether ``quote`` names the labelled speaker (see the module's docstring)."""
    if expected.speaker_id is not None:
        return quote.speaker_id == expected.speaker_id
    if expected.speaker is None:
        return quote.speaker is None
    return quote.speaker is not None and _name(quote.speaker) == _name(expected.speaker)


def score_document(document: LabelledDocument, quotes: list[Quote]) -> Score:
    """Match ``quotes`` to the document's labels."""
    score = Score(documents=1, predicted=len(quotes), expected=len(document.quotes))
    taken: set[int] = set()
    for expected in document.quotes:
        match = next((i for i, q in enumerate(quotes) if i not in taken and overlaps(q, expected)), None)
        label = document.text[expected.start : expected.end][:50]
        if match is None:
            score.misses.append(f"{document.id}: missed {expected.kind} {label!r}")
            continue
        taken.add(match)
        score.matched += 1
        if speaker_right(quotes[match], expected):
            score.speakers_right += 1
        else:
            score.misses.append(
                f"{document.id}: speaker of {label!r} is {quotes[match].speaker!r} ({quotes[match].speaker_id}),"
                f" labelled {expected.speaker!r} ({expected.speaker_id})"
            )
    for i, quote in enumerate(quotes):
        if i not in taken:
            score.misses.append(f"{document.id}: extra {quote.kind} {quote.text[:50]!r} ({quote.speaker})")
    return score


def evaluate(
    documents: Iterable[LabelledDocument], speakers: SpeakerDirectory | None = None
) -> dict[tuple[str, str], Score]:
    """Scores by (part, language) and (part, "all")."""
    scores: dict[tuple[str, str], Score] = {}
    for document in documents:
        score = score_document(document, extract_quotes(document.text, language=document.language, speakers=speakers))
        for key in ((document.part, document.language), (document.part, "all")):
            scores.setdefault(key, Score()).add(score)
    return scores
