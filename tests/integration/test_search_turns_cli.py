"""``readout search --turns`` end to end: a run over the fixture sites, a briefing's turns in the catalog
(written as the turn store writes them: with a revision bump), ``readout index``, then the search finds the
exchange by outlet and phrase, on the embedded index and on Elasticsearch (the stand-in), with the same
``--json`` answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.devsite import SiteFarm
from tests.esstub import running_stub
from tests.integration.test_run_e2e import World, fresh_world
from tests.turnrows import TurnRow, set_turns

#: The --json keys every exchange has (the stable interface).
KEYS = {"turn_id", "doc_id", "date", "ministry", "spokesperson", "spokesperson_id", "outlet", "outlet_id"}
KEYS |= {"question", "answer", "score"}


def briefing_turns(world: World) -> tuple[str, list[TurnRow]]:
    """A stored briefing and turns made of its paragraphs: an announcement, then question/answer pairs, the
    second exchange asked by Global Times."""
    briefing = next(d for d in world.documents().values() if d.source_kind == "briefing" and d.text.count("\n") >= 4)
    paragraphs = [p.strip() for p in briefing.text.split("\n") if p.strip()]
    turns = [TurnRow(briefing.doc_id, 0, "", paragraphs[0], kind="announcement", outlet=None, outlet_id=None)]
    for number, start in enumerate(range(1, min(len(paragraphs) - 1, 7), 2), start=1):
        outlet = ("Global Times", "global-times") if number == 2 else ("AFP", "afp")
        turns.append(
            TurnRow(
                briefing.doc_id,
                number,
                paragraphs[start],
                paragraphs[start + 1],
                outlet=outlet[0],
                outlet_id=outlet[1],
                source_id=briefing.source_id,
                ministry=briefing.source_country,
                briefing_date=briefing.published_at,
                language=briefing.language,
            )
        )
    catalog = world.catalog()
    try:
        set_turns(catalog, briefing.doc_id, turns, revision=briefing.revision + 1)
    finally:
        catalog.close()
    return briefing.doc_id, turns


def search_json(world: World, *args: str, **env: str) -> list[dict[str, Any]]:
    result = world.cli("search", "--turns", "--json", *args, **env)
    assert result.exit_code == 0, result.output
    hits: list[dict[str, Any]] = json.loads(result.stdout)
    return hits


def test_search_turns_finds_an_exchange_by_outlet_and_phrase(farm: SiteFarm, tmp_path: Path) -> None:
    world: World = fresh_world(farm, tmp_path)
    assert world.cli("run").exit_code == 0
    doc_id, turns = briefing_turns(world)
    asked = turns[2]
    phrase = '"' + " ".join(asked.question.split()[:3]) + '"'
    assert world.cli("index").exit_code == 0

    embedded = search_json(world, phrase, "--outlet", "Global Times")
    assert [hit["turn_id"] for hit in embedded] == [asked.turn_id]
    (hit,) = embedded
    assert set(hit) >= KEYS
    assert (hit["doc_id"], hit["outlet_id"], hit["ministry"]) == (doc_id, "global-times", asked.ministry)
    assert "\u27e6" in hit["question"], "the phrase is marked in the question snippet"
    assert search_json(world, phrase, "--outlet", "afp") == [], "the phrase was asked by Global Times only"

    table = world.cli("search", "--turns", phrase, "--outlet", "global-times")
    assert table.exit_code == 0, table.output
    assert f"{doc_id[:12]}:{asked.number}" in table.stdout, "the turn's short id"
    assert "Global Times \u2192" in table.stdout, "asked by Global Times"

    with running_stub() as stub:
        es = {"READOUT_ELASTICSEARCH_URL": stub.url}
        indexed = world.cli("index", **es)
        assert indexed.exit_code == 0, indexed.output
        for index in stub.indices.values():
            index.visible = set(index.docs)  # what Elasticsearch's refresh interval does within a second
        on_es = search_json(world, phrase, "--outlet", "Global Times", **es)
    assert [hit["turn_id"] for hit in on_es] == [hit["turn_id"] for hit in embedded]
    assert {k: v for k, v in on_es[0].items() if k not in ("score", "question", "answer")} == {
        k: v for k, v in embedded[0].items() if k not in ("score", "question", "answer")
    }


def test_spokesperson_and_outlet_need_turns(farm: SiteFarm, tmp_path: Path) -> None:
    world: World = fresh_world(farm, tmp_path)
    result = world.cli("search", "sanctions", "--outlet", "AFP")
    assert result.exit_code == 2
    assert "--turns" in result.output


@pytest.mark.parametrize("args", [("--turns", "sanctions", "--json")])
def test_search_turns_without_any_index_says_how_to_build_it(
    farm: SiteFarm, tmp_path: Path, args: tuple[str, ...]
) -> None:
    world: World = fresh_world(farm, tmp_path)
    result = world.cli("search", *args)
    assert result.exit_code == 4
    assert "readout index" in result.output


def test_run_then_search_turns_finds_a_segmented_exchange(farm: SiteFarm, tmp_path: Path) -> None:
    """With the segmenter: `readout run` stores and indexes the briefings' exchanges, and `readout search
    --turns` finds one by its outlet and a phrase of its question, on both backends."""
    world: World = fresh_world(farm, tmp_path)
    assert world.cli("run").exit_code == 0
    catalog = world.catalog()
    try:
        turns = [turn for turn in catalog.list_turns(limit=None) if turn.outlet_id and len(turn.question.split()) >= 4]
    finally:
        catalog.close()
    assert turns, "the fixture briefings have exchanges with a known outlet"
    asked = turns[0]
    assert asked.outlet_id is not None
    phrase = '"' + " ".join(asked.question.split()[:4]) + '"'
    embedded = search_json(world, phrase, "--outlet", asked.outlet_id, "--limit", "50")
    assert asked.turn_id in [hit["turn_id"] for hit in embedded]
    assert all(hit["outlet_id"] == asked.outlet_id for hit in embedded)
    with running_stub() as stub:
        es = {"READOUT_ELASTICSEARCH_URL": stub.url}
        assert world.cli("index", **es).exit_code == 0
        for index in stub.indices.values():
            index.visible = set(index.docs)
        on_es = search_json(world, phrase, "--outlet", asked.outlet_id, "--limit", "50", **es)
    assert sorted(hit["turn_id"] for hit in on_es) == sorted(hit["turn_id"] for hit in embedded)
