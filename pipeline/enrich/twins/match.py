"""Which briefing of one language is the twin of which briefing of the other: held on the same local day.

A briefing's day is the day it was **held**, not the day it was published: the English transcript of a Chinese
MFA press conference often appears the next morning, and mid.ru publishes the English text of Wednesday's
briefing on Thursday, when the Russian text of Thursday's is published too. So the day comes from the title
("Regular Press Conference on April 10, 2024", "2024年4月11日外交部发言人...", "Москва, 14 февраля 2024 года"),
read by the same date reader as news reports (:func:`pipeline.enrich.coverage.dates.resolve`), and only when the
title has none from the publication time in the ministry's time zone.

Two briefings of the pair's sources held on the same day are twins when their exchanges agree
(:func:`pipeline.enrich.twins.alignment.align`) on at least :data:`MIN_AGREEMENT` of them. When one language has
several briefings on one day (a press conference and a special briefing), the pairs are the assignment that
maximises the total alignment score, each pair still needing that agreement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

import numpy as np
from scipy.optimize import linear_sum_assignment

from pipeline.enrich.coverage.dates import resolve
from pipeline.enrich.twins.alignment import Alignment, ExchangeView, align

#: The share of the two versions' exchanges that must find their counterpart for two briefings held on one day
#: to be twins: a version that left out half of the exchanges still has 2/3; two different briefings have few.
MIN_AGREEMENT = 0.3
#: Days sooner than this are not publication days of a briefing's text (a date reader without a year needs one).
_NO_DAY = date(9999, 12, 31)


@dataclass(frozen=True, slots=True)
class Briefing:
    """What matching reads of one published briefing."""

    key: str
    title: str | None
    language: str | None
    published_at: datetime | None
    exchanges: tuple[ExchangeView, ...]


def held_day(title: str | None, published_at: datetime | None, zone: tzinfo, language: str | None) -> date | None:
    """The local day (in ``zone``) a briefing was held: the date its title gives, else its publication day; None
    when neither is known."""
    published = published_at.astimezone(zone).date() if published_at is not None else None
    if title:
        found = resolve(title, published or _NO_DAY, language)
        if found is not None and len(found.days) == 1:
            return found.days[0]
    return published


@dataclass(frozen=True, slots=True)
class TwinPair:
    """Two twin briefings (indices into the two lists given to :func:`pair_briefings`) and their alignment."""

    left: int
    right: int
    day: date
    alignment: Alignment


def pair_briefings(
    left: Sequence[Briefing], right: Sequence[Briefing], left_zone: tzinfo, right_zone: tzinfo
) -> list[TwinPair]:
    """The twins among the briefings of two sources (``left`` in one language, ``right`` in the other)."""
    by_day: dict[date, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for index, briefing in enumerate(left):
        day = held_day(briefing.title, briefing.published_at, left_zone, briefing.language)
        if day is not None:
            by_day[day][0].append(index)
    for index, briefing in enumerate(right):
        day = held_day(briefing.title, briefing.published_at, right_zone, briefing.language)
        if day is not None:
            by_day[day][1].append(index)
    pairs: list[TwinPair] = []
    for day, (lefts, rights) in sorted(by_day.items()):
        if not lefts or not rights:
            continue
        alignments = [[align(left[i].exchanges, right[j].exchanges) for j in rights] for i in lefts]
        totals = np.array([[alignment.total for alignment in row] for row in alignments], dtype=float)
        rows, columns = linear_sum_assignment(-totals)
        for row, column in zip(rows, columns, strict=True):
            alignment = alignments[row][column]
            if alignment.agreement >= MIN_AGREEMENT:
                pairs.append(TwinPair(lefts[row], rights[column], day, alignment))
    return sorted(pairs, key=lambda pair: (pair.left, pair.right))
