"""Aligning quotes with what was said and the verdicts (pipeline.enrich.coverage.align), on invented answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from pipeline.enrich.coverage.align import Aligner
from pipeline.enrich.coverage.linker import align_one, align_quote, cite, wanted
from pipeline.enrich.coverage.meaning import default_meaning
from pipeline.enrich.coverage.reading import Passage
from pipeline.enrich.coverage.targets import Target
from pipeline.enrich.speakers import load_speakers
from pipeline.enrich.text import default_normaliser

ANSWER = (
    "China's position on unilateral sanctions is consistent and clear. We oppose the willful use of unilateral "
    "sanctions or the threat of sanctions. China and Russia have a comprehensive strategic partnership of "
    "coordination for a new era. If the US insists on adding more Chinese companies to the list, China will take "
    "resolute and forceful measures to respond."
)
OTHER = "The lease was a normal commercial cooperation between enterprises approved through due procedures."


@pytest.fixture(scope="module")
def aligner() -> Aligner:
    return Aligner(default_normaliser())


def _said(text: str, ministry: str, day: date, turn_id: str = "s:1") -> Passage:
    """One answer of an unnamed spokesperson, as a candidate passage."""
    return Passage(turn_id, turn_id.split(":")[0], ministry, day, None, text)


def _passages(text: str = ANSWER) -> list[Passage]:
    return [
        Passage("b:1", "b", "CN", date(2021, 4, 26), "wang-wenbin", OTHER, "afp"),
        Passage("b:2", "b", "CN", date(2021, 4, 26), "wang-wenbin", text, "global-times"),
    ]


@pytest.mark.parametrize(
    ("quote", "closed", "verdict", "added", "dropped"),
    [
        ("We oppose the willful use of unilateral sanctions or the threat of sanctions", False, "verbatim", (), ()),
        ("the willful use of unilateral sanctions", False, "verbatim", (), ()),
        # Ends with a comma inside or after its marks: the clause it cut is dropped.
        ("We oppose the willful use of unilateral sanctions,", False, "divergent", (), ("or the threat of sanctions",)),
        ("Мы", False, None, (), ()),
        ("We oppose the willful use of unilateral sanctions", True, "divergent", (), ("or the threat of sanctions",)),
        (
            "We strongly oppose the use of unilateral sanctions or the threat of sanctions",
            False,
            "divergent",
            ("strongly",),
            ("willful",),
        ),
        (
            "China and Russia have a comprehensive partnership for a new era",
            False,
            "divergent",
            (),
            ("strategic", "of coordination"),
        ),
        (
            "We reject the deliberate use of unilateral sanctions or the threat of sanctions",
            False,
            "paraphrase",
            ("reject", "deliberate"),
            ("oppose", "willful"),
        ),
        (
            "We do not oppose the willful use of unilateral sanctions or the threat of sanctions",
            False,
            "divergent",
            ("do not",),
            (),
        ),
    ],
)
def test_direct_quotes(
    aligner: Aligner, quote: str, closed: bool, verdict: str | None, added: tuple[str, ...], dropped: tuple[str, ...]
) -> None:
    found = aligner.align(quote, _passages(), language="en", closed=closed)
    if verdict is None:
        assert found is None
        return
    assert found is not None
    assert found.passage.turn_id == "b:2"
    assert (found.verdict, found.added, found.dropped) == (verdict, added, dropped)


def test_reported_speech_in_another_order_is_a_paraphrase(aligner: Aligner) -> None:
    quote = "China would take resolute and forceful measures if Washington added more Chinese companies to the list"
    found = aligner.align(quote, _passages(), language="en", reported=True)
    assert found is not None
    assert (found.passage.turn_id, found.verdict) == ("b:2", "paraphrase")
    assert "Washington" in found.added


def test_reported_speech_in_another_order_that_loses_a_negation_diverges(aligner: Aligner) -> None:
    said = "If the US does not add more Chinese companies to the list, China will not take resolute measures."
    quote = "China would take resolute measures if Washington added more Chinese companies to the list"
    found = aligner.align(quote, _passages(said), language="en", reported=True)
    assert found is not None
    assert found.verdict == "divergent"


def test_a_short_quote_matches_only_word_for_word(aligner: Aligner) -> None:
    said = "We have made our position clear. It is not a no. We will keep consulting our allies."
    assert aligner.align("It is not a no.", _passages(said), language="en") is not None
    assert aligner.align("It is a no.", _passages(said), language="en") is None


@pytest.mark.parametrize(
    ("quote", "language", "matched", "added"),
    [
        ("absolutely irresponsible decision", "en", "irresponsible decision", ("absolutely",)),
        ("utterly irresponsible", "en", "irresponsible", ("utterly",)),
        ("абсолютно безответственным", "ru", "безответственное", ("абсолютно",)),
    ],
)
def test_a_short_quote_that_adds_an_intensifier_to_an_answers_words_is_divergent(
    aligner: Aligner, quote: str, language: str, matched: str, added: tuple[str, ...]
) -> None:
    said = (
        "Britain has not learned the lessons. This is an irresponsible decision."
        if language == "en"
        else "Британские власти так и не усвоили уроки. Это безответственное решение."
    )
    found = aligner.align(quote, _passages(said), language=language)
    assert found is not None
    assert (found.passage.turn_id, found.verdict, found.matched, found.added) == ("b:2", "divergent", matched, added)


@pytest.mark.parametrize(
    "quote",
    [
        "not irresponsible",  # a negation flips the statement: no intensifier
        "never irresponsible",
        "two irresponsible decisions",  # a number says something else
        "absolutely reckless",  # the rest is not said
        "absolutely lessons irresponsible",  # not next to each other in the answer
    ],
)
def test_an_added_word_that_is_no_intensifier_is_not_matched_so(aligner: Aligner, quote: str) -> None:
    said = "Britain has not learned the lessons. This is an irresponsible decision."
    assert aligner.align(quote, _passages(said), language="en") is None


def test_an_intensifier_the_answer_has_is_a_word_for_word_quote(aligner: Aligner) -> None:
    said = "This is an absolutely irresponsible decision."
    found = aligner.align("absolutely irresponsible", _passages(said), language="en")
    assert found is not None
    assert found.verdict == "verbatim"


def test_nothing_said_is_unmatched_and_another_spokesperson_is_skipped(aligner: Aligner) -> None:
    assert aligner.align("The weather in Beijing will be sunny all week long", _passages(), language="en") is None
    quote = "We oppose the willful use of unilateral sanctions or the threat of sanctions"
    assert aligner.align(quote, _passages(), language="en", spokesperson_id="mao-ning") is None


def test_an_outlet_named_by_the_report_breaks_a_tie(aligner: Aligner) -> None:
    same = "We oppose the willful use of unilateral sanctions."
    passages = [
        Passage("b:1", "b", "CN", date(2021, 4, 26), None, same, "afp"),
        Passage("b:2", "b", "CN", date(2021, 4, 26), None, same, "global-times"),
    ]
    for outlet in ("afp", "global-times"):
        found = aligner.align(same, passages, language="en", outlets=(outlet,))
        assert found is not None
        assert found.passage.outlet_id == outlet


def test_chinese_and_russian(aligner: Aligner) -> None:
    zh = [
        Passage(
            "z:1",
            "z",
            "CN",
            date(2021, 4, 26),
            None,
            "我们反对滥用单边制裁或以制裁相威胁。中俄是新时代全面战略协作伙伴。",
        )
    ]
    found = aligner.align("我们坚决反对滥用单边制裁", zh, language="zh")
    assert found is not None
    assert (found.verdict, found.added) == ("divergent", ("坚决",))
    ru = [
        Passage("r:1", "r", "RU", date(2021, 4, 26), None, "Мы категорически не согласны с такой постановкой вопроса.")
    ]
    found = aligner.align("Мы не согласны с такой постановкой вопроса", ru, language="ru")
    assert found is not None
    assert (found.verdict, found.dropped) == ("divergent", ("категорически",))


def test_spellings_contractions_and_a_replaced_first_word(aligner: Aligner) -> None:
    said = (
        "We hope the U.S. side will provide a non-discriminatory environment. "
        "The response may include mirror measures against European companies."
    )
    spelled = aligner.align(
        "We hope the US side will provide a nondiscriminatory environment", _passages(said), language="en"
    )
    assert spelled is not None
    assert spelled.verdict == "verbatim"
    hedged = aligner.align("will include mirror measures against European companies", _passages(said), language="en")
    assert hedged is not None
    assert (hedged.verdict, hedged.dropped) == ("divergent", ("may",))
    contracted = "We do think it's important to manage competition so that it does not veer into conflict."
    found = aligner.align(
        "We do think it is important to manage competition so that it doesn't turn into conflict",
        _passages(contracted),
        language="en",
    )
    assert found is not None
    assert found.verdict == "paraphrase"


def test_an_earlier_briefing_that_said_it_word_for_word_is_the_one_quoted(aligner: Aligner) -> None:
    monday = Passage(
        "m:1",
        "m",
        "CN",
        date(2023, 6, 12),
        None,
        "The US is abusing export control measures to hobble Chinese companies.",
    )
    tuesday = Passage(
        "t:1",
        "t",
        "CN",
        date(2023, 6, 13),
        None,
        "The US is abusing export control measures to suppress Chinese companies.",
    )

    def passages(ministry: str, first: date, last: date) -> list[Passage]:
        return [p for p in (monday, tuesday) if first <= p.day <= last]

    target = Target("CN", None, (date(2023, 6, 13),), "on Tuesday")
    # Said word for word on the named day: that one, even though Monday's is close.
    found, elsewhere = align_one(
        "abusing export control measures to suppress Chinese companies",
        "direct",
        target,
        passages,
        aligner,
        language="en",
    )
    assert (found is not None, elsewhere) == (True, False)
    assert found is not None
    assert found.passage.turn_id == "t:1"
    # Said word for word only on Monday: Monday's, flagged as another day's.
    found, elsewhere = align_one(
        "abusing export control measures to hobble Chinese companies",
        "direct",
        target,
        passages,
        aligner,
        language="en",
    )
    assert found is not None
    assert (found.passage.turn_id, found.verdict, elsewhere) == ("m:1", "verbatim", True)


def test_reported_speech_may_restate_the_question_it_answers(aligner: Aligner) -> None:
    answer = (
        "Every new package only confirms that the EU has lost its independence. We will respond in a way that "
        "takes our own interests into account. Our response may include mirror measures."
    )
    question = "Brussels is drafting an eleventh sanctions package targeting Russian banks. How will Moscow respond?"
    reported = (
        "Moscow would respond to the eleventh sanctions package targeting Russian banks in a way that takes its "
        "own interests into account"
    )

    def passage(asked: str) -> Passage:
        return Passage("r:1", "r", "RU", date(2023, 6, 15), None, answer, None, asked)

    # The question's topic is the reporter's framing: what the answer says is most of the rest.
    found = aligner.align(reported, [passage(question)], language="en", reported=True)
    assert found is not None
    assert (found.verdict, found.matched) == (
        "paraphrase",
        "respond in a way that takes our own interests into account",
    )
    # Without the question those words are the report's own, and too many for a match.
    assert aligner.align(reported, [passage("")], language="en", reported=True) is None
    # A direct quote is the spokesperson's words: the question excuses nothing there.
    assert aligner.align(reported, [passage(question)], language="en") is None


def test_a_number_swapped_for_another_is_a_match_and_divergent(aligner: Aligner) -> None:
    passage = Passage("j:1", "j", "JP", date(2024, 1, 23), None, "Japan will provide two patrol vessels to Marovia.")
    found = aligner.align("three patrol vessels", [passage], language="en")
    assert found is not None
    assert (found.verdict, found.added, found.dropped) == ("divergent", ("three",), ("two",))
    # "boats" for "vessels" is a synonym news writes: the swapped number is shown with it.
    found = aligner.align("three patrol boats", [passage], language="en")
    assert found is not None
    assert (found.verdict, found.added, found.dropped) == ("divergent", ("three", "boats"), ("two", "vessels"))
    # A swap counts once: one shared word and a swapped number are still too few to align.
    assert aligner.align("three patrol aircraft", [passage], language="en") is None
    # A word swapped at the edge of a short run is a coincidence, not a misquote.
    passage = _said(
        "Unilateral sanctions are counterproductive and will only hurt ordinary people.", "CN", date(2024, 5, 1)
    )
    assert aligner.align("unilateral sanctions are illegal", [passage], language="en") is None


def test_any_one_is_not_a_number(aligner: Aligner) -> None:
    passage = Passage("u:1", "u", "US", date(2023, 10, 17), None, "They are not tied to any single announcement.")
    found = aligner.align("they were not tied to any one announcement", [passage], language="en", reported=True)
    assert found is not None
    assert found.verdict == "paraphrase"


@pytest.mark.parametrize(
    ("quote", "answer", "verdict", "dropped"),
    [
        # An official formula or a title cut short renames what was said.
        ("comprehensive strategic partnership", ANSWER, "divergent", ("of coordination for a new era",)),
        (
            "Partnership for Growth",
            "We agreed a new Partnership for Growth and Security, which will see more trade.",
            "divergent",
            ("and Security",),
        ),
        (
            "mutually beneficial relationship",
            'We will promote a "Mutually Beneficial Relationship Based on Common Strategic Interests."',
            "divergent",
            ("Based on Common Strategic Interests",),
        ),
        # A verb phrase going on is not a name.
        (
            "stop its provocations",
            "We urge the other side to stop its provocations and not to stir up trouble at sea.",
            "verbatim",
            (),
        ),
    ],
)
def test_a_name_cut_short_is_divergent(
    aligner: Aligner, quote: str, answer: str, verdict: str, dropped: tuple[str, ...]
) -> None:
    found = aligner.align(quote, _passages(answer), language="en")
    assert found is not None
    assert (found.verdict, found.dropped) == (verdict, dropped)


def test_british_and_american_spellings_are_the_same_words(aligner: Aligner) -> None:
    passage = Passage("u:1", "u", "US", date(2023, 5, 16), None, "These actions are dangerous and destabilizing.")
    found = aligner.align("dangerous and destabilising", [passage], language="en")
    assert found is not None
    assert found.verdict == "verbatim"


def test_a_quote_in_traditional_characters_matches_a_simplified_answer(aligner: Aligner) -> None:
    passage = Passage("c:1", "c", "CN", date(2024, 7, 9), None, "中方将采取一切必要措施，坚定维护自身正当权益。")
    found = aligner.align("中方將採取一切必要措施", [passage], language="zh")
    assert found is not None
    assert (found.verdict, found.matched) == ("verbatim", "中方将采取一切必要措施")
    reported = aligner.align("中方將採取一切必要措施", [passage], language="zh", reported=True)
    assert reported is not None
    assert reported.verdict == "verbatim"


@pytest.mark.parametrize(
    ("quote", "answer"),
    [
        # A capitalised word going on is not a title unless the quote ends inside one.
        ("We held talks with Japan", "We held talks with Japan and China in Tokyo on the issue."),
        # Cooperation going on with "for" is a clause, not the rest of a formula.
        ("deepen practical cooperation", "We will deepen practical cooperation for the benefit of the two peoples."),
    ],
)
def test_words_going_on_that_are_no_name_are_not_dropped(aligner: Aligner, quote: str, answer: str) -> None:
    found = aligner.align(quote, _passages(answer), language="en")
    assert found is not None
    assert (found.verdict, found.dropped) == ("verbatim", ())


def test_a_number_in_words_changed_is_divergent(aligner: Aligner) -> None:
    passage = Passage("r:1", "r", "RU", date(2025, 3, 20), None, "The EU has adopted sixteen packages of sanctions.")
    found = aligner.align("the EU had adopted seventeen packages of sanctions", [passage], language="en", reported=True)
    assert found is not None
    assert (found.verdict, found.added, found.dropped) == ("divergent", ("seventeen",), ("sixteen",))


def test_a_figure_the_answer_gives_otherwise_is_divergent_wherever_it_stands(aligner: Aligner) -> None:
    passage = _said(
        "Our Embassy is in touch with around 1,200 Indian nationals in Dalmeria. So far, 340 of them have returned "
        "under Operation Setu.",
        "IN",
        date(2023, 11, 3),
        "i:1",
    )
    quote = "As many as 430 Indian nationals have returned from Dalmeria under Operation Setu so far"
    found = aligner.align(quote, [passage], language="en", reported=True)
    assert found is not None
    assert found.verdict == "divergent"
    # The answer's figure stands before the words the quote matched, in their sentence: shown as dropped.
    passage = _said(
        "Our Embassy is in constant touch with the community. So far, 340 Indian nationals have returned under "
        "Operation Setu. We advise all Indians to avoid travel.",
        "IN",
        date(2023, 11, 3),
    )
    found = aligner.align(quote, [passage], language="en", reported=True)
    assert found is not None
    assert (found.verdict, found.dropped) == ("divergent", ("340",))
    # The same figure, reframed, is a paraphrase.
    found = aligner.align(quote.replace("430", "340"), [passage], language="en", reported=True)
    assert found is not None
    assert found.verdict == "paraphrase"


def test_a_content_word_at_the_edge_paired_far_from_a_function_word_is_kept(aligner: Aligner) -> None:
    passage = _said(
        "Посольство России находится в постоянном контакте с местными властями.", "RU", date(2023, 2, 1), "r:1"
    )
    found = aligner.align(
        "российское посольство постоянно контактирует с местными властями", [passage], language="ru", reported=True
    )
    assert found is not None
    assert found.verdict == "paraphrase"
    assert found.matched.startswith("Посольство")


def test_a_briefing_after_the_named_day_up_to_publication_is_tried_last(aligner: Aligner) -> None:
    tuesday = _said("We are in touch with the families.", "IN", date(2024, 5, 28), "t:1")
    thursday = _said("We thank the Government of Belmark for its help.", "IN", date(2024, 5, 30), "h:1")
    friday = _said("We thank the Government of Belmark for its help.", "IN", date(2024, 5, 31), "f:1")

    def passages(ministry: str, first: date, last: date) -> list[Passage]:
        return [p for p in (tuesday, thursday, friday) if first <= p.day <= last]

    quote = "We thank the Government of Belmark for its help"
    # Named Wednesday, published Thursday: Thursday's briefing, flagged as another day's; never Friday's.
    target = Target("IN", None, (date(2024, 5, 29),), "on Wednesday", until=date(2024, 5, 30))
    found, elsewhere = align_one(quote, "direct", target, passages, aligner, language="en")
    assert found is not None
    assert (found.passage.turn_id, elsewhere) == ("h:1", True)
    # Without a publication day, only the named day and those before it.
    found, _ = align_one(quote, "direct", replace(target, until=None), passages, aligner, language="en")
    assert found is None


def test_reported_speech_that_drops_a_qualifier_diverges(aligner: Aligner) -> None:
    passage = _said(
        "Any initiative must take into account Russia's legitimate security interests.", "RU", date(2025, 3, 20), "r:1"
    )
    found = aligner.align(
        "any initiative must take into account Russia's security interests", [passage], language="en", reported=True
    )
    assert found is not None
    assert (found.verdict, found.dropped) == ("divergent", ("legitimate",))
    # Reported speech that leaves out a longer stretch summarises.
    passage = Passage("r:2", "r", "RU", date(2025, 3, 20), None, "Russia will closely and carefully follow the talks.")
    found = aligner.align("Russia will follow the talks", [passage], language="en", reported=True)
    assert found is not None
    assert found.verdict == "paraphrase"


def test_one_word_put_in_another_place_counts_towards_a_match(aligner: Aligner) -> None:
    passage = _said("A response will follow, and it will be proportionate.", "RU", date(2022, 9, 15), "r:1")
    found = aligner.align("A response will follow, and it will be tough.", [passage], language="en")
    assert found is not None
    assert (found.added, found.dropped) == (("tough",), ("proportionate",))
    # Only one: two words replaced around one shared word are too few to align (the edge swap counts here because
    # eight words around it are said word for word).
    assert aligner.align("A reply will follow, and it will be tough.", [passage], language="en") is None


def test_an_approximation_dropped_or_added_is_a_hedge(aligner: Aligner) -> None:
    passage = _said("We have suspended around 30 export licences.", "GB", date(2024, 9, 12), "g:1")
    found = aligner.align("Britain had suspended 30 export licences", [passage], language="en", reported=True)
    assert found is not None
    assert (found.verdict, found.dropped) == ("divergent", ("around",))


def test_reported_speech_with_half_of_four_words_or_more_of_one_sentence_in_another_order(aligner: Aligner) -> None:
    passage = _said(
        "The two sides are expected to sign agreements on the upgrade of the Port of Halden and on agricultural "
        "trade. Cooperation between China and Valdoria is not targeted at any third party.",
        "CN",
        date(2023, 9, 26),
    )
    quote = "Port upgrades and farm trade deals would be signed by the two sides, the spokeswoman indicated"
    found = aligner.align(quote, [passage], language="en", reported=True)
    assert found is not None
    assert (found.verdict, found.matched.split()[:2]) == ("paraphrase", ["The", "two"])
    # Half of the words in another order with little else alike is a chance match.
    passage = _said(
        "The United States should stop arming Taiwan and stop sending wrong signals to Taiwan independence "
        "separatist forces.",
        "CN",
        date(2024, 5, 1),
    )
    quote = "Taiwan's independence forces had been emboldened by arms sales approved by the United States last year"
    assert aligner.align(quote, [passage], language="en", reported=True) is None
    # Chinese characters shared out of order are not enough.
    passage = _said("中方已向美方提出严正交涉，敦促美方停止错误做法。", "CN", date(2023, 6, 14))
    assert aligner.align("美方错误做法已经停止，中方表示欢迎", [passage], language="zh", reported=True) is None


def test_a_synonym_news_writes_for_the_answers_word_matches_it_and_is_shown_as_a_change(aligner: Aligner) -> None:
    passage = _said(
        "We urge the Ombrelian side to release the vessel and all 11 crew members immediately.", "CN", date(2021, 6, 10)
    )
    # "boat" for "vessel", "freed" for "release": the words that make the match.
    found = aligner.align("the boat and crew should be freed at once", [passage], language="en", reported=True)
    assert found is not None
    assert "release the vessel" in found.matched
    # In a direct quote, a synonym is not the word said: a paraphrase, with both words shown.
    found = aligner.align("release the boat and all 11 crew members immediately", [passage], language="en")
    assert found is not None
    assert (found.verdict, found.added, found.dropped) == ("paraphrase", ("boat",), ("vessel",))


def test_a_conjunct_left_out_narrows_and_the_two_sides_are_no_count(aligner: Aligner) -> None:
    passage = _said(
        "India supports freedom of navigation and overflight in international waters.", "IN", date(2025, 3, 6)
    )
    found = aligner.align(
        "India supports freedom of navigation in international waters", [passage], language="en", reported=True
    )
    assert found is not None
    assert (found.verdict, found.dropped) == ("divergent", ("and overflight",))
    passage = _said(
        "We will inject fresh impetus into our comprehensive strategic partnership.", "CN", date(2021, 6, 10)
    )
    quote = "China would inject fresh impetus into the two countries' comprehensive strategic partnership"
    found = aligner.align(quote, [passage], language="en", reported=True)
    assert found is not None
    assert found.verdict == "paraphrase"
    # "tens of thousands" for "thousands" is a quantity changed.
    passage = _said("Chinese companies have created thousands of local jobs.", "CN", date(2021, 6, 10))
    found = aligner.align(
        "Chinese companies had created tens of thousands of local jobs", [passage], language="en", reported=True
    )
    assert found is not None
    assert found.verdict == "divergent"


def test_synonyms_are_words_as_written_not_stems(aligner: Aligner) -> None:
    passage = _said("The safety of our citizens is a red line.", "CN", date(2024, 5, 1))
    assert aligner.align("national security is a red line", [passage], language="en") is None


def test_dates_and_ordinals_are_not_figures(aligner: Aligner) -> None:
    passage = _said("The visit will take place from 3rd to 5th June.", "CN", date(2024, 5, 1))
    found = aligner.align("the visit would take place from June 3 to 5", [passage], language="en", reported=True)
    assert found is not None
    assert found.verdict == "paraphrase"
    passage = _said("On 25 May, the coast guard seized 15 boats near the reef.", "CN", date(2024, 5, 1))
    quote = "the coast guard had seized 15 boats near the reef since January 2024"
    found = aligner.align(quote, [passage], language="en", reported=True)
    assert found is not None
    assert found.verdict == "paraphrase"


def test_a_swap_between_paired_words_still_counts_when_an_edge_swap_does_not(aligner: Aligner) -> None:
    passage = _said("Officials discussed energy and trade issues.", "CN", date(2024, 5, 1))
    found = aligner.align("discussed climate and trade worries", [passage], language="en")
    assert found is not None
    assert (found.added, found.dropped) == (("climate", "worries"), ("energy", "issues"))


GB_ANSWER = (
    "We are cautiously optimistic about the talks. The UK will not recognise the so-called referendum in the "
    "occupied provinces. Our support for the islands will continue."
)
GB_TARGET = Target("GB", None, (date(2024, 11, 28),), "", (), False)


def _fragment(quote: str, context: str | None) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    passages = [_said(OTHER, "GB", date(2024, 11, 28), "g:0"), _said(GB_ANSWER, "GB", date(2024, 11, 28), "g:1")]
    alignment, _ = align_one(
        quote, "direct", GB_TARGET, lambda *_: passages, Aligner(default_normaliser()), language="en", context=context
    )
    return (alignment.verdict, alignment.added, alignment.dropped) if alignment else None


def test_quoted_words_are_judged_in_the_sentence_their_clause_matched() -> None:
    clause = 'Britain would "never recognise" the referendum in the occupied provinces'
    assert _fragment("never recognise", clause) == ("divergent", ("never",), ("not",))
    # On their own, two words no answer says word for word are not aligned.
    assert _fragment("never recognise", None) is None


def test_quoted_words_the_matched_sentence_says_are_verbatim() -> None:
    clause = 'Britain would not recognise the "so-called referendum" in the occupied provinces'
    assert _fragment("so-called referendum", clause) == ("verbatim", (), ())


def test_quoted_words_the_matched_sentences_do_not_say_are_looked_for_on_their_own() -> None:
    # The clause matched, but nothing there is what "a sham" misquotes: no judgement rather than a guess.
    clause = 'Britain would not recognise the referendum in the occupied provinces, "a sham"'
    assert _fragment("a sham", clause) is None
    assert _fragment("cautiously optimistic", 'Britain was "cautiously optimistic" about the talks') == (
        "verbatim",
        (),
        (),
    )


def test_reported_speech_summing_up_one_exchange_is_its_paraphrase(aligner: Aligner) -> None:
    expulsion = Passage(
        "r:1",
        "r",
        "RU",
        date(2022, 9, 15),
        None,
        "We regard the expulsion of our diplomats as yet another hostile step. A response will follow, and it will "
        "be proportionate.",
        None,
        "Lutheria has expelled six Russian diplomats. How will Moscow respond?",
    )
    ship = Passage(
        "r:2",
        "r",
        "RU",
        date(2022, 9, 15),
        None,
        "The vessel was carrying agricultural machinery, and all the documents were in order.",
        None,
        "Can you comment on the Russian cargo ship detained in Veldhaven?",
    )
    quote = "Russia would respond to Lutheria's expulsion of six of its diplomats"
    found = aligner.align(quote, [ship, expulsion], language="en", reported=True)
    assert found is not None
    assert (found.passage.turn_id, found.verdict) == ("r:1", "paraphrase")
    assert found.matched.startswith("We regard the expulsion")
    # Not when another exchange holds nearly as many of its words, nor in Chinese, nor for a direct quote.
    rival = replace(ship, turn_id="r:3", question="Will Russia respond to Lutheria's expulsion of six diplomats?")
    assert aligner.align(quote, [expulsion, rival], language="en", reported=True) is None
    assert aligner.align(quote, [expulsion], language="en", reported=True) is None  # no other to compare with
    assert aligner.align(quote, [ship, expulsion], language="en", reported=False) is None
    zh = replace(
        expulsion, text="我们认为驱逐外交官是又一个敌对步骤。", question="立陶宛驱逐了六名俄罗斯外交官，俄方如何回应？"
    )
    assert aligner.align("俄方将回应驱逐六名外交官一事", [zh], language="zh", reported=True) is None


def test_quoted_words_said_in_another_answer_do_not_take_the_clauses_place() -> None:
    # "firmly oppose" is in the Taiwan answer too; the clause reports the sanctions answer, which says
    # "resolutely": that is the misquote to show.
    taiwan = _said("We firmly oppose any form of Taiwan independence.", "CN", date(2024, 3, 4), "b:1")
    sanctions = _said(
        "China resolutely opposes the unilateral sanctions the EU has imposed on Chinese companies.",
        "CN",
        date(2024, 3, 4),
        "b:2",
    )
    target = Target("CN", None, (date(2024, 3, 4),), "", (), False)
    alignment, _ = align_one(
        "firmly oppose",
        "direct",
        target,
        lambda *_: [taiwan, sanctions],
        Aligner(default_normaliser()),
        language="en",
        context='China would "firmly oppose" the EU\'s unilateral sanctions on Chinese companies',
    )
    assert alignment is not None
    assert (alignment.passage.turn_id, alignment.verdict) == ("b:2", "divergent")


def test_quoted_words_matching_only_function_words_are_not_judged() -> None:
    clause = 'Britain would not recognise the referendum "in the Kremlin\'s playbook" in the occupied provinces'
    assert _fragment("in the Kremlin's playbook", clause) is None


def test_a_summary_that_turns_the_answers_polarity_is_divergent(aligner: Aligner) -> None:
    join = Passage(
        "c:1",
        "c",
        "CN",
        date(2024, 3, 4),
        None,
        "China has never approved of unilateral sanctions that have no basis in international law. We will "
        "continue normal trade cooperation with Russia.",
        None,
        "The EU is asking China to join the Western sanctions against Russia. Will China join them?",
    )
    other = _said("The visit will strengthen our friendship.", "CN", date(2024, 3, 4), "c:2")
    found = aligner.align(
        "China would join the Western sanctions against Russia", [join, other], language="en", reported=True
    )
    assert found is not None
    assert (found.passage.turn_id, found.verdict) == ("c:1", "divergent")


@pytest.mark.parametrize(
    ("quote", "said", "language"),
    [
        ("We firmly oppose it.", "We oppose the militarization of outer space.", "en"),  # a sentence, one word left
        ("deeply concerned", "China is deeply and seriously concerned about the clashes.", "en"),  # said with it
        ("категорически отвергаем", "Мы отвергаем эти обвинения категорически.", "ru"),
        ("totally unacceptable", "This is by no means unacceptable.", "en"),  # the answer negates it
    ],
)
def test_no_intensifier_is_added_where_the_answer_has_it_negates_it_or_little_is_left(
    aligner: Aligner, quote: str, said: str, language: str
) -> None:
    assert aligner.align(quote, _passages(said), language=language) is None


def test_the_days_of_a_date_changed_are_divergent_and_a_date_one_side_lacks_is_not(aligner: Aligner) -> None:
    passage = _said(
        "In a second announcement, the External Affairs Minister will visit Valdoria from April 27 to 29 at the "
        "invitation of his counterpart.",
        "IN",
        date(2026, 4, 24),
        "i:1",
    )
    quote = "the External Affairs Minister will visit Valdoria from April 28 to 30"
    found = aligner.align(quote, [passage], language="en", reported=True)
    assert found is not None
    assert found.verdict == "divergent"
    assert {"28", "30"} <= set(" ".join(found.added).split())
    assert {"27", "29"} <= set(" ".join(found.dropped).split())
    # The same days, or none given, are no change of what was said.
    for same in (quote.replace("28 to 30", "27 to 29"), "the External Affairs Minister will visit Valdoria"):
        found = aligner.align(same, [passage], language="en", reported=True)
        assert found is not None
        assert found.verdict != "divergent", same


def test_a_reported_clause_read_past_its_sentence_is_cited_by_the_opening_an_answer_says() -> None:
    # "林剑指出，A。B。": the extractor reads B as his too; no answer says A and B, the answer says A word for word.
    speakers = load_speakers(
        "speakers.yaml", text="speakers:\n  - {id: lin-jian, ministry: CN, names: [Lin Jian, 林剑]}\n"
    )
    answer = _said(
        "美国是太空军事化的主要推动者，也是在轨碎片的主要制造国之一。美方应当停止炒作。", "CN", date(2026, 4, 29), "c:1"
    )
    text = "外交部发言人林剑29日指出，美国是太空军事化的主要推动者，也是在轨碎片的主要制造国之一。这并非危言耸听。"
    published = datetime(2026, 4, 30, 21, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    quoted = wanted(text, language="zh", published=published, local_zone=published.tzinfo, speakers=speakers)
    assert [q.text for q, _ in quoted] == ["美国是太空军事化的主要推动者，也是在轨碎片的主要制造国之一。这并非危言耸听"]
    (citation,) = cite(quoted, lambda *_: [answer], Aligner(default_normaliser()), language="zh")
    assert citation.verdict == "verbatim"
    assert citation.quote.text == "美国是太空军事化的主要推动者，也是在轨碎片的主要制造国之一"
    assert text[citation.quote.start : citation.quote.end] == citation.quote.text


def test_an_opening_does_not_hide_a_misquote_of_the_sentences_it_leaves_out() -> None:
    # The second sentence rewords the answer's second sentence with words it never said: the whole stays cited.
    answer = _said(
        "China firmly opposes the sanctions. If the US insists on going down this path, China will take resolute "
        "and forceful measures to respond.",
        "CN",
        date(2021, 4, 26),
    )
    quote = (
        "China firmly opposes the sanctions. If the US insists on going down this path, China will immediately "
        "cut off all trade with American companies"
    )
    target = Target("CN", None, (date(2021, 4, 26),), "on Monday")
    text, found, _ = align_quote(
        quote, "reported", target, lambda *_: [answer], Aligner(default_normaliser()), language="en"
    )
    assert text == quote
    assert found is not None
    assert "immediately" in " ".join(found.added)


def test_a_range_written_with_a_hyphen_is_the_same_days(aligner: Aligner) -> None:
    passage = _said("The talks will be held on June 3-5 in Geneva.", "CN", date(2026, 6, 1))
    found = aligner.align("The talks will be held from June 3 to 5", [passage], language="en", reported=True)
    assert found is not None
    assert found.verdict != "divergent"


def test_an_interrupted_quotation_is_one_statement_in_two_parts() -> None:
    # '"A," he added, "B."': the comma before "he added" ends no clause, and B is the part after it, not words
    # the first part dropped.
    speakers = load_speakers(
        "speakers.yaml", text="speakers:\n  - {id: guo-jiakun, ministry: CN, names: [Guo Jiakun]}\n"
    )
    answer = _said(
        "China is ready to play a constructive role if both parties so wish.", "CN", date(2027, 5, 10), "c:1"
    )
    text = (
        'Foreign ministry spokesman Guo Jiakun spoke on Monday. "China is ready to play a constructive role," he '
        'added, "if both parties so wish."'
    )
    published = datetime(2027, 5, 10, 21, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    quoted = wanted(text, language="en", published=published, local_zone=published.tzinfo, speakers=speakers)
    assert [(q.text, t.closed) for q, t in quoted] == [
        ("China is ready to play a constructive role", False),
        ("if both parties so wish.", True),
    ]
    assert all(text[q.start : q.end] == q.text for q, _ in quoted)
    cited = cite(quoted, lambda *_: [answer], Aligner(default_normaliser()), language="en")
    assert [c.verdict for c in cited] == ["verbatim", "verbatim"]
    # Not interrupted: the same first part, closed by the report's full stop, drops the condition.
    text = (
        'Foreign ministry spokesman Guo Jiakun spoke on Monday. "China is ready to play a constructive role," he added.'
    )
    quoted = wanted(text, language="en", published=published, local_zone=published.tzinfo, speakers=speakers)
    (citation,) = cite(quoted, lambda *_: [answer], Aligner(default_normaliser()), language="en")
    assert citation.verdict == "divergent"
    assert citation.alignment is not None
    assert citation.alignment.dropped == ("if both parties so wish",)


@pytest.mark.parametrize(
    "text",
    [
        # A new sentence after the attribution, or another speaker's words: the first part ends where it ends.
        '"China is ready to play a constructive role," Guo Jiakun said, adding, "We urge both sides to talk."',
        '"China is ready to play a constructive role," Guo Jiakun said, while his host retorted, "we will see."',
    ],
)
def test_a_quote_after_the_attribution_that_is_no_continuation_leaves_the_first_closed(text: str) -> None:
    speakers = load_speakers(
        "speakers.yaml", text="speakers:\n  - {id: guo-jiakun, ministry: CN, names: [Guo Jiakun]}\n"
    )
    published = datetime(2027, 5, 10, 21, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    quoted = wanted(text, language="en", published=published, local_zone=published.tzinfo, speakers=speakers)
    first, _ = quoted[0]
    assert first.text == "China is ready to play a constructive role,"
    assert quoted[0][1].closed
    assert all(q.context is None for q, _ in quoted)


def test_the_translated_second_part_of_an_interrupted_quotation_is_judged_with_the_whole() -> None:
    # «A», — сказал он, — «B»: the Russian B alone says too little to match an English answer; within the whole,
    # which translates the answer, it is what the whole is.
    speakers = load_speakers(
        "speakers.yaml", text="speakers:\n  - {id: randhir-jaiswal, ministry: IN, names: [Рандхир Джайсвал]}\n"
    )
    answer = _said(
        "We expect the matter to be resolved at the earliest through diplomatic channels.",
        "IN",
        date(2026, 12, 3),
        "i:1",
    )
    text = (
        "Рандхир Джайсвал выступил в четверг. «Мы ожидаем, что вопрос будет решен в кратчайшие сроки», — сказал он, "
        "— «по дипломатическим каналам»."
    )
    published = datetime(2026, 12, 3, 16, 30, tzinfo=ZoneInfo("Europe/Moscow"))
    quoted = wanted(text, language="ru", published=published, local_zone=published.tzinfo, speakers=speakers)
    assert [q.text for q, _ in quoted] == [
        "Мы ожидаем, что вопрос будет решен в кратчайшие сроки",
        "по дипломатическим каналам",
    ]
    cited = cite(quoted, lambda *_: [answer], Aligner(default_normaliser(), default_meaning()), language="ru")
    assert [(c.verdict, c.alignment.passage.turn_id if c.alignment else None) for c in cited] == [
        ("paraphrase", "i:1"),
        ("paraphrase", "i:1"),
    ]


def test_a_summary_that_leaves_out_the_answers_condition_is_divergent(aligner: Aligner) -> None:
    fund = Passage(
        "i:1",
        "i",
        "IN",
        date(2026, 12, 3),
        None,
        "India is ready to contribute to the fund, subject to the approval of the Union Cabinet. The details of our "
        "contribution will be announced in due course.",
        None,
        "Will India contribute to the regional reconstruction fund?",
    )
    other = _said("The External Affairs Minister will travel to Ostravia next week.", "IN", date(2026, 12, 3), "i:2")
    found = aligner.align(
        "New Delhi would contribute to the regional reconstruction fund", [fund, other], language="en", reported=True
    )
    assert found is not None
    assert (found.passage.turn_id, found.verdict) == ("i:1", "divergent")
    assert "subject to the approval of the Union Cabinet" in found.dropped


def test_reported_speech_matched_in_another_order_keeps_the_answers_condition(aligner: Aligner) -> None:
    # The question's words frame the report ("regional reconstruction"); the answer's sentence holds the rest.
    answer = Passage(
        "i:3",
        "i",
        "IN",
        date(2026, 12, 3),
        None,
        "India is ready to contribute to the fund, subject to the approval of the Union Cabinet. India is ready to "
        "play a constructive role if both parties so wish.",
        None,
        "Will India contribute to the regional reconstruction fund?",
    )
    found = aligner.align(
        "it would contribute to the regional reconstruction fund", [answer], language="en", reported=True
    )
    assert found is not None
    assert found.verdict == "divergent"
    assert "subject to the approval of the Union Cabinet" in found.dropped
