"""What a speech verb reports with its object (pipeline/enrich/quotes/reported.py, ``object_clause``): a call
and whom it calls on, a judgement put without quote marks; and a second report joined to the first by "and" or
"while" (``ended_by_next``), read through ``extract_quotes``."""

from __future__ import annotations

import pytest

from pipeline.enrich.quotes import extract_quotes
from pipeline.enrich.speakers import load_speakers

SPEAKERS = load_speakers(
    "speakers.yaml",
    text="""\
speakers:
  - {id: lin-jian, ministry: CN, names: [Lin Jian, 林剑]}
  - {id: maria-zakharova, ministry: RU, names: [Maria Zakharova, Мария Захарова, Zakharova, Захарова]}
""",
)


def reported(text: str, language: str = "en") -> list[tuple[str, str | None]]:
    return [
        (q.text, q.speaker) for q in extract_quotes(text, language=language, speakers=SPEAKERS) if q.kind == "reported"
    ]


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("Lin Jian urged both sides to stay calm and show restraint.", "both sides to stay calm and show restraint"),
        ("Lin Jian has advised Indians to avoid all travel to Soranne.", "Indians to avoid all travel to Soranne"),
        ("Lin Jian called on Washington to lift the sanctions at once.", "Washington to lift the sanctions at once"),
        ("Lin Jian pressed both sides to return to the talks.", "both sides to return to the talks"),
        ("Lin Jian appealed to the two parties to respect the ceasefire.", "the two parties to respect the ceasefire"),
        ("Lin Jian encouraged Tokyo and Seoul to keep talking.", "Tokyo and Seoul to keep talking"),
        # Once a call "not reported speech" (round 1); the labelled sets label it as a statement.
        ("Lin Jian urged Ostland to reopen the border crossings.", "Ostland to reopen the border crossings"),
    ],
)
def test_a_call_reports_whom_it_calls_on_and_what_for(text: str, clause: str) -> None:
    assert reported(text) == [(clause, "Lin Jian")]


@pytest.mark.parametrize(
    "text",
    [
        "Lin Jian called it a showcase of cooperation between the two.",  # a name for something
        "Lin Jian pressed ahead with the plan to visit the region.",
        "Lin Jian appealed the ruling to the higher court.",
        "The ministry was encouraged by the progress and vowed to continue.",
        "Lin Jian urged restraint on all sides.",  # no addressee, no clause
        "Lin Jian urged calm and promised to help.",
    ],
)
def test_a_call_verb_without_an_addressee_and_to_reports_no_call(text: str) -> None:
    assert reported(text) == []


def test_a_call_whose_words_are_quoted_is_the_quote() -> None:
    found = extract_quotes('Lin Jian urged Tokyo to "stop harassing" students.', language="en", speakers=SPEAKERS)
    assert [(q.kind, q.text, q.speaker) for q in found] == [("direct", "stop harassing", "Lin Jian")]


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("Захарова призвала Вашингтон отказаться от враждебного курса.", "Вашингтон отказаться от враждебного курса"),
        ("Захарова призвала стороны к сдержанности и диалогу.", "стороны к сдержанности и диалогу"),
        ("Захарова призвала не допустить эскалации.", "не допустить эскалации"),
    ],
)
def test_a_russian_call_reports_its_addressee_and_infinitive(text: str, clause: str) -> None:
    assert reported(text, "ru") == [(clause, "Захарова")]


def test_a_russian_call_verb_with_a_place_is_no_call() -> None:
    assert reported("Захарова призвала журналистов на брифинг в четверг.", "ru") == []


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("Lin Jian described Serravia's exercises as lawful.", "Serravia's exercises as lawful"),
        ("Lin Jian accused Britain of totally ignoring the facts.", "Britain of totally ignoring the facts"),
        # Once "no clause" (round 3); the labelled sets label it as a statement.
        (
            "Lin Jian accused Ostland of staging a provocation near the border.",
            "Ostland of staging a provocation near the border",
        ),
    ],
)
def test_a_judgement_without_quote_marks_is_reported(text: str, clause: str) -> None:
    assert reported(text) == [(clause, "Lin Jian")]


