"""A day the answer names relative to its briefing ("yesterday", 昨天, "вчера") and a report names by its date or
weekday (pipeline/enrich/coverage/figures.py, ``same_day``), judged by the aligner on invented answers."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.enrich.coverage.align import Aligner
from pipeline.enrich.coverage.reading import Passage
from pipeline.enrich.text import default_normaliser


@pytest.fixture(scope="module")
def aligner() -> Aligner:
    return Aligner(default_normaliser())


def _said(text: str, held: date) -> Passage:
    return Passage("b:1", "b", "CN", held, None, text)


@pytest.mark.parametrize(
    ("answer", "held", "quote", "language"),
    [
        # The briefing of Tuesday 14 June 2022.
        (
            "使馆工作人员已于昨天下午进行了领事探视，船员身体状况良好。",
            date(2022, 6, 14),
            "使馆工作人员已于13日下午进行了领事探视",
            "zh",
        ),
        (
            "Our consul visited the two sailors yesterday and found them in good health.",
            date(2022, 6, 14),
            "Our consul visited the two sailors on Monday and found them in good health",
            "en",
        ),
        (
            "Наш консул вчера посетил моряков в порту.",
            date(2022, 6, 14),
            "Наш консул 13 июня посетил моряков в порту",
            "ru",
        ),
    ],
)
def test_a_relative_day_of_the_answer_is_the_date_a_report_gives(
    aligner: Aligner, answer: str, held: date, quote: str, language: str
) -> None:
    found = aligner.align(quote, [_said(answer, held)], language=language)
    assert found is not None
    assert found.verdict == "paraphrase", (found.added, found.dropped)


@pytest.mark.parametrize(
    ("quote", "language", "changed"),
    [
        ("使馆工作人员已于12日下午进行了领事探视", "zh", "12日"),
        ("Our consul visited the two sailors on Sunday and found them in good health", "en", "Sunday"),
    ],
)
def test_another_day_than_the_answers_relative_one_is_divergent(
    aligner: Aligner, quote: str, language: str, changed: str
) -> None:
    answer = (
        "使馆工作人员已于昨天下午进行了领事探视，船员身体状况良好。"
        if language == "zh"
        else "Our consul visited the two sailors yesterday and found them in good health."
    )
    found = aligner.align(quote, [_said(answer, date(2022, 6, 14))], language=language)
    assert found is not None
    assert found.verdict == "divergent"
    assert changed in " ".join(found.added)
