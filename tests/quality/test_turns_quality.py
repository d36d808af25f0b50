"""The turn segmentation quality gate: each part of the labelled briefings may not fall below the pinned floors.

The floors live in one file, ``tests/fixtures/briefings/floors.yaml``; the numbers per ministry are printed by
``make eval-turns`` (``benchmarks/turns_eval.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.devsite import NEWS_HOSTS
from pipeline.enrich.speakers import load_speakers
from pipeline.enrich.turns.evaluate import LabelledDocument, Score, evaluate, load_labelled

REPO = Path(__file__).resolve().parents[2]
LABELLED = REPO / "tests" / "fixtures" / "briefings"
FLOORS = yaml.safe_load((LABELLED / "floors.yaml").read_text("utf-8"))
SPEAKERS = REPO / "config" / "speakers.yaml"


@pytest.fixture(scope="module")
def documents() -> list[LabelledDocument]:
    return load_labelled(
        LABELLED, sites=REPO / "tests" / "fixtures" / "sites", sources=REPO / "config" / "sources.yaml"
    )


@pytest.fixture(scope="module")
def scores(documents: list[LabelledDocument]) -> dict[tuple[str, str], Score]:
    return evaluate(documents, load_speakers(SPEAKERS))


def test_the_labelled_set_covers_every_ministry_in_both_parts(documents: list[LabelledDocument]) -> None:
    for part, minimum in FLOORS["min_documents"].items():
        in_part = [d for d in documents if d.part == part]
        assert len(in_part) >= minimum, part
        assert {d.ministry for d in in_part} >= set(FLOORS["ministries"]), part


def test_labels_name_speakers_and_outlets_of_the_speakers_file_or_as_written(documents: list[LabelledDocument]) -> None:
    """A labelled id that looks like an id must be one: a typo in the labels would otherwise never match."""
    directory = load_speakers(SPEAKERS)
    speaker_ids = {s.id for s in directory.speakers}
    outlet_ids = {o.id for o in directory.outlets}
    for document in documents:
        for _, _, speaker, outlet in document.turns:
            if speaker is not None and speaker.islower():
                assert speaker in speaker_ids, (document.id, speaker)
            if outlet is not None and outlet.islower() and outlet.isascii():
                assert outlet in outlet_ids, (document.id, outlet)


@pytest.mark.parametrize("part", ["tune", "holdout"])
def test_each_part_holds_the_floors(scores: dict[tuple[str, str], Score], part: str) -> None:
    score = scores[(part, "all")]
    detail = "; ".join(score.misses[:10])
    assert score.f1 >= FLOORS["boundary_f1"], f"{part} boundary F1 {score.f1:.3f}: {detail}"
    assert score.speaker_accuracy >= FLOORS["speaker_accuracy"], (
        f"{part} speakers {score.speaker_accuracy:.3f}: {detail}"
    )
    assert score.outlet_accuracy >= FLOORS["outlet_accuracy"], f"{part} outlets {score.outlet_accuracy:.3f}: {detail}"


def test_news_articles_of_the_fixture_sites_are_not_read_as_transcripts() -> None:
    from pipeline.enrich.turns import segment
    from pipeline.errors import ExtractionError
    from pipeline.extract import extract

    sites = REPO / "tests" / "fixtures" / "sites"
    read = 0
    for host in NEWS_HOSTS:
        for page in sorted((sites / host).rglob("*")):
            if not page.is_file() or page.suffix in (".txt", ".headers", ".xml", ".rss", ".atom", ".gz"):
                continue
            try:
                extracted = extract(page.read_bytes(), url=f"https://{host}/{page.relative_to(sites / host)}")
            except ExtractionError:
                continue  # a feed or listing page
            read += 1
            result = segment(extracted.text, title=extracted.title, language=extracted.language)
            assert result.layout == "generic", (page, result.layout)
            assert all(u.speaker is None and u.outlet is None for e in result.exchanges for u in e.utterances)
    assert read >= 30


@pytest.mark.parametrize("part", sorted(FLOORS["blind_floors"]))
def test_the_blind_sets_do_not_fall_below_what_they_scored(part: str) -> None:
    floors = FLOORS["blind_floors"][part]
    documents = load_labelled(
        LABELLED / part, sites=REPO / "tests" / "fixtures" / "sites", sources=REPO / "config" / "sources.yaml"
    )
    score = evaluate(documents, load_speakers(SPEAKERS))[(part, "all")]
    detail = "; ".join(score.misses[:10])
    assert score.f1 >= floors["boundary_f1"], f"{part} boundary F1 {score.f1:.3f}: {detail}"
    assert score.speaker_accuracy >= floors["speaker_accuracy"], f"{part} speakers {score.speaker_accuracy:.3f}"
    assert score.outlet_accuracy >= floors["outlet_accuracy"], f"{part} outlets {score.outlet_accuracy:.3f}"
