"""The tagging quality gate: micro-F1 on the labelled set may not fall below the pinned floors.

The floors live in one file, ``tests/fixtures/tagging/floors.yaml``; the numbers per topic are printed
by ``make eval-tagging`` (``benchmarks/tagging_eval.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.config import Settings
from pipeline.enrich import load_enricher
from pipeline.enrich.evaluate import Evaluation, evaluate, load_examples
from pipeline.enrich.taxonomy import load_taxonomy

REPO = Path(__file__).resolve().parents[2]
LABELLED = REPO / "tests" / "fixtures" / "tagging"
FLOORS = yaml.safe_load((LABELLED / "floors.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    settings = Settings(topics=REPO / "config" / "topics.yaml", countries=REPO / "config" / "countries.yaml")
    enricher = load_enricher(settings)
    assert enricher.problems == []
    return evaluate(enricher, load_examples(LABELLED))


def test_the_labelled_set_is_big_enough_and_uses_known_topics() -> None:
    examples = load_examples(LABELLED)
    assert len(examples) >= FLOORS["min_examples"]
    assert {example.language for example in examples} >= {"en", "zh", "ru"}
    known = {topic.id for topic in load_taxonomy(REPO / "config" / "topics.yaml").topics}
    used = {topic for example in examples for topic in example.topics}
    assert used <= known, used - known
    assert sum(1 for example in examples if example.note) >= 0.2 * len(examples), "hard negatives are noted"


def test_topics_micro_f1_holds_the_floor(evaluation: Evaluation) -> None:
    micro = evaluation.topics_micro
    assert micro.f1 >= FLOORS["topics_micro_f1"], (
        f"topics micro-F1 {micro.f1:.3f} (P {micro.precision:.3f}, R {micro.recall:.3f})"
    )


def test_countries_micro_f1_holds_the_floor(evaluation: Evaluation) -> None:
    micro = evaluation.countries_micro
    assert micro.f1 >= FLOORS["countries_micro_f1"], (
        f"countries micro-F1 {micro.f1:.3f} (P {micro.precision:.3f}, R {micro.recall:.3f})"
    )
