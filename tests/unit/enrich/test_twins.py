"""Twin briefings without translation: shared figures, dates and names; the day a briefing was held; exchanges
aligned with the one a version left out flagged; two briefings of one day told apart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pipeline.enrich.twins import Briefing, ExchangeView, align, held_day, pair_briefings
from pipeline.enrich.twins.features import features

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("累计开行1.5万列", "15,000 trips were made"),
        ("发送货物160万标箱", "1.6 million TEUs"),
        ("有望超过2000亿美元", "may exceed 200 billion US dollars"),
        ("同比增长7.2%", "up 7.2 percent"),
        ("3月9日，菲律宾", "On March 9, the Philippines"),
        ("成功救起其中7人", "rescued seven of them"),
    ],
)
def test_a_figure_or_date_gives_the_same_key_in_both_scripts(chinese: str, english: str) -> None:
    assert features(chinese) & features(english)


def test_russian_dates_names_and_number_words_meet_their_english_ones() -> None:
    russian = features("6-7 сентября С.В.Лавров примет участие в саммите в Джакарте. Вернулись ещё шесть детей.")
    english = features("On September 6-7, Sergey Lavrov will attend the summit in Jakarta. Six more children returned.")
    assert {"d9-6", "d9-7", "wjaka", "wlavr", "n6"} <= russian & english


def test_a_day_number_is_not_also_a_figure() -> None:
    assert features("March 9") == {"d3-9"}


def test_the_day_held_comes_from_the_title_before_the_publication_date() -> None:
    published = datetime(2024, 4, 11, 1, 50, tzinfo=UTC)  # 09:50 on April 11 in Beijing
    title = "Foreign Ministry Spokesperson Mao Ning's Regular Press Conference on April 10, 2024"
    assert held_day(title, published, BEIJING, "en") == date(2024, 4, 10)
    assert held_day("2024年4月11日外交部发言人毛宁主持例行记者会", published, BEIJING, "zh") == date(2024, 4, 11)
    assert held_day(None, published, BEIJING, "en") == date(2024, 4, 11)
    assert held_day(None, None, BEIJING, "en") is None


def _exchange(key: str, outlet: str | None, question: str, answer: str) -> ExchangeView:
    return ExchangeView(key, "exchange", question, answer, outlet)


CHINESE = [
    ExchangeView("a0", "announcement", "", "王毅将于4月27日主持视频会议。"),
    _exchange("a1", "cctv", "印度疫情严重。", "中国企业正在赶制印方订购的2.5万台制氧机。"),
    _exchange("a2", "reuters", "欧洲议会本周讨论中欧投资协定。", "中欧投资协定是一份平衡、高水平、互利共赢的协定。"),
    _exchange("a3", "afp", "澳方可能审查达尔文港租约。", "为期99年的租赁是企业间正常商业合作。"),
]
ENGLISH = [
    ExchangeView("b0", "announcement", "", "Wang Yi will chair a video meeting on April 27."),
    _exchange(
        "b1", "cctv", "India is going through a severe wave.", "Chinese makers are making 25,000 oxygen generators."
    ),
    _exchange(
        "b2", "afp", "Australia may review the Darwin lease.", "The 99-year lease was normal commercial cooperation."
    ),
]


def test_the_exchange_one_version_left_out_is_flagged() -> None:
    found = align(CHINESE, ENGLISH)
    assert [(CHINESE[i].key, ENGLISH[j].key) for i, j, _ in found.pairs] == [("a0", "b0"), ("a1", "b1"), ("a3", "b2")]
    assert found.left_unmatched == (2,)
    assert found.right_unmatched == ()


def test_an_exchange_published_in_another_place_is_still_aligned_by_its_outlet_and_figures() -> None:
    moved = [ENGLISH[0], ENGLISH[2], ENGLISH[1]]
    found = align(CHINESE, moved)
    assert {(CHINESE[i].key, moved[j].key) for i, j, _ in found.pairs} == {("a0", "b0"), ("a1", "b1"), ("a3", "b2")}


def test_two_versions_of_different_kinds_are_never_paired() -> None:
    assert align([CHINESE[0]], [ENGLISH[1]]).pairs == ()


def _briefing(key: str, title: str, hours_after: int, exchanges: list[ExchangeView]) -> Briefing:
    published = datetime(2021, 4, 26, 9, 0, tzinfo=UTC) + timedelta(hours=hours_after)
    return Briefing(key, title, "zh" if key.startswith("zh") else "en", published, tuple(exchanges))


def test_briefings_are_twins_only_when_held_on_the_same_day() -> None:
    chinese = [_briefing("zh-26", "2021年4月26日外交部发言人汪文斌主持例行记者会", 0, CHINESE)]
    english = [
        # Published on the 26th too, but the text of the 25th: not its twin.
        _briefing("en-25", "Regular Press Conference on April 25, 2021", 0, ENGLISH),
        _briefing("en-26", "Regular Press Conference on April 26, 2021", 3, ENGLISH),
    ]
    [pair] = pair_briefings(chinese, english, BEIJING, BEIJING)
    assert (pair.left, pair.right, pair.day) == (0, 1, date(2021, 4, 26))


def test_of_two_briefings_on_one_day_each_gets_the_one_its_exchanges_agree_with() -> None:
    other = [_exchange("c0", "tass", "俄方称贸易额将超过2000亿美元。", "中俄经贸合作保持良好势头。")] * 3
    other_en = [_exchange("d0", "tass", "Trade may exceed 200 billion dollars.", "Cooperation keeps its momentum.")] * 3
    title_zh, title_en = "2021年4月26日外交部发言人汪文斌主持例行记者会", "Press Conference on April 26, 2021"
    chinese = [_briefing("zh-a", title_zh, 0, CHINESE), _briefing("zh-b", title_zh, 1, other)]
    english = [_briefing("en-b", title_en, 2, other_en), _briefing("en-a", title_en, 3, ENGLISH)]
    found = {(chinese[p.left].key, english[p.right].key) for p in pair_briefings(chinese, english, BEIJING, BEIJING)}
    assert found == {("zh-a", "en-a"), ("zh-b", "en-b")}


def test_two_briefings_of_one_day_that_share_nothing_are_not_twins() -> None:
    title_zh, title_en = "2021年4月26日外交部发言人汪文斌主持例行记者会", "Press Conference on April 26, 2021"
    unrelated = [_exchange("x", "tass", "Trade may exceed 200 billion dollars.", "Cooperation keeps momentum.")] * 4
    chinese = [_briefing("zh", title_zh, 0, CHINESE)]
    assert pair_briefings(chinese, [_briefing("en", title_en, 2, unrelated)], BEIJING, BEIJING) == []
