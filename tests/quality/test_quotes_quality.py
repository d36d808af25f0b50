"""The quote extraction quality gate: each part of the labelled news texts may not fall below the pinned floors.

The floors live in one file, ``tests/fixtures/coverage/quotes/floors.yaml``; the numbers per language are
printed by ``make eval-quotes`` (``benchmarks/quotes_eval.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.enrich.quotes.evaluate import LabelledDocument, Score, evaluate, load_labelled
from pipeline.enrich.speakers import load_speakers

REPO = Path(__file__).resolve().parents[2]
LABELLED = REPO / "tests" / "fixtures" / "coverage" / "quotes"
FLOORS = yaml.safe_load((LABELLED / "floors.yaml").read_text("utf-8"))
SPEAKERS = REPO / "config" / "speakers.yaml"


@pytest.fixture(scope="module")
def documents() -> list[LabelledDocument]:
    return load_labelled(LABELLED)


@pytest.fixture(scope="module")
def scores(documents: list[LabelledDocument]) -> dict[tuple[str, str], Score]:
    return evaluate(documents, load_speakers(SPEAKERS))


def test_the_labelled_set_covers_every_language_in_both_parts(documents: list[LabelledDocument]) -> None:
    for part, minimum in FLOORS["min_documents"].items():
        in_part = [d for d in documents if d.part == part]
        assert len(in_part) >= minimum, part
        assert {d.language for d in in_part} >= set(FLOORS["languages"]), part


def test_labelled_speaker_ids_are_in_the_speakers_file(documents: list[LabelledDocument]) -> None:
    """A typo in a labelled id would otherwise never match."""
    ids = {s.id for s in load_speakers(SPEAKERS).speakers}
    for document in documents:
        for quote in document.quotes:
            assert quote.speaker_id is None or quote.speaker_id in ids, (document.id, quote.speaker_id)


@pytest.mark.parametrize("part", sorted(FLOORS["parts"]))
def test_each_part_holds_the_floors(scores: dict[tuple[str, str], Score], part: str) -> None:
    floors = FLOORS["parts"][part]
    score = scores[(part, "all")]
    detail = "; ".join(score.misses[:10])
    assert score.precision >= floors["precision"], f"{part} precision {score.precision:.3f}: {detail}"
    assert score.recall >= floors["recall"], f"{part} recall {score.recall:.3f}: {detail}"
    assert score.speaker_accuracy >= floors["speaker_accuracy"], (
        f"{part} speakers {score.speaker_accuracy:.3f}: {detail}"
    )
