"""Language detection: the text decides; the declared language is a hint for texts that cannot."""

from __future__ import annotations

import pytest

from pipeline.enrich.language import detect_language


@pytest.mark.parametrize(
    ("text", "declared", "code", "method"),
    [
        ("The spokesperson said the two sides held candid talks on trade.", None, "en", "model"),
        ("The spokesperson said the two sides held candid talks on trade.", "zh-CN", "en", "model"),
        ("外交部发言人表示，双方就贸易问题进行了坦诚的交流。", "en", "zh", "script"),
        ("Официальный представитель МИД заявила, что переговоры продолжатся.", None, "ru", "model"),
        ("Речник МЗС України заявив, що переговори тривають.", "ru", "uk", "model"),
        ("Le porte-parole a déclaré que les discussions se poursuivront.", "en", "fr", "model"),
        ("東京で外務報道官の記者会見が行われました。", None, "ja", "script"),
        ("외교부 대변인은 회담이 계속될 것이라고 밝혔다.", None, "ko", "script"),
    ],
)
def test_the_text_decides_whatever_the_page_declares(text: str, declared: str | None, code: str, method: str) -> None:
    guess = detect_language(text, declared)
    assert (guess.code, guess.method) == (code, method)


@pytest.mark.parametrize(
    ("text", "declared", "code"),
    [
        ("Q&A", "en", "en"),  # too short to tell: the declared language stands
        ("Спасибо.", "ru", "ru"),
        ("2021-04-26 10:00", "zh", "zh"),  # no letters at all
        ("", "fr", "fr"),
        ("", None, None),
    ],
)
def test_short_texts_fall_back_to_the_declared_language(text: str, declared: str | None, code: str | None) -> None:
    guess = detect_language(text, declared)
    assert guess.code == code
    assert guess.method in ("declared", "none")


def test_mixed_texts_go_by_the_script_that_carries_most_of_the_text() -> None:
    english = "The spokesperson quoted the phrase 中方坚决反对 and said Beijing firmly opposes unilateral sanctions."
    chinese = "发言人说，美方所谓的 rules-based order 实际上是为维护其霸权服务，中方对此坚决反对，并将采取必要措施。"
    assert detect_language(english).code == "en"
    assert detect_language(chinese).code == "zh"


def test_a_declared_region_or_script_tag_is_read_as_its_language() -> None:
    assert detect_language("", "zh-Hans-CN").code == "zh"
    assert detect_language("OK", "en_GB").code == "en"
