"""A briefing's exchanges, tagged one at a time (pipeline.enrich.exchanges) and carried in the Enrichment."""

from __future__ import annotations

import pickle

from pipeline.enrich import Enricher
from pipeline.enrich.exchanges import exchange_hash
from pipeline.enrich.turns import Exchange, Utterance

BRIEFING = (
    "AFP: The US added more Chinese firms to its entity list. Will China respond?\n\n"
    "Wang Wenbin: We firmly oppose these unilateral sanctions and will take resolute measures.\n\n"
    "Reuters: Will the foreign minister visit Georgia next month?\n\n"
    "Wang Wenbin: The trip to the Caucasus is being planned; we will release information in due course."
)


def exchange(question: str, answer: str, *, position: int = 0) -> Exchange:
    return Exchange(
        position,
        "exchange",
        (
            Utterance("question", question, 0, outlet="AFP", outlet_id="afp"),
            Utterance("answer", answer, 1, speaker="Wang Wenbin", speaker_id="wang-wenbin"),
        ),
    )


def test_a_briefing_is_segmented_and_each_exchange_tagged(enricher: Enricher) -> None:
    enrichment = enricher.enrich("Regular Press Conference", BRIEFING, declared_language="en", source_kind="briefing")
    assert enrichment.exchanges is not None
    assert enrichment.exchanges, "a briefing with text has at least one exchange or announcement"
    text = "\n\n".join(tags.exchange.question + "\n\n" + tags.exchange.answer for tags in enrichment.exchanges)
    for phrase in ("entity list", "unilateral sanctions", "Caucasus"):
        assert phrase in text, "every part of the transcript is in some exchange"
    # The exchange about sanctions is tagged with the topic, the one about the trip is not.
    by_text = {tags.exchange.question + tags.exchange.answer: tags for tags in enrichment.exchanges}
    sanctions = [tags for key, tags in by_text.items() if "unilateral sanctions" in key]
    trip = [tags for key, tags in by_text.items() if "Caucasus" in key]
    assert all("sanctions" in tags.topics for tags in sanctions)
    assert all("sanctions" not in tags.topics for tags in trip)
    turns = enrichment.explanation["turns"]
    assert turns["exchanges"] + turns["announcements"] == len(enrichment.exchanges)
    assert isinstance(turns["unknown_labels"], list)
    assert turns["layout"]


def test_other_documents_are_not_segmented(enricher: Enricher) -> None:
    for kind in ("news", "statement", None):
        enrichment = enricher.enrich("Report", BRIEFING, declared_language="en", source_kind=kind)
        assert enrichment.exchanges is None
        assert "turns" not in enrichment.explanation
    # The document's own tags do not depend on it.
    briefing = enricher.enrich("Report", BRIEFING, declared_language="en", source_kind="briefing")
    news = enricher.enrich("Report", BRIEFING, declared_language="en", source_kind="news")
    assert briefing.indexed("en") == news.indexed("en")


def test_the_enrichment_with_its_exchanges_crosses_a_process_boundary(enricher: Enricher) -> None:
    enrichment = enricher.enrich("Regular Press Conference", BRIEFING, declared_language="en", source_kind="briefing")
    again = pickle.loads(pickle.dumps(enrichment))
    assert again == enrichment
    assert again.exchanges is not None
    assert [tags.content_hash for tags in again.exchanges] == [tags.content_hash for tags in enrichment.exchanges or ()]


def test_question_and_answer_countries_are_told_apart(enricher: Enricher) -> None:
    tags = enricher.exchange_tagger.tag_exchange(
        exchange("What is your comment on the US tariffs?", "China firmly opposes them.")
    )
    assert tags.question_countries == ("US",)
    assert tags.answer_countries == ("CN",)
    assert tags.countries == ("CN", "US")


def test_an_ambiguous_name_in_the_question_is_confirmed_by_the_answer(enricher: Enricher) -> None:
    # "Georgia" alone is ambiguous (the gazetteer wants a confirming word); "Caucasus" is in the answer only.
    tags = enricher.exchange_tagger.tag_exchange(
        exchange("Will the minister visit Georgia?", "The trip to the Caucasus is being planned.")
    )
    assert tags.question_countries == ()
    assert tags.answer_countries == ()
    assert tags.countries == ("GE",)


def test_an_announcement_is_tagged_on_its_own_text(enricher: Enricher) -> None:
    announcement = Exchange(0, "announcement", (Utterance("announcement", "Taiwan independence is a dead end.", 0),))
    tags = enricher.exchange_tagger.tag_exchange(announcement)
    assert tags.topics == ("taiwan",)
    assert tags.question_countries == ()
    assert tags.answer_countries == tags.countries == ("TW",)


def test_the_content_hash_follows_the_words_not_the_labels() -> None:
    base = exchange("Will China respond?", "We will take measures.")
    relabelled = Exchange(
        base.position + 3,
        "exchange",
        tuple(Utterance(u.kind, u.text, u.paragraph + 5, speaker="WANG WENBIN") for u in base.utterances),
    )
    assert exchange_hash(relabelled) == exchange_hash(base)
    assert exchange_hash(exchange("Will China respond?", "We will take resolute measures.")) != exchange_hash(base)
    # The same words as one announcement are another turn.
    merged = Exchange(0, "announcement", (Utterance("announcement", "Will China respond?", 0),))
    assert exchange_hash(merged) != exchange_hash(exchange("Will China respond?", ""))
