"""Twin briefings: one briefing published by its ministry in two languages, matched and aligned exchange by
exchange without translating, so that an exchange one language left out (or added) is flagged.

* :func:`held_day` and :func:`pair_briefings` (:mod:`.match`): which briefing of one language is the twin of
  which of the other (held on the same local day, and their exchanges agree);
* :func:`align` (:mod:`.align`): the exchanges of two versions paired by outlet, figures, dates, names,
  lengths and order; those left over are missing from the other version;
* :func:`exchange_view`: what the aligner reads of one exchange, built the same way from the segmenter's
  exchanges (evaluation) and from the catalog's turns (:mod:`pipeline.store.twins`).

How it was tuned and how well it does: docs/history.md and ``benchmarks/twins_eval.py``.
"""

from __future__ import annotations

from pipeline.enrich.turns import Exchange
from pipeline.enrich.twins.alignment import MATCH_THRESHOLD, Alignment, ExchangeView, align
from pipeline.enrich.twins.match import MIN_AGREEMENT, Briefing, TwinPair, held_day, pair_briefings

__all__ = [
    "MATCH_THRESHOLD",
    "MIN_AGREEMENT",
    "Alignment",
    "Briefing",
    "ExchangeView",
    "TwinPair",
    "align",
    "exchange_view",
    "held_day",
    "pair_briefings",
    "view_of",
]


def exchange_view(
    key: str, kind: str, question: str, answer: str, outlet_id: str | None, *, question_labelled: bool
) -> ExchangeView:
    """An exchange as the aligner reads it. ``question_labelled``: its first question names its outlet or
    journalist; one that does not, yet has an outlet, took it from the exchange it follows (a follow-up)."""
    follow_up = kind == "exchange" and not question_labelled and outlet_id is not None
    return ExchangeView(key, kind, question, answer, outlet_id, follow_up)


def view_of(key: str, exchange: Exchange) -> ExchangeView:
    """A segmented exchange as the aligner reads it."""
    first = next((u for u in exchange.utterances if u.kind == "question"), None)
    labelled = first is not None and (first.outlet is not None or first.journalist is not None)
    return exchange_view(
        key, exchange.kind, exchange.question, exchange.answer, exchange.questioner[1], question_labelled=labelled
    )
