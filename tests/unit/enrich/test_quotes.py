"""Quote extraction (pipeline/enrich/quotes): quote marks, reported speech, speakers, and robustness."""

from __future__ import annotations

import dataclasses
import pickle
import random

import pytest

from pipeline.enrich.quotes import Quote, extract_quotes
from pipeline.enrich.speakers import load_speakers

SPEAKERS = load_speakers(
    "speakers.yaml",
    text="""\
speakers:
  - {id: wang-wenbin, ministry: CN, names: [Wang Wenbin, 汪文斌]}
  - {id: maria-zakharova, ministry: RU, names: [Maria Zakharova, Мария Захарова, Zakharova, Захарова]}
""",
)


def quotes(text: str, language: str | None = "en") -> list[Quote]:
    found = extract_quotes(text, language=language, speakers=SPEAKERS)
    for quote in found:
        assert 0 <= quote.start <= quote.end <= len(text)
    return found


def direct(text: str, language: str | None = "en") -> list[Quote]:
    return [q for q in quotes(text, language) if q.kind == "direct"]


def test_straight_and_curly_double_quotes_give_the_text_inside_the_marks_with_its_offsets() -> None:
    text = 'He said "we disagree with this" today.\n\nShe replied: “It is a pity.”'
    found = direct(text)
    assert [q.text for q in found] == ["we disagree with this", "It is a pity."]
    assert all(text[q.start : q.end] == q.text for q in found)
    assert [q.paragraph for q in found] == [0, 1]


@pytest.mark.parametrize(
    "text",
    [
        "China's position hasn't changed since the '90s, officials don't say otherwise.",
        "The students’ groups say they’ve seen more checks since the ’20s.",
        "Rock 'n' roll is not a quotation, nor is l'Élysée.",
    ],
)
def test_apostrophes_are_not_quotes(text: str) -> None:
    assert direct(text) == []


def test_single_quotes_used_as_quotes_are_quotes() -> None:
    found = direct("He called the move 'a dangerous precedent' for the region, and ‘a mistake’ too.")
    assert [(q.text, q.short) for q in found] == [("a dangerous precedent", False), ("a mistake", True)]


def test_nested_quotes_are_part_of_the_outer_quote() -> None:
    text = "“The so-called ‘human rights concerns’ are a pretext,” Wang Wenbin said."
    found = direct(text)
    assert [q.text for q in found] == ["The so-called ‘human rights concerns’ are a pretext,"]
    assert found[0].speaker == "Wang Wenbin"


def test_guillemets_and_german_quotes_in_russian() -> None:
    text = "«Мы назвали это „провокацией“ и не изменим оценку», — заявила Захарова."
    found = direct(text, "ru")
    assert [q.text for q in found] == ["Мы назвали это „провокацией“ и не изменим оценку"]
    assert (found[0].speaker, found[0].speaker_id) == ("Захарова", "maria-zakharova")


def test_chinese_corner_brackets_and_curly_quotes_with_their_speaker() -> None:
    text = "外交部发言人汪文斌说：“我们坚决反对。”\n\n她指出：「这是双重标准。」"
    found = direct(text, "zh")
    assert [q.text for q in found] == ["我们坚决反对。", "这是双重标准。"]
    assert [(q.speaker, q.speaker_id) for q in found] == [("外交部发言人汪文斌", "wang-wenbin")] * 2


def test_a_quote_reopened_on_the_next_paragraph_is_one_quote() -> None:
    text = "Zakharova said: “Nobody is fooled by this.\n\n“The formula is a dead end,” she added.\n\nOther news."
    found = direct(text)
    assert len(found) == 1
    assert found[0].text == "Nobody is fooled by this.\n\nThe formula is a dead end,"
    assert found[0].paragraph == 0
    assert text[found[0].start : found[0].end].endswith("dead end,")
    assert found[0].speaker_id == "maria-zakharova"


def test_a_quote_left_open_without_a_continuation_is_dropped() -> None:
    assert direct("He said “this never closes.\n\nA new paragraph without a mark.") == []


def test_scare_quotes_are_kept_and_marked_short() -> None:
    found = direct('Wang Wenbin said the so-called "democracy summit" was a show.')
    assert [(q.text, q.short, q.speaker_id) for q in found] == [("democracy summit", True, "wang-wenbin")]
    assert [q.short for q in direct("他们所谓的“长臂管辖”根本站不住脚。", "zh")] == [True]


