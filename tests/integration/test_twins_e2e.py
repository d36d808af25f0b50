"""Twin briefings end to end: the MFA's Chinese and English transcripts of the press conference of 26 April 2021
(fixture sites www.mfa.gov.cn and www.fmprc.gov.cn), ingested by `readout run` and linked both ways, whichever
language arrives first, with the exchange the English left out flagged and the delay between the two."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.devsite import SiteFarm
from pipeline.store.schema import Document

from .test_run_e2e import World, fresh_world

CHINESE = "https://www.mfa.gov.cn/web/fyrbt_673021/jzhsl_673025/202104/t20210426_9171308.shtml"
ENGLISH = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202104/t20210426_9170562.html"


def _show(world: World, doc_id: str) -> dict[str, Any]:
    result = world.cli("show", doc_id, "--json")
    assert result.exit_code == 0, result.output
    shown: dict[str, Any] = json.loads(result.output)
    return shown


def _pair(world: World) -> tuple[Document, Document]:
    documents = world.documents()
    return documents[CHINESE], documents[ENGLISH]


def _outlet_turns(world: World, doc_id: str) -> dict[str | None, list[str]]:
    catalog = world.catalog()
    try:
        found: dict[str | None, list[str]] = {}
        for turn in catalog.turns_of(doc_id):
            found.setdefault(turn.outlet_id, []).append(turn.turn_id)
        return found
    finally:
        catalog.close()


@pytest.mark.parametrize("first", ["cn-mfa-zh", "cn-mfa-en"])
def test_twins_are_linked_both_ways_whichever_arrives_first(farm: SiteFarm, tmp_path: Path, first: str) -> None:
    world = fresh_world(farm, tmp_path)
    assert world.cli("run", "-s", first).exit_code == 0
    alone = next(d for d in world.documents().values() if d.source_id == first and "20210426" in d.canonical_url)
    assert alone.twin_doc_id is None
    assert alone.twin_unmatched == []
    second = "cn-mfa-en" if first == "cn-mfa-zh" else "cn-mfa-zh"
    assert world.cli("run", "-s", second).exit_code == 0
    chinese, english = _pair(world)
    assert (chinese.twin_doc_id, english.twin_doc_id) == (english.doc_id, chinese.doc_id)
    # The one that was there first changed when its twin came: a new revision for the search index.
    earlier = chinese if first == "cn-mfa-zh" else english
    assert earlier.revision > alone.revision
    assert chinese.published_at is not None
    assert english.published_at is not None
    delay = round((english.published_at - chinese.published_at).total_seconds())
    assert delay > 0, "the English text is published after the Chinese one"
    assert (chinese.twin_delay_seconds, english.twin_delay_seconds) == (delay, -delay)


def test_show_names_the_twin_and_the_exchange_missing_from_the_english(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    assert world.cli("run", "-s", "cn-mfa-zh", "-s", "cn-mfa-en").exit_code == 0
    chinese, english = _pair(world)
    # The Chinese text has one exchange more: Reuters on the investment agreement. Nothing is only in English.
    reuters = _outlet_turns(world, chinese.doc_id)["reuters"]
    assert "reuters" not in _outlet_turns(world, english.doc_id)
    shown = _show(world, chinese.doc_id)["twin"]
    assert shown == {
        "doc_id": english.doc_id,
        "language": "en",
        "delay_seconds": chinese.twin_delay_seconds,
        "unmatched": reuters,
        "missing": [],
    }
    assert _show(world, english.doc_id)["twin"]["missing"] == reuters
    text = world.cli("show", english.doc_id).output
    assert f"twin: {chinese.doc_id} (zh), published" in text
    assert "earlier" in text
    assert f"1 exchange(s) of the zh version missing here: {reuters[0]}" in text


def test_a_briefing_without_a_twin_shows_none(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    assert world.cli("run", "-s", "cn-mfa-en").exit_code == 0
    document = world.documents()[ENGLISH]
    assert _show(world, document.doc_id)["twin"] is None
