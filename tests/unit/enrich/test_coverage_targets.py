"""Which briefing a quote reports (pipeline/enrich/coverage/targets.py): a country speaking for its ministry,
and dates inside the quote."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from pipeline.enrich.coverage.linker import shown, wanted
from pipeline.enrich.coverage.targets import Target, targets
from pipeline.enrich.quotes import extract_quotes
from pipeline.enrich.speakers import load_speakers

SPEAKERS = load_speakers(
    "speakers.yaml",
    text="""\
speakers:
  - {id: ned-price, ministry: US, names: [Ned Price]}
  - {id: maria-zakharova, ministry: RU, names: [Maria Zakharova, Мария Захарова, Захарова]}
""",
)
SPEAKERS_ZH = load_speakers(
    "speakers.yaml", text="speakers:\n  - {id: mao-ning, ministry: CN, names: [Mao Ning, 毛宁]}\n"
)
NEW_YORK = ZoneInfo("America/New_York")
MOSCOW = ZoneInfo("Europe/Moscow")


def found(text: str, language: str, published: datetime) -> list[tuple[str, Target | None]]:
    quotes = extract_quotes(text, language=language, speakers=SPEAKERS)
    assert published.tzinfo is not None
    got = targets(quotes, text, published=published, local_zone=published.tzinfo, language=language, speakers=SPEAKERS)
    return [(q.text, t) for q, t in zip(quotes, got, strict=True) if not q.short]


def test_a_country_speaking_is_its_ministry_in_a_report_about_that_ministry() -> None:
    text = (
        "The United States said on Tuesday that the embargo would stay in place until the vote.\n\n"
        '"Nothing has changed," State Department spokesman Ned Price told reporters.'
    )
    first = found(text, "en", datetime(2022, 3, 8, 20, 0, tzinfo=NEW_YORK))[0]
    assert first[0] == "the embargo would stay in place until the vote"
    assert first[1] is not None
    assert (first[1].ministry, first[1].spokesperson_id) == ("US", "ned-price")


def test_a_country_speaking_in_a_report_about_another_ministry_is_its_own_ministrys_but_shown_only_if_said() -> None:
    # Round 14: an explainer's "Beijing says ...", "Japan, which ..., insists ..." report their ministries'
    # briefings; once no target, now a candidate that is shown only when a briefing says it.
    text = (
        "Russia said on Tuesday that the pipeline would reopen next month.\n\n"
        '"We see no obstacles," State Department spokesman Ned Price told reporters.'
    )
    first = found(text, "en", datetime(2022, 3, 8, 20, 0, tzinfo=NEW_YORK))[0][1]
    assert first is not None
    assert (first.ministry, first.spokesperson_id) == ("RU", None)
    assert not shown("Russia", "the pipeline would reopen next month", None)
    assert shown("Russia", "the pipeline would reopen next month", "paraphrase")


def test_a_date_inside_the_quote_is_not_the_briefings_day() -> None:
    text = (
        "Мария Захарова в среду провела брифинг.\n\n"
        "Захарова напомнила, что 2 ноября в Минске состоялись консультации по визовым вопросам."
    )
    reported = found(text, "ru", datetime(2022, 11, 24, 10, 0, tzinfo=MOSCOW))[-1]
    assert reported[0] == "2 ноября в Минске состоялись консультации по визовым вопросам"
    assert reported[1] is not None
    assert reported[1].days == (date(2022, 11, 23),)


OFFICIALS = load_speakers(
    "speakers.yaml",
    text="""\
speakers:
  - {id: wang-wenbin, ministry: CN, names: [Wang Wenbin]}
  - {id: kobayashi-maki, ministry: JP, names: [Maki Kobayashi]}
  - {id: james-cleverly, ministry: GB, names: [James Cleverly]}
