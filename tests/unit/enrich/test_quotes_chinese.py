"""Chinese attribution (pipeline/enrich/quotes/chinese.py): the subject past the circumstances before the verb,
and verbs that continue the speaker before them."""

from __future__ import annotations

import pytest

from pipeline.enrich.quotes import extract_quotes
from pipeline.enrich.quotes.chinese import chinese
from pipeline.enrich.speakers import load_speakers

SPEAKERS = load_speakers("speakers.yaml", text="speakers:\n  - {id: lin-jian, ministry: CN, names: [Lin Jian, 林剑]}\n")


def speakers(text: str) -> list[tuple[str, str | None, str | None]]:
    return [(q.text, q.speaker, q.speaker_id) for q in extract_quotes(text, language="zh", speakers=SPEAKERS)]


@pytest.mark.parametrize(
    "text",
    [
        "外交部发言人林剑5日在例行记者会上就奥斯特兰、北欧三国港口协议答问时表示，“合作应当互利共赢。”",
        "外交部发言人林剑周三在例行记者会上回应有关港口收费的提问时表示，“合作应当互利共赢。”",
        "新华社北京5月6日电 外交部发言人林剑6日在记者会上表示，“合作应当互利共赢。”",
    ],
)
def test_the_speaker_is_the_subject_before_the_day_place_and_occasion(text: str) -> None:
    assert speakers(text) == [("合作应当互利共赢。", "外交部发言人林剑", "lin-jian")]


def test_a_verb_opening_its_clause_continues_the_speaker_before_it() -> None:
    text = "林剑周四再度批评，指两国「正在制造新的对抗」，又称「这一安排损害地区互信」。"
    assert speakers(text) == [
        ("正在制造新的对抗", "林剑", "lin-jian"),
        ("这一安排损害地区互信", "林剑", "lin-jian"),
    ]


def test_a_continuing_verb_opening_a_sentence_is_the_speaker_last_named() -> None:
    text = "林剑表示，中方愿同各方保持沟通。记者追问细节，又称「具体安排将适时公布」。"
    assert speakers(text)[-1] == ("具体安排将适时公布", "林剑", "lin-jian")


def test_a_pronoun_is_the_person_last_named() -> None:
    text = "外交部发言人林剑表示，中方关注有关报道。\n\n她称「中方将作出必要回应」。"
    assert speakers(text)[-1] == ("中方将作出必要回应", "外交部发言人林剑", "lin-jian")


def test_a_clause_with_nothing_before_the_verb_at_sentence_start_names_nobody() -> None:
    assert chinese("表示，将继续推进合作。") == []


def test_a_clause_opened_by_but_continues_the_speaker_and_ends_the_reported_clause_before_it() -> None:
    text = "外交部发言人林剑回应说，他没有掌握具体情况，建议向主管部门询问，但强调“中方的措施是正当的”。"
    assert speakers(text) == [
        ("他没有掌握具体情况，建议向主管部门询问", "外交部发言人林剑", "lin-jian"),
        ("中方的措施是正当的", "外交部发言人林剑", "lin-jian"),
    ]


def test_traditional_characters_are_read_as_simplified_and_kept_as_written() -> None:
    text = "外交部發言人林劍週二表示：「中方將採取一切必要措施。」"
    (quote,) = extract_quotes(text, language="zh", speakers=SPEAKERS)
    assert (quote.speaker_id, quote.text) == ("lin-jian", "中方將採取一切必要措施。")
    assert text[quote.start : quote.end] == quote.text


def test_a_reported_clause_goes_on_over_the_sentences_after_it_that_say_nothing_of_their_own() -> None:
    text = "林剑说，马罗维亚是中国的好朋友、好伙伴。建交二十五年来，两国关系始终保持健康稳定发展。"
    assert speakers(text) == [
        ("马罗维亚是中国的好朋友、好伙伴。建交二十五年来，两国关系始终保持健康稳定发展", "林剑", "lin-jian")
    ]
    # ...up to a sentence with a speech verb or a quote of its own.
    text = "林剑说，中方愿意加强合作。他强调，中方坚决反对干涉。另据报道，“有关方面已回应。”"
    assert [q for q, _, _ in speakers(text)][:2] == ["中方愿意加强合作", "中方坚决反对干涉"]


