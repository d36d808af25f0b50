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


@pytest.mark.parametrize(
    ("answer", "quote", "language", "dropped"),
    [
        (
            "There are no Russian vessels in the area concerned as far as we know.",
            "there were no Russian vessels in the area",
            "en",
            "as far as we know",
        ),
        (
            "Сам танкер, насколько нам известно, пока остаётся под арестом.",
            "сам танкер пока остаётся под арестом",
            "ru",
            "насколько нам известно",
        ),
        (
            "Japan has pledged up to 1.5 billion dollars in adaptation support for the region.",
            "Japan had pledged 1.5 billion dollars in adaptation support for the region",
            "en",
            "up to",
        ),
    ],
)
def test_a_hedge_of_several_words_dropped_is_divergent(
    aligner: Aligner, answer: str, quote: str, language: str, dropped: str
) -> None:
    found = aligner.align(quote, [_said(answer)], language=language, reported=True)
    assert found is not None
    assert found.verdict == "divergent"
    assert dropped in " ".join(found.dropped)


@pytest.mark.parametrize(
    ("answer", "quote", "language", "reported"),
    [
        (
            "We firmly oppose any attempt to form exclusive blocs that target a third party.",
            "firmly opposes any attempt to form exclusive blocs that target China",
            "en",
            False,
        ),
        ("我们敦促有关方面停止炒作，不要蓄意挑起事端。", "敦促美方停止炒作，不要蓄意挑起事端", "zh", True),
    ],
)
def test_a_party_named_where_the_answer_left_it_unnamed_is_divergent(
    aligner: Aligner, answer: str, quote: str, language: str, reported: bool
) -> None:
    found = aligner.align(quote, [_said(answer)], language=language, reported=reported)
    assert found is not None
    assert found.verdict == "divergent"


def test_a_party_the_answer_names_otherwise_is_no_unnamed_one(aligner: Aligner) -> None:
    answer = "We firmly oppose any attempt to form exclusive blocs that target China."
    found = aligner.align(
        "firmly opposes any attempt to form exclusive blocs that target Beijing", [_said(answer)], language="en"
    )
    assert found is not None
    assert found.verdict == "divergent"  # a name for a name: "renamed", as before
    found = aligner.align(
        "we oppose any attempt to form exclusive blocs that target a third party",
        [_said("We firmly oppose any attempt to form exclusive blocs that target a third party.")],
        language="en",
        reported=True,
    )
    assert found is not None
    assert "firmly" in found.dropped


def test_a_russian_superlative_added_to_a_short_quote_is_divergent(aligner: Aligner) -> None:
    answer = "Все обращения рассматриваются в приоритетном порядке."
    found = aligner.align("в самом приоритетном порядке", [_said(answer)], language="ru")
    assert found is not None
    assert found.verdict == "divergent"
    assert found.added == ("самом",)


def test_a_country_for_its_peoples_adjective_is_no_other_party(aligner: Aligner) -> None:
    answer = "China respects the choice made by the Norvanian government in accordance with its laws."
    found = aligner.align(
        "China respected the choice made by Norvania's government in line with its laws",
        [_said(answer)],
        language="en",
        reported=True,
    )
    assert found is not None
    assert found.verdict == "paraphrase"
    # Another country is another party.
    found = aligner.align(
        "China respected the choice made by Ostland's government in line with its laws",
        [_said(answer)],
        language="en",
        reported=True,
    )
    assert found is not None
    assert found.verdict == "divergent"


def test_a_chinese_superlative_for_one_of_is_divergent(aligner: Aligner) -> None:
    found = aligner.align(
        "中国是网络攻击的最大受害者", [_said("中国是网络攻击的主要受害者之一。")], language="zh", reported=True
    )
    assert found is not None
    assert found.verdict == "divergent"


def test_a_hedge_opening_the_answers_sentence_before_a_comma_is_left_out(aligner: Aligner) -> None:
    answer = "As far as we know, no Chinese citizens have been hurt. Our embassy is following the situation."
    found = aligner.align("no Chinese citizens had been hurt", [_said(answer)], language="en", reported=True)
    assert found is not None
    assert found.verdict == "divergent"
    assert "As far as we know" in found.dropped


def test_a_condition_left_out_is_shown_with_its_clause(aligner: Aligner) -> None:
    answer = "China is ready to provide a platform for dialogue if both sides request it."
    found = aligner.align(
        "it is ready to provide a platform for dialogue", [_said(answer)], language="en", reported=True
    )
    assert found is not None
    assert found.verdict == "divergent"
    assert "if both sides request it" in found.dropped
    # A condition in another clause of the sentence is not this one's.
    answer = "If it rains, the talks will move indoors, and China is ready to provide a platform for dialogue."
    found = aligner.align(
        "it is ready to provide a platform for dialogue", [_said(answer)], language="en", reported=True
    )
    assert found is not None
    assert found.verdict != "divergent"


