"""The turns index on the Elasticsearch stand-in: turns written with their document, vanished turns
deleted, acknowledgements per document only when every turn arrived, reindex of both families, and
turn search (the outbox over a catalog: test_outbox_turns.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.index import service
from pipeline.index.elastic import ElasticIndex
from pipeline.index.es_bulk import BulkInterruptedError
from pipeline.index.es_turns import fold
from pipeline.index.mappings import load_templates, validate_against_mapping
from pipeline.index.query import parse
from pipeline.index.search import BulkOutcome, SearchFilters
from pipeline.index.turn_projection import project_turn
from tests.esstub import EsStub, running_stub
from tests.integration.test_elastic import es_settings
from tests.turnrows import TurnRow
from tests.unit.test_embedded_search import Doc

SANCTIONS = TurnRow(
    "b1", 1, "What is China's response to the new sanctions on Russia?", "China opposes unilateral sanctions."
)
VACCINES = TurnRow(
    "b1",
    2,
    "Will China send vaccines to Brazil?",
    "We will continue to help as we can.",
    outlet="Global Times",
    outlet_id="global-times",
)
OPENING = TurnRow("b1", 0, "", "I have two announcements to make.", kind="announcement", outlet=None, outlet_id=None)


@pytest.fixture
def stub() -> Iterator[EsStub]:
    with running_stub() as server:
        yield server


@pytest.fixture
def index(stub: EsStub, tmp_path: Path) -> Iterator[ElasticIndex]:
    with ElasticIndex.from_settings(es_settings(tmp_path, stub.url)) as es:
        es.ensure_ready()
        yield es


def turn_docs(stub: EsStub) -> dict[str, dict[str, Any]]:
    """The turns index's documents by id, with their versions."""
    return stub.indices[stub_target(stub, "readout-turns")].docs


def stub_target(stub: EsStub, alias: str) -> str:
    (name,) = stub.aliases[alias]
    return name


def test_projected_turns_validate_against_the_strict_mapping() -> None:
    mapping = load_templates().composed("turns")["mappings"]
    document = Doc("b1", "The whole transcript.", revision=4)
    for turn in (SANCTIONS, VACCINES, OPENING, TurnRow("b1", 3, "问题", "答复", language="zh")):
        projected = project_turn(turn, document)
        assert validate_against_mapping(projected, mapping["properties"]) == []
        assert projected["revision"] == 4
    assert "question_zh" in project_turn(TurnRow("b1", 3, "问题", "答复", language="zh"), document)
    # An unknown field is refused, as the strict mapping makes Elasticsearch do.
    assert validate_against_mapping({**project_turn(SANCTIONS, document), "speaker": "x"}, mapping["properties"])


def test_turns_ride_with_their_document_and_vanished_ones_are_deleted(stub: EsStub, index: ElasticIndex) -> None:
    outcome = index.index_documents([Doc("b1", "Transcript.", revision=1)], {"b1": [OPENING, SANCTIONS, VACCINES]})
    assert outcome.acked == [("b1", 1)]
    docs = turn_docs(stub)
    assert sorted(docs) == ["b1:0", "b1:1", "b1:2"]
    assert {doc["_version"] for doc in docs.values()} == {1}, "external version = the document's revision"
    assert docs["b1:2"]["_source"]["outlet"] == "Global Times"

    # Revision 2: the vaccines exchange is gone, the others keep their ids.
    outcome = index.index_documents([Doc("b1", "Transcript, edited.", revision=2)], {"b1": [OPENING, SANCTIONS]})
    assert outcome.acked == [("b1", 2)]
    assert sorted(turn_docs(stub)) == ["b1:0", "b1:1"]
    deletes = [line for body in (r.body for r in stub.calls("PUT", "/_bulk")) for line in body if "delete" in line]
    assert deletes == [{"delete": {"_index": "readout-turns", "_id": "b1:2", "version": 2, "version_type": "external"}}]

    # A late, older revision changes nothing: 409 on every write, acknowledged as "already newer".
    late = index.index_documents([Doc("b1", "Transcript.", revision=1)], {"b1": [OPENING, SANCTIONS]})
    assert late.acked == [("b1", 1)]
    assert sorted(turn_docs(stub)) == ["b1:0", "b1:1"]
    assert {doc["_version"] for doc in turn_docs(stub).values()} == {2}


def test_a_turn_written_a_moment_ago_is_found_for_deletion(stub: EsStub, index: ElasticIndex) -> None:
    # The lookup refreshes first: a search sees only refreshed writes, and an unrefreshed turn would
    # stay in the index for ever.
    index.index_documents([Doc("b1", "Transcript.", revision=1)], {"b1": [SANCTIONS, VACCINES]})
    index.index_documents([Doc("b1", "Transcript.", revision=2)], {"b1": [SANCTIONS]})
    assert sorted(turn_docs(stub)) == ["b1:1"]