@pytest.mark.parametrize(
    "text",
    [
        "Lin Jian described it as a big step.",  # what "it" is, the sentence before says
        'Lin Jian described relations as "a comprehensive strategic partnership".',  # the quote carries it
    ],
)
def test_a_judgement_of_a_pronoun_or_in_quote_marks_is_not_reported(text: str) -> None:
    assert reported(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Lin Jian said the talks were useful and stressed that China would continue.",
            [("the talks were useful", "Lin Jian"), ("China would continue", "Lin Jian")],
        ),
        (
            'Lin Jian said the US backed freedom of navigation "as it does everywhere" and described the drills as '
            "lawful.",
            [("the drills as lawful", "Lin Jian")],
        ),
        (
            'Tokyo said it would "refrain from prejudging anything" on sanctions, while India, a big buyer of potash, '
            "reiterated on Thursday that it only follows UN sanctions.",
            [("it only follows UN sanctions", "India")],
        ),
    ],
)
def test_a_second_report_joined_by_and_or_while_is_its_own(text: str, expected: list[tuple[str, str]]) -> None:
    assert reported(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # Review of round 14: the second verb may be the reported clause's own subject's.
        "Lin Jian said protesters in Manila had burned flags and accused the embassy of doing nothing.",
        "Lin Jian said the US must stop arming Taiwan and urged Washington to honour its commitments.",
        # ...and a name right before "and" is not who spoke: "warned" is not Lavrov's.
        "Lin Jian said Blinken had spoken by phone with Sergey Lavrov and warned that Washington would respond.",
    ],
)
def test_a_verb_after_and_without_a_quote_or_that_before_it_stays_in_the_clause(text: str) -> None:
    found = reported(text)
    assert len(found) == 1
    assert found[0][1] == "Lin Jian"
    assert text.rstrip(".").endswith(found[0][0])


def test_the_clauses_own_verb_after_and_is_no_second_report() -> None:
    text = "Lin Jian said Japan had raised its advisory to Level 3 and was urging citizens to stay away altogether."
    assert reported(text) == [(text[len("Lin Jian said ") : -1], "Lin Jian")]


def test_a_second_verb_holding_a_quote_leaves_the_whole_clause_its_context() -> None:
    text = (
        "Lin Jian said the ambassador had met the foreign secretary and conveyed that Beijing expects the crew "
        "to be released 'at the earliest'."
    )
    found = extract_quotes(text, language="en", speakers=SPEAKERS)
    assert [(q.kind, q.text) for q in found] == [("direct", "at the earliest")]
    assert found[0].context is not None
    assert found[0].context.startswith("the ambassador had met")


def test_a_sentence_of_names_in_quotes_before_about_this_is_reported_speech() -> None:
    text = (
        "«Вектор» — Двое моряков из экипажа танкера «Аурелиан Доун» освобождены. Об этом в среду сообщила "
        "официальный представитель МИД России Мария Захарова."
    )
    found = extract_quotes(text, language="ru", speakers=SPEAKERS)
    assert [(q.kind, q.text, q.speaker_id) for q in found if q.speaker_id] == [
        ("reported", "Двое моряков из экипажа танкера «Аурелиан Доун» освобождены", "maria-zakharova")
    ]


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        (
            "Russia will not take sides in the dispute, spokeswoman Maria Zakharova has made clear.",
            "Russia will not take sides in the dispute",
        ),
        ("Zakharova made it clear that Moscow would not take sides.", "Moscow would not take sides"),
        ("Zakharova went on to demand that Tokyo lift the ban at once.", "Tokyo lift the ban at once"),
    ],
)
def test_a_verb_after_a_lead_in_speaks(text: str, clause: str) -> None:
    assert [c for c, _ in reported(text)] == [clause]


@pytest.mark.parametrize(
    "text",
    [
        "China's demand that Washington lift the ban was rejected by the panel.",
        "The move made it clear that the talks had failed.",
    ],
)
def test_a_lead_in_verb_alone_or_without_a_speaker_does_not_speak(text: str) -> None:
    assert reported(text) == []


def test_russian_imperfective_past_of_assuring() -> None:
    assert reported("Захарова также уверяла, что вакцина уже поставлена в одиннадцать государств.", "ru") == [
        ("вакцина уже поставлена в одиннадцать государств", "Захарова")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Захарова призвала к этому еще в прошлом году.",  # a pronoun, not what is called for
        "Киев призвал часть резервистов ещё в феврале.",  # a noun in -сть, not an infinitive
    ],
)
def test_a_russian_call_to_a_pronoun_or_with_a_noun_in_st_is_no_call(text: str) -> None:
    assert reported(text, "ru") == []


def test_a_call_on_a_pronoun_is_a_call_and_a_judgement_of_oneself_is_not() -> None:
    assert reported("Lin Jian urged them to stop at once.") == [("them to stop at once", "Lin Jian")]
    assert reported("Lin Jian described herself as a regular reader of the paper.") == []