""",
)
TOKYO = ZoneInfo("Asia/Tokyo")


def ministries(text: str, published: datetime) -> list[tuple[str, str | None]]:
    quotes = extract_quotes(text, language="en", speakers=OFFICIALS)
    got = targets(quotes, text, published=published, local_zone=published.tzinfo, language="en", speakers=OFFICIALS)
    return [(q.text, t.ministry if t else None) for q, t in zip(quotes, got, strict=True) if not q.short]


def test_a_ministry_phrase_belongs_to_the_country_word_nearest_to_it() -> None:
    text = (
        "Markets slipped after new US export controls. China's foreign ministry on Tuesday accused Washington of "
        '"abusing export controls to hurt Chinese firms".\n\n'
        'A spokesperson also said: "We will respond firmly to any further step."'
    )
    assert [m for _, m in ministries(text, datetime(2023, 6, 14, 9, 0, tzinfo=TOKYO))] == ["CN", "CN"]


def test_an_unqualified_spokesperson_in_a_report_about_two_ministries_is_the_nearest_named_ones() -> None:
    text = (
        "The government has protested to both capitals over the bomber flights, a Foreign Ministry spokesperson "
        "said Wednesday.\n\n"
        '"These flights are a show of force," Press Secretary Maki Kobayashi said.\n\n'
        "Beijing played the flights down. Chinese Foreign Ministry spokesperson Wang Wenbin said on Tuesday that "
        'they were "routine and not aimed at anyone."'
    )
    found = ministries(text, datetime(2023, 6, 14, 20, 0, tzinfo=TOKYO))
    assert [m for _, m in found] == ["JP", "JP", "CN"]


def test_the_foreign_secretary_is_the_ministry_of_the_report() -> None:
    text = (
        "The UK will keep its sanctions on the shipping firms in place, the Foreign Secretary said on Monday.\n\n"
        '"We will not be moved on this," James Cleverly told reporters.'
    )
    found = ministries(text, datetime(2023, 6, 12, 20, 0, tzinfo=ZoneInfo("Europe/London")))
    assert [m for _, m in found] == ["GB", "GB"]


def test_a_quote_over_paragraphs_is_cited_paragraph_by_paragraph() -> None:
    text = (
        "State Department spokesman Ned Price spoke at length on Tuesday. He said:\n\n"
        '"The embargo will stay in place until the vote. We have made that clear to our partners.\n\n'
        '"Nothing has changed in our assessment of the talks."\n\n'
        "The vote is expected next month."
    )
    quoted = wanted(
        text,
        language="en",
        published=datetime(2022, 3, 8, 20, 0, tzinfo=NEW_YORK),
        local_zone=NEW_YORK,
        speakers=SPEAKERS,
    )
    assert [q.text for q, _ in quoted] == [
        "The embargo will stay in place until the vote. We have made that clear to our partners.",
        "Nothing has changed in our assessment of the talks.",
    ]
    # Each piece is where it says it is, and both share the whole quote's target (the day named before it).
    assert all(text[q.start : q.end] == q.text for q, _ in quoted)
    assert [q.paragraph for q, _ in quoted] == [1, 2]
    assert {t.days for _, t in quoted} == {(date(2022, 3, 8),)}


def test_the_day_comes_from_the_sentence_naming_the_spokesperson_not_a_date_in_another_quote() -> None:
    text = (
        "Корреспондент, задержанный 1 апреля, остаётся под стражей.\n\n"
        "Как заявила в среду официальный представитель МИД Мария Захарова, посольство поддерживает связь.\n\n"
        "«Продление после 18 мая окажется под вопросом», — сказала она. "
        "«Мы требуем консульского доступа», — добавила Захарова."
    )
    got = found(text, "ru", datetime(2023, 4, 7, 11, 15, tzinfo=MOSCOW))
    # Friday 7 April: Wednesday is the 5th; neither the lead's 1 April nor the quoted 18 May.
    assert [(t.days, t.expression) for _, t in got if t is not None][-2:] == [
        ((date(2023, 4, 5),), "в среду"),
        ((date(2023, 4, 5),), "в среду"),
    ]


def test_a_capital_speaks_for_the_foreign_ministry_a_report_names_without_a_country() -> None:
    text = (
        'A day earlier, Moscow warned that the plan was "turning the country into a target".\n\n'
        "The foreign ministry has long opposed such deployments."
    )
    ((_, target),) = found(text, "en", datetime(2024, 9, 19, 14, 30, tzinfo=MOSCOW))
    assert target is not None
    assert target.ministry == "RU"


def test_a_quote_attributed_to_nobody_in_a_report_about_one_ministry_is_a_candidate() -> None:
    text = (
        "State Department spokesman Ned Price spoke to reporters on Tuesday.\n\n"
        'Washington has been clear. "The embargo will stay in place until the vote."'
    )
    got = found(text, "en", datetime(2022, 3, 8, 20, 0, tzinfo=NEW_YORK))
    assert [(q, t.ministry if t else None) for q, t in got] == [
        ("The embargo will stay in place until the vote.", "US")
    ]


def test_two_capitals_speak_each_for_its_own_ministry() -> None:
    text = (
        'Washington said the plan was "a step toward peace talks".\n\n'
        'Beijing said the plan was "a welcome step for the region".\n\n'
        "The foreign ministry of the host country declined to comment."
    )
    targets_found = [t for _, t in found(text, "en", datetime(2024, 9, 19, 14, 30, tzinfo=MOSCOW))]
    assert [t.ministry if t else None for t in targets_found] == ["US", "CN"]


def test_a_date_inside_a_quote_in_traditional_characters_is_not_the_briefings_day() -> None:
    text = "外交部發言人毛寧表示：「中方對5月18日舉行的會談持開放態度。」"
    published = datetime(2025, 5, 20, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    ((_, target),) = wanted(text, language="zh", published=published, local_zone=published.tzinfo, speakers=SPEAKERS_ZH)
    assert target.expression == ""  # the window before publication, not 18 May


def test_a_day_in_the_speaker_phrase_wins_over_another_events_day() -> None:
    # The warships passed on Monday ("本週一"); the spokesperson spoke yesterday ("昨日"), a Wednesday.
    text = (
        "兩艘軍艦本週一駛經海峽，中國外交部發言人毛寧昨日在例行記者會上表示，"
        "中方對軍艦過航海峽全程跟蹤監視，依法依規予以處置。"
    )
    published = datetime(2025, 1, 23, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    ((_, target),) = wanted(text, language="zh", published=published, local_zone=published.tzinfo, speakers=SPEAKERS_ZH)
    assert target.days == (date(2025, 1, 22),)
    assert target.until is None  # named in the quote's own sentence: no briefing after it is looked for


def test_another_ministrys_spokesperson_is_no_briefing() -> None:
    text = (
        "外交部发言人毛宁表示，中方敦促有关方面停止挑衅。国防部发言人昨晚回应称，有关舰艇依法正常航行，并无挑衅意图。"
    )
    published = datetime(2025, 1, 23, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    quotes = extract_quotes(text, language="zh", speakers=SPEAKERS_ZH)
    got = targets(quotes, text, published=published, local_zone=published.tzinfo, language="zh", speakers=SPEAKERS_ZH)
    assert [(q.speaker, t is not None) for q, t in zip(quotes, got, strict=True)] == [
        ("外交部发言人毛宁", True),
        ("国防部发言人昨晚", False),
    ]


def _cited(text: str) -> list[tuple[str, str, str | None]]:
    quoted = wanted(
        text,
        language="en",
        published=datetime(2022, 3, 8, 20, 0, tzinfo=NEW_YORK),
        local_zone=NEW_YORK,
        speakers=SPEAKERS,
    )
    assert all(text[q.start : q.end] == q.text for q, _ in quoted)
    return [(q.kind, q.text, q.context) for q, _ in quoted]


def test_a_reported_clause_that_quotes_some_of_its_words_is_cited_through_them() -> None:
    # The writer's quote marks are the claim to check: the clause is the quoted words' context, not a citation.
    text = 'Ned Price said on Tuesday that Washington would "never recognise" the vote in the occupied provinces.'
    assert _cited(text) == [
        ("direct", "never recognise", 'Washington would "never recognise" the vote in the occupied provinces')
    ]


def test_the_rest_of_a_clause_that_quotes_some_of_its_words_is_cited_on_its_own() -> None:
    text = (
        'Ned Price said on Tuesday the US was "concerned" by the reports, but would wait for the final report '
        "before drawing any conclusions."
    )
    assert _cited(text) == [
        ("direct", "concerned", 'the US was "concerned" by the reports'),
        ("reported", "would wait for the final report before drawing any conclusions", None),
    ]


def test_a_quote_that_is_the_whole_statement_has_no_context() -> None:
    text = '"The embargo will stay in place until the vote," Ned Price said on Tuesday.'
    assert _cited(text) == [("direct", "The embargo will stay in place until the vote,", None)]


def test_a_day_in_the_reported_clause_a_quote_stands_in_dates_what_was_reported() -> None:
    # "on Friday" dates the call she reported, not the briefing: with it masked, the story's "yesterday" does.
    text = (
        'Ned Price yesterday vowed to "keep pressing" for the release.\n\n'
        'Price told reporters the case was "a top priority for the department" and said he had raised it with '
        "the Tarsovian foreign minister on Friday."
    )
    quoted = wanted(
        text,
        language="en",
        published=datetime(2022, 6, 21, 6, 30, tzinfo=NEW_YORK),
        local_zone=NEW_YORK,
        speakers=SPEAKERS,
    )
    assert {(q.text, t.days) for q, t in quoted if q.kind == "direct"} == {
        ("keep pressing", (date(2022, 6, 20),)),
        ("a top priority for the department", (date(2022, 6, 20),)),
    }


def test_a_surname_alone_is_the_one_listed_spokesperson_of_that_name_in_a_report_on_their_ministry() -> None:
    speakers = load_speakers(
        "speakers.yaml",
        text="""\
