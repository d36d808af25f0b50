"""Diffs between versions (pipeline.enrich.diff, pipeline.store.history): paragraphs, words, exchanges, and
what counts as only cosmetic, over the labelled edits of tests/fixtures/history/edits.yaml and a few shapes."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from pipeline.enrich.diff import substance, text_diff, word_changes, word_segments
from pipeline.enrich.exchanges import exchange_hash
from pipeline.enrich.turns import segment
from pipeline.store.history import TurnState, exchange_diff, furniture_lines
from tests.conftest import FIXTURES

EDITS: dict[str, Any] = yaml.safe_load((FIXTURES / "history" / "edits.yaml").read_text("utf-8"))
CASES = {case["name"]: case for case in EDITS["cases"]}


def titles(case: dict[str, Any]) -> tuple[str, str]:
    return case.get("before_title", case.get("title")), case.get("after_title", case.get("title"))


def states(text: str, title: str) -> list[TurnState]:
    """The turns the real segmenter finds in ``text``, as the history compares them."""
    language = "zh" if "汪文斌" in text else "en"
    found = segment(text, title=title, language=language, ministry="CN")
    return [
        TurnState(exchange_hash(e), None, e.kind, e.questioner[0], e.questioner[1], e.question, e.answer)
        for e in found.exchanges
    ]


def outlets(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["outlet"] or "announcement" for entry in entries]


def check(case: dict[str, Any], diff: dict[str, Any], cosmetic: bool) -> None:
    """``diff`` and ``cosmetic`` are what ``case`` expects (the fields of the labelled file)."""
    expect = case["expect"]
    assert cosmetic is expect["cosmetic"]
    counts = {key: len(diff[key]) for key in ("added", "removed", "changed")}
    assert counts == expect["paragraphs"]
    if "words" in expect:
        removed = [phrase for change in diff["changed"] for phrase in change["words"]["removed"]]
        added = [phrase for change in diff["changed"] for phrase in change["words"]["added"]]
        assert (removed, added) == (expect["words"]["removed"], expect["words"]["added"])
    assert ("title" in diff) is expect.get("title", False)
    assert len(diff["ignored"]["added"]) + len(diff["ignored"]["removed"]) == expect.get("ignored", 0)
    if "exchanges_added" in diff:
        shown = {key: outlets(diff[f"exchanges_{key}"]) for key in ("added", "removed", "changed")}
        assert shown == expect["exchanges"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_planted_edit_is_reported_as_labelled(name: str) -> None:
    case = CASES[name]
    before_title, after_title = titles(case)
    diff, cosmetic = text_diff(before_title, case["before"], after_title, case["after"])
    if not cosmetic:
        furniture = furniture_lines(case["before"], case["after"])
        diff.update(exchange_diff(states(case["before"], before_title), states(case["after"], after_title), furniture))
    else:
        diff.update({"exchanges_added": [], "exchanges_removed": [], "exchanges_changed": []})
    check(case, diff, cosmetic)


def test_no_cosmetic_case_reports_an_edit_and_every_planted_edit_is_caught() -> None:
    verdicts = {name: text_diff(*titles(c)[:1], c["before"], titles(c)[1], c["after"])[1] for name, c in CASES.items()}
    assert verdicts == {name: case["expect"]["cosmetic"] for name, case in CASES.items()}


def test_the_summaries_name_the_outlet_the_topic_and_the_question() -> None:
    case = CASES["removed-exchange"]
    before = [
        turn
        if turn.outlet != "TASS"
        else TurnState(turn.key, "d:3", turn.kind, "TASS", "tass", turn.question, turn.answer, ("visits-summits",))
        for turn in states(case["before"], case["title"])
    ]
    [removed] = exchange_diff(before, states(case["after"], case["title"]))["exchanges_removed"]
    assert removed["turn_id"] == "d:3"
    assert removed["summary"] == (
        'the exchange with TASS on visits summits ("Can you share details about the strategic consultation…") '
        "was removed"
    )
    changed = exchange_diff(
        states(CASES["edited-answer"]["before"], case["title"]), states(CASES["edited-answer"]["after"], case["title"])
    )
    [entry] = changed["exchanges_changed"]
    assert entry["parts"] == ["answer"]
    assert entry["summary"].startswith('the exchange with AFP ("The US approved a new arms sale to…")')
    assert entry["summary"].endswith(": the answer was changed")
    assert entry["words"]["answer"]["removed"][0] == "firmly"


def test_a_changed_exchange_with_another_outlet_and_another_question_is_one_removed_and_one_added() -> None:
    old = TurnState("a", "d:1", "exchange", "AFP", "afp", "Will China respond to the sanctions?", "China will respond.")
    new = TurnState("b", "d:4", "exchange", "CCTV", "cctv", "How is trade with Africa this year?", "Trade is growing.")
    found = exchange_diff([old], [new])
    assert (outlets(found["exchanges_removed"]), outlets(found["exchanges_added"])) == (["AFP"], ["CCTV"])
    assert found["exchanges_changed"] == []


def test_an_exchange_only_reformatted_is_not_reported() -> None:
    old = TurnState("a", "d:1", "exchange", "AFP", "afp", "Will China respond?", "China  will\nrespond.")
    new = TurnState("b", "d:5", "exchange", "AFP", "afp", "Will China respond?", "China will respond.")
    assert exchange_diff([old], [new]) == {"exchanges_added": [], "exchanges_removed": [], "exchanges_changed": []}


def test_word_segments_rebuild_the_new_text() -> None:
    before = "China has supplied vaccines to 80 countries, and will continue."
    after = "China has supplied 90 million doses to 80 countries and regions."
    segments = word_segments(before, after)
    assert "".join(text for op, text in segments if op != "-") == after
    assert word_changes(before, after) == {
        "added": ["90 million doses", "regions"],
        "removed": ["vaccines", ",", "will continue"],
    }


def test_chinese_words_are_compared_character_by_character() -> None:
    assert word_changes("中方坚决反对美方对台军售。", "中方反对美方对台军售。") == {"added": [], "removed": ["坚决"]}


def test_furniture_is_kept_apart_from_substance() -> None:
    found = substance(
        "First paragraph.\n\n[Print] [Close]\n\nShare:\n\n阅读次数：88\n\nRelated links: One | Two\n\nLast."
    )
    assert found.kept == ("First paragraph.", "Last.")
    assert found.furniture == ("[Print] [Close]", "Share:", "阅读次数：88", "Related links: One | Two")


def test_a_long_link_like_sentence_after_a_related_box_is_substance() -> None:
    text = "Opening.\n\nRelated News\n\nA headline\n\nThe spokesperson then answered questions from the press."
    assert substance(text).kept == ("Opening.", "The spokesperson then answered questions from the press.")


def test_a_number_inside_a_sentence_is_substance_but_a_counter_line_is_not() -> None:
    assert text_diff(None, "Exports rose 5%.", None, "Exports rose 6%.")[1] is False
    assert text_diff(None, "Exports rose 5%.\n\n1,234 views", None, "Exports rose 5%.\n\n1,301 views")[1] is True


def test_a_large_rewrite_pairs_paragraphs_near_their_place() -> None:
    before = "\n\n".join(f"Paragraph {n} says the ministry held talks number {n}." for n in range(300))
    after = "\n\n".join(f"Paragraph {n} says the ministry held meetings number {n}." for n in range(300))
    diff, cosmetic = text_diff(None, before, None, after)
    assert not cosmetic
    assert (len(diff["changed"]), diff["added"], diff["removed"]) == (300, [], [])
    assert all(change["words"] == {"added": ["meetings"], "removed": ["talks"]} for change in diff["changed"])
