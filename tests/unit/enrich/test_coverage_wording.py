"""Wordings of a figure that change nothing of it (pipeline/enrich/coverage/judging.py and words.py): a
currency's sign for its word, one word of approximation for another; judged by the aligner on invented answers."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.enrich.coverage.align import Aligner
from pipeline.enrich.coverage.reading import Passage
from pipeline.enrich.text import default_normaliser


@pytest.fixture(scope="module")
def aligner() -> Aligner:
    return Aligner(default_normaliser())


def _said(text: str) -> Passage:
    return Passage("b:1", "b", "IN", date(2022, 6, 16), None, text)


@pytest.mark.parametrize(
    ("answer", "quote"),
    [
        ("Our bilateral trade crossed 6 billion dollars last year.", "bilateral trade crossed $6 billion last year"),
        ("Our bilateral trade crossed $6 billion last year.", "bilateral trade crossed 6 billion dollars last year"),
        (
            "The United States holds roughly $45 million in claims on Solmera.",
            "the United States holds about $45 million in claims on Solmera",
        ),
    ],
)
def test_a_figure_written_otherwise_is_no_change(aligner: Aligner, answer: str, quote: str) -> None:
    found = aligner.align(quote, [_said(answer)], language="en", reported=True)
    assert found is not None
    assert found.verdict == "paraphrase", (found.added, found.dropped)


@pytest.mark.parametrize(
    ("answer", "quote", "changed"),
    [
        # Another currency is another figure.
        (
            "Our bilateral trade crossed 6 billion dollars last year.",
            "bilateral trade crossed €6 billion last year",
            "dollars",
        ),
        # "nearly" is less than the figure, not about it.
        (
            "The United States holds roughly $45 million in claims on Solmera.",
            "the United States holds nearly $45 million in claims on Solmera",
            "roughly",
        ),
    ],
)
def test_another_currency_or_a_bound_for_an_approximation_is_divergent(
    aligner: Aligner, answer: str, quote: str, changed: str
) -> None:
    found = aligner.align(quote, [_said(answer)], language="en", reported=True)
    assert found is not None
    assert found.verdict == "divergent"
    assert changed in " ".join(found.dropped)