def test_a_quote_ending_with_a_name_where_the_answer_goes_on_unnamed_is_divergent(aligner: Aligner) -> None:
    answer = "The drills are routine and are not targeted at any third party."
    found = aligner.align(
        "the drills as routine exercises not aimed at Tuskal", [_said(answer)], language="en", reported=True
    )
    assert found is not None
    assert found.verdict == "divergent"
    assert "Tuskal" in found.added
    assert "any third party" in found.dropped
    found = aligner.align(
        "the drills as routine exercises not aimed at anyone", [_said(answer)], language="en", reported=True
    )
    assert found is not None
    assert found.verdict == "paraphrase"


@pytest.mark.parametrize(
    ("answer", "quote", "language"),
    [
        # Review of round 14: none of these is a condition or a hedge left out.
        (
            "I don't know if the foreign minister will attend the summit.",
            "she did not know whether the foreign minister would attend the summit",
            "en",
        ),
        (
            "Если говорить о ситуации на границе, то она остается крайне напряженной.",
            "ситуация на границе остается крайне напряженной",
            "ru",
        ),
        ("在新的历史条件下，中方愿同各方保持沟通。", "中方愿同各方保持沟通", "zh"),
        (
            "Washington must live up to its commitments on arms sales.",
            "Washington must honour its commitments on arms sales",
            "en",
        ),
        (
            "It is up to the two sides to decide on the venue of the talks.",
            "it is for the two sides to decide on the venue of the talks",
            "en",
        ),
        (
            "Мы тем самым подтверждаем приверженность договоренностям.",
            "подтверждаем приверженность договоренностям",
            "ru",
        ),
        ("中方最近已就此同有关方面进行了沟通。", "中方已就此同有关方面进行了沟通", "zh"),
        (
            "The situation along the border is largely stable.",
            "the situation along the border was generally stable",
            "en",
        ),
    ],
)
def test_words_that_only_look_like_a_condition_a_hedge_or_an_intensifier_change_nothing(
    aligner: Aligner, answer: str, quote: str, language: str
) -> None:
    found = aligner.align(quote, [_said(answer)], language=language, reported=True)
    assert found is not None
    assert found.verdict != "divergent", (found.added, found.dropped)


def test_the_relevant_country_named_in_reported_speech_is_divergent(aligner: Aligner) -> None:
    answer = "We urge the relevant country to stop interfering in China's internal affairs."
    found = aligner.align(
        "we urge the United States to stop interfering in China's internal affairs",
        [_said(answer)],
        language="en",
        reported=True,
    )
    assert found is not None
    assert found.verdict == "divergent"


@pytest.mark.parametrize(("quoted", "said"), [("Austria's", "Australian"), ("Guinea-Bissau's", "Guinean")])
def test_a_name_that_only_begins_like_another_is_another_party(aligner: Aligner, quoted: str, said: str) -> None:
    answer = f"We respect the choice of the {said} government in accordance with its laws."
    found = aligner.align(
        f"China respected the choice of {quoted} government in line with its laws",
        [_said(answer)],
        language="en",
        reported=True,
    )
    assert found is not None
    assert found.verdict == "divergent"


def test_a_currency_sign_elsewhere_in_the_answer_does_not_excuse_a_word(aligner: Aligner) -> None:
    answer = "Trade crossed 6 billion euros last year. The loan of US$2 billion was repaid in full."
    found = aligner.align("trade crossed 6 billion dollars last year", [_said(answer)], language="en", reported=True)
    assert found is not None
    assert found.verdict == "divergent"


def test_a_quoted_negation_the_answer_also_used_earlier_in_its_sentence_is_the_quotes_own(aligner: Aligner) -> None:
    # The sentence's first "No" is not the one the quote opens with: nothing was added or dropped.
    answer = (
        "No decision has been taken on repatriation, and no one will be sent back to a situation where their "
        "life is at risk."
    )
    quote = "no one will be sent back to a situation where their life is at risk"
    around = aligner.align(quote, [_said(answer)], language="en", reported=True)
    assert around is not None
    found = aligner.within(quote, around, language="en", closed=True)
    assert found is not None
    assert (found.verdict, found.matched, found.added, found.dropped) == ("verbatim", quote, (), ())


def test_reported_speech_that_stops_before_a_conjunct_ending_the_answers_clause_narrows_it(aligner: Aligner) -> None:
    answer = (
        "Japan opposes any unilateral attempt to change the status quo by force or coercion. We will stay in touch."
    )
    found = aligner.align(
        "Japan opposes any unilateral attempt to change the status quo by force",
        [_said(answer)],
        language="en",
        reported=True,
    )
    assert found is not None
    assert (found.verdict, found.dropped) == ("divergent", ("or coercion",))
    # A longer rest of the clause is a part reported speech may leave out.
    answer = "Japan opposes any attempt to change the status quo by force, which would harm the whole region."
    found = aligner.align(
        "Japan opposes any attempt to change the status quo by force", [_said(answer)], language="en", reported=True
    )
    assert found is not None
    assert found.verdict != "divergent"


