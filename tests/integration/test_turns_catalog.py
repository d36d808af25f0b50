"""A briefing's turns in the catalog, on real SQLite and PostgreSQL: the migrations, the writes that follow
the document's versions with stable ids, the revision they bump, and the queries the CLI and indexer use."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from pipeline.config import Source
from pipeline.enrich import Enrichment, ExchangeTags
from pipeline.enrich.turns import Exchange, Utterance
from pipeline.models import ArchiveRef, ExtractedDocument, FetchedResponse
from pipeline.store.catalog import MIGRATIONS, Catalog, migrate
from pipeline.store.schema import Base, Turn
from pipeline.urls import doc_id

SOURCE = Source.model_validate(
    {
        "id": "cn-demo",
        "name": "Demo MFA",
        "kind": "briefing",
        "publisher": "Ministry of Demonstrations",
        "country": "CN",
        "language": "en",
        "discovery": {"method": "feed", "urls": ["https://demo.example/feed.xml"]},
    }
)
OTHER = SOURCE.model_copy(update={"id": "ru-demo", "country": "RU"})
URL = "https://demo.example/2021/t20210426_1.html"
DOC = doc_id(URL)
APRIL_26 = datetime(2021, 4, 26, 7, tzinfo=UTC)


def qa(outlet: str | None, question: str, answer: str, *, speaker: str = "Wang Wenbin") -> Exchange:
    parts = [Utterance("question", question, 0, outlet=outlet, outlet_id=outlet.lower() if outlet else None)]
    parts.append(Utterance("answer", answer, 1, speaker=speaker, speaker_id=speaker.lower().replace(" ", "-")))
    return Exchange(0, "exchange", tuple(parts))


def announcement(words: str) -> Exchange:
    return Exchange(0, "announcement", (Utterance("announcement", words, 0, speaker="Wang Wenbin"),))


OPENING = announcement("At the invitation of the Chinese side, the foreign minister will visit China.")
SANCTIONS = qa("AFP", "Will China respond to the sanctions?", "China firmly opposes unilateral sanctions.")
VACCINES = qa("Reuters", "Can you comment on vaccine exports?", "China has supplied vaccines to 80 countries.")
CLIMATE = qa("TASS", "What about the climate summit?", "China will attend the summit.")


def tagged(*exchanges: Exchange, topics: tuple[str, ...] = ()) -> tuple[ExchangeTags, ...]:
    return tuple(ExchangeTags(exchange, topics, ("CN",), ("CN",), ("CN",)) for exchange in exchanges)


def enrichment(exchanges: tuple[ExchangeTags, ...] | None, *, unknown: list[str] | None = None) -> Enrichment:
    explanation: dict[str, Any] = {"rules": "test"}
    if unknown is not None:
        explanation["turns"] = {"layout": "test", "unknown_labels": unknown}
    return Enrichment("en", [], {}, ["CN"], [], "test", explanation, exchanges)


def transcript(exchanges: tuple[ExchangeTags, ...] | None) -> str:
    parts = [u.text for tags in exchanges or () for u in tags.exchange.utterances]
    return "\n\n".join(parts) or "(no transcript)"


def store(
    catalog: Catalog,
    exchanges: tuple[ExchangeTags, ...] | None,
    *,
    url: str = URL,
    source: Source = SOURCE,
    published: datetime = APRIL_26,
    unknown: list[str] | None = None,
) -> str:
    extracted = ExtractedDocument(
        title="Regular Press Conference",
        text=transcript(exchanges),
        published_at=published,
        date_source="url",
        authors=(),
        language="en",
        encoding="utf-8",
        extractor_version="test/1",
    )
    response = FetchedResponse(url=url, final_url=url, status=200, headers=(), body=b"", fetched_at=published)
    return catalog.store_document(
        source=source,
        item_url=url,
        response=response,
        extracted=extracted,
        archive=ArchiveRef("demo/x.warc.gz", 0, 1),
        listed_updated_at=None,
        enrichment=enrichment(exchanges, unknown=unknown),
    )


def shown(turns: list[Turn]) -> list[tuple[str, int, str]]:
    """(id, position, first words) of each turn."""
    return [(turn.turn_id, turn.position, (turn.question or turn.answer)[:12]) for turn in turns]


def revision(catalog: Catalog, identifier: str = DOC) -> int:
    document = catalog.document(identifier)
    assert document is not None
    return document.revision


def rows(catalog: Catalog) -> list[dict[str, Any]]:
    return [{c.key: getattr(t, c.key) for c in Turn.__table__.columns} for t in catalog.turns_of(DOC)]


# --- the schema ----------------------------------------------------------------------------------------------


def test_the_migrations_go_down_past_the_turns_and_up_again(catalog: Catalog) -> None:
    store(catalog, tagged(OPENING, SANCTIONS))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with catalog.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    with catalog.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0005"
        found = inspect(connection)
        assert "turns" not in found.get_table_names()
        assert "turns_next" not in {column["name"] for column in found.get_columns("documents")}
    migrate(catalog.engine)
    with catalog.engine.connect() as connection:
        # The newest migration, whichever it is now.
        head = ScriptDirectory.from_config(config).get_current_head()
        assert MigrationContext.configure(connection).get_current_revision() == head
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        if connection.dialect.name == "sqlite":
            # The outbox's partial index survived both ways (a batch copy of the table would lose its condition).
            sql = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ix_documents_unsettled'"))
            assert "WHERE" in sql.scalar_one()
    assert catalog.count_documents() == 1
    assert catalog.turns_of(DOC) == []  # the downgrade dropped them; the next enrichment writes them again
    store(catalog, tagged(OPENING, SANCTIONS))
    assert [turn.turn_id for turn in catalog.turns_of(DOC)] == [f"{DOC}:0", f"{DOC}:1"]


# --- writes ----------------------------------------------------------------------------------------------------


def test_a_briefing_s_turns_are_stored_with_the_document(catalog: Catalog) -> None:
    assert store(catalog, tagged(OPENING, SANCTIONS, VACCINES, topics=("diplomacy",))) == "new"
    turns = catalog.turns_of(DOC)
    assert shown(turns) == [
        (f"{DOC}:0", 0, "At the invit"),
        (f"{DOC}:1", 1, "Will China r"),
        (f"{DOC}:2", 2, "Can you comm"),
    ]
    opening, sanctions, _ = turns
    assert (opening.kind, opening.question, opening.spokesperson, opening.outlet) == (
        "announcement",
        "",
        "Wang Wenbin",
        None,
    )
    assert sanctions.kind == "exchange"
    assert (sanctions.spokesperson, sanctions.spokesperson_id) == ("Wang Wenbin", "wang-wenbin")
    assert (sanctions.outlet, sanctions.outlet_id, sanctions.journalist) == ("AFP", "afp", None)
    assert sanctions.question == "Will China respond to the sanctions?"
    assert sanctions.answer == "China firmly opposes unilateral sanctions."
    assert (sanctions.source_id, sanctions.ministry, sanctions.language) == ("cn-demo", "CN", "en")
    assert sanctions.briefing_date == APRIL_26
    assert (sanctions.topics, sanctions.countries) == (["diplomacy"], ["CN"])
    assert (sanctions.question_countries, sanctions.answer_countries) == (["CN"], ["CN"])
    assert [u["kind"] for u in sanctions.utterances] == ["question", "answer"]
    assert sanctions.utterances[0]["outlet"] == "AFP"
    assert sanctions.version == 1
    assert len(sanctions.content_hash) == 64
    document = catalog.document(DOC)
    assert document is not None
    assert (document.revision, document.turns_next) == (1, 3)


def test_the_same_transcript_stored_again_changes_nothing(catalog: Catalog) -> None:
    store(catalog, tagged(OPENING, SANCTIONS))
    before = rows(catalog)
    assert store(catalog, tagged(OPENING, SANCTIONS)) == "unchanged"
    assert rows(catalog) == before
    assert revision(catalog) == 1


def test_an_edited_transcript_replaces_its_turns_keeping_the_ids_of_unchanged_ones(catalog: Catalog) -> None:
    store(catalog, tagged(OPENING, SANCTIONS, VACCINES, CLIMATE))
    corrected = qa("Reuters", "Can you comment on vaccine exports?", "China has supplied vaccines to 90 countries.")
    extra = qa("CCTV", "A last question on trade?", "Trade is growing.")
    # The vaccines answer was corrected, the climate exchange dropped, a new one added at the end.
    assert store(catalog, tagged(OPENING, SANCTIONS, corrected, extra)) == "updated"
    turns = catalog.turns_of(DOC)
    assert [turn.turn_id for turn in turns] == [f"{DOC}:0", f"{DOC}:1", f"{DOC}:4", f"{DOC}:5"]
    assert [turn.position for turn in turns] == [0, 1, 2, 3]
    assert [turn.version for turn in turns] == [1, 1, 2, 2]
    assert "90 countries" in turns[2].answer
    assert revision(catalog) == 2
    # The climate exchange comes back: a new number, never the one it had (3), nor any other used before.
    assert store(catalog, tagged(OPENING, SANCTIONS, corrected, extra, CLIMATE)) == "updated"
    assert [turn.turn_id for turn in catalog.turns_of(DOC)][-1] == f"{DOC}:6"
    # Dropping the last turn and adding another does not reuse the dropped one's number either.
    assert store(catalog, tagged(OPENING, SANCTIONS, corrected, extra, VACCINES)) == "updated"
    assert [turn.turn_id for turn in catalog.turns_of(DOC)][-1] == f"{DOC}:7"


def test_a_moved_exchange_keeps_its_id_and_the_move_is_a_change(catalog: Catalog) -> None:
    store(catalog, tagged(OPENING, SANCTIONS, VACCINES))
    store(catalog, tagged(OPENING, VACCINES, SANCTIONS))
    assert shown(catalog.turns_of(DOC)) == [
        (f"{DOC}:0", 0, "At the invit"),
        (f"{DOC}:2", 1, "Can you comm"),
        (f"{DOC}:1", 2, "Will China r"),
    ]


def test_identical_exchanges_keep_their_numbers_in_order(catalog: Catalog) -> None:
    thanks = announcement("Thank you.")
    store(catalog, tagged(thanks, SANCTIONS, thanks))
    assert [turn.number for turn in catalog.turns_of(DOC)] == [0, 1, 2]
    store(catalog, tagged(thanks, VACCINES, SANCTIONS, thanks))
    assert [turn.number for turn in catalog.turns_of(DOC)] == [0, 3, 1, 2]


def test_re_tagging_bumps_the_revision_only_when_a_turn_changes(catalog: Catalog) -> None:
    exchanges = tagged(OPENING, SANCTIONS)
    store(catalog, exchanges)
    assert not catalog.apply_enrichment(DOC, enrichment(exchanges))
    assert revision(catalog) == 1
    # New rules tag the exchanges differently: same ids, new tags, a new revision for the index.
    assert catalog.apply_enrichment(DOC, enrichment(tagged(OPENING, SANCTIONS, topics=("sanctions",))))
    turns = catalog.turns_of(DOC)
    assert [turn.turn_id for turn in turns] == [f"{DOC}:0", f"{DOC}:1"]
    assert [turn.topics for turn in turns] == [["sanctions"], ["sanctions"]]
    assert revision(catalog) == 2
    # A speakers file that now knows the outlet: same words, same id, the outlet id filled in.
    known = Exchange(
        0, "exchange", (replace(SANCTIONS.utterances[0], outlet_id="agence-france-presse"), SANCTIONS.utterances[1])
    )
    assert catalog.apply_enrichment(DOC, enrichment(tagged(OPENING, known, topics=("sanctions",))))
    assert catalog.turns_of(DOC)[1].outlet_id == "agence-france-presse"
    assert catalog.turns_of(DOC)[1].turn_id == f"{DOC}:1"
    assert revision(catalog) == 3


def test_a_dry_run_sees_a_change_without_writing_it(catalog: Catalog) -> None:
    store(catalog, tagged(OPENING, SANCTIONS))
    assert not catalog.turns_would_change(DOC, tagged(OPENING, SANCTIONS))
    assert catalog.turns_would_change(DOC, tagged(OPENING, SANCTIONS, topics=("sanctions",)))
    assert catalog.turns_would_change(DOC, tagged(SANCTIONS))
    assert [turn.topics for turn in catalog.turns_of(DOC)] == [[], []]


def test_an_enrichment_without_exchanges_leaves_the_turns_as_they_are(catalog: Catalog) -> None:
    store(catalog, tagged(OPENING, SANCTIONS))
    before = rows(catalog)
    # Segmenting failed this time (or the document is no briefing): the turns are not dropped.
    assert not catalog.apply_enrichment(DOC, enrichment(None))
    assert rows(catalog) == before
    # An empty segmentation is a real answer: the turns go, and the revision says so.
    assert catalog.apply_enrichment(DOC, enrichment(()))
    assert catalog.turns_of(DOC) == []
    assert revision(catalog) == 2


def test_over_long_labels_are_cut_to_fit_rather_than_refused(catalog: Catalog) -> None:
    long_id = "x" * 100
    odd = Exchange(0, "exchange", (Utterance("question", "Q?", 0, outlet="X", outlet_id=long_id),))
    assert store(catalog, tagged(odd)) == "new"
    assert catalog.turns_of(DOC)[0].outlet_id == long_id[:64]


# --- reads -------------------------------------------------------------------------------------------------------


def test_turn_queries_filter_count_and_group_by_document(catalog: Catalog) -> None:
    store(catalog, tagged(OPENING, SANCTIONS, VACCINES), unknown=["MR SMITH"])
    moscow = "https://demo.example/ru/briefing-1"
    later = datetime(2021, 5, 3, 9, tzinfo=UTC)
    store(
        catalog,
        tagged(CLIMATE, qa("AFP", "On Ukraine?", "No comment.", speaker="Maria Zakharova")),
        url=moscow,
        source=OTHER,
        published=later,
    )
    store(catalog, None, url="https://demo.example/news/1")  # not segmented: no turns
    listed = catalog.list_turns()
    assert [turn.doc_id for turn in listed] == [doc_id(moscow)] * 2 + [DOC] * 3, "newest briefing first"
    assert [turn.position for turn in listed] == [0, 1, 0, 1, 2]
    assert [turn.source_id for turn in catalog.list_turns(source_ids=["cn-demo"])] == ["cn-demo"] * 3
    assert len(catalog.list_turns(since=datetime(2021, 5, 1, tzinfo=UTC))) == 2
    assert len(catalog.list_turns(until=datetime(2021, 5, 1, tzinfo=UTC))) == 3
    assert [t.outlet for t in catalog.list_turns(outlet="afp")] == ["AFP", "AFP"]
    assert [t.outlet for t in catalog.list_turns(outlet="TASS")] == ["TASS"], "the label as written matches too"
    assert [t.ministry for t in catalog.list_turns(spokesperson="maria-zakharova")] == ["RU"]
    assert [t.kind for t in catalog.list_turns(kind="announcement")] == ["announcement"]
    assert len(catalog.list_turns(limit=2)) == 2
    assert catalog.count_turns() == (5, 2)
    assert catalog.count_turns(outlet="afp") == (2, 2)
    assert catalog.count_turns(source_ids=["nowhere"]) == (0, 0)
    grouped = catalog.turns_for_documents([DOC, doc_id(moscow), doc_id("https://demo.example/news/1"), "unknown"])
    assert set(grouped) == {DOC, doc_id(moscow)}
    assert [turn.position for turn in grouped[DOC]] == [0, 1, 2]
    assert catalog.unknown_speaker_labels([DOC, doc_id(moscow)]) == {DOC: ["MR SMITH"]}


def test_days_are_the_source_s_own_days(catalog: Catalog) -> None:
    # A Beijing briefing whose page gives only its date is stored at local midnight: 16:00 UTC the day before.
    store(catalog, tagged(SANCTIONS), published=datetime(2021, 4, 25, 16, tzinfo=UTC))
    beijing = {SOURCE.id: ZoneInfo("Asia/Shanghai")}
    april_26 = {"since": date(2021, 4, 26), "until": date(2021, 4, 27)}
    assert len(catalog.list_turns(**april_26, zones=beijing)) == 1
    assert catalog.count_turns(**april_26, zones=beijing) == (1, 1)
    assert catalog.list_turns(**april_26) == [], "without the source's zone a day is a UTC day"
    assert catalog.list_turns(since=date(2021, 4, 27), zones=beijing) == []
