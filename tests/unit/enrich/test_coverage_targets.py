"""Which briefing a quote reports (pipeline/enrich/coverage/targets.py): a country speaking for its ministry,
and dates inside the quote."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

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


def test_a_country_speaking_in_a_report_about_another_ministry_is_no_briefing() -> None:
    text = (
        "Russia said on Tuesday that the pipeline would reopen next month.\n\n"
        '"We see no obstacles," State Department spokesman Ned Price told reporters.'
    )
    assert found(text, "en", datetime(2022, 3, 8, 20, 0, tzinfo=NEW_YORK))[0][1] is None


def test_a_date_inside_the_quote_is_not_the_briefings_day() -> None:
    text = (
        "Мария Захарова в среду провела брифинг.\n\n"
        "Захарова напомнила, что 2 ноября в Минске состоялись консультации по визовым вопросам."
    )
    reported = found(text, "ru", datetime(2022, 11, 24, 10, 0, tzinfo=MOSCOW))[-1]
    assert reported[0] == "2 ноября в Минске состоялись консультации по визовым вопросам"
    assert reported[1] is not None
    assert reported[1].days == (date(2022, 11, 23),)
