"""The turns mapping (``readout-turn-mappings``) against the turn projection: exactly the projected fields,
facets as keywords, the same language analyzers as the documents."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.index.mappings import flatten_fields, load_templates, validate_against_mapping
from pipeline.index.projection import ANALYZED_LANGUAGES
from pipeline.index.turn_projection import TURN_TEXTS, project_turn
from pipeline.store.citations import CoverageEntry
from tests.turnrows import TurnRow
from tests.unit.test_embedded_search import Doc

LANGUAGES = [*ANALYZED_LANGUAGES, "hi", None]


def report(doc_id: str, source_id: str, publisher: str | None, verdict: str) -> CoverageEntry:
    """A news document quoting the turn, as the catalog's coverage read gives it."""
    return CoverageEntry(
        doc_id=doc_id, title="Title", url=f"https://news.example/{doc_id}", source_id=source_id, publisher=publisher,
        published_at=None, cluster_id=None, duplicate_of=None, quoted="We oppose it.", matched="We oppose it.",
        similarity=0.9, verdict=verdict, added=[], dropped=[],
    )  # fmt: skip


#: Two outlets, one without a publisher name, one reporting the turn twice.
REPORTS = [
    report("n1", "globaltimes-en", "Global Times", "verbatim"),
    report("n1", "globaltimes-en", "Global Times", "paraphrase"),
    report("n2", "wire-en", None, "divergent"),
]


@pytest.fixture(scope="module")
def properties() -> dict[str, Any]:
    return dict(load_templates().composed("turns")["mappings"]["properties"])


def full_turn(language: str | None) -> TurnRow:
    return TurnRow(
        "b1",
        3,
        "A question?",
        "An answer.",
        language=language,
        journalist="Li Ming",
        topics=["sanctions"],
        countries=["RU", "US"],
        question_countries=["RU"],
        answer_countries=["US"],
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_projected_turn_fits_the_mapping(language: str | None, properties: dict[str, Any]) -> None:
    for reports in ([], REPORTS):
        projected = project_turn(full_turn(language), Doc("b1", "Transcript.", language=None), reports)
        assert validate_against_mapping(projected, properties) == []


def test_mapping_has_exactly_the_projected_fields(properties: dict[str, Any]) -> None:
    produced: set[str] = set()
    for language in LANGUAGES:
        produced |= set(project_turn(full_turn(language), Doc("b1", "Transcript.", removed_at=None), REPORTS))
    assert produced == set(properties), "mapping fields the projection never fills, or the reverse"


def test_facets_are_keywords_and_texts_use_the_documents_analyzers(properties: dict[str, Any]) -> None:
    types = flatten_fields(properties)
    for name in (
        "spokesperson",
        "spokesperson_id",
        "outlet",
        "outlet_id",
        "ministry",
        "source",
        "topics",
        "countries",
        "question_countries",
        "answer_countries",
        "language",
        "kind",
        "doc_id",
        "turn_id",
    ):
        assert types[name] == "keyword", name
    assert types["date"] == "date"
    assert types["position"] == "integer"
    documents = load_templates().composed("documents")
    turns = load_templates().composed("turns")
    assert turns["settings"]["analysis"] == documents["settings"]["analysis"]
    for part in TURN_TEXTS:
        assert properties[part]["analyzer"] == "standard"
        for code in ANALYZED_LANGUAGES:
            assert (
                properties[f"{part}_{code}"]["analyzer"]
                == documents["mappings"]["properties"][f"text_{code}"]["analyzer"]
            )


def test_a_turn_carries_its_coverage(properties: dict[str, Any]) -> None:
    """Documents counted once, outlets as labels (the source id when there is none) and as source ids, the
    least faithful verdict; a turn nobody reported has a count of 0 and nothing else."""
    covered = project_turn(full_turn("en"), Doc("b1", "Transcript."), REPORTS)
    assert covered["coverage_count"] == 2
    assert covered["covered_by"] == ["Global Times", "wire-en"]
    assert covered["covered_by_source"] == ["globaltimes-en", "wire-en"]
    assert covered["worst_verdict"] == "divergent"
    alone = project_turn(full_turn("en"), Doc("b1", "Transcript."))
    assert alone["coverage_count"] == 0
    assert not {"covered_by", "covered_by_source", "worst_verdict"} & set(alone)
    assert flatten_fields(properties)["coverage_count"] == "integer"
    for name in ("covered_by", "covered_by_source", "worst_verdict"):
        assert flatten_fields(properties)[name] == "keyword"
