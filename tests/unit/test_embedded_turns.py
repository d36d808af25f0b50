"""The embedded index's turns: written with their document, replaced with each new revision, hidden with a
removed document, rebuilt, searched with the documents' query language plus spokesperson and outlet, and
damage recognised as for documents."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipeline.index.damage import IndexDamagedError
from pipeline.index.embedded import EmbeddedIndex
from pipeline.index.query import parse
from pipeline.index.search import SearchFilters
from tests.turnrows import TurnRow
from tests.unit.test_embedded_damage import garbage_over
from tests.unit.test_embedded_search import Doc, fillers

OPENING = TurnRow("b1", 0, "", "I have two announcements to make.", kind="announcement", outlet=None, outlet_id=None)
SANCTIONS = TurnRow(
    "b1",
    1,
    "What is your response to the sanctions on Russia?",
    "China opposes unilateral sanctions.",
    topics=["sanctions"],
    countries=["RU"],
)
VACCINES = TurnRow(
    "b1", 2, "Will China send vaccines to Brazil?", "We will help.", outlet="Global Times", outlet_id="global-times"
)
LATER = TurnRow(
    "b2",
    1,
    "Any comment on the sanctioning of officials?",
    "We firmly oppose it.",
    briefing_date=datetime(2021, 5, 3, 7, 0, tzinfo=UTC),
    spokesperson="Hua Chunying",
    spokesperson_id="hua-chunying",
)


def turn_ids(index: EmbeddedIndex, text: str, filters: SearchFilters | None = None) -> list[str]:
    return [hit.turn_id for hit in index.search_turns(parse(text), filters or SearchFilters(), 50).hits]


def test_turns_follow_their_document_revision(tmp_path: Path) -> None:
    with EmbeddedIndex(tmp_path / "search.db") as index:
        outcome = index.index_documents([Doc("b1", "Transcript.")], {"b1": [OPENING, SANCTIONS, VACCINES]})
        assert outcome.acked == [("b1", 1)]
        assert sorted(turn_ids(index, "")) == ["b1:0", "b1:1", "b1:2"]
        # The same revision again changes nothing, even with other turns (a revision is a snapshot).
        index.index_documents([Doc("b1", "Transcript.")], {"b1": [OPENING]})
        assert sorted(turn_ids(index, "")) == ["b1:0", "b1:1", "b1:2"]
        # A new revision replaces them: the vaccines exchange is gone, from the FTS index too.
        index.index_documents([Doc("b1", "Transcript.", revision=2)], {"b1": [OPENING, SANCTIONS]})
        assert sorted(turn_ids(index, "")) == ["b1:0", "b1:1"]
        assert turn_ids(index, "vaccines") == []
        assert turn_ids(index, "sanctions") == ["b1:1"]
        # Removed from the site: its turns are hidden unless asked for.
        gone = Doc("b1", "Transcript.", revision=3, removed_at=datetime(2021, 6, 1, tzinfo=UTC))
        index.index_documents([gone], {"b1": [OPENING, SANCTIONS]})
        assert turn_ids(index, "sanctions") == []
        assert turn_ids(index, "sanctions", SearchFilters(include_removed=True)) == ["b1:1"]
        # Deleting the document deletes its turns.
        index.delete(["b1"])
        assert turn_ids(index, "", SearchFilters(include_removed=True)) == []


def test_turn_search_filters_facets_and_snippets(tmp_path: Path) -> None:
    with EmbeddedIndex(tmp_path / "search.db") as index:
        index.index_documents(
            [Doc("b1", "Transcript."), Doc("b2", "Another transcript."), *fillers()],
            {"b1": [OPENING, SANCTIONS, VACCINES], "b2": [LATER]},
        )
        assert sorted(turn_ids(index, "sanction*")) == ["b1:1", "b2:1"]
        assert turn_ids(index, "sanction*", SearchFilters(spokespersons=("hua-chunying",))) == ["b2:1"]
        assert turn_ids(index, "sanction*", SearchFilters(spokespersons=("Hua Chunying",))) == ["b2:1"]
        assert turn_ids(index, "China", SearchFilters(outlets=("Global Times",))) == ["b1:2"]
        assert turn_ids(index, "sanction*", SearchFilters(since=date(2021, 5, 1))) == ["b2:1"]
        assert turn_ids(index, "sanction*", SearchFilters(until=date(2021, 4, 26))) == ["b1:1"]
        assert turn_ids(index, "", SearchFilters(kinds=("announcement",))) == ["b1:0"]
        assert turn_ids(index, "", SearchFilters(topics=("sanctions",), countries=("RU",))) == ["b1:1"]
        # Newest briefing first, then in the briefing's order.
        assert turn_ids(index, "") == ["b2:1", "b1:0", "b1:1", "b1:2"]
        result = index.search_turns(parse('"unilateral sanctions"'), SearchFilters(), 10)
        (hit,) = result.hits
        assert hit.answer == "China opposes \u27e6unilateral sanctions\u27e7."
        assert hit.question.startswith("What is your response")
        assert (hit.outlet, hit.spokesperson_id, hit.ministry, hit.date) == (
            "AFP",
            "wang-wenbin",
            "CN",
            "2021-04-26T07:00:00+00:00",
        )
        everything = index.search_turns(parse(""), SearchFilters(), 0)
        assert everything.total == 4
        assert everything.facets["outlet"] == {"AFP": 2, "Global Times": 1}
        assert everything.facets["spokesperson"] == {"Wang Wenbin": 3, "Hua Chunying": 1}


def test_rebuild_looks_up_each_batch_s_turns(tmp_path: Path) -> None:
    asked: list[list[str]] = []

    def lookup(ids: list[str]) -> dict[str, list[TurnRow]]:
        asked.append(list(ids))
        return {"b1": [SANCTIONS]} if "b1" in ids else {}

    with EmbeddedIndex(tmp_path / "search.db") as index:
        index.index_documents([Doc("b1", "Transcript.")], {"b1": [OPENING, SANCTIONS, VACCINES]})
        outcome = index.rebuild([Doc("b1", "Transcript."), Doc("b2", "Other.")], lookup)
        assert outcome.acked == [("b1", 1), ("b2", 1)]
        assert asked == [["b1", "b2"]]
        assert turn_ids(index, "") == ["b1:1"]


def test_an_older_file_is_emptied_for_the_turns_layout(tmp_path: Path) -> None:
    path = tmp_path / "search.db"
    with EmbeddedIndex(path) as index:
        index.index_documents([Doc("b1", "Transcript.")])
        first = index.identity()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 2")  # as a Readout before turns left it
    conn.close()
    with EmbeddedIndex(path) as index:
        assert index.identity() != first, "emptied under a new identity: the catalog sends everything again"
        assert index.count() == 0


def test_a_damaged_turns_table_is_damage(tmp_path: Path) -> None:
    path = tmp_path / "search.db"
    with EmbeddedIndex(path) as index:
        index.index_documents([Doc("b1", "Transcript.")], {"b1": [OPENING, SANCTIONS, VACCINES]})
    garbage_over(path, "turns")
    with EmbeddedIndex(path, read_only=True) as index, pytest.raises(IndexDamagedError):
        index.search_turns(parse(""), SearchFilters(), 10)