def test_a_quoted_title_has_no_speaker() -> None:
    found = direct("The ministry's statement was titled “On the Provocations of the Kyiv Regime”.")
    assert [(q.text, q.speaker, q.short) for q in found] == [("On the Provocations of the Kyiv Regime", None, False)]


@pytest.mark.parametrize(
    ("text", "content", "speaker"),
    [
        ("Wang said that the US should stop interfering.", "the US should stop interfering", "Wang"),
        (
            "According to the ministry, the sanctions target 12 companies.",
            "the sanctions target 12 companies",
            "the ministry",
        ),
        (
            "No new talks had been scheduled, the Kremlin said on Tuesday.",
            "No new talks had been scheduled",
            "the Kremlin",
        ),
        (
            "A spokesperson for the Chinese embassy told reporters the visa reviews were unfair.",
            "the visa reviews were unfair",
            "A spokesperson for the Chinese embassy",
        ),
        ("Захарова заявила, что Лондон продолжает кампанию.", "Лондон продолжает кампанию", "Захарова"),
        ("По словам дипломата, Москва направит протест.", "Москва направит протест", "дипломата"),
        ("毛宁表示，中方将继续密切关注事态发展。", "中方将继续密切关注事态发展", "毛宁"),
    ],
)
def test_reported_speech_with_its_speaker(text: str, content: str, speaker: str) -> None:
    language = "zh" if "毛宁" in text else "ru" if "а" in text.lower() and not text.isascii() else "en"
    reported = [q for q in quotes(text, language) if q.kind == "reported"]
    assert [(q.text, q.speaker) for q in reported] == [(content, speaker)]
    assert text[reported[0].start : reported[0].end] == content


def test_circumstances_after_the_verb_are_not_reported_speech() -> None:
    assert [q for q in quotes("Wang told reporters in Beijing on Monday.") if q.kind == "reported"] == []


def test_reported_speech_that_is_a_quote_is_only_the_quote() -> None:
    found = quotes('Lin said the visits "severely hurt the feelings of the Chinese people".')
    assert [(q.kind, q.text) for q in found] == [("direct", "severely hurt the feelings of the Chinese people")]


def test_organisations_are_kept_as_written_and_get_no_id() -> None:
    found = direct("“There is nothing to announce,” the Kremlin said. “We will inform you.”")
    assert [(q.speaker, q.speaker_id) for q in found] == [("the Kremlin", None), ("the Kremlin", None)]
    found = direct("“We oppose it,” China's Foreign Ministry said.")
    assert (found[0].speaker, found[0].speaker_id) == ("China's Foreign Ministry", None)


def test_a_title_and_name_resolve_to_the_id_and_a_surname_to_the_person_named_in_full() -> None:
    text = (
        "“We oppose sanctions,” Foreign Ministry spokesperson Wang Wenbin said.\n\n“The US side must stop,” Wang added."
    )
    found = direct(text)
    assert [q.speaker for q in found] == ["Foreign Ministry spokesperson Wang Wenbin", "Wang"]
    assert [q.speaker_id for q in found] == ["wang-wenbin", "wang-wenbin"]
    # Without Wang Wenbin named in full, "Wang" is anybody called Wang.
    assert direct("“The US side must stop,” Wang added.")[0].speaker_id is None


def test_the_speakers_directory_given_is_the_one_used() -> None:
    empty = load_speakers("speakers.yaml", text="speakers: []\n")
    found = extract_quotes("“We oppose it,” Wang Wenbin said.", language="en", speakers=empty)
    assert (found[0].speaker, found[0].speaker_id) == ("Wang Wenbin", None)


def test_a_pronoun_is_the_last_speaker_named_before_it() -> None:
    text = (
        "Russian Foreign Ministry spokeswoman Maria Zakharova struck a harsher tone on Wednesday.\n\n"
        "“Western capitals keep talking about peace,” she said."
    )
    found = direct(text)
    assert (found[0].speaker, found[0].speaker_id) == ("Maria Zakharova", "maria-zakharova")
    assert direct("“Western capitals keep talking about peace,” she said.")[0].speaker is None


def test_a_pronoun_does_not_reach_back_more_than_a_paragraph() -> None:
    text = "“We oppose it,” Wang Wenbin said.\n\nThe weather was fine.\n\nIt rained later.\n\n“Stop it,” he added."
    assert direct(text)[-1].speaker is None


def test_a_quoted_question_is_the_askers() -> None:
    text = "Asked by a reporter, “Is Moscow ready to resume exports?”, Zakharova said the question was not for her."
    found = quotes(text)
    assert [(q.kind, q.speaker) for q in found] == [("direct", "a reporter"), ("reported", "Zakharova")]


