"""A transcript's history in the projections (pipeline.index.history_projection), against the strict mappings,
and the history filters' request bodies against what Elasticsearch accepts for those fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.index.es_search import build_search_body, build_turn_search_body
from pipeline.index.mappings import document_mapping, turns_mapping, validate_against_mapping
from pipeline.index.projection import project_document
from pipeline.index.query import parse
from pipeline.index.search import SearchFilters
from pipeline.index.turn_projection import project_turn
from tests.esfilters import check_query, field_types
from tests.esrules import StubError
from tests.turnrows import TurnRow
from tests.unit.test_embedded_search import Doc

WHEN = datetime(2021, 4, 27, 9, 0, tzinfo=UTC)
HISTORY = ("edited", "edited_at", "removal_kind", "version_count", "has_twin", "twin_doc_id", "unmatched_in_twin")


def test_a_document_without_history_says_so_and_has_no_twin_count() -> None:
    projected = project_document(Doc("a", "Text."))
    assert {name: projected.get(name) for name in HISTORY} == {
        **dict.fromkeys(HISTORY),
        "edited": False,
        "version_count": 1,
        "has_twin": False,
    }
    assert projected["removed"] is False


def test_an_edited_removed_twinned_document() -> None:
    document = Doc(
        "a",
        "Text.",
        version=3,
        edited_at=WHEN,
        removed_at=WHEN,
        removal_evidence={"kind": "deleted-page", "status": 200},
        twin_doc_id="b",
        twin_unmatched=["a:3", "a:5"],
    )
    projected = project_document(document)
    assert {name: projected[name] for name in HISTORY} == {
        "edited": True,
        "edited_at": "2021-04-27T09:00:00+00:00",
        "removal_kind": "deleted-page",
        "version_count": 3,
        "has_twin": True,
        "twin_doc_id": "b",
        "unmatched_in_twin": 2,
    }
    assert validate_against_mapping(projected, document_mapping()) == []


def test_a_twin_that_lacks_nothing_counts_zero_and_stale_evidence_is_not_a_removal() -> None:
    # A page back keeps no evidence (the catalog clears both); an evidence without removed_at is not a removal.
    projected = project_document(Doc("a", "Text.", twin_doc_id="b", removal_evidence={"kind": "gone"}))
    assert (projected["unmatched_in_twin"], projected["removed"]) == (0, False)
    assert "removal_kind" not in projected


@pytest.mark.parametrize(("twin", "missing"), [("b", True), (None, False)])
def test_a_turn_is_missing_in_twin_only_when_its_document_has_a_twin(twin: str | None, missing: bool) -> None:
    turn = TurnRow("a", 3, "A question?", "An answer.")
    document = Doc("a", "Text.", twin_doc_id=twin, twin_unmatched=[turn.turn_id])
    projected = project_turn(turn, document)
    assert projected["missing_in_twin"] is missing
    other = project_turn(TurnRow("a", 4, "Another?", "Yes."), document)
    assert other["missing_in_twin"] is False
    assert validate_against_mapping(projected, turns_mapping()) == []


def test_the_history_filters_send_what_elasticsearch_parses() -> None:
    documents = field_types([{"properties": document_mapping()}])
    turns = field_types([{"properties": turns_mapping()}])
    for filters in (SearchFilters(edited=True), SearchFilters(removed=True), SearchFilters(edited=True, removed=True)):
        body = build_search_body(parse("sanctions"), filters, 10)
        check_query(body["query"], documents)
        assert {"term": {"removed": filters.removed}} in body["query"]["bool"]["filter"]
    body = build_turn_search_body(parse(""), SearchFilters(missing_in_twin=True), 10)
    check_query(body["query"], turns)
    assert {"term": {"missing_in_twin": True}} in body["query"]["bool"]["filter"]


@pytest.mark.parametrize("field", ["edited", "has_twin", "removed"])
def test_a_boolean_field_refuses_what_is_not_true_or_false(field: str) -> None:
    # Elasticsearch's Booleans.parseBoolean (tests/esfilters.py): a search with {"term": {"edited": "yes"}} fails.
    with pytest.raises(StubError) as refused:
        check_query({"bool": {"filter": [{"term": {field: "yes"}}]}}, field_types([{"properties": document_mapping()}]))
    assert refused.value.status == 400