speakers:
  - {id: randhir-jaiswal, ministry: IN, names: [Randhir Jaiswal]}
  - {id: wang-wenbin, ministry: CN, names: [Wang Wenbin]}
  - {id: wang-yi, ministry: CN, names: [Wang Yi]}
""",
    )
    kolkata = ZoneInfo("Asia/Kolkata")

    def cited(text: str) -> list[tuple[str, str | None]]:
        published = datetime(2026, 12, 2, 10, 0, tzinfo=kolkata)
        quoted = wanted(text, language="en", published=published, local_zone=kolkata, speakers=speakers)
        return [(target.ministry, target.spokesperson_id) for _, target in quoted]

    text = "India's foreign ministry rejected the claims.\n\nJaiswal said India does not interfere in others' affairs."
    assert cited(text) == [("IN", "randhir-jaiswal")]
    # Not when the report is about no ministry of his, nor when the name is two listed speakers'.
    assert cited("Jaiswal said India does not interfere in others' affairs.") == []
    assert cited("China's foreign ministry hit back.\n\nWang said China opposed the sanctions.") == []


def test_the_rest_of_a_clause_around_a_longer_quote_is_cited_on_its_own() -> None:
    # No reported clause is extracted around a quote of several words; its other part is a statement still.
    text = (
        'Ned Price said on Tuesday the two countries "have a comprehensive partnership for a new era" and that '
        "Washington would not accept interference by any third party."
    )
    assert _cited(text) == [
        (
            "direct",
            "have a comprehensive partnership for a new era",
            'the two countries "have a comprehensive partnership for a new era"',
        ),
        ("reported", "Washington would not accept interference by any third party", None),
    ]


def test_a_clause_is_not_cut_inside_the_quote_it_holds_nor_where_the_writer_goes_on() -> None:
    text = (
        "Ned Price said on Tuesday that Washington “would not accept the ruling, but would keep talking” with "
        "Manila about the shoal."
    )
    assert _cited(text) == [
        (
            "direct",
            "would not accept the ruling, but would keep talking",
            "Washington “would not accept the ruling, but would keep talking” with Manila about the shoal",
        )
    ]
    # ", but gave no details": the writer's narration, not a second statement.
    text = 'Ned Price said on Tuesday the US was "deeply concerned" by the arrests, but gave no details.'
    assert [kind for kind, _, _ in _cited(text)] == ["direct"]


def test_a_chinese_clause_keeps_its_second_part_and_a_traditional_context_is_as_written() -> None:
    published = datetime(2025, 3, 10, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

    def cited(text: str) -> list[tuple[str, str, str | None]]:
        found = wanted(text, language="zh", published=published, local_zone=published.tzinfo, speakers=SPEAKERS_ZH)
        return [(q.kind, q.text, q.context) for q, _ in found]

    assert cited("外交部发言人毛宁10日表示，中方对此“坚决反对”，并将采取必要措施。") == [
        ("direct", "坚决反对", "中方对此“坚决反对”"),
        ("reported", "将采取必要措施", None),
    ]
    assert cited("外交部發言人毛寧10日表示，中方對此“堅決反對”，並將採取必要措施維護自身權益。") == [
        ("direct", "堅決反對", "中方對此“堅決反對”"),
        ("reported", "將採取必要措施維護自身權益", None),
    ]


def test_the_occasion_a_clause_runs_on_to_still_dates_the_briefing() -> None:
    text = "Ned Price said Washington “firmly opposes the new export rules” at a regular press briefing on Monday."
    quoted = wanted(
        text,
        language="en",
        published=datetime(2022, 3, 8, 20, 0, tzinfo=NEW_YORK),
        local_zone=NEW_YORK,
        speakers=SPEAKERS,
    )
    assert [t.days for _, t in quoted] == [(date(2022, 3, 7),)]


def test_a_surname_another_title_gives_is_not_the_spokespersons() -> None:
    speakers = load_speakers(
        "speakers.yaml", text="speakers:\n  - {id: yoshimasa-hayashi, ministry: JP, names: [Yoshimasa Hayashi]}\n"
    )
    tokyo = ZoneInfo("Asia/Tokyo")
    text = (
        "Japan's foreign ministry lodged a protest with Beijing.\n\n"
        "Chief Cabinet Secretary Hayashi told a news conference the incursion was unacceptable.\n\n"
        '"We will respond calmly and resolutely," Hayashi said.'
    )
    published = datetime(2024, 3, 4, 20, 0, tzinfo=tokyo)
    assert wanted(text, language="en", published=published, local_zone=tokyo, speakers=speakers) == ()


def test_a_spokesperson_the_speakers_file_does_not_list_yet_speaks_for_the_ministry_named_before() -> None:
    published = datetime(2026, 12, 2, 1, 0, tzinfo=MOSCOW)
    english = (
        "State Department deputy spokesman Peter Quill said on Tuesday that the Secretary would travel to Lutheria. "
        "Poland's foreign ministry spokesman Jan Kowalski said on Tuesday that Warsaw would wait. "
        "A spokesperson for Ostland said on Tuesday that the talks would go on."
    )
    assert [(t.ministry, t.days) if t else None for _, t in found(english, "en", published)] == [
        ("US", (date(2026, 12, 1),)),
        None,
        None,
    ]
    russian = (
        "Официальный представитель Госдепартамента США Тэмми Брюс заявила во вторник, что госсекретарь "
        "посетит Лютерию. Официальный представитель МИД Польши Павел Врона заявил во вторник, что Варшава "
        "дождётся решения союзников."
    )
    assert [t.ministry if t else None for _, t in found(russian, "ru", published)] == ["US", None]
    # A party's name after the ministry is no name of a person, in a report that also quotes Zakharova.
    mixed = (
        "Мария Захарова заявила во вторник, что Москва ответит на высылку дипломатов. Представитель МИД Польши "
        "Врона заявил во вторник, что Варшава дождётся решения союзников."
    )
    assert [t.ministry if t else None for _, t in found(mixed, "ru", published)] == ["RU", None]


def test_the_state_department_in_chinese_is_the_us_ministry() -> None:
    text = "美国国务院发言人塔米·布鲁斯1日在例行记者会上表示，美方尚未就向奥斯特兰提供更多防空系统作出任何决定。"
    published = datetime(2026, 12, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    ((quote, target),) = found(text, "zh", published)
    assert quote == "美方尚未就向奥斯特兰提供更多防空系统作出任何决定"
    assert target is not None
    assert (target.ministry, target.days) == ("US", (date(2026, 12, 1),))


def test_the_shipped_speakers_file_names_us_and_indian_spokespersons_in_chinese_and_russian() -> None:
    from pathlib import Path

    shipped = load_speakers(Path(__file__).resolve().parents[3] / "config" / "speakers.yaml")
    published = datetime(2026, 12, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    for text, language in (
        ("塔米·布鲁斯1日表示，美方尚未就向奥斯特兰提供更多防空系统作出任何决定。", "zh"),
        ("Тэмми Брюс заявила во вторник, что госсекретарь на следующей неделе посетит Лютерию.", "ru"),
        ("Рандхир Джайсвал заявил во вторник, что Нью-Дели внимательно следит за ситуацией.", "ru"),
    ):
        quotes = extract_quotes(text, language=language, speakers=shipped)
        got = targets(
            quotes, text, published=published, local_zone=published.tzinfo, language=language, speakers=shipped
        )
        assert [(t.ministry, t.spokesperson_id) for t in got if t] == [
            ("IN", "randhir-jaiswal") if "Рандхир" in text else ("US", "tammy-bruce")
        ], text


def test_a_spokesperson_quoted_by_surname_alone_speaks_beside_another_named_in_full() -> None:
    # Russian news often writes only "Захарова": a quote's speaker who is a listed spokesperson's surname (or
    # its inflection) names her, even when the report names another ministry's spokesperson in full.
    speakers = load_speakers(
        "speakers.yaml",
        text="""\
