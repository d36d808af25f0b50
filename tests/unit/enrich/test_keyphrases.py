"""Key phrases: the phrases a reader would pick, without stopwords at their edges, each idea once."""

from __future__ import annotations

from pipeline.enrich.keyphrases import KeyPhraseExtractor
from pipeline.enrich.text import default_normaliser

EN = (
    "The United States announced new export controls on advanced semiconductors, adding Chinese companies "
    "to the Entity List. The foreign ministry spokesperson said Beijing firmly opposes the abuse of export "
    "controls. She said the measures disrupt global semiconductor supply chains. The Commerce Department "
    "said the export controls target advanced computing chips. Chinese companies said they would comply."
)


def extractor() -> KeyPhraseExtractor:
    return KeyPhraseExtractor(default_normaliser())


def test_english_key_phrases_lead_with_what_the_text_is_about() -> None:
    phrases = extractor().extract(EN, "en")
    assert phrases[:2] == ["export controls", "Chinese companies"]
    assert "Entity List" in phrases
    assert len(phrases) <= 8
    for phrase in phrases:
        words = phrase.lower().split()
        assert words[0] not in {"the", "of", "on", "to", "said"}
        assert words[-1] not in {"the", "of", "on", "to", "said"}


def test_inflected_variants_are_one_phrase() -> None:
    phrases = extractor().extract(EN, "en")
    lowered = [phrase.lower() for phrase in phrases]
    assert "export control" not in lowered  # "export controls" stands for both
    assert len({phrase.rstrip("s") for phrase in lowered}) == len(lowered)


def test_russian_stopwords_are_recognised_in_any_form() -> None:
    text = (
        "Официальный представитель МИД заявила, что новые санкции Евросоюза незаконны. "
        "Она подчеркнула, что санкции вредят самой Европе. Санкции не сработают."
    )
    phrases = extractor().extract(text, "ru")
    assert phrases[0] == "санкции"
    assert not any(phrase.split()[-1] in {"заявила", "подчеркнула"} for phrase in phrases)


def test_chinese_is_segmented_before_ranking() -> None:
    text = "外交部发言人表示，中方坚决反对美方实施单边制裁。单边制裁违反国际法，中方将采取必要措施维护企业正当权益。"
    phrases = extractor().extract(text, "zh")
    assert "单边制裁" in phrases
    assert all(len(phrase) > 1 for phrase in phrases)


def test_nothing_to_say_gives_nothing() -> None:
    assert extractor().extract("", "en") == []
    assert extractor().extract("— 2021 —", "en") == []


def test_punctuation_alone_gives_nothing_and_does_not_fail() -> None:
    assert extractor().extract("... !!! ???", "en") == []
