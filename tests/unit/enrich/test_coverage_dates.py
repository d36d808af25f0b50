"""Relative dates in news reports resolved against the publication day (pipeline.enrich.coverage.dates)."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.enrich.coverage.dates import briefing_days, relative_to_story, resolve, window

MONDAY = date(2021, 4, 26)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Wang said at a regular press conference in Beijing on Monday.", "en", date(2021, 4, 26)),
        ("Last Thursday, Wang said China had no intention of taking part.", "en", date(2021, 4, 22)),
        ("the spokesman said yesterday", "en", date(2021, 4, 25)),
        ("A day earlier, the ministry said", "en", date(2021, 4, 25)),
        ("he told reporters on Friday", "en", date(2021, 4, 23)),
        ("Last Monday the ministry said", "en", date(2021, 4, 19)),
        ("at the briefing on April 22", "en", date(2021, 4, 22)),
        ("at the briefing on 22 April 2021", "en", date(2021, 4, 22)),
        ("Захарова заявила в четверг", "ru", date(2021, 4, 22)),
        ("накануне официальный представитель МИД", "ru", date(2021, 4, 25)),
        ("22 апреля Захарова заявила", "ru", date(2021, 4, 22)),
        ("外交部发言人汪文斌22日表示", "zh", date(2021, 4, 22)),
        ("汪文斌昨天表示", "zh", date(2021, 4, 25)),
        ("上周四汪文斌表示", "zh", date(2021, 4, 22)),
        ("外交部发言人4月22日表示", "zh", date(2021, 4, 22)),
    ],
)
def test_expressions_resolve_to_the_day_before_or_of_publication(text: str, language: str, expected: date) -> None:
    found = resolve(text, MONDAY, language)
    assert found is not None
    assert found.days == (expected,)


def test_a_future_date_is_last_year_and_a_lowercase_may_is_a_verb() -> None:
    found = resolve("at the briefing on December 30", MONDAY, "en")
    assert found is not None
    assert found.days == (date(2020, 12, 30),)
    assert resolve("the talks may 3 times fail", MONDAY, "en") is None


def test_the_first_text_with_a_date_decides_and_none_gives_none() -> None:
    assert briefing_days(["no date here", "said on Tuesday"], date(2021, 4, 28), "en") is not None
    assert briefing_days(["no date here", "nor here"], MONDAY, "en") is None
    assert window(MONDAY, 2) == (MONDAY, date(2021, 4, 25), date(2021, 4, 24))


def test_a_26th_after_today_is_last_month() -> None:
    found = resolve("汪文斌26日表示", date(2021, 5, 3), "zh")
    assert found is not None
    assert found.days == (date(2021, 4, 26),)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("no extension after April 2", "en"),
        ("the visit from March 10-12", "en"),
        ("продление до 2 апреля", "ru"),
        ("until April 1 at the latest", "en"),
        ("会谈推迟到4月2日举行", "zh"),
    ],
)
def test_a_date_that_bounds_or_is_to_come_never_dates_a_briefing(text: str, language: str) -> None:
    # Each date is before the 6 April publication: only the word before it says it is not when it was said.
    assert resolve(text, date(2021, 4, 6), language) is None


def test_a_day_earlier_counts_back_from_the_day_the_story_last_named() -> None:
    story = "Asked about the reports on Tuesday, the spokesperson denied them. "
    earlier = resolve("A day earlier, Wang had said", date(2024, 5, 23), "en")
    assert earlier is not None
    assert earlier.days == (date(2024, 5, 22),)  # from publication, alone
    anchored = relative_to_story(earlier, story, date(2024, 5, 23), "en")
    assert anchored.days == (date(2024, 5, 20),)  # the Tuesday was the 21st
    # Nothing named before it, or another kind of expression: unchanged.
    assert relative_to_story(earlier, "No day here. ", date(2024, 5, 23), "en") == earlier
    monday = resolve("on Monday", date(2024, 5, 23), "en")
    assert monday is not None
    assert relative_to_story(monday, story, date(2024, 5, 23), "en") == monday


def test_a_day_and_month_far_back_in_last_year_is_a_day_to_come() -> None:
    # Written on 5 April: "7 апреля проведёт переговоры" is the 7th to come, not last year's.
    assert resolve("Лавров 7 апреля проведёт переговоры", date(2023, 4, 5), "ru") is None
    found = resolve("at the briefing on December 30", date(2021, 2, 3), "en")
    assert found is not None
    assert found.days == (date(2020, 12, 30),)


def test_weeks_and_months_name_their_days_and_a_day_named_elsewhere_wins() -> None:
    monday = date(2024, 9, 23)
    week = resolve("the ministry said last week", monday, "en")
    assert week is not None
    assert (max(week.days), min(week.days), len(week.days)) == (date(2024, 9, 22), date(2024, 9, 16), 7)
    for text, language in (("на прошлой неделе", "ru"), ("上周", "zh")):
        found = resolve(text, monday, language)
        assert found is not None
        assert found.days == week.days
    month = resolve("In May 2023, the spokesman said", monday, "en")
    assert month is not None
    assert (min(month.days), max(month.days)) == (date(2023, 5, 1), date(2023, 5, 31))
    # In the quote's own sentence a week stands; elsewhere it gives way to a day named later.
    assert briefing_days(["said last week", "on Wednesday"], monday, "en") == week
    wednesday = resolve("on Wednesday", monday, "en")
    assert briefing_days(["no date", "had warned last week", "on Wednesday"], monday, "en") == wednesday
    assert briefing_days(["no date", "had warned last week"], monday, "en") == week


def test_vague_expressions_are_known_by_their_kind_not_their_length() -> None:
    tuesday = date(2024, 9, 24)
    # "this week" written on a Tuesday names two days; still a week, so a day named later wins.
    found = briefing_days(["no date", "this week", "on Friday"], tuesday, "en")
    assert found is not None
    assert found.expression == "on Friday"
    # A month to come, the modal "may", a month followed by its day: not a month of briefings.
    assert resolve("in September", date(2025, 4, 10), "en") is None
    assert resolve("talks in may fail", date(2025, 6, 10), "en") is None
    found = resolve("in March 10 talks", date(2025, 6, 10), "en")
    assert found is not None
    assert found.days == (date(2025, 3, 10),)


def test_a_day_earlier_counts_back_only_from_a_day_the_story_names() -> None:
    earlier = resolve("A day earlier, Wang had said", date(2024, 5, 23), "en")
    assert earlier is not None
    # "until May 10" is a limit, "last week" not a day: neither anchors it.
    assert relative_to_story(earlier, "The truce holds until May 10. ", date(2024, 5, 23), "en") == earlier
    anchored = relative_to_story(
        earlier, "Asked on Tuesday, he declined. Talks resumed last week. ", date(2024, 5, 23), "en"
    )
    assert anchored.days == (date(2024, 5, 20),)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("Thirteen months ago his colleague said", date(2023, 4, 1), date(2023, 4, 30)),
        ("last month the ministry warned", date(2024, 4, 1), date(2024, 4, 30)),
        ("three weeks ago", date(2024, 4, 29), date(2024, 5, 5)),
        ("a week ago", date(2024, 5, 13), date(2024, 5, 19)),
    ],
)
def test_weeks_and_months_ago_are_that_week_or_month(text: str, first: date, last: date) -> None:
    found = resolve(text, date(2024, 5, 24), "en")
    assert found is not None
    assert (min(found.days), max(found.days), found.vague) == (first, last, True)


@pytest.mark.parametrize(
    "text",
    ["in the last months of the war", "at last monthly meeting", "for the last month of his term", "0 weeks ago"],
)
def test_what_only_looks_like_weeks_or_months_ago_names_no_day(text: str) -> None:
    assert resolve(text, date(2024, 5, 15), "en") is None


def test_a_day_named_in_a_text_wins_over_a_month_named_before_it() -> None:
    text = "Lin Jian, who attended last month's summit, said on Monday that it would go on. Talks began a month ago."
    found = briefing_days([text], date(2024, 5, 15), "en")
    assert found is not None
    assert found.days == (date(2024, 5, 13),)


@pytest.mark.parametrize(
    "text",
    [
        # A day still to come, or an event's in the possessive.
        "Zhao accused the US of meddling ahead of Sunday's vote there",
        "On Tarsovia, where a presidential election will be held Sunday, Hayashi said Japan would respond",
        "Sunday's vote was rigged, he said",
        # What an opening "Asked about ...," clause asked about.
        "Zhao Asked about a tanker boarded in the strait on Sunday night, Zhao said he had no information",
        "Responding to Sunday's vote, the spokesperson said",
        # A limit: the fishermen held since Friday.
        "On the 22 fishermen held by Calderia since Friday, Jaiswal said New Delhi wanted them freed",
    ],
)
def test_a_day_of_another_event_in_the_sentence_does_not_date_the_briefing(text: str) -> None:
    assert resolve(text, date(2022, 6, 14), "en") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("At yesterday's MFA briefing, Zhao said", date(2022, 6, 13)),
        ("at Monday's regular press conference, she said", date(2022, 6, 13)),
        ("Asked on Monday about the tanker, Zhao said", date(2022, 6, 13)),
        ("Speaking at Tuesday's regular foreign ministry briefing, Mao said", date(2022, 6, 14)),
        ("at Tuesday's daily press-briefing, he said", date(2022, 6, 14)),
        ("Asked about United Nations reform on Monday, Mao said", date(2022, 6, 13)),
        ("Asked about the issue at a scheduled briefing on Monday, Mao said", date(2022, 6, 13)),
        ("Sunday's vote was rigged, Zhao said on Monday", date(2022, 6, 13)),
    ],
)
def test_a_day_of_the_briefing_or_of_the_asking_still_dates_it(text: str, expected: date) -> None:
    found = resolve(text, date(2022, 6, 14), "en")
    assert found is not None
    assert found.days == (expected,)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Неделей ранее Захарова сообщала, что моряки на связи с родственниками.", "ru"),
        ("A week earlier, Zakharova had said the sailors were in contact with their families.", "en"),
        ("赵立坚一周前表示，船员身体状况良好。", "zh"),
    ],
)
def test_a_week_earlier_is_that_weekday_a_week_back_from_the_story_or_publication(text: str, language: str) -> None:
    published = date(2022, 6, 29)  # a Wednesday
    found = resolve(text, published, language)
    assert found is not None
    assert found.days == (date(2022, 6, 23), date(2022, 6, 22), date(2022, 6, 21))
    # From the day the story named last ("on Monday" of the same week), not from publication.
    before = "On Monday, the ministry said the talks would go on. " if language == "en" else "27日，外交部表示。"
    if language == "ru":
        before = "В понедельник МИД сообщил о переговорах. "
    assert relative_to_story(found, before, published, language).days == (
        date(2022, 6, 21),
        date(2022, 6, 20),
        date(2022, 6, 19),
    )


@pytest.mark.parametrize(
    "text", ["a week before the summit, Zakharova said talks were possible", "the previous week, Wang said"]
)
def test_a_week_before_an_event_or_the_previous_week_is_no_week_back(text: str) -> None:
    found = resolve(text, date(2022, 6, 29), "en")
    assert found is None or found.days != (date(2022, 6, 23), date(2022, 6, 22), date(2022, 6, 21))
