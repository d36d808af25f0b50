"""The twin briefings quality gate: each part of the labelled set may not fall below the pinned floors.

The floors live in one file, ``tests/fixtures/history/twins/floors.yaml``; ``benchmarks/twins_eval.py`` prints
the same numbers (with ``--errors``, every miss).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.enrich.speakers import default_speakers
from pipeline.enrich.twins.evaluate import PARTS, LabelledPair, Score, evaluate, load_pairs

LABELLED = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "history" / "twins"
FLOORS = yaml.safe_load((LABELLED / "floors.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def pairs() -> list[LabelledPair]:
    return load_pairs(LABELLED / "labels.yaml")


@pytest.fixture(scope="module")
def scores(pairs: list[LabelledPair]) -> dict[str, Score]:
    speakers = default_speakers()
    return {part: evaluate([pair for pair in pairs if pair.part == part], speakers) for part in PARTS}


@pytest.mark.parametrize("part", PARTS)
def test_each_part_is_large_enough_and_has_traps_and_both_ministries(pairs: list[LabelledPair], part: str) -> None:
    in_part = [pair for pair in pairs if pair.part == part]
    assert sum(pair.twin for pair in in_part) >= FLOORS["min_twins"][part]
    assert any(not pair.twin for pair in in_part), "a trap pair: two briefings published on one day"
    assert {pair.a.ministry for pair in in_part} == {"CN", "RU"}


@pytest.mark.parametrize("part", PARTS)
def test_each_part_holds_the_floors(scores: dict[str, Score], part: str) -> None:
    score = scores[part]
    detail = "; ".join(score.misses[:10])
    for name in ("pair_precision", "pair_recall", "pair_accuracy", "exchange_precision", "exchange_recall"):
        assert getattr(score, name) >= FLOORS[name], f"{part} {name} {getattr(score, name):.3f}: {detail}"
    for name in ("missing_precision", "missing_recall"):
        assert getattr(score, name) >= FLOORS[name], f"{part} {name} {getattr(score, name):.3f}: {detail}"
