"""Citations in the catalog, on real SQLite: written with the news document, re-aligned when the briefing
changes (an edited transcript turns a verbatim quote into a divergent one), replaced without duplicates when
the article changes, and read through indexes only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from pipeline.config import Settings, Source
from pipeline.enrich.dedup.evaluate import store_text
from pipeline.enrich.enricher import Enricher, build_enricher
from pipeline.store.catalog import Catalog
from pipeline.store.schema import CitationRow
from pipeline.urls import doc_id

REPO = Path(__file__).resolve().parents[2]


def _source(source_id: str, kind: str) -> Source:
    return Source.model_validate(
        {
            "id": source_id,
            "name": source_id,
            "kind": kind,
            "publisher": source_id.title(),
            "country": "CN",
            "language": "en",
            "timezone": "Asia/Shanghai",
            "discovery": {"method": "feed", "urls": [f"https://{source_id}.example/feed.xml"]},
        }
    )


MFA = _source("mfa", "briefing")
WIRE = _source("wire", "news")
BRIEFING_URL = "https://mfa.example/2021/t20210426.html"
NEWS_URL = "https://wire.example/2021/04/26/sanctions"
HELD = datetime(2021, 4, 26, 7, 30, tzinfo=UTC)  # 15:30 in Beijing
WRITTEN = datetime(2021, 4, 26, 13, 0, tzinfo=UTC)


def _transcript(answer: str) -> str:
    return (
        "Wang Wenbin: The foreign minister will visit Ostland next week.\n\n"
        "AFP: The US has threatened new sanctions. What is China's comment?\n\n"
        f"Wang Wenbin: China's position is consistent. {answer} The US should stop its wrong practice.\n\n"
        "Reuters: Will China send vaccines to Ostland?\n\n"
        "Wang Wenbin: China has supplied vaccines to more than 80 countries and will continue to do so."
    )


def _article(quote: str) -> str:
    return (
        "China has condemned new US sanctions threats.\n\n"
        f'"{quote}," Foreign Ministry spokesman Wang Wenbin told a regular press conference in Beijing on Monday.\n\n'
        "Analysts expect further measures."
    )


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    config = REPO / "config"
    return build_enricher(
        Settings(sources=config / "sources.yaml", topics=config / "topics.yaml", countries=config / "countries.yaml")
    )


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    opened = Catalog.open(f"sqlite:///{tmp_path / 'catalog.db'}")
    yield opened
    opened.close()


def _store(catalog: Catalog, enricher: Enricher, source: Source, url: str, body: str, at: datetime) -> None:
    title = "Regular Press Conference" if source.kind == "briefing" else "China slams sanctions"
    enrichment = enricher.enrich(
        title,
        body,
        declared_language="en",
        source_kind=source.kind,
        ministry=source.country,
        published_at=at,
        local_zone=source.tz,
    )
    store_text(catalog, source, url, title, body, at, enrichment=enrichment, language="en")


SAID = "We oppose the willful use of unilateral sanctions or the threat of sanctions."


def test_an_edited_transcript_realigns_the_quotes_that_report_it(catalog: Catalog, enricher: Enricher) -> None:
    _store(catalog, enricher, MFA, BRIEFING_URL, _transcript(SAID), HELD)
    _store(catalog, enricher, WIRE, NEWS_URL, _article(SAID.rstrip(".")), WRITTEN)
    (cited,) = catalog.citations_of(doc_id(NEWS_URL))
    assert (cited.verdict, cited.turn_id, cited.matched_by) == ("verbatim", f"{doc_id(BRIEFING_URL)}:1", "words")
    news_revision = catalog.document(doc_id(NEWS_URL)).revision  # type: ignore[union-attr]
    # The ministry edits the answer: "willful" is gone from the transcript, the quote now adds it.
    _store(catalog, enricher, MFA, BRIEFING_URL, _transcript(SAID.replace("willful ", "")), HELD)
    (realigned,) = catalog.citations_of(doc_id(NEWS_URL))
    assert realigned.verdict == "divergent"
    assert realigned.added == ["willful"]
    assert catalog.document(doc_id(NEWS_URL)).revision > news_revision  # type: ignore[union-attr]
    coverage = catalog.coverage([realigned.turn_id or ""])
    assert [entry.doc_id for entry in coverage[realigned.turn_id or ""]] == [doc_id(NEWS_URL)]


def test_a_new_version_of_the_article_replaces_its_citations(catalog: Catalog, enricher: Enricher) -> None:
    _store(catalog, enricher, MFA, BRIEFING_URL, _transcript(SAID), HELD)
    _store(catalog, enricher, WIRE, NEWS_URL, _article("We strongly oppose the use of unilateral sanctions"), WRITTEN)
    (first,) = catalog.citations_of(doc_id(NEWS_URL))
    assert first.verdict == "divergent"
    _store(catalog, enricher, WIRE, NEWS_URL, _article(SAID.rstrip(".")), WRITTEN)
    _store(catalog, enricher, WIRE, NEWS_URL, _article(SAID.rstrip(".")), WRITTEN)
    rows = catalog.citations_of(doc_id(NEWS_URL))
    assert [(row.number, row.verdict) for row in rows] == [(0, "verbatim")]
    with catalog.session() as session:
        assert session.query(CitationRow).count() == 1


def test_a_two_word_quote_shows_only_once_an_answer_says_it(catalog: Catalog, enricher: Enricher) -> None:
    article = (
        "China has condemned new US sanctions threats.\n\n"
        'Foreign Ministry spokesman Wang Wenbin on Monday described Beijing as "consistently opposed" to them.'
    )
    news = doc_id(NEWS_URL)
    # The news comes first: the two quoted words stand alone (no reported clause around them), a term or a scare
    # quote: kept, unlinked, but not shown as a misquote.
    _store(catalog, enricher, WIRE, NEWS_URL, article, WRITTEN)
    assert catalog.citations_of(news) == []
    assert news not in catalog.citations_for_documents([news])
    with catalog.session() as session:
        kept = session.query(CitationRow).filter(CitationRow.quoted == "consistently opposed").one()
        assert (kept.verdict, kept.context) == ("unmatched", None)
    # The transcript arrives and says them: now they are a citation.
    _store(catalog, enricher, MFA, BRIEFING_URL, _transcript("China is consistently opposed to such threats."), HELD)
    cited = {row.quoted: row for row in catalog.citations_of(news)}["consistently opposed"]
    assert (cited.verdict, cited.turn_id) == ("verbatim", f"{doc_id(BRIEFING_URL)}:1")


def test_quoted_words_in_a_reported_clause_are_judged_through_it(catalog: Catalog, enricher: Enricher) -> None:
    clause = 'Beijing would "never accept" the threats of sanctions'
    article = (
        "China has condemned new US sanctions threats.\n\n"
        f"Foreign Ministry spokesman Wang Wenbin said on Monday that {clause}."
    )
    news = doc_id(NEWS_URL)
    # The news comes first: the quoted words are the citation (the clause is their context), shown unmatched:
    # the statement is reported, the marks only pick its words.
    _store(catalog, enricher, WIRE, NEWS_URL, article, WRITTEN)
    (waiting,) = catalog.citations_of(news)
    assert (waiting.quoted, waiting.context, waiting.verdict) == ("never accept", clause, "unmatched")
    # The transcript arrives: the clause finds the sentence, the quoted words are judged against it.
    _store(catalog, enricher, MFA, BRIEFING_URL, _transcript("China will not accept threats of sanctions."), HELD)
    (cited,) = catalog.citations_of(news)
    assert (cited.verdict, cited.turn_id) == ("divergent", f"{doc_id(BRIEFING_URL)}:1")
    assert (cited.added, cited.dropped) == (["never"], ["not"])


def test_a_quote_attributed_to_nobody_shows_only_when_an_answer_says_it(catalog: Catalog, enricher: Enricher) -> None:
    article = (
        "Foreign Ministry spokesman Wang Wenbin took questions in Beijing on Monday.\n\n"
        'Beijing has been blunt. "The US should stop its wrong practice."'
    )
    news = doc_id(NEWS_URL)
    _store(catalog, enricher, WIRE, NEWS_URL, article, WRITTEN)
    assert catalog.citations_of(news) == []
    _store(catalog, enricher, MFA, BRIEFING_URL, _transcript(SAID), HELD)
    (cited,) = catalog.citations_of(news)
    assert (cited.speaker, cited.verdict, cited.turn_id) == (None, "verbatim", f"{doc_id(BRIEFING_URL)}:1")


def test_a_hidden_citation_is_not_in_its_turns_coverage(catalog: Catalog, enricher: Enricher) -> None:
    article = (
        "Foreign Ministry spokesman Wang Wenbin took questions in Beijing on Monday.\n\n"
        'Beijing has been blunt. "We strongly oppose the use of unilateral sanctions."'
    )
    _store(catalog, enricher, MFA, BRIEFING_URL, _transcript(SAID), HELD)
    _store(catalog, enricher, WIRE, NEWS_URL, article, WRITTEN)
    # Attributed to nobody and not word for word: kept (a later transcript may say it) but shown nowhere.
    with catalog.session() as session:
        assert [row.verdict for row in session.query(CitationRow)] == ["divergent"]
    assert catalog.citations_of(doc_id(NEWS_URL)) == []
    assert catalog.coverage([f"{doc_id(BRIEFING_URL)}:1"]) == {}


def test_a_briefing_after_the_day_the_story_names_is_linked_when_it_arrives(
    catalog: Catalog, enricher: Enricher
) -> None:
    # Published on Wednesday: the sentence before the quote dates another event (Monday), the answer was given
    # at Tuesday's briefing, which arrives after the story.
    article = (
        "China has condemned new US sanctions threats.\n\n"
        "The sanctions took effect on Monday. "
        f'"{SAID.rstrip(".")}," Foreign Ministry spokesman Wang Wenbin told a regular press conference.'
    )
    news = doc_id(NEWS_URL)
    _store(catalog, enricher, WIRE, NEWS_URL, article, datetime(2021, 4, 28, 13, 0, tzinfo=UTC))
    (kept,) = catalog.citations_of(news)
    assert (kept.verdict, kept.day_to, kept.day_until) == ("unmatched", date(2021, 4, 26), date(2021, 4, 28))
    tuesday = "https://mfa.example/2021/t20210427.html"
    _store(catalog, enricher, MFA, tuesday, _transcript(SAID), datetime(2021, 4, 27, 7, 30, tzinfo=UTC))
    (cited,) = catalog.citations_of(news)
    assert (cited.verdict, cited.turn_id, cited.elsewhere) == ("verbatim", f"{doc_id(tuesday)}:1", True)


def test_a_day_the_quotes_own_sentence_names_is_not_looked_past(catalog: Catalog, enricher: Enricher) -> None:
    article = (
        "China has condemned new US sanctions threats.\n\n"
        f'"{SAID.rstrip(".")}," Foreign Ministry spokesman Wang Wenbin told a regular press conference on Monday.'
    )
    news = doc_id(NEWS_URL)
    _store(catalog, enricher, WIRE, NEWS_URL, article, datetime(2021, 4, 28, 13, 0, tzinfo=UTC))
    tuesday = "https://mfa.example/2021/t20210427.html"
    _store(catalog, enricher, MFA, tuesday, _transcript(SAID), datetime(2021, 4, 27, 7, 30, tzinfo=UTC))
    (kept,) = catalog.citations_of(news)
    assert (kept.verdict, kept.day_until) == ("unmatched", None)


REWORDED = (
    "China has condemned new US sanctions threats.\n\n"
    "Foreign Ministry spokesman Wang Wenbin said on Monday that Beijing was against the arbitrary imposition of "
    "one-sided sanctions and threats to impose them.\n\nAnalysts expect further measures."
)


@pytest.mark.parametrize("by_meaning", [True, False])
def test_reported_speech_in_other_words_is_matched_by_meaning_when_the_setting_allows(
    catalog: Catalog, enricher: Enricher, by_meaning: bool
) -> None:
    catalog.match_by_meaning = by_meaning
    _store(catalog, enricher, MFA, BRIEFING_URL, _transcript(SAID), HELD)
    _store(catalog, enricher, WIRE, NEWS_URL, REWORDED, WRITTEN)
    (cited,) = catalog.citations_of(doc_id(NEWS_URL))
    assert cited.quoted.startswith("Beijing was against the arbitrary imposition")
    if by_meaning:
        assert (cited.verdict, cited.turn_id, cited.matched_by) == (
            "paraphrase",
            f"{doc_id(BRIEFING_URL)}:1",
            "meaning",
        )
        assert cited.matched == SAID.rstrip(".")
        assert cited.similarity is not None
        assert cited.similarity >= 0.9  # the model's cosine, not the token similarity of word matches
    else:  # the word rules alone: too few of its words are the answer's
        assert (cited.verdict, cited.turn_id, cited.matched_by) == ("unmatched", None, None)


def test_migration_0013_marks_the_links_stored_before_it_as_made_by_words(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from pipeline.store.catalog import MIGRATIONS

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0012")
        # A raw connection does not enforce the foreign key: the citations alone are enough.
        for number, turn in ((0, "'b:1'"), (1, "NULL")):
            connection.execute(
                text(
                    "INSERT INTO citations (doc_id, number, quoted, kind, ministry, day_from, day_to, expression, "
                    "outlets, closed, turn_id, verdict, added, dropped, elsewhere) VALUES ('news', :number, 'q', "
                    f"'direct', 'CN', '2021-04-26', '2021-04-26', '', '[]', 0, {turn}, 'verbatim', '[]', '[]', 0)"
                ),
                {"number": number},
            )
    engine.dispose()
    catalog = Catalog.open(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        with catalog.session() as session:
            marked = list(session.execute(text("SELECT number, matched_by FROM citations ORDER BY number")))
        assert [tuple(row) for row in marked] == [(0, "words"), (1, None)]
    finally:
        catalog.close()


def test_show_names_an_exchange_whose_asker_is_not_named_as_an_exchange(tmp_path: Path, enricher: Enricher) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    state = _source("state", "briefing").model_copy(update={"country": "US", "timezone": "America/New_York"})
    transcript = (
        "MS BRUCE: The Secretary will travel to Lutheria next week.\n\n"
        "QUESTION: On the journalist detained in Marovia – any update?\n\n"
        "MS BRUCE: We are deeply concerned by his detention. We call for his immediate release."
    )
    article = '"We call for his immediate release," State Department spokeswoman Tammy Bruce said on Monday.'
    data = tmp_path / "data"
    catalog = Catalog.open(f"sqlite:///{data / 'catalog.db'}")
    try:
        briefing_at = datetime(2021, 4, 26, 18, tzinfo=UTC)
        _store(catalog, enricher, state, "https://state.example/briefing-april-26", transcript, briefing_at)
        _store(catalog, enricher, WIRE, NEWS_URL, article, datetime(2021, 4, 26, 22, tzinfo=UTC))
    finally:
        catalog.close()
    briefing = doc_id("https://state.example/briefing-april-26")
    shown = CliRunner().invoke(app, ["show", briefing[:16]], env={"READOUT_DATA_DIR": str(data), "COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    assert f"{briefing[:12]}:1 (asker not named): 1 quote(s), verbatim" in shown.stdout


def test_the_linking_queries_read_indexes_not_tables(catalog: Catalog) -> None:
    queries = [
        "SELECT turn_id FROM turns WHERE ministry = 'CN' AND briefing_date >= '2021-04-25' "
        "AND briefing_date < '2021-04-27'",
        "SELECT * FROM citations WHERE doc_id = 'x'",
        "SELECT * FROM citations WHERE (ministry = 'CN' AND day_to >= '2021-04-19' AND day_to <= '2021-05-13' "
        "AND day_from <= '2021-05-10' AND (day_to >= '2021-04-26' OR day_until >= '2021-04-26')) "
        "OR briefing_doc_id = 'x'",
        "SELECT * FROM citations WHERE turn_id IN ('a', 'b')",
    ]
    with catalog.engine.connect() as connection:
        for query in queries:
            plan = " ".join(str(row[-1]) for row in connection.execute(text("EXPLAIN QUERY PLAN " + query)))
            assert "USING INDEX" in plan, (query, plan)
            assert "SCAN" not in plan, (query, plan)


def test_a_reported_clause_read_past_its_sentence_is_stored_as_the_opening_an_answer_says(
    catalog: Catalog, enricher: Enricher
) -> None:
    # "林剑指出，A。B。": the extractor reads B as his too. Stored before its briefing, the whole is unmatched; when
    # the briefing arrives, the citation is its opening, word for word, in the catalog as in the benchmark.
    mfa, wire = (s.model_copy(update={"language": "zh"}) for s in (MFA, WIRE))
    briefing = (
        "法新社记者：美方称各国应为轨道碎片负责。中方有何回应？\n\n"
        "林剑：美国是太空军事化的主要推动者，也是在轨碎片的主要制造国之一。美方应当反躬自省。"
    )
    article = (
        "外交部发言人林剑周一指出，美国是太空军事化的主要推动者，也是在轨碎片的主要制造国之一。这番话并非危言耸听。"
    )

    def store(source: Source, url: str, body: str, at: datetime) -> None:
        title = "外交部发言人林剑主持例行记者会" if source.kind == "briefing" else "中方回应"
        enrichment = enricher.enrich(
            title,
            body,
            declared_language="zh",
            source_kind=source.kind,
            ministry="CN",
            published_at=at,
            local_zone=source.tz,
        )
        store_text(catalog, source, url, title, body, at, enrichment=enrichment, language="zh")

    store(wire, NEWS_URL, article, WRITTEN)
    (before,) = catalog.citations_of(doc_id(NEWS_URL))
    assert (before.verdict, before.quoted) == (
        "unmatched",
        "美国是太空军事化的主要推动者，也是在轨碎片的主要制造国之一。这番话并非危言耸听",
    )
    store(mfa, BRIEFING_URL, briefing, HELD)
    (after,) = catalog.citations_of(doc_id(NEWS_URL))
    assert (after.verdict, after.quoted) == ("verbatim", "美国是太空军事化的主要推动者，也是在轨碎片的主要制造国之一")
    assert after.turn_id == f"{doc_id(BRIEFING_URL)}:0"
    # Stored again, the article's citations are the same: nothing changes, nothing is bumped.
    revision = catalog.document(doc_id(NEWS_URL)).revision  # type: ignore[union-attr]
    store(wire, NEWS_URL, article, WRITTEN)
    assert [(c.verdict, c.quoted) for c in catalog.citations_of(doc_id(NEWS_URL))] == [(after.verdict, after.quoted)]
    assert catalog.document(doc_id(NEWS_URL)).revision == revision  # type: ignore[union-attr]
