"""Figures in a quote and in the answer it matched: "1,200" is 1200 and "3rd" 3, a day or a year of a date is no
figure. The aligner reads the answer's figures over the whole sentences the quote matched, so that "as many as
430 have returned" meets the "340" of "So far, 340 of them have returned"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from pipeline.enrich.coverage.dates import EN_MONTHS, resolve
from pipeline.enrich.coverage.pairing import Token
from pipeline.enrich.coverage.reading import Passage

#: An ordinal's ending ("3rd", "21st"): the figure is the number.
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)$", re.IGNORECASE)
#: A month (English, its short forms, Russian in the genitive) or 月/日/年: a number beside one is part of a date.
_DATE_WORD = re.compile(
    "|".join(EN_MONTHS)
    + r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
    + r"|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|[月日年]"
)


#: A day of the month as written: one or two digits, alone (not "3-5", a range read as one token).
_DAY = re.compile(r"\d{1,2}")


def figures(tokens: Sequence[Token], text: str, *, days: bool = False) -> dict[str, str]:
    """The figures of ``tokens`` (in ``text``) by value, each as written: "1,200" is 1200 and "3rd" 3; a year
    and a day written with its month ("June 3", "3 June", "26 апреля", "5月18日", "2024") are dates, not figures.
    ``days``: the days of those dates instead ("28" and "30" of "April 28 to 30", "18" of "5月18日"): numbers of
    one or two digits beside a month word, not a Chinese month's own number, years left out."""
    found: dict[str, str] = {}
    number = 0
    while number < len(tokens):
        first, token = number, tokens[number]
        number += 1
        if not token.surface[:1].isdigit():
            continue
        value, last = _ORDINAL.sub("", token.surface), token
        # "1,200": the groups after a thousands comma are the same figure.
        while (
            number < len(tokens)
            and text[last.end : tokens[number].start] == ","
            and tokens[number].surface.isdigit()
            and len(tokens[number].surface) == 3
        ):
            last = tokens[number]
            value += last.surface
            number += 1
        near = tokens[max(0, first - 3) : number + 3]  # "June 3", "3 June", "from 3rd to 5th June"
        dated = any(_DATE_WORD.fullmatch(t.surface.casefold().rstrip(".")) for t in near)
        year = len(value) == 4 and value.isdigit() and 1900 <= int(value) <= 2099
        written = text[token.start : last.end]
        day = dated and bool(_DAY.fullmatch(written)) and text[last.end : last.end + 1] != "月"
        if day if days else not (dated or year):
            found[value] = written
    return found


#: Words that may go with a day and add nothing to it ("on 13 June", "в среду").
_DAY_FILLERS = frozenset({"on", "the", "of", "в", "во", "于", "於", "在"})


def same_day(quoted: str, said: str, passage: Passage) -> bool:
    """Whether the words of a gap name the same day on both sides, each read from the briefing's day (the answer
    said it that day): "13日" in a report for the 14th's "昨天", "on Monday" for "yesterday" said on a Tuesday.
    Each side must be the date and nothing else."""
    return (said_day := _only_day(said, passage.day)) is not None and _only_day(quoted, passage.day) == said_day


def _only_day(text: str, held: date) -> date | None:
    found = resolve(text, held, None)
    if found is None or found.vague or len(found.days) != 1:
        return None
    rest = re.findall(r"\w+", text.replace(found.expression, " ", 1).casefold())
    return found.days[0] if all(word in _DAY_FILLERS for word in rest) else None