def test_an_aside_in_brackets_between_the_speaker_and_the_verb() -> None:
    text = "外交部发言人林剑今天（11日）在例行记者会上介绍，访问期间，双方将签署多项合作文件。"
    assert speakers(text) == [("访问期间，双方将签署多项合作文件", "外交部发言人林剑", "lin-jian")]


def test_a_reported_clause_stops_at_the_semicolon_before_another_speakers_clause() -> None:
    text = "外交部发言人林剑说，中方一贯支持通过对话解决问题；至于是否派人出席，他表示“目前没有可以发布的消息”。"
    assert speakers(text) == [
        ("中方一贯支持通过对话解决问题", "外交部发言人林剑", "lin-jian"),
        ("目前没有可以发布的消息", "外交部发言人林剑", "lin-jian"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "外交部发言人林剑12日表示，中方坚决反对美方的单边制裁。美国商务部上周宣布将三家中国企业列入实体清单。",
        "林剑说，中方坚决反对美方的单边制裁。据悉，双方会谈于上周在日内瓦举行。",
    ],
)
def test_the_writers_background_sentence_is_not_more_of_what_was_said(text: str) -> None:
    assert [q for q, _, _ in speakers(text)] == ["中方坚决反对美方的单边制裁"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("林剑敦促双方保持冷静克制，立即停火。", [("敦促双方保持冷静克制，立即停火", "林剑", "lin-jian")]),
        # A call after a clause of another verb continues its speaker.
        (
            "林剑表示，有关指责毫无根据。他还回应了有关报道，敦促美方停止炒作，不要蓄意挑起事端。",
            [("有关指责毫无根据", "林剑", "lin-jian"), ("敦促美方停止炒作，不要蓄意挑起事端", "林剑", "lin-jian")],
        ),
        # A call inside what 表示 reports is read with it, once.
        ("林剑表示，中方敦促有关方面立即释放船员。", [("中方敦促有关方面立即释放船员", "林剑", "lin-jian")]),
    ],
)
def test_a_call_is_reported_with_its_verb(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert speakers(text) == expected


def test_a_call_that_is_a_noun_reports_nothing() -> None:
    assert speakers("林剑指出，中方的呼吁是一贯的。") == [("中方的呼吁是一贯的", "林剑", "lin-jian")]
    assert chinese("中方的呼吁是一贯的。") == []


def test_a_clause_opening_with_a_quoted_name_is_reported_whole() -> None:
    text = "林剑表示，“浙海渔7716”号14名船员目前身体状况良好，使馆已进行领事探视。"
    assert [(q.kind, q.text) for q in extract_quotes(text, language="zh", speakers=SPEAKERS)] == [
        ("reported", "“浙海渔7716”号14名船员目前身体状况良好，使馆已进行领事探视"),
        ("direct", "浙海渔7716"),
    ]


def test_what_stands_between_the_speaker_and_the_verb_is_trimmed() -> None:
    assert speakers("林剑曾就此事表示，中方已提出严正交涉。") == [("中方已提出严正交涉", "林剑", "lin-jian")]


@pytest.mark.parametrize(
    "text",
    [
        "林剑当时说，中方是网络攻击的主要受害者之一。",
        "林剑上月就表示，中方是网络攻击的主要受害者之一。",
    ],
)
def test_when_between_the_speaker_and_the_verb_is_trimmed(text: str) -> None:
    assert speakers(text) == [("中方是网络攻击的主要受害者之一", "林剑", "lin-jian")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Review of round 14: a call ends where another speaker's clause begins...
        (
            "林剑敦促日方停止排海，日本外务省则称排海是安全的。",
            [("敦促日方停止排海", "林剑", "lin-jian")],
        ),
        # ...is no call as a noun or in a circumstance...
        ("这一呼吁得到了各方响应。", []),
        ("在国际社会呼吁下，双方同意停火。", []),
        (
            "针对日本首相呼吁中方开放市场，林剑表示，中方一贯坚持对外开放。",
            [("中方一贯坚持对外开放", "林剑", "lin-jian")],
        ),
        # ...and 一再 between speaker and verb is trimmed.
        ("林剑一再敦促日方停止排海。", [("敦促日方停止排海", "林剑", "lin-jian")]),
    ],
)
def test_calls_end_at_another_speaker_and_nouns_and_circumstances_are_no_calls(
    text: str, expected: list[tuple[str, str, str]]
) -> None:
    assert speakers(text) == expected