def test_a_second_quote_in_the_paragraph_continues_the_first_ones_speaker() -> None:
    text = '"The so-called concerns are a pretext," he added. "China will take all necessary measures."'
    text = "Wang Wenbin spoke on Monday.\n\n" + text
    assert [q.speaker_id for q in direct(text)] == ["wang-wenbin", "wang-wenbin"]


def test_a_headline_speaker_before_a_colon() -> None:
    found = direct("Лавров: Запад «потерял всякое чувство реальности»\n\nТекст.", "ru")
    assert found[0].speaker == "Лавров"


def test_language_unknown_is_guessed_from_the_script() -> None:
    assert direct("汪文斌说：“我们坚决反对单边制裁。”", None)[0].speaker_id == "wang-wenbin"
    assert direct("“We oppose it,” Wang Wenbin said.", None)[0].speaker_id == "wang-wenbin"


def test_another_language_finds_quotes_without_speakers() -> None:
    found = direct("« Nous refusons cette décision », a déclaré Wang Wenbin.", "fr")
    assert [(q.text, q.speaker) for q in found] == [("Nous refusons cette décision", None)]


def test_quotes_are_frozen_slotted_and_picklable() -> None:
    quote = direct("“We oppose it,” Wang Wenbin said.")[0]
    assert pickle.loads(pickle.dumps(quote)) == quote
    assert not hasattr(quote, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        quote.text = "x"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["", "   \n\n  ", '"', "“”", "'", "«", "\n\n“\n\n“\n\n“"])
def test_degenerate_texts(text: str) -> None:
    assert quotes(text) == []


def test_random_text_never_raises_and_spans_stay_inside() -> None:
    alphabet = [*"abc XYZ.,:;!?-—\n\n'\"“”„«»「」『』‘’", "said ", "заявил ", "表示，", "Wang Wenbin ", "he ", "。"]
    generator = random.Random(14)
    for _ in range(400):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 400)))
        for language in ("en", "ru", "zh", None):
            for quote in quotes(text, language):
                assert quote.paragraph >= 0
                if "\n\n" not in quote.text:
                    assert text[quote.start : quote.end] == quote.text


def test_speech_before_the_speaker_and_where_it_was_said() -> None:
    text = (
        "China opposes the restrictions, Foreign Ministry spokesman Wang Wenbin said at a press conference in Beijing."
    )
    reported = [q for q in quotes(text) if q.kind == "reported"]
    assert [(q.text, q.speaker_id) for q in reported] == [("China opposes the restrictions", "wang-wenbin")]


def test_a_sentence_about_a_surname_names_the_person_for_the_next_pronoun() -> None:
    text = (
        "“We oppose it,” Foreign Ministry spokesman Wang Wenbin said.\n\n"
        "Other news came first.\n\n"
        "Wang was responding to a question.\n\n"
        "He stressed that cooperation with Iran is lawful."
    )
    reported = [q for q in quotes(text) if q.kind == "reported"]
    assert [(q.speaker, q.speaker_id) for q in reported] == [("Wang", "wang-wenbin")]


def test_a_definite_role_refers_back_to_the_person_just_named_but_keeps_its_words() -> None:
    text = "“We oppose it,” Wang Wenbin said.\n\nThe spokesman said China would respond to any further measures."
    reported = [q for q in quotes(text) if q.kind == "reported"]
    assert [(q.speaker, q.speaker_id) for q in reported] == [("The spokesman", "wang-wenbin")]
    text = "“We oppose it,” Wang Wenbin said.\n\nA spokesman for the embassy said the visas would be reviewed soon."
    assert [q.speaker_id for q in quotes(text) if q.kind == "reported"] == [None]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("a. " * 30_000, "en"),  # thousands of sentences in one paragraph
        ("Wang Wenbin said " * 20_000, "en"),  # one endless sentence full of speech verbs
        ("«" * 50_000, "ru"),  # marks that never close
        ("他说，" * 30_000, "zh"),
        ('"a" ' * 30_000, "en"),  # thousands of quotes in one paragraph
    ],
)
def test_long_garbage_is_read_in_one_pass(text: str, language: str) -> None:
    """Each of these took minutes while a step rescanned the text before each mark or verb; a return is the test."""
    found = quotes(text, language)
    assert all(not q.speaker or len(q.speaker) < 300 for q in found)


GENDERED = load_speakers(
    "speakers.yaml",
    text="""\
speakers:
  - {id: maria-zakharova, ministry: RU, gender: female, names: [Maria Zakharova, Zakharova]}
  - {id: lin-jian, ministry: CN, gender: male, names: [Lin Jian]}
""",
)


