"""Scoring the segmenter against the labelled set (``tests/fixtures/briefings/labels.yaml``).

A boundary counts when an utterance starts at the labelled paragraph with the labelled kind; precision and
recall are over boundaries. Speaker accuracy is over the labelled announcements and answers (the speaker's id,
or its label as written when it has no id, must be the labelled one; an utterance the segmenter missed counts
as wrong); outlet accuracy likewise over the labelled questions. Used by ``benchmarks/turns_eval.py`` and the
quality gate ``tests/quality/test_turns_quality.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.enrich.speakers import SpeakerDirectory
from pipeline.enrich.turns.model import Segmentation, UtteranceKind
from pipeline.enrich.turns.segmenter import segment

#: (paragraph, kind, speaker, outlet), as labelled.
Expected = tuple[int, UtteranceKind, str | None, str | None]


@dataclass(frozen=True)
class LabelledDocument:
    """One labelled document, with the text the segmenter is given."""

    id: str
    part: str
    ministry: str
    language: str
    title: str | None
    text: str
    turns: tuple[Expected, ...]
    #: The fixture page's bytes and URL for a site document (to time extraction), else None.
    page: tuple[bytes, str, str] | None = None


@dataclass
class Score:
    """Counts behind the rates: boundaries found, expected and right; speakers and outlets right of expected."""

    predicted: int = 0
    expected: int = 0
    matched: int = 0
    speakers: int = 0
    speakers_right: int = 0
    outlets: int = 0
    outlets_right: int = 0
    documents: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in ("predicted", "expected", "matched", "speakers", "speakers_right", "outlets", "outlets_right"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.documents += other.documents
        self.misses += other.misses

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def speaker_accuracy(self) -> float:
        return self.speakers_right / self.speakers if self.speakers else 1.0

    @property
    def outlet_accuracy(self) -> float:
        return self.outlets_right / self.outlets if self.outlets else 1.0


def load_labelled(folder: Path, *, sites: Path, sources: Path) -> list[LabelledDocument]:
    """The labelled documents of ``folder``/labels.yaml; site documents are extracted from ``sites`` with the
    rules of their source in the ``sources`` file, as a run would."""
    from pipeline.config import load_sources
    from pipeline.extract import extract

    rules = {source.id: source for source in load_sources(sources)}
    raw = yaml.safe_load((folder / "labels.yaml").read_text("utf-8"))
    documents = []
    for entry in raw["documents"]:
        turns = tuple((int(p), kind, speaker, outlet) for p, kind, speaker, outlet in entry["turns"])
        page = None
        if "text" in entry:
            text, title = (folder / entry["text"]).read_text("utf-8").strip(), entry.get("title")
        else:
            body = (sites / entry["site"]).read_bytes()
            extracted = extract(body, url=entry["url"], source=rules[entry["source"]])
            text, title, page = extracted.text, extracted.title, (body, entry["url"], entry["source"])
        documents.append(
            LabelledDocument(entry["id"], entry["part"], entry["ministry"], entry["language"], title, text, turns, page)
        )
    return documents


def segment_document(document: LabelledDocument, speakers: SpeakerDirectory | None = None) -> Segmentation:
    """The segmentation of a labelled document, given what a run gives: title, language, ministry."""
    return segment(
        document.text, title=document.title, language=document.language, ministry=document.ministry, speakers=speakers
    )


def score(document: LabelledDocument, segmentation: Segmentation) -> Score:
    """The counts of one document."""
    predicted = {
        (u.paragraph, u.kind): (u.speaker_id or u.speaker, u.outlet_id or u.outlet)
        for exchange in segmentation.exchanges
        for u in exchange.utterances
    }
    result = Score(predicted=len(predicted), expected=len(document.turns), documents=1)
    for paragraph, kind, speaker, outlet in document.turns:
        found = predicted.get((paragraph, kind))
        result.matched += found is not None
        if found is None:
            result.misses.append(f"{document.id}: no {kind} at paragraph {paragraph}")
        if kind == "question":
            result.outlets += 1
            right = found is not None and found[1] == outlet
            result.outlets_right += right
            if found is not None and not right:
                result.misses.append(f"{document.id} ¶{paragraph}: outlet {found[1]!r}, labelled {outlet!r}")
        else:
            result.speakers += 1
            right = found is not None and found[0] == speaker
            result.speakers_right += right
            if found is not None and not right:
                result.misses.append(f"{document.id} ¶{paragraph}: speaker {found[0]!r}, labelled {speaker!r}")
    labelled = {(p, k) for p, k, _, _ in document.turns}
    result.misses += [f"{document.id}: extra {k} at paragraph {p}" for p, k in predicted if (p, k) not in labelled]
    return result


def evaluate(
    documents: Iterable[LabelledDocument], speakers: SpeakerDirectory | None = None
) -> dict[tuple[str, str], Score]:
    """Scores by (part, ministry), with ``(part, "all")`` totals."""
    scores: dict[tuple[str, str], Score] = {}
    for document in documents:
        counts = score(document, segment_document(document, speakers))
        for key in ((document.part, document.ministry), (document.part, "all")):
            scores.setdefault(key, Score()).add(counts)
    return scores
