"""Which day a news report says a briefing was held: "on Monday", "last Thursday", "yesterday", "a day
earlier", "on April 26", 昨天, 周一, 26日, "в понедельник", "накануне", resolved against the report's
publication date in its own time zone.

:func:`briefing_days` reads the sentence that attributes a quote, then its paragraph, then the report's lead:
the first expression found decides. None found, the caller falls back to a window of days before
publication (:data:`WINDOW_DAYS`). Every resolved day is on or before the publication day: news reports the
past; "on Friday" written on a Wednesday is the Friday before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

#: A day and month still to come this year is last year's only this far back ("on December 30" in April);
#: further back, news would write the year, so it is a day to come ("7 апреля проведёт переговоры").
LAST_YEAR_DAYS = 180

#: Without a date in the text, the briefings of the publication day and of this many days before it are
#: candidates: a report a weekend and a holiday after the briefing still finds it.
WINDOW_DAYS = 3
#: The most days one expression names ("in September"): the catalog bounds its look-ups by it.
MAX_SPAN_DAYS = 31

_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: English month names, lower case (also read by the twins' date features).
EN_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
#: Russian weekdays as written after "в/во" (accusative) and in other cases, by stem.
_RU_WEEKDAYS = ("понедельник", "вторник", "сред", "четверг", "пятниц", "суббот", "воскресень")
_RU_MONTHS = ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр")
_ZH_WEEKDAYS = "一二三四五六日"

#: Counts in words, for "three weeks ago", "thirteen months ago".
_EN_COUNTS = (
    *("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen"),
    *("fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"),
)
#: "A week earlier" in each language (not "the previous week", which is last week's; nor "a week before the
#: summit", which counts from the summit).
_WEEK_BEFORE_EN = r"a week earlier|(?:a|the) week before(?!\s+(?:the|a|an|his|her|its|their|this|that)\b)"
_WEEK_BEFORE_RU = r"неделей (?:ранее|раньше)|за неделю до этого"
_WEEK_BEFORE_ZH = r"一周前|一星期前|一个星期前"
_MONTH_NAMES = "|".join(EN_MONTHS) + r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
_EN = re.compile(
    r"\b(?:(?P<lastweek>last week)|(?P<thisweek>earlier this week|this week)"
    r"|in (?P<month3>" + "|".join(EN_MONTHS) + r")(?:,? (?P<year3>\d{4}))?\b(?! \d)"
    r"|(?P<yesterday>yesterday)|(?P<today>today|this (?:morning|afternoon|evening))"
    r"|(?P<earlier>a day earlier|the day before|the previous day|the preceding day)"
    r"|(?P<weekearlier>" + _WEEK_BEFORE_EN + ")"
    r"|(?P<ago>two|three|2|3) days ago"
    r"|(?<![\w-])(?P<count>a|an|one|\d{1,2}|" + "|".join(_EN_COUNTS) + r") (?P<unit>weeks?|months?) ago"
    r"|(?<!the )(?P<lastmonth>last month)(?![\w'’])"
    r"|(?P<last>last|this past|this|on|on last)?\s*(?P<weekday>" + "|".join(_EN_WEEKDAYS) + r")\b"
    r"|(?:on )?(?P<month1>" + _MONTH_NAMES + r")\.? (?P<day1>\d{1,2})(?:st|nd|rd|th)?\b(?:,? (?P<year1>\d{4}))?"
    r"|(?:on )?(?P<day2>\d{1,2})(?:st|nd|rd|th)? (?:of )?(?P<month2>"
    + _MONTH_NAMES
    + r")\b\.?(?:,? (?P<year2>\d{4}))?)",
    re.IGNORECASE,
)
_RU = re.compile(
    r"(?<!\w)(?:(?P<lastweek>на прошлой неделе)|(?P<thisweek>на этой неделе)"
    r"|(?P<yesterday>вчера|накануне)|(?P<today>сегодня)|(?P<before>позавчера)"
    r"|(?P<weekearlier>" + _WEEK_BEFORE_RU + ")"
    r"|(?:в|во) (?P<last>прошл(?:ый|ую|ое) )?(?P<weekday>" + "|".join(_RU_WEEKDAYS) + r")\w*"
    r"|(?P<day>\d{1,2}) (?P<month>" + "|".join(_RU_MONTHS) + r")[а-я]*(?: (?P<year>\d{4}))?)",
    re.IGNORECASE,
)
_ZH = re.compile(
    r"(?P<lastweek>上周|上星期)(?![一二三四五六日天])|(?P<thisweek>本周|这周)(?![一二三四五六日天])|(?P<yesterday>昨天|昨日)|(?P<today>今天|今日|当天|当日)|(?P<before>前天|前日)"
    r"|(?P<weekearlier>" + _WEEK_BEFORE_ZH + ")"
    r"|(?P<last>上)?(?:周|星期|礼拜)(?P<weekday>[一二三四五六日天])"
    r"|(?:(?P<year>\d{4})年)?(?:(?P<month>\d{1,2})月)?(?P<day>\d{1,2})日"
)


#: Words before a date that make it a limit or a day to come, not the day something was said.
_BOUND = re.compile(
    r"(?:(?<!\w)(?:after|by|until|till|before|from|through|due|starting|beyond|since|после|до|с|со|к|от)|截至|到|至|推迟)\s*$",
    re.IGNORECASE,
)
#: Words before a day that make it the day of an event still to come, not of what was said ("ahead of
#: Sunday's vote", "an election will be held Sunday", "talks scheduled for Monday").
_AHEAD = re.compile(
    r"(?:ahead\s+of|(?:will|to)\s+be\s+held|scheduled\s+for|set\s+for|planned\s+for|due\s+to\s+\w+)\s*$",
    re.IGNORECASE,
)
#: A day in the possessive names an event ("Sunday's vote"), unless the event is the briefing or what was said
#: there ("at Monday's briefing", "Tuesday's remarks").
_POSSESSIVE = re.compile(r"['’]s\s+(?P<after>[\w-]+(?:\s+[\w-]+){0,4})")
_SAYING = re.compile(r"briefing|press|news|conference|remarks|comments|statement|interview", re.IGNORECASE)
#: An opening "Asked about ...," / "Responding to ...,": a day in it dates what was asked about, not the answer.
_ASKED_ABOUT = re.compile(r"\b(?:Asked|Responding|Commenting|Reacting|Referring)\b[^,.]*,")
#: A participle with its preposition ("boarded in", "seized on", "held off"), or a relative pronoun: what was
#: asked about has an event of its own (lower case: not "United Nations", "Red Sea").
_EVENT_VERB = re.compile(
    r"\b(?:(?:[a-z]+ed|held|seized|taken|made|shot|hit|sunk)\s+(?:in|on|at|off|near|by|from|into|over|during)|which|that|who)\b"
)
_ASKED_OBJECT = re.compile(r"\b(?:about|whether|if|over|regarding|to|on\s+(?:the|a|an|reports?))\s", re.IGNORECASE)
_EARLIER = re.compile(r"a day earlier|the day before|the previous day|the preceding day", re.IGNORECASE)
#: A week before the day the story last named ("Неделей ранее Захарова сообщала", "a week earlier"): that day's
#: weekday a week back, a day either side.
_WEEK_EARLIER = re.compile("|".join((_WEEK_BEFORE_EN, _WEEK_BEFORE_RU, _WEEK_BEFORE_ZH)), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DayReference:
    """A resolved date expression: the ``days`` it may mean (most a few) and the expression as written."""

    days: tuple[date, ...]
    expression: str
    #: A week or a month, not a day ("last week", "in May 2023"): a day named elsewhere wins over it.
    vague: bool = False


def _not_when_said(text: str, match: re.Match[str], asked: list[re.Match[str]]) -> bool:
    """Whether an English day names another event than the saying: one still to come ("ahead of Sunday's
    vote"), one in the possessive that is no briefing ("Sunday's vote", not "Monday's briefing"), or one in an
    opening "Asked about ...," clause ("Asked about a tanker boarded on Sunday, Zhao said ...")."""
    if _AHEAD.search(text, max(0, match.start() - 20), match.start()):
        return True
    possessive = _POSSESSIVE.match(text, match.end())
    if possessive is not None and not _SAYING.search(possessive.group("after")):
        return True  # "Sunday's vote"; not "Tuesday's regular foreign ministry briefing", "daily press-briefing"
    # "Asked on Monday about ..." and "Asked about the reports on Tuesday" date the asking; a day after a verb of
    # what was asked about ("a tanker boarded in the strait on Sunday night") dates that.
    for clause in asked:
        if clause.start() <= match.start() < clause.end():
            about = _ASKED_OBJECT.search(text, clause.start(), match.start())
            if about is not None and _EVENT_VERB.search(text, about.end(), match.start()):
                return True
    return False


def briefing_days(texts: Iterable[str], published: date, language: str | None) -> DayReference | None:
    """The first date expression in ``texts`` (read in order: the quote's sentence, its paragraph, the lead)
    that names a day, else the first that names a week or a month, resolved against the ``published`` day (the
    report's local date); None when no text has one."""
    vague: DayReference | None = None
    for number, text in enumerate(texts):
        # A day the text names wins over a week or a month it names before it ("who attended last month's
        # summit, said on Monday").
        references = list(_references(text, published, language))
        found = next((r for r in references if not r.vague), references[0] if references else None)
        if found is not None and (not found.vague or number == 0):
            return found  # a day, or whatever the quote's own sentence says
        # "last week", "in September": kept unless a later text names a day ("...had warned last week.
        # 'If ...,' she said" in a report of Wednesday's briefing).
        vague = vague or found
    return vague


def resolve(text: str, published: date, language: str | None) -> DayReference | None:
    """The first date expression of ``text`` that resolves to a day on or before ``published``."""
    return next(_references(text, published, language), None)


def _references(text: str, published: date, language: str | None) -> Iterator[DayReference]:
    """The date expressions of ``text`` that resolve (not a limit nor a day to come), per language, in order."""
    for pattern, reader in ((_EN, _english), (_RU, _russian), (_ZH, _chinese)):
        if language not in (None, "en") and pattern is _EN and not _latin_only(text):
            continue
        asked = list(_ASKED_ABOUT.finditer(text)) if pattern is _EN else []
        for match in pattern.finditer(text):
            if _BOUND.search(text, max(0, match.start() - 12), match.start()):
                continue  # "after May 18", "from March 10-12", "до 1 июня", "推迟到5月18日": a limit or a day to come
            if pattern is _EN and _not_when_said(text, match, asked):
                continue
            days = reader(match, published)
            if days:
                vague = any(match.group(g) for g in ("lastweek", "thisweek")) or bool(
                    pattern is _EN and (match.group("month3") or match.group("unit") or match.group("lastmonth"))
                )
                yield DayReference(tuple(days), match.group(0).strip(), vague)


def relative_to_story(reference: DayReference, before: str, published: date, language: str | None) -> DayReference:
    """ "A day earlier" counts back from the day the story last named ("Asked on Tuesday, ... A day earlier,
    Wang had said"), read in ``before`` (the report up to the expression); from publication when it names none."""
    week = _WEEK_EARLIER.fullmatch(reference.expression) is not None
    if not week and not _EARLIER.fullmatch(reference.expression):
        return reference
    named = [
        found
        for found in _references(before, published, language)
        if not found.vague
        and len(found.days) == 1
        and not _EARLIER.fullmatch(found.expression)
        and not _WEEK_EARLIER.fullmatch(found.expression)
    ]
    if not named:
        return reference
    if week:
        return DayReference(_week_before(named[-1].days[0]), reference.expression)
    return DayReference((named[-1].days[0] - timedelta(days=1),), reference.expression)


def _week_before(day: date) -> tuple[date, ...]:
    """A week before ``day``, a day either side, newest first."""
    return tuple(day - timedelta(days=back) for back in (6, 7, 8))


def window(published: date, days: int = WINDOW_DAYS) -> tuple[date, ...]:
    """The publication day and the ``days`` before it, newest first."""
    return tuple(published - timedelta(days=offset) for offset in range(days + 1))


def _latin_only(text: str) -> bool:
    return not re.search(r"[\u0400-\u04ff\u4e00-\u9fff]", text)


def _weekday_before(published: date, weekday: int, *, last: bool) -> date:
    """The latest ``weekday`` on or before ``published`` ("on Monday" written on a Monday is that day); with
    ``last`` ("last Monday", "в прошлый понедельник", 上周一) a week earlier when it is the same weekday, and
    always in an earlier week for 上周."""
    back = (published.weekday() - weekday) % 7
    if last and back == 0:
        back = 7
    return published - timedelta(days=back)


def _dated(year: int | None, month: int, day: int, published: date) -> list[date]:
    """A day-and-month date (the year from publication when not written): the latest such date on or before
    publication, last year's only within :data:`LAST_YEAR_DAYS`; [] for an impossible one or one to come."""
    years = [year] if year else [published.year, published.year - 1]
    for candidate_year in years:
        try:
            found = date(candidate_year, month, day)
        except ValueError:
            return []
        if found <= published:
            if year is None and candidate_year < published.year and (published - found).days > LAST_YEAR_DAYS:
                return []  # "7 апреля проведёт переговоры" written on 5 April: a day to come
            return [found]
    return []


def _english(match: re.Match[str], published: date) -> list[date]:
    week = _week(match, published)
    if week is not None:
        return week
    if match.group("unit") or match.group("lastmonth"):
        return _ago(match, published)
    if match.group("month3"):
        if not match.group("month3")[0].isupper():
            return []  # "in may", "in march": a verb or a noun, not the month
        number = EN_MONTHS.index(match.group("month3").lower()) + 1
        return _month(number, int(match.group("year3")) if match.group("year3") else None, published)
    if match.group("yesterday") or match.group("earlier"):
        return [published - timedelta(days=1)]
    if match.group("weekearlier"):
        return list(_week_before(published))
    if match.group("today"):
        return [published]
    if match.group("ago"):
        return [published - timedelta(days=2 if match.group("ago") in ("two", "2") else 3)]
    if match.group("weekday"):
        qualifier = (match.group("last") or "").lower()
        if not qualifier and not _capitalised_weekday(match):
            return []
        weekday = _EN_WEEKDAYS.index(match.group("weekday").lower())
        return [_weekday_before(published, weekday, last=qualifier in ("last", "on last"))]
    month_name = (match.group("month1") or match.group("month2") or "").lower()
    if month_name == "may" and match.group("month1") and match.group(0)[0].islower() and not match.group("year1"):
        return []  # "may 3" in running text is the verb far more often than the month
    month = next(i for i, name in enumerate(EN_MONTHS, 1) if name.startswith(month_name.rstrip(".")[:3]))
    day = int(match.group("day1") or match.group("day2"))
    year = match.group("year1") or match.group("year2")
    return _dated(int(year) if year else None, month, day, published)


def _ago(match: re.Match[str], published: date) -> list[date]:
    """ "Three weeks ago" (that week, Monday to Sunday), "thirteen months ago" (that month), "last month"."""
    if match.group("lastmonth"):
        count, unit = 1, "month"
    else:
        word = match.group("count").lower()
        count = 1 if word in ("a", "an", "one") else int(word) if word.isdigit() else _EN_COUNTS.index(word) + 2
        unit = match.group("unit").lower()
        if count == 0:
            return []
    if unit.startswith("week"):
        monday = published - timedelta(days=published.weekday() + 7 * count)
        return [monday + timedelta(days=offset) for offset in range(6, -1, -1)]
    months = published.year * 12 + published.month - 1 - count
    return _month(months % 12 + 1, months // 12, published)


def _capitalised_weekday(match: re.Match[str]) -> bool:
    """A bare weekday counts when written as a name ("Monday"), not as part of another word or phrase."""
    return match.group("weekday")[0].isupper()


def _week(match: re.Match[str], published: date) -> list[date] | None:
    """ "Last week" (Monday to Sunday before this week's), "this week" (its Monday to publication), newest
    first; None for another expression (the three languages' patterns name the groups alike)."""
    monday = published - timedelta(days=published.weekday())
    if match.group("lastweek"):
        return [monday - timedelta(days=offset) for offset in range(1, 8)]
    if match.group("thisweek"):
        return [published - timedelta(days=offset) for offset in range((published - monday).days + 1)]
    return None


def _month(month: int, year: int | None, published: date) -> list[date]:
    """The days of "in September (2023)": the latest such month on or before publication, up to publication,
    newest first."""
    if year is None:
        year = published.year if month <= published.month else published.year - 1
        if (published - date(year, month, 1)).days > LAST_YEAR_DAYS + 31:
            return []  # "in September" written in April: a month to come, as for a day (:func:`_dated`)
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    last = min(following - timedelta(days=1), published)
    return [last - timedelta(days=offset) for offset in range((last - first).days + 1)] if first <= last else []


def _days_back(match: re.Match[str], published: date) -> list[date] | None:
    """ "Yesterday", "today", "the day before yesterday", "a week earlier" (the Russian and Chinese patterns name
    them alike)."""
    week = _week(match, published)
    if week is not None:
        return week
    for group, back in (("yesterday", 1), ("today", 0), ("before", 2)):
        if match.group(group):
            return [published - timedelta(days=back)]
    if match.group("weekearlier"):
        return list(_week_before(published))
    return None


def _russian(match: re.Match[str], published: date) -> list[date]:
    back = _days_back(match, published)
    if back is not None:
        return back
    if match.group("weekday"):
        stem = match.group("weekday").lower()
        weekday = next(i for i, name in enumerate(_RU_WEEKDAYS) if stem.startswith(name))
        return [_weekday_before(published, weekday, last=bool(match.group("last")))]
    month_word = match.group(0).split()[1].lower()
    month = next((i for i, stem in enumerate(_RU_MONTHS, 1) if month_word.startswith(stem) and stem != "ма"), None)
    if month is None:
        month = 5 if month_word.startswith("ма") else None
    if month is None:
        return []
    year = match.group("year")
    return _dated(int(year) if year else None, month, int(match.group("day")), published)


def _chinese(match: re.Match[str], published: date) -> list[date]:
    back = _days_back(match, published)
    if back is not None:
        return back
    if match.group("weekday"):
        character = match.group("weekday")
        weekday = 6 if character in "日天" else _ZH_WEEKDAYS.index(character)
        if match.group("last"):
            monday = published - timedelta(days=published.weekday())
            return [monday - timedelta(days=7 - weekday)]
        return [_weekday_before(published, weekday, last=False)]
    day = int(match.group("day"))
    year = int(match.group("year")) if match.group("year") else None
    if match.group("month"):
        return _dated(year, int(match.group("month")), day, published)
    # "26日" alone: this month, or the month before when the 26th is still to come.
    if day <= published.day:
        return _dated(published.year, published.month, day, published)
    previous = published.replace(day=1) - timedelta(days=1)
    return _dated(previous.year, previous.month, day, published)