def _reported_speakers(text: str) -> list[tuple[str, str | None]]:
    found = extract_quotes(text, language="en", speakers=GENDERED)
    return [(q.text, q.speaker) for q in found if q.kind == "reported"]


def test_she_passes_over_a_man_named_in_between_for_the_woman_the_speakers_file_knows() -> None:
    text = (
        "Maria Zakharova opened the briefing with the ferry dispute.\n\n"
        "Mr Piet Marsman disagreed with the plan. She said the ferry corridor had to stay open all winter."
    )
    assert _reported_speakers(text) == [("the ferry corridor had to stay open all winter", "Maria Zakharova")]
    assert _reported_speakers(text.replace("She said", "He said")) == [
        ("the ferry corridor had to stay open all winter", "Piet Marsman")
    ]


def test_a_title_tells_the_gender_of_someone_the_speakers_file_does_not_list() -> None:
    text = (
        "Spokeswoman Anna Ostrova opened the briefing on the ferry dispute.\n\n"
        "Mr Lars Berg, the envoy, spoke next. She said the ferry corridor had to stay open all winter."
    )
    assert _reported_speakers(text) == [("the ferry corridor had to stay open all winter", "Anna Ostrova")]


def test_she_with_only_men_named_before_is_nobody_and_he_of_unknown_gender_is_the_nearest() -> None:
    text = "Lin Jian spoke first.\n\nShe said the ferry corridor had to stay open all winter."
    assert _reported_speakers(text) == [("the ferry corridor had to stay open all winter", None)]
    text = "Lin Jian spoke first. Piet Marsman, the envoy, spoke next. He said the corridor had to stay open."
    assert _reported_speakers(text) == [("the corridor had to stay open", "Piet Marsman")]


def test_a_sentence_subject_after_an_opening_circumstance_is_whom_she_refers_to() -> None:
    text = (
        "Maria Zakharova and Piet Marsman spoke on Monday.\n\n"
        "Piet Marsman said the talks were over. At the same briefing, Zakharova also turned to the ferries. "
        "She said the corridor had to stay open."
    )
    assert _reported_speakers(text)[-1] == ("the corridor had to stay open", "Zakharova")


def test_a_quote_standing_in_a_reported_clause_has_the_clause_as_context() -> None:
    text = 'Wang Wenbin said China was "firmly opposed" to the new export controls on chips.'
    (quote,) = direct(text)
    assert quote.context == 'China was "firmly opposed" to the new export controls on chips'
    # A quote that is the whole statement, or one with little around it, stands alone.
    assert direct('"We firmly oppose the new export controls," Wang Wenbin said.')[0].context is None
    assert direct('Wang Wenbin said it was "firmly opposed".')[0].context is None
    assert direct("Захарова заявила, что Москва «не оставит это без ответа» в ближайшие дни.", "ru")[0].context == (
        "Москва «не оставит это без ответа» в ближайшие дни"
    )


def test_a_name_in_quote_marks_inside_a_reported_clause_leaves_the_clause_reported() -> None:
    # "Belt and Road" names a thing, nobody's words: the clause is the statement, and the name has no context.
    text = 'Wang Wenbin said China would host the third "Belt and Road" forum in October.'
    found = [(q.kind, q.text, q.context) for q in quotes(text)]
    assert found == [
        ("reported", 'China would host the third "Belt and Road" forum in October', None),
        ("direct", "Belt and Road", None),
    ]
    # A word run into digits is a ship's or a model's name: no fragment of what was said.
    text = "外交部发言人赵立坚13日表示，中方正在核实“浙海渔7716”号渔船的情况。"
    assert [(q.text, q.context) for q in quotes(text, "zh") if q.kind == "direct"] == [("浙海渔7716", None)]


def test_a_long_quote_with_figures_is_no_name() -> None:
    text = "毛宁3月10日表示，中方“将于2025年底前完成撤侨工作”，并呼吁各方保持克制。"
    # The call after ，并 is a statement of its own (tests/unit/enrich/test_quotes_chinese.py).
    assert [(q.kind, q.text) for q in quotes(text, "zh")] == [
        ("direct", "将于2025年底前完成撤侨工作"),
        ("reported", "呼吁各方保持克制"),
    ]
    text = 'Wang Wenbin said China would "never go back to the 1990s" on trade.'
    assert [q.context for q in quotes(text) if q.kind == "direct"] == [
        'China would "never go back to the 1990s" on trade'
    ]
