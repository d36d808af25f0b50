"""The coverage quality gate: links from news quotes to briefing exchanges, and the verdicts on them, may not
fall below the floors pinned in ``tests/fixtures/coverage/floors.yaml`` (its ``attribution`` section) on
either part of the labelled set, linked as ingest links them (the word rules, then matching by meaning; ``make
eval-coverage`` prints the numbers per language and verdict, with and without the model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.config import Settings
from pipeline.enrich.coverage.evaluate import Score, evaluate, load_part
from pipeline.enrich.coverage.meaning import default_meaning
from pipeline.enrich.enricher import build_enricher
from pipeline.enrich.speakers import load_speakers

# Among the longest modules: started first, so that both workers of `make test` finish together.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
LABELLED = REPO / "tests" / "fixtures" / "coverage" / "attribution"
FLOORS: dict[str, Any] = yaml.safe_load((LABELLED.parent / "floors.yaml").read_text("utf-8"))["attribution"]


@pytest.fixture(scope="module")
def scores() -> dict[str, dict[str, Score]]:
    settings = Settings(
        sources=REPO / "config" / "sources.yaml",
        topics=REPO / "config" / "topics.yaml",
        countries=REPO / "config" / "countries.yaml",
    )
    enricher = build_enricher(settings)
    speakers = load_speakers(REPO / "config" / "speakers.yaml")
    # As ingest links: the word rules, then the bundled model for what they leave unmatched.
    meaning = default_meaning()
    return {
        part: evaluate(load_part(LABELLED / f"{part}.yaml"), enricher, speakers, meaning) for part in FLOORS["parts"]
    }


@pytest.mark.parametrize("part", sorted(FLOORS["parts"]))
def test_each_part_keeps_its_articles_and_languages(part: str) -> None:
    loaded = load_part(LABELLED / f"{part}.yaml")
    assert len(loaded["articles"]) >= FLOORS["min_articles"][part]
    assert {a["language"] for a in loaded["articles"]} >= set(FLOORS["languages"])
    for article in loaded["articles"]:
        for quote in article.get("quotes") or []:
            assert quote["quoted"] in article["text"], (article["id"], quote["quoted"])


@pytest.mark.parametrize("part", sorted(FLOORS["parts"]))
def test_links_and_verdicts_stay_above_the_floors(part: str, scores: dict[str, dict[str, Score]]) -> None:
    score = scores[part]["all"]
    floors = FLOORS["parts"][part]
    # A holdout's misses are never shown, not even when it fails: reading them would be tuning on it. The
    # figures are compared as plain numbers, so that pytest's report of a failed assert cannot print the score
    # (and its list of misses) they came from.
    shown = score.errors if part.startswith("tune") else f"{part}: totals only, never its misses"
    precision, recall, accuracy = score.link_precision, score.link_recall, score.accuracy()
    assert precision >= floors["link_precision"], shown
    assert recall >= floors["link_recall"], shown
    assert accuracy >= floors["verdict_accuracy"], shown
