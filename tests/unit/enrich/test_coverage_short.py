"""A short reported clause, two content words among its function words, matched by the one sentence of the
answers that holds both (pipeline/enrich/coverage/align.py, ``Aligner._short_clause``), on invented answers."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.enrich.coverage.align import Aligner
from pipeline.enrich.coverage.reading import Passage
from pipeline.enrich.text import default_normaliser

ANSWER = (
    "There are two Russian citizens among the crew. They are in contact with their families and feel well. "
    "Our diplomats are working to secure their release."
)


@pytest.fixture(scope="module")
def aligner() -> Aligner:
    return Aligner(default_normaliser())


def _said(text: str, turn: str = "b:1") -> Passage:
    return Passage(turn, "b", "RU", date(2022, 6, 22), None, text)


def test_a_short_reported_clause_is_the_sentence_that_holds_its_two_words(aligner: Aligner) -> None:
    found = aligner.align("both were in contact with their families", [_said(ANSWER)], language="en", reported=True)
    assert found is not None
    assert found.verdict == "paraphrase"
    assert found.matched == "in contact with their families"


def test_a_short_clause_two_sentences_hold_is_not_matched(aligner: Aligner) -> None:
    other = _said("Consular officers are in contact with the families of the crew every day.", "b:2")
    assert (
        aligner.align("both were in contact with their families", [_said(ANSWER), other], language="en", reported=True)
        is None
    )


@pytest.mark.parametrize(
    "quote",
    [
        "contact with the families",  # too few words to be a clause
        "they were in touch with their families",  # one of the two words no answer has
        "their families said there had been no contact",  # the two words, but not in the answer's order
    ],
)
def test_a_short_clause_needs_both_words_in_order_and_a_clause(aligner: Aligner, quote: str) -> None:
    found = aligner.align(quote, [_said(ANSWER)], language="en", reported=True)
    assert found is None


def test_a_short_direct_quote_is_still_matched_only_word_for_word(aligner: Aligner) -> None:
    assert aligner.align("both were in contact with their families", [_said(ANSWER)], language="en") is None