def test_a_refused_turn_dead_letters_its_document_revision(stub: EsStub, index: ElasticIndex) -> None:
    stub.reject_ids.add("b1:2")
    outcome = index.index_documents(
        [Doc("b1", "Transcript.", revision=1), Doc("b2", "Other.", revision=1)],
        {"b1": [SANCTIONS, VACCINES], "b2": [TurnRow("b2", 1, "Q?", "A.")]},
    )
    assert outcome.acked == [("b2", 1)]
    (rejected,) = outcome.rejected
    assert (rejected.doc_id, rejected.revision, rejected.error_type) == ("b1", 1, "mapper_parsing_exception")
    assert rejected.reason.startswith("turn b1:2: ")


def test_a_throttled_turn_leaves_its_document_pending(stub: EsStub, index: ElasticIndex, tmp_path: Path) -> None:
    stub.unavailable_once.add("b1:1")
    outcome = index.index_documents([Doc("b1", "Transcript.")], {"b1": [SANCTIONS]})
    assert outcome.acked == []
    ((doc_id, revision, reason),) = outcome.retry_later
    assert (doc_id, revision) == ("b1", 1)
    assert "b1:1" in reason
    assert "unavailable_shards_exception" in reason


def test_the_ack_identity_names_both_physical_indices(stub: EsStub, index: ElasticIndex) -> None:
    before = index.identity()
    documents, turns = before.split("+")
    assert documents.startswith("readout-documents-v1:")
    assert turns.startswith("readout-turns-v1:")
    index.reindex([Doc("b1", "Transcript.")], expected_count=1, turns_for=lambda ids: {"b1": [SANCTIONS]})
    after = index.identity()
    assert after != before
    assert after.split("+")[1].startswith("readout-turns-v2:")
    assert sorted(turn_docs(stub)) == ["b1:1"]


def test_reindex_aborts_when_the_turns_count_differs(stub: EsStub, index: ElasticIndex) -> None:
    stub.reject_ids.add("b1:2")
    with pytest.raises(service.SearchBackendError, match=r"readout-turns-v2 1 turns, expected 2"):
        index.reindex([Doc("b1", "Transcript.")], expected_count=1, turns_for=lambda ids: {"b1": [SANCTIONS, VACCINES]})
    assert stub_target(stub, "readout-turns") == "readout-turns-v1"
    assert stub_target(stub, "readout-documents") == "readout-documents-v1"


def test_search_turns_by_phrase_outlet_and_spokesperson(stub: EsStub, index: ElasticIndex) -> None:
    index.index_documents([Doc("b1", "Transcript.")], {"b1": [OPENING, SANCTIONS, VACCINES]})
    stub.indices[stub_target(stub, "readout-turns")].visible = set(turn_docs(stub))

    found = index.search_turns(parse('"unilateral sanctions"'), SearchFilters(), 10)
    assert [hit.turn_id for hit in found.hits] == ["b1:1"]
    by_outlet = index.search_turns(parse("China"), SearchFilters(outlets=("Global Times",)), 10)
    assert [hit.turn_id for hit in by_outlet.hits] == ["b1:2"]
    by_id = index.search_turns(parse("China"), SearchFilters(outlets=("global-times",)), 10)
    assert [hit.turn_id for hit in by_id.hits] == ["b1:2"]
    nobody = index.search_turns(parse("China"), SearchFilters(spokespersons=("maria-zakharova",)), 10)
    assert nobody.hits == []
    hit = by_outlet.hits[0]
    assert (hit.doc_id, hit.ministry, hit.spokesperson_id, hit.outlet_id) == ("b1", "CN", "wang-wenbin", "global-times")


def test_a_turn_never_answered_keeps_its_document_pending() -> None:
    # A bulk interrupted before it sent a turn leaves no answer for it: the document must not count as indexed.
    batch = [Doc("b1", "Transcript.", revision=2), Doc("b2", "Other.", revision=1)]
    docs = BulkOutcome(acked=[("b1", 2), ("b2", 1)])
    turns = BulkOutcome(acked=[("b1:1", 2)])
    owner = {"b1:1": "b1", "b1:2": "b1", "b2:1": "b2"}
    outcome = fold(batch, docs, turns, owner)
    assert outcome.acked == []
    assert [(doc_id, reason) for doc_id, _, reason in outcome.retry_later] == [
        ("b1", "turn b1:2: not sent"),
        ("b2", "turn b2:1: not sent"),
    ]
    assert fold(batch, docs, BulkOutcome(acked=[("b1:1", 2), ("b1:2", 2), ("b2:1", 1)]), owner).acked == docs.acked


@pytest.mark.parametrize(("method", "path"), [("PUT", "/_bulk"), ("POST", "/readout-turns/_search")])
def test_documents_whose_turns_could_not_be_written_stay_pending(
    stub: EsStub, index: ElasticIndex, method: str, path: str
) -> None:
    # The documents' bulk refused whole, or the lookup of the turns to delete: nothing is acknowledged,
    # even documents Elasticsearch took, since their turns were not written.
    stub.fail(method, path, status=503, times=10)
    with pytest.raises(BulkInterruptedError) as caught:
        index.index_documents([Doc("b1", "Transcript.")], {"b1": [SANCTIONS, VACCINES]})
    assert caught.value.outcome.acked == []
    assert [doc_id for doc_id, _, _ in caught.value.outcome.retry_later] == ["b1"]
