"""Which citations are shown (pipeline.enrich.coverage.linker.shown), the rule the catalog's reads share."""

from __future__ import annotations

from pipeline.enrich.coverage.linker import shown

STATEMENT = "We firmly oppose any official interaction with the region"


def test_a_quote_attributed_to_nobody_is_shown_only_word_for_word() -> None:
    assert shown(None, STATEMENT, "verbatim")
    assert not shown(None, STATEMENT, "paraphrase")
    assert not shown(None, STATEMENT, None)


def test_an_attributed_quote_is_shown_whatever_its_verdict_but_two_unmatched_words_are_not() -> None:
    assert shown("Lin Jian", STATEMENT, None)
    assert shown("Lin Jian", STATEMENT, "divergent")
    assert not shown("Lin Jian", "deeply disappointed", None)
    assert shown("Lin Jian", "deeply disappointed", "verbatim")


def test_two_quoted_words_in_a_reported_clause_are_shown_unmatched() -> None:
    # The statement is reported; the quote marks only pick its words: no briefing saying it is worth showing.
    clause = 'Beijing was "consistently opposed" to them'
    assert shown("Lin Jian", "consistently opposed", None, context=clause)
    assert not shown(None, "consistently opposed", None, context=clause)
