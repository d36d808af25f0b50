"""The near-duplicate quality gate: each part of the labelled set may not fall below the pinned floors.

The floors live in one file, ``tests/fixtures/coverage/floors.yaml`` (its ``duplicates`` section); ``make eval-dedup``
(``benchmarks/dedup_eval.py``) prints the same numbers, with the cost.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.config import DEFAULT_DUPLICATE_THRESHOLD
from pipeline.enrich.dedup.evaluate import LabelledText, PairScore, evaluate, load_labelled

LABELLED = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "coverage" / "duplicates"
FLOORS = yaml.safe_load((LABELLED.parent / "floors.yaml").read_text("utf-8"))["duplicates"]


@pytest.fixture(scope="module")
def documents() -> list[LabelledText]:
    return load_labelled(LABELLED)


@pytest.fixture(scope="module")
def scores(documents: list[LabelledText], tmp_path_factory: pytest.TempPathFactory) -> dict[str, PairScore]:
    workdir = tmp_path_factory.mktemp("dedup")
    for part in ("tune", "holdout"):
        (workdir / part).mkdir()
    return evaluate(documents, DEFAULT_DUPLICATE_THRESHOLD, workdir)


@pytest.mark.parametrize("part", ["tune", "holdout"])
def test_each_part_is_large_enough_and_has_each_kind_of_pair(
    documents: list[LabelledText], scores: dict[str, PairScore], part: str
) -> None:
    in_part = [document for document in documents if document.part == part]
    assert len(in_part) >= FLOORS["min_documents"][part]
    score = scores[part]
    assert score.true_positives + score.false_negatives >= FLOORS["min_copy_pairs"][part]
    # Different stories on one event and translations: labels that share an event but not a cluster.
    clusters = {document.cluster for document in in_part}
    assert any(cluster.endswith(("-ru", "-fr")) for cluster in clusters), part
    assert sum(1 for document in in_part if document.cluster.startswith("zh-")) >= 3, part


@pytest.mark.parametrize("part", ["tune", "holdout"])
def test_each_part_holds_the_floors(scores: dict[str, PairScore], part: str) -> None:
    score = scores[part]
    detail = "; ".join(score.misses[:10])
    assert score.precision >= FLOORS["floors"]["precision"], f"{part} precision {score.precision:.3f}: {detail}"
    assert score.recall >= FLOORS["floors"]["recall"], f"{part} recall {score.recall:.3f}: {detail}"
