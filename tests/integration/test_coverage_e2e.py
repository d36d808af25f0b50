"""Coverage end to end: `readout run` over the fixture sites links the two seed stories to the Global Times
exchange of the MFA's 26 April 2021 press conference (one word for word, one with the words it added and
dropped), and the second story's "last Thursday" quote to the 22 April briefing; `readout show --json` and
`readout coverage` print them. Stored the other way round (the news first, the briefings later, as happens
when a transcript is posted in the evening), the citations are linked when the briefing arrives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.devsite import SiteFarm
from pipeline.store.schema import Document
from pipeline.urls import canonical_url

from .test_run_e2e import World, fresh_world

BRIEFING = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202104/t20210426_9170562.html"
THURSDAY = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202104/t20210422_9170411.html"
SPUTNIK = (
    "https://sputnikglobe.com/20210426/china-strongly-opposes-us-unilateral-sanctions-over-iran-trade-1082746215.html"
)
ISLAM_TIMES = "https://www.islamtimes.com/en/news/930825/china-slams-us-over-willful-use-of-unilateral-sanctions"
SOURCES = ("-s", "cn-mfa-en", "-s", "sputnik-en", "-s", "islamtimes-en")


def _document(world: World, url: str) -> Document:
    return world.documents()[canonical_url(url)]


def _show(world: World, doc_id: str) -> dict[str, Any]:
    result = world.cli("show", doc_id, "--json")
    assert result.exit_code == 0, result.output
    shown: dict[str, Any] = json.loads(result.output)
    return shown


def _global_times_turn(world: World) -> str:
    briefing = _document(world, BRIEFING)
    catalog = world.catalog()
    try:
        turns = catalog.turns_of(briefing.doc_id)
    finally:
        catalog.close()
    (turn,) = [t for t in turns if t.outlet_id == "global-times"]
    return turn.turn_id


@pytest.fixture(scope="module")
def ingested(farm: SiteFarm, tmp_path_factory: pytest.TempPathFactory) -> World:
    world = fresh_world(farm, tmp_path_factory.mktemp("coverage"))
    result = world.cli("run", *SOURCES)
    assert result.exit_code == 0, result.output
    return world


def test_the_faithful_seed_story_quotes_the_global_times_exchange_verbatim(ingested: World) -> None:
    shown = _show(ingested, _document(ingested, ISLAM_TIMES).doc_id)
    turn = _global_times_turn(ingested)
    (citation,) = [c for c in shown["citations"] if c["quoted"].startswith("We oppose the willful use")]
    assert citation["turn_id"] == turn
    assert citation["verdict"] == "verbatim"
    assert citation["briefing_date"] == "2021-04-26"
    assert citation["matched"] == "We oppose the willful use of unilateral sanctions or the threat of sanctions"
    assert citation["differences"] == {"added": [], "dropped": []}
    assert citation["similarity"] == 1.0
    assert shown["cluster_id"]
    assert shown["duplicate_of"] is None


def test_the_other_seed_story_diverges_and_shows_what_changed(ingested: World) -> None:
    shown = _show(ingested, _document(ingested, SPUTNIK).doc_id)
    turn = _global_times_turn(ingested)
    by_quote = {c["quoted"]: c for c in shown["citations"]}
    strongly = by_quote["We strongly oppose the use of unilateral sanctions,"]
    assert strongly["turn_id"] == turn
    assert strongly["verdict"] == "divergent"
    assert strongly["differences"] == {"added": ["strongly"], "dropped": ["willful", "or the threat of sanctions"]}
    partnership = by_quote["have a comprehensive partnership for a new era"]
    assert partnership["turn_id"] == turn
    assert partnership["verdict"] == "divergent"
    assert partnership["differences"]["dropped"] == ["strategic", "of coordination"]
    # Quoted words of a statement the sentence reports: checked through the clause they stand in, shown with it.
    assert partnership["context"] == 'China and Russia "have a comprehensive partnership for a new era"'
    # "Last Thursday" (the story is of Monday 26 April): the arms-control answer of 22 April.
    thursday = by_quote["has no intention of taking part"]
    assert thursday["briefing_date"] == "2021-04-22"
    assert thursday["turn_id"].startswith(_document(ingested, THURSDAY).doc_id + ":")
    assert thursday["verdict"] == "verbatim"
    assert not thursday["other_day"]


def test_coverage_lists_both_stories_and_the_briefing_shows_its_coverage(ingested: World) -> None:
    turn = _global_times_turn(ingested)
    result = ingested.cli("coverage", turn, "--json")
    assert result.exit_code == 0, result.output
    coverage = json.loads(result.output)
    reporting = {d["doc_id"]: d["verdict"] for d in coverage["documents"]}
    assert set(reporting) == {_document(ingested, SPUTNIK).doc_id, _document(ingested, ISLAM_TIMES).doc_id}
    assert coverage["coverage_count"] == 2
    assert len(coverage["stories"]) == 2  # two different stories, not copies of one
    briefing = _show(ingested, _document(ingested, BRIEFING).doc_id)
    counts = {entry["turn_id"]: entry["coverage_count"] for entry in briefing["coverage"]}
    assert counts[turn] == 2
    # The short id `readout turns` prints is enough.
    short = turn.split(":")[0][:12] + ":" + turn.rsplit(":", 1)[1]
    text = ingested.cli("coverage", short)
    assert text.exit_code == 0, text.output
    assert "divergent" in text.output
    assert "added: strongly" in text.output
    assert 'in: China and Russia "have a comprehensive partnership for a new era"' in " ".join(text.output.split())
    # The briefing's own page points to each covered exchange by that short id too.
    shown = ingested.cli("show", _document(ingested, BRIEFING).doc_id)
    assert shown.exit_code == 0, shown.output
    assert f"`readout coverage {short}`" in " ".join(shown.output.split())
    assert turn not in shown.output


def test_an_unknown_turn_is_refused(ingested: World) -> None:
    result = ingested.cli("coverage", "nope:1")
    assert result.exit_code == 1
    assert "no exchange with turn id" in result.output


def test_news_stored_before_its_briefing_is_linked_when_the_briefing_arrives(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    assert world.cli("run", "-s", "sputnik-en", "-s", "islamtimes-en").exit_code == 0
    before = _show(world, _document(world, ISLAM_TIMES).doc_id)
    waiting = [c for c in before["citations"] if c["quoted"].startswith("We oppose the willful use")]
    assert [c["verdict"] for c in waiting] == ["unmatched"]
    assert waiting[0]["turn_id"] is None
    revision = _document(world, ISLAM_TIMES).revision
    assert world.cli("run", "-s", "cn-mfa-en").exit_code == 0
    after = _show(world, _document(world, ISLAM_TIMES).doc_id)
    (linked,) = [c for c in after["citations"] if c["quoted"].startswith("We oppose the willful use")]
    assert linked["verdict"] == "verbatim"
    assert linked["turn_id"] == _global_times_turn(world)
    # The news document goes back to the search index with its new citations.
    assert _document(world, ISLAM_TIMES).revision > revision
    # Nothing is duplicated by linking twice: a second run of everything changes no citation.
    rows = after["citations"]
    assert world.cli("run", *SOURCES).exit_code == 0
    assert _show(world, _document(world, ISLAM_TIMES).doc_id)["citations"] == rows
