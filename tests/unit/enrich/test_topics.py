"""Topic scores weigh the title and lead above the rest, thresholds keep passing mentions out, rules veto
or require, and the explanation says which terms matched where."""

from __future__ import annotations

from pipeline.enrich import Enricher


def test_one_passing_mention_in_the_body_is_not_enough(enricher: Enricher) -> None:
    text = (
        "The minister spoke about farming subsidies. Harvests were good this year. "
        "He also said Taiwan grows fine tea, before returning to wheat prices."
    )
    result = enricher.enrich(None, text)
    assert result.topics == []
    why = result.explanation["topics"]["taiwan"]
    assert why == {
        "score": 1.0,
        "threshold": 2.0,
        "matches": [{"term": "Taiwan", "place": "body", "count": 1, "points": 1.0, "seen": "Taiwan"}],
        "tagged": False,
    }


def test_the_same_word_in_the_title_tags_the_topic(enricher: Enricher) -> None:
    result = enricher.enrich("Taiwan", "The minister spoke about farming subsidies and wheat prices.")
    assert result.topics == ["taiwan"]
    assert result.topic_scores == {"taiwan": 3.0}
    assert result.explanation["topics"]["taiwan"]["matches"][0]["place"] == "title"


def test_lead_mentions_weigh_more_than_later_ones(enricher: Enricher) -> None:
    lead = enricher.enrich(None, "New sanctions came. Then more. Nothing else was said about it at all.")
    body = enricher.enrich(None, "Talks went on. Nothing else. New sanctions came, and more sanctions.")
    assert lead.explanation["topics"]["sanctions"]["score"] == 1.5
    assert body.explanation["topics"]["sanctions"]["score"] == 2.0


def test_the_longest_term_counts_not_its_parts_and_repeats_are_capped(enricher: Enricher) -> None:
    text = "Talks. Talks. We oppose unilateral sanctions. " + "Sanctions again. " * 5
    why = enricher.enrich(None, text).explanation["topics"]["sanctions"]
    assert {(m["term"], m["count"], m["points"]) for m in why["matches"]} == {
        ("unilateral sanctions", 1, 2.0),
        ("sanction", 5, 3.0),  # five seen, three count
    }
    assert why["score"] == 5.0


def test_an_exclusion_vetoes_the_topic_and_says_so(enricher: Enricher) -> None:
    result = enricher.enrich("UEFA sanctions the club", "UEFA imposed sanctions on the club after the match.")
    assert "sanctions" not in result.topics
    assert result.explanation["topics"]["sanctions"]["excluded_by"] == ["UEFA"]


def test_a_topic_with_required_terms_needs_one_of_them(enricher: Enricher) -> None:
    without = enricher.enrich("Pipeline delays", "The build pipeline stalled; the pipeline team fixed it.")
    assert "energy" not in without.topics
    assert without.explanation["topics"]["energy"]["required_seen"] == []
    with_gas = enricher.enrich("Pipeline delays", "The gas pipeline stalled.")
    assert with_gas.topics == ["energy"]
    assert with_gas.explanation["topics"]["energy"]["required_seen"] == ["gas"]


def test_chinese_and_russian_texts_are_tagged_by_their_own_terms(enricher: Enricher) -> None:
    zh = enricher.enrich(None, "外交部发言人表示，中方坚决反对美方实施单边制裁，也坚决反对台独分裂活动。")
    assert zh.language == "zh"
    assert zh.topics == ["sanctions", "taiwan"]
    ru = enricher.enrich("Новые санкции", "Москва ответит на санкции Запада, заявили в МИД.")
    assert ru.language == "ru"
    assert ru.topics == ["sanctions"]
    assert ru.explanation["topics"]["sanctions"]["matches"][0]["seen"] == "санкции"


def test_enrichment_is_deterministic(enricher: Enricher) -> None:
    text = "The US placed Chinese firms on the entity list. Beijing said it opposes unilateral sanctions."
    assert enricher.enrich("Entity list", text) == enricher.enrich("Entity list", text)
