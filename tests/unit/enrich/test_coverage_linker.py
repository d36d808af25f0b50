"""Which citations are shown (pipeline.enrich.coverage.linker.shown), the rule the catalog's reads share, and
how a statement said nowhere as a whole is cited (pipeline.enrich.coverage.linker.cite)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from pipeline.enrich.coverage.align import Aligner, Passage
from pipeline.enrich.coverage.linker import cite, shown
from pipeline.enrich.coverage.targets import Target
from pipeline.enrich.quotes import extract_quotes
from pipeline.enrich.speakers import load_speakers
from pipeline.enrich.text import default_normaliser

SPEAKERS = load_speakers("speakers.yaml", text="speakers:\n  - {id: wang-wenbin, ministry: CN, names: [Wang Wenbin]}\n")

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


def test_predicates_said_apart_are_cited_apart() -> None:
    answer = (
        "China respects the choice made by the people of the islands. We have noted that the vote was held "
        "smoothly. Turnout was high. Observers from the region took part. We stand ready to work with the new "
        "government."
    )
    passage = Passage("c:3", "c", "CN", date(2022, 8, 10), "wang-wenbin", answer)

    def passages(ministry: str, first: date, last: date) -> list[Passage]:
        return [passage] if first <= passage.day <= last else []

    target = Target("CN", "wang-wenbin", (date(2022, 8, 10),), "on Wednesday")
    aligner = Aligner(default_normaliser())
    text = "He said China respected the islanders' decision and was ready to work with the incoming government."
    reported = extract_quotes(f"Wang Wenbin spoke on Wednesday. {text}", language="en", speakers=SPEAKERS)
    whole = next(q for q in reported if q.kind == "reported")
    # No answer says the two predicates together (they are four sentences apart)...
    assert aligner.align(whole.text, [passage], language="en", reported=True) is None
    cited = cite([(whole, target)], passages, aligner, language="en")
    # ...so each is cited on its own, with its place in the report.
    assert [(c.quote.text, c.alignment is not None) for c in cited] == [
        ("China respected the islanders' decision", True),
        ("was ready to work with the incoming government", True),
    ]
    assert all(text[c.quote.start - len("Wang Wenbin spoke on Wednesday. ") :].startswith(c.quote.text) for c in cited)
    # A statement no answer says, whole or in parts, stays whole and unmatched.
    unsaid = replace(whole, text="China regretted the result and would review its aid")
    assert [(c.quote.text, c.verdict) for c in cite([(unsaid, target)], passages, aligner, language="en")] == [
        (unsaid.text, "unmatched")
    ]