def test_subject_to_is_a_condition_reported_speech_may_not_drop(aligner: Aligner) -> None:
    answer = "The United States remains committed to the fund, subject to congressional appropriations."
    found = aligner.align(
        "the United States remains committed to the fund", [_said(answer)], language="en", reported=True
    )
    assert found is not None
    assert found.verdict == "divergent"
    assert "subject to congressional appropriations" in found.dropped


@pytest.mark.parametrize(
    ("answer", "quote", "language"),
    [
        (
            "The Foreign Secretary raised her case directly with the Dalmerian ambassador this morning.",
            "the Foreign Secretary had raised her case directly with the Dalmerian president this morning",
            "en",
        ),
        (
            "Заместитель министра провел встречу с послом Норвании и выразил протест.",
            "заместитель министра провел встречу с президентом Норвании и выразил протест",
            "ru",
        ),
        (
            "中方已就此向马罗维亚驻华大使提出严正交涉，要求立即放人。",
            "中方已就此向马罗维亚总统提出严正交涉，要求立即放人",
            "zh",
        ),
    ],
)
def test_another_office_put_in_the_place_of_the_answers_is_divergent(
    aligner: Aligner, answer: str, quote: str, language: str
) -> None:
    found = aligner.align(quote, [_said(answer)], language=language, reported=True)
    assert found is not None
    assert found.verdict == "divergent"
    # The same office in another form is none.
    same = aligner.align(answer.rstrip("。."), [_said(answer)], language=language, reported=True)
    assert same is not None
    assert same.verdict != "divergent"


def test_words_reported_speech_moves_elsewhere_in_the_quote_are_not_dropped(aligner: Aligner) -> None:
    # 进口 and 马罗维亚 stand elsewhere in the report: the answer's words were reordered, not left out.
    answer = "中方愿同马罗维亚扩大优质农产品进口，并鼓励更多中国企业赴马投资。"
    quote = "中方愿意从马罗维亚进口更多优质农产品，也支持中国企业到当地投资"
    found = aligner.align(quote, [_said(answer)], language="zh", reported=True)
    assert found is not None
    assert found.verdict == "paraphrase"


@pytest.mark.parametrize(
    ("answer", "quote"),
    [
        # A doublet cut short ("and"), not an alternative dropped ("or").
        (
            "Chinese companies operate in accordance with local laws and regulations.",
            "Chinese companies operate in accordance with local laws",
        ),
        # "subject to" as what happened to someone, not a condition.
        (
            "Chinese nationals have been subject to harassment and interrogation at US airports.",
            "Chinese nationals faced harassment and interrogation at US airports",
        ),
        # An envoy is an ambassador, a premier a prime minister.
        (
            "He raised the case with the Japanese ambassador on Monday.",
            "he raised the case with the Japanese envoy on Monday",
        ),
        (
            "Prime Minister Li Qiang will attend the summit in Sundar.",
            "Premier Li Qiang will attend the summit in Sundar",
        ),
    ],
)
def test_what_only_looks_like_a_narrowing_or_another_party_is_no_divergence(
    aligner: Aligner, answer: str, quote: str
) -> None:
    found = aligner.align(quote, [_said(answer)], language="en", reported=True)
    assert found is not None
    assert found.verdict != "divergent", (found.added, found.dropped)


def test_an_alternative_dropped_before_a_verb_put_in_another_tense_is_divergent(aligner: Aligner) -> None:
    answer = "Any unilateral attempt to change the status quo by force or coercion is unacceptable to us."
    found = aligner.align(
        "any unilateral attempt to change the status quo by force was unacceptable",
        [_said(answer)],
        language="en",
        reported=True,
    )
    assert found is not None
    assert found.verdict == "divergent"
    assert "or coercion is" in found.dropped


def test_an_answer_read_for_a_report_in_another_language_is_read_again_for_an_english_one() -> None:
    # One aligner links every language's reports: the answer's words as a Russian report reads them must not
    # stand for an English one's ("will" read as written, not as the "would" a report puts in the past).
    answer = _said(
        "India will contribute to the fund. The details of our contribution will be announced in due course."
    )
    quote = "Details would follow in due course"
    fresh = Aligner(default_normaliser()).align(quote, [answer], language="en", reported=True)
    shared = Aligner(default_normaliser())
    shared.align("Индия внесёт вклад в фонд", [answer], language="ru", reported=True)
    after = shared.align(quote, [answer], language="en", reported=True)
    assert fresh is not None
    assert after is not None
    assert (after.verdict, after.added, after.dropped) == (fresh.verdict, fresh.added, fresh.dropped)
    assert fresh.verdict == "paraphrase"
