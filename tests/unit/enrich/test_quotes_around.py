"""What stands between a speaker and its verb, or around a quote, and still names who spoke
(pipeline/enrich/quotes/speech.py and extractor.py): long asides, Russian time phrases, "she said" in the middle,
a colon after the speaker's sentence, "went on", a pronoun after the sentence's own subject."""

from __future__ import annotations

import pytest

from pipeline.enrich.quotes import Quote, extract_quotes
from pipeline.enrich.speakers import load_speakers

SPEAKERS = load_speakers(
    "speakers.yaml",
    text="""\
speakers:
  - {id: mao-ning, ministry: CN, gender: female, names: [Mao Ning, Мао Нин, 毛宁]}
  - {id: maria-zakharova, ministry: RU, gender: female, names: [Maria Zakharova, Мария Захарова, Zakharova, Захарова]}
  - {id: yvette-cooper, ministry: GB, gender: female, names: [Yvette Cooper, Cooper]}
""",
)


def quotes(text: str, language: str = "en") -> list[Quote]:
    return extract_quotes(text, language=language, speakers=SPEAKERS)


def test_an_aside_of_a_relative_clause_between_speaker_and_verb() -> None:
    text = "Japan, which has sent $3 million in emergency aid to the region, insists the money “is humanitarian”."
    assert [(q.text, q.speaker) for q in quotes(text)] == [("is humanitarian", "Japan")]


@pytest.mark.parametrize(
    "text",
    [
        "Официальный представитель МИД КНР Мао Нин на прошлой неделе заявила, что вакцины «не должны становиться "
        "инструментом геополитики».",
        "Мао Нин в начале октября заявила, что вакцины «не должны становиться инструментом геополитики».",
    ],
)
def test_a_russian_time_phrase_between_speaker_and_verb(text: str) -> None:
    assert [q.speaker_id for q in quotes(text, "ru")] == ["mao-ning"]


def test_a_russian_call_for_what_should_happen() -> None:
    text = "Захарова выступила за то, чтобы стороны вернулись к переговорам."
    assert [(q.text, q.speaker_id) for q in quotes(text, "ru")] == [
        ("стороны вернулись к переговорам", "maria-zakharova")
    ]


def test_reminded_that_reports() -> None:
    text = "Zakharova reminded everyone that Russia had “never used vaccines as an instrument”."
    assert [q.speaker_id for q in quotes(text)] == ["maria-zakharova"]


def test_said_in_the_middle_reports_the_clause_after_it() -> None:
    text = "Zakharova spoke at length. On the contrary, she said, Moscow was among the first to urge talks."
    assert [(q.kind, q.text, q.speaker_id) for q in quotes(text)] == [
        ("reported", "Moscow was among the first to urge talks", "maria-zakharova")
    ]


def test_a_colon_after_a_listed_speakers_sentence_introduces_her_quote() -> None:
    text = "Yvette Cooper left little doubt where London stands: “No country should act alone on a shared river.”"
    assert [q.speaker_id for q in quotes(text)] == ["yvette-cooper"]


def test_a_colon_after_a_sentence_about_something_else_names_no_speaker() -> None:
    assert [q.speaker for q in quotes("The reason is simple: “No country should act alone on a shared river.”")] == [
        None
    ]


def test_went_on_continues_speaking_and_went_on_a_trip_does_not() -> None:
    text = "“That principle is set out in international law,” Cooper went on, stopping short of naming Kasmora."
    assert [q.speaker_id for q in quotes(text)] == ["yvette-cooper"]
    assert quotes("The minister went on a tour of the region after the talks in Geneva.") == []


def test_a_pronoun_refers_to_the_listed_speaker_who_is_its_sentences_subject() -> None:
    text = (
        "Moscow spoke through its spokeswoman Maria Zakharova, who said Russia had “never used vaccines as a tool”. "
        "Beijing's Mao Ning went further last week: vaccines, she said, “should not become a geopolitical tool”."
    )
    assert [q.speaker_id for q in quotes(text)][-1] == "mao-ning"


def test_a_pronoun_after_an_opening_phrase_that_only_mentions_someone_is_not_theirs() -> None:
    text = "Cooper spoke first. Responding to Maria Zakharova's comments, she said the talks were over."
    assert [q.speaker_id for q in quotes(text)] == ["yvette-cooper"]


@pytest.mark.parametrize(
    "text",
    [
        # Review of round 14: the subject must be the speaker as a whole, and what is read out is a document's.
        "Critics of Yvette Cooper were scathing: “She has lost all credibility.”",
        "Yvette Cooper's remarks drew a sharp response from Manila: “We reject these baseless claims.”",
        "Yvette Cooper read out the text of the resolution: “All parties must cease hostilities.”",
    ],
)
def test_a_colon_after_a_phrase_that_only_mentions_a_speaker_names_none(text: str) -> None:
    assert [q.speaker for q in quotes(text)] == [None]


@pytest.mark.parametrize(
    ("text", "speaker_id"),
    [
        # The name set off by commas after the role is part of the speaker phrase.
        ("Only a week earlier, her deputy, Mao Ning, conceded that the fund was short of money.", "mao-ning"),
        # A place set off by commas is no name.
        ("The spokeswoman, in Beijing, said that the fund was short of money.", None),
    ],
)
def test_a_name_in_commas_after_a_role_names_the_speaker(text: str, speaker_id: str | None) -> None:
    found = quotes(text)
    assert [(q.text, q.speaker_id) for q in found] == [("the fund was short of money", speaker_id)]


@pytest.mark.parametrize("verb", ["предупреждала", "обещала", "повторила", "подтвердила"])
def test_more_russian_speech_verbs(verb: str) -> None:
    found = quotes(f"На прошлой неделе Захарова {verb}, что ответ «не ограничится зеркальными мерами».", "ru")
    assert [(q.text, q.speaker_id) for q in found] == [("не ограничится зеркальными мерами", "maria-zakharova")]


@pytest.mark.parametrize(
    "remark",
    [
        "without giving figures",
        "declining to elaborate",
        "refusing to say when",
        "without elaborating on what that meant",
    ],
)
def test_a_writers_remark_after_a_trailing_attribution_leaves_the_speech_before_it(remark: str) -> None:
    text = f"Mao Ning spoke on Monday. Beijing would also write off part of the debt, she added, {remark}."
    assert [(q.text, q.speaker_id) for q in quotes(text)] == [
        ("Beijing would also write off part of the debt", "mao-ning")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The ministry, Citing Xinhua Reports, said that the fund was short of money.",
        "The spokeswoman, New York-based, said that the fund was short of money.",
    ],
)
def test_capitalised_words_in_commas_that_are_no_name_are_not_the_speakers(text: str) -> None:
    (found,) = quotes(text)
    assert found.speaker in ("The ministry", "The spokeswoman")


def test_a_second_report_whose_speaker_has_a_name_aside_ends_the_first() -> None:
    text = (
        "China said on Thursday it would contribute to the reconstruction fund, and its spokeswoman, Mao Ning, "
        "said the country was ready to play a constructive role."
    )
    assert [(q.text, q.speaker_id) for q in quotes(text)] == [
        ("it would contribute to the reconstruction fund", None),
        ("the country was ready to play a constructive role", "mao-ning"),
    ]
