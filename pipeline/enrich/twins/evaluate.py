"""Scoring twin matching and exchange alignment against the labelled set (tests/fixtures/history/twins/labels.yaml).

Each labelled pair is two publications of a ministry (``a`` and ``b``, in two languages) with every exchange
named by a quote of its answer in each version (null where a version lacks it); ``twin: false`` marks a trap,
two different briefings published on one day. :func:`evaluate` runs the real stages on a part: every text is
segmented by the briefing segmenter with the shipped speakers file, the publications of one ministry are pooled
by language and paired by :func:`~pipeline.enrich.twins.pair_briefings` (so a publication may be paired with
any other of its part, not only its labelled partner), and the exchanges of each pair are aligned.

* **Pairs**: a predicted pair is right when it is a labelled twin pair. Precision over predicted pairs, recall
  over labelled twins; ``accuracy`` counts each labelled pair right when it is found (twins) or not made (traps).
* **Exchanges**: an aligned pair of exchanges is right when one labelled exchange has its quote in both
  (a quote is placed in the segmented exchange whose answer holds it). Recall over labelled exchanges present in
  both versions of a twin pair; a twin pair that was not found loses all of them.
* **Missing**: an exchange flagged as missing from the other version is right when its labelled counterpart
  is null. Recall over those labelled missing in twin pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from pipeline.enrich.coverage import ministry_zone
from pipeline.enrich.speakers import SpeakerDirectory
from pipeline.enrich.turns import Exchange, segment
from pipeline.enrich.twins import Briefing, pair_briefings, view_of

_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PARTS = ("tune", "holdout")


@dataclass(frozen=True)
class Version:
    """One labelled publication."""

    key: str
    ministry: str
    language: str
    published_at: datetime
    title: str
    text: str


@dataclass(frozen=True)
class LabelledPair:
    """Two publications and their exchanges: (quote in a, quote in b), None where a version lacks it."""

    id: str
    part: str
    twin: bool
    a: Version
    b: Version
    exchanges: tuple[tuple[str | None, str | None], ...]


def load_pairs(path: Path) -> list[LabelledPair]:
    """The labelled pairs of ``path``."""
    document = yaml.load(path.read_text("utf-8"), Loader=_SafeLoader)  # noqa: S506 (a safe loader, in C)
    found: list[LabelledPair] = []
    for raw in document["pairs"]:
        versions = [
            Version(
                f"{raw['id']}/{side}",
                raw["ministry"],
                raw[side]["language"],
                datetime.fromisoformat(str(raw[side]["published"])),
                raw[side]["title"],
                raw[side]["text"],
            )
            for side in ("a", "b")
        ]
        exchanges = tuple((item.get("a"), item.get("b")) for item in raw["exchanges"])
        found.append(LabelledPair(raw["id"], raw["part"], raw.get("twin", True), versions[0], versions[1], exchanges))
    return found


def _ratio(right: int, total: int) -> float:
    return right / total if total else 1.0


@dataclass
class Score:
    """The counts of one part; ``misses`` says what went wrong, for reading a failure."""

    pairs_labelled: int = 0
    pairs_predicted: int = 0
    pairs_right: int = 0
    traps: int = 0
    traps_refused: int = 0
    exchanges_labelled: int = 0
    exchanges_predicted: int = 0
    exchanges_right: int = 0
    missing_labelled: int = 0
    missing_predicted: int = 0
    missing_right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def pair_precision(self) -> float:
        return _ratio(self.pairs_right, self.pairs_predicted)

    @property
    def pair_recall(self) -> float:
        return _ratio(self.pairs_right, self.pairs_labelled)

    @property
    def pair_accuracy(self) -> float:
        """Labelled pairs found (twins) or correctly refused (traps), over all labelled pairs."""
        return _ratio(self.pairs_right + self.traps_refused, self.pairs_labelled + self.traps)

    @property
    def exchange_precision(self) -> float:
        return _ratio(self.exchanges_right, self.exchanges_predicted)

    @property
    def exchange_recall(self) -> float:
        return _ratio(self.exchanges_right, self.exchanges_labelled)

    @property
    def missing_precision(self) -> float:
        return _ratio(self.missing_right, self.missing_predicted)

    @property
    def missing_recall(self) -> float:
        return _ratio(self.missing_right, self.missing_labelled)


def evaluate(pairs: Sequence[LabelledPair], speakers: SpeakerDirectory | None) -> Score:
    """Score the matcher and the aligner on ``pairs`` (one part; see the module's docstring)."""
    versions: dict[str, Version] = {}
    for pair in pairs:
        versions[pair.a.key] = pair.a
        versions[pair.b.key] = pair.b
    segmented = {key: _segment(version, speakers) for key, version in versions.items()}
    # Where each labelled quote falls: version key -> quote -> index of the segmented exchange holding it.
    placed: dict[str, dict[str, int | None]] = {}
    for pair in pairs:
        placed[pair.a.key] = _place(segmented[pair.a.key], [a for a, _ in pair.exchanges])
        placed[pair.b.key] = _place(segmented[pair.b.key], [b for _, b in pair.exchanges])
    labelled = {(pair.a.key, pair.b.key): pair for pair in pairs}
    score = Score()
    predicted: dict[tuple[str, str], tuple[set[tuple[int, int]], set[tuple[str, int]]]] = {}
    by_ministry: dict[str, list[Version]] = defaultdict(list)
    for version in versions.values():
        by_ministry[version.ministry].append(version)
    for ministry, pooled in sorted(by_ministry.items()):
        languages = sorted({version.language for version in pooled})
        if len(languages) != 2:
            continue
        left = sorted((v for v in pooled if v.language == languages[0]), key=lambda v: v.key)
        right = sorted((v for v in pooled if v.language == languages[1]), key=lambda v: v.key)
        zone = ministry_zone(ministry)
        found = pair_briefings(
            [_briefing(v, segmented[v.key]) for v in left], [_briefing(v, segmented[v.key]) for v in right], zone, zone
        )
        for twin in found:
            a, b = left[twin.left], right[twin.right]
            key = (a.key, b.key) if (a.key, b.key) in labelled else (b.key, a.key)
            aligned = {(i, j) for i, j, _ in twin.alignment.pairs}
            if key != (a.key, b.key):
                aligned = {(j, i) for i, j in aligned}
            missing = {(a.key, i) for i in twin.alignment.left_unmatched}
            missing |= {(b.key, j) for j in twin.alignment.right_unmatched}
            predicted[key] = (aligned, missing)
    for key, (aligned, missing) in predicted.items():
        score.pairs_predicted += 1
        score.exchanges_predicted += len(aligned)
        score.missing_predicted += len(missing)
        found_pair = labelled.get(key)
        if found_pair is None or not found_pair.twin:
            score.misses.append(f"paired {key[0]} with {key[1]}, which are not twins")
    for pair in pairs:
        key = (pair.a.key, pair.b.key)
        if not pair.twin:
            score.traps += 1
            score.traps_refused += key not in predicted
            continue
        score.pairs_labelled += 1
        aligned, missing = predicted.get(key, (set(), set()))
        if key in predicted:
            score.pairs_right += 1
        else:
            score.misses.append(f"{pair.id}: twins not paired")
        _score_exchanges(pair, placed, aligned, missing, score)
    return score


def _score_exchanges(
    pair: LabelledPair,
    placed: dict[str, dict[str, int | None]],
    aligned: set[tuple[int, int]],
    missing: set[tuple[str, int]],
    score: Score,
) -> None:
    for quote_a, quote_b in pair.exchanges:
        i = placed[pair.a.key].get(quote_a) if quote_a else None
        j = placed[pair.b.key].get(quote_b) if quote_b else None
        if quote_a and quote_b:
            score.exchanges_labelled += 1
            if i is not None and j is not None and (i, j) in aligned:
                score.exchanges_right += 1
            else:
                score.misses.append(f"{pair.id}: {quote_a!r} / {quote_b!r} not aligned")
            continue
        score.missing_labelled += 1
        side, index, quote = (pair.a.key, i, quote_a) if quote_a else (pair.b.key, j, quote_b)
        if index is not None and (side, index) in missing:
            score.missing_right += 1
        else:
            score.misses.append(f"{pair.id}: {quote!r} not flagged as missing from the other version")
    wrong_missing = missing - {
        (pair.a.key, placed[pair.a.key].get(a)) if a else (pair.b.key, placed[pair.b.key].get(b or ""))
        for a, b in pair.exchanges
        if (a is None) != (b is None)
    }
    for side, index in sorted(wrong_missing):
        score.misses.append(f"{pair.id}: exchange {index} of {side} wrongly flagged as missing")
    aligned_right = {(placed[pair.a.key].get(a), placed[pair.b.key].get(b)) for a, b in pair.exchanges if a and b}
    for i, j in sorted(aligned - aligned_right):
        score.misses.append(f"{pair.id}: exchange {i} of a wrongly aligned with {j} of b")


def _segment(version: Version, speakers: SpeakerDirectory | None) -> list[Exchange]:
    result = segment(
        version.text, title=version.title, language=version.language, ministry=version.ministry, speakers=speakers
    )
    return list(result.exchanges)


def _place(exchanges: Sequence[Exchange], quotes: Sequence[str | None]) -> dict[str, int | None]:
    """Each quote and the index of the segmented exchange whose answer holds it (None when none does)."""
    return {
        quote: next((index for index, exchange in enumerate(exchanges) if quote in exchange.answer), None)
        for quote in quotes
        if quote
    }


def _briefing(version: Version, exchanges: Sequence[Exchange]) -> Briefing:
    views = tuple(view_of(str(index), exchange) for index, exchange in enumerate(exchanges))
    return Briefing(version.key, version.title, version.language, version.published_at, views)