speakers:
  - {id: maria-zakharova, ministry: RU, role: spokesperson, names: [Мария Захарова, Захарова]}
  - {id: zhao-lijian, ministry: CN, role: spokesperson, names: [Чжао Лицзянь]}
  - {id: mao-ning, ministry: CN, role: spokesperson, names: [Мао Нин]}
""",
    )
    text = (
        "Захарова не раз критиковала санкции. Официальный представитель МИД КНР Чжао Лицзянь 13 июня заявил, "
        "что Китай против санкций.\n\n"
        "По словам Захаровой, товарооборот двух стран в прошлом году вырос на 14%.\n\n"
        "«Рынок переживёт и это», — сказал Никитин."
    )
    published = datetime(2022, 6, 24, 18, 0, tzinfo=MOSCOW)
    quotes = extract_quotes(text, language="ru", speakers=speakers)
    got = dict(
        zip(
            [q.text for q in quotes],
            targets(quotes, text, published=published, local_zone=MOSCOW, language="ru", speakers=speakers),
            strict=True,
        )
    )
    trade = got["товарооборот двух стран в прошлом году вырос на 14%"]
    assert trade is not None
    assert (trade.ministry, trade.spokesperson_id) == ("RU", "maria-zakharova")
    # "Никитин" begins as "Нин" does, less a letter: no surname of Мао Нин's, and no one's the report names.
    assert got["Рынок переживёт и это"] is None


@pytest.mark.parametrize(
    ("text", "language", "ministry"),
    [
        # A ministry phrase with its country in the report's own language, in a report naming no spokesperson.
        ("俄罗斯外交部发言人表示，美国在近地轨道上留下的碎片比任何其他国家都多。", "zh", "RU"),
        ("俄外交部发言人强调，美方应当停止炒作太空威胁论。", "zh", "RU"),
        ("印度外交部发言人表示，印方将向受灾地区提供救援物资。", "zh", "IN"),
        ("Официальный представитель МИД Китая заявил, что Пекин поддерживает мирные переговоры.", "ru", "CN"),
        ("В МИД Японии заявили, что Токио будет добиваться освобождения моряков.", "ru", "JP"),
    ],
)
def test_a_ministry_phrase_takes_its_country_in_chinese_and_russian(text: str, language: str, ministry: str) -> None:
    published = datetime(2026, 4, 30, 12, 0, tzinfo=ZoneInfo("UTC"))
    quoted = wanted(text, language=language, published=published, local_zone=published.tzinfo, speakers=SPEAKERS_ZH)
    assert [target.ministry for _, target in quoted] == [ministry]


def test_a_date_in_a_sentence_about_another_ministry_does_not_date_a_quote() -> None:
    # The lead dates what the State Department said; Zakharova's words were said "earlier", on a day not given.
    speakers = load_speakers(
        "speakers.yaml",
        text="speakers:\n  - {id: maria-zakharova, ministry: RU, names: [Maria Zakharova, 扎哈罗娃]}\n"
        "  - {id: tommy-pigott, ministry: US, names: [Tommy Pigott, 皮戈特]}\n",
    )
    text = (
        "4月21日，美国国务院副发言人皮戈特称，各国都需要在太空负责任地行事。\n\n"
        "俄罗斯外交部发言人扎哈罗娃此前也指出，美国在近地轨道上留下的碎片比任何其他国家都多。"
    )
    published = datetime(2026, 4, 30, 21, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    quoted = wanted(text, language="zh", published=published, local_zone=published.tzinfo, speakers=speakers)
    days = {target.spokesperson_id: target.days for _, target in quoted}
    assert days["tommy-pigott"] == (date(2026, 4, 21),)
    assert date(2026, 4, 21) not in days["maria-zakharova"]
    assert days["maria-zakharova"][0] == date(2026, 4, 30)  # the window before publication


def test_a_chinese_clause_going_on_to_another_speech_verb_is_cited_as_two_statements() -> None:
    text = (
        "中国外交部发言人毛宁6日表示，中方将以建设性方式参与债务处理，并强调多边金融机构和商业债权人必须承担主要责任。"
    )
    published = datetime(2026, 5, 9, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    quoted = wanted(text, language="zh", published=published, local_zone=published.tzinfo, speakers=SPEAKERS_ZH)
    assert [q.text for q, _ in quoted] == ["中方将以建设性方式参与债务处理", "多边金融机构和商业债权人必须承担主要责任"]
    assert all(text[q.start : q.end] == q.text for q, _ in quoted)
    assert {target.spokesperson_id for _, target in quoted} == {"mao-ning"}
    # "但" goes on within one statement: the clause stays whole.
    one = wanted(
        text.replace("并强调", "但"),
        language="zh",
        published=published,
        local_zone=published.tzinfo,
        speakers=SPEAKERS_ZH,
    )
    assert len(one) == 1


def test_its_spokesman_is_the_spokesman_of_the_country_before_it() -> None:
    # The paragraph before names a State Department spokesman; "its" is India, the subject of the sentence.
    text = (
        "At the State Department, Ned Price said that every government has a responsibility to its own people.\n\n"
        "India, which has doses stuck abroad, struck the most pragmatic note: its spokesman said on Friday that "
        "India's programme \u201cis not dependent on any single supplier\u201d."
    )
    quoted = found(text, "en", datetime(2026, 4, 27, 9, 0, tzinfo=NEW_YORK))
    ministries = {quote: target.ministry if target else None for quote, target in quoted}
    assert ministries["is not dependent on any single supplier"] == "IN"
    # Without the pronoun, the spokesman is the one the report names nearest.
    plain = found(text.replace("its spokesman", "a spokesman"), "en", datetime(2026, 4, 27, 9, 0, tzinfo=NEW_YORK))
    assert {q: t.ministry if t else None for q, t in plain}["is not dependent on any single supplier"] == "US"


@pytest.mark.parametrize(
    "text",
    [
        # A verb inside a longer word, and a 并称 after a 。 whose subject is another party's.
        "毛宁6日表示，中方将以建设性方式参与债务处理，并称之为负责任大国的应有之举。",
        "毛宁6日表示，中方对此表示严重关切。美方对此并不认同，并称中方的指责毫无根据可言。",
    ],
)
def test_a_chinese_clause_is_not_cut_at_a_word_holding_a_verb_nor_after_its_sentence(text: str) -> None:
    published = datetime(2026, 5, 9, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    quoted = wanted(text, language="zh", published=published, local_zone=published.tzinfo, speakers=SPEAKERS_ZH)
    assert len(quoted) == 1


@pytest.mark.parametrize(
    "text",
    [
        # The other party a ministry's answer names, a country whose name starts like another's, the BBC.
        "外交部发言人22日表示，美方应立即停止对台军售，停止发出错误信号。",
        "印度尼西亚外交部发言人表示，各方应保持克制，避免局势升级。",
        "英国广播公司报道，外交部发言人表示，各方应保持克制，避免局势升级。",
    ],
)
def test_a_ministry_is_not_given_the_country_of_another_party_nearby(text: str) -> None:
    published = datetime(2026, 4, 30, 12, 0, tzinfo=ZoneInfo("UTC"))
    quoted = wanted(text, language="zh", published=published, local_zone=published.tzinfo, speakers=SPEAKERS_ZH)
    assert {target.ministry for _, target in quoted} <= {"CN"}


def test_its_spokesman_belongs_to_the_sentences_subject_not_a_country_in_an_aside() -> None:
    text = (
        "At the State Department, Ned Price said that every government has a responsibility to its own people.\n\n"
        "China, angered by the Japanese decision, which has told us little, struck back: its spokesman said on "
        "Friday that Beijing \u201cwill not accept any unilateral change\u201d."
    )
    quoted = found(text, "en", datetime(2026, 4, 27, 9, 0, tzinfo=NEW_YORK))
    assert {q: t.ministry if t else None for q, t in quoted}["will not accept any unilateral change"] == "CN"


def test_a_bylines_date_is_the_reports_own_not_the_briefings() -> None:
    # "By a staff writer, 18 November 2026" opens the body; the briefing was the day before, as the lead says.
    text = (
        "By a staff writer, 18 November 2026\n\n"
        "China on Tuesday urged both sides to exercise restraint and return to the negotiating table.\n\n"
        "State Department spokesman Ned Price said the United States was ready to help with the talks."
    )
    published = datetime(2026, 11, 18, 8, 30, tzinfo=ZoneInfo("Europe/London"))
    (target,) = [t for _, t in found(text, "en", published) if t is not None][-1:]
    assert target.days == (date(2026, 11, 17),)


def test_japans_press_secretary_is_the_foreign_ministrys_and_a_white_house_one_is_not() -> None:
    # Japan's foreign ministry speaks through its press secretary; a press secretary of no named country or
    # of a head of government is no ministry's.
    text = (
        "Japan's press secretary said on Tuesday that Tokyo would send 4 million doses of vaccine.\n\n"
        "The White House press secretary said on Tuesday that Washington would match the pledge."
    )
    found = ministries(text, datetime(2023, 6, 14, 20, 0, tzinfo=TOKYO))
    assert [m for _, m in found] == ["JP", None]


def test_a_role_of_a_named_country_is_that_countrys_whoever_else_the_report_names() -> None:
    # In a report naming Britain's Foreign Secretary, "Beijing's spokespeople" are still China's; an embassy's
    # spokesman is not the ministry's briefing.
    text = (
        "Beijing's spokespeople insist that developed countries must honour their commitments to the fund.\n\n"
        "The Chinese embassy spokesman said that China had paid its share in full.\n\n"
        'James Cleverly said last week: "The UK has delivered every pound it pledged."'
    )
    found = ministries(text, datetime(2023, 6, 14, 20, 0, tzinfo=TOKYO))
    assert [m for _, m in found] == ["CN", None, "GB"]


def test_an_official_or_another_office_is_no_ministrys_spokesperson() -> None:
    # "A US official" may be anyone; a listed name in another office (a prime minister), a government spokesman
    # and a mission abroad are not the foreign ministry's briefing.
    speakers = load_speakers(
        "speakers.yaml",
        text="""\
speakers:
  - {id: tammy-bruce, ministry: US, names: [Tammy Bruce]}
  - {id: kishida-fumio, ministry: JP, role: minister, names: [Fumio Kishida]}
""",
    )
    text = (
        'Tammy Bruce said on Tuesday that "the talks are over".\n\n'
        "A US official said the sanctions would stay in place.\n\n"
        "Prime Minister Fumio Kishida said Tokyo would send aid.\n\n"
        "A spokesperson for Russia's UN mission said the vote was flawed."
    )
    quotes = extract_quotes(text, language="en", speakers=speakers)
    published = datetime(2023, 6, 14, 20, 0, tzinfo=TOKYO)
    got = targets(quotes, text, published=published, local_zone=TOKYO, language="en", speakers=speakers)
    found = [(q.speaker, t.ministry if t else None) for q, t in zip(quotes, got, strict=True)]
    assert found[2:] == [("Prime Minister Fumio Kishida", None), ("A spokesperson for Russia's UN mission", None)]
    # The official is not the one spokesperson the report names.
    assert found[1][0] == "A US official"
    assert got[1] is None or got[1].spokesperson_id is None
