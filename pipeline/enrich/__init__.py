"""Enrichment: what a document is about and what it mentions, computed from its text alone.

- :mod:`~pipeline.enrich.language`: the document's language (the declared one is a hint);
- :mod:`~pipeline.enrich.topics`: topics from the taxonomy (``config/topics.yaml``), with scores;
- :mod:`~pipeline.enrich.countries`: countries mentioned, from the gazetteer (``config/countries.yaml``);
- :mod:`~pipeline.enrich.keyphrases`: key phrases for display and faceting;
- an explanation of every decision, stored with the document (``readout show --explain``);
- :mod:`~pipeline.enrich.exchanges`: a briefing's exchanges (:mod:`~pipeline.enrich.turns` cuts them),
  each tagged with topics and countries (:class:`ExchangeTags`), stored as the document's turns.

:class:`Enricher` runs them all; :func:`load_enricher` gives one for the settings, built on first use (the
compiled rules are cached by digest: :mod:`pipeline.enrich.rules`). Re-tagging the catalog with a changed
taxonomy is :func:`pipeline.enrich.retag.retag`.

The names are imported on first use: checking that the rules files exist (every run does) must not import
the taggers and their models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.enrich.enricher import Enricher, Enrichment, LazyEnricher, build_enricher, load_enricher
    from pipeline.enrich.exchanges import ExchangeTags
    from pipeline.enrich.rules import missing_rules, warn_missing_rules

__all__ = [
    "Enricher",
    "Enrichment",
    "ExchangeTags",
    "LazyEnricher",
    "build_enricher",
    "load_enricher",
    "missing_rules",
    "warn_missing_rules",
]

_HOMES = {
    "Enricher": "pipeline.enrich.enricher",
    "Enrichment": "pipeline.enrich.enricher",
    "ExchangeTags": "pipeline.enrich.exchanges",
    "LazyEnricher": "pipeline.enrich.enricher",
    "build_enricher": "pipeline.enrich.enricher",
    "load_enricher": "pipeline.enrich.enricher",
    "missing_rules": "pipeline.enrich.rules",
    "warn_missing_rules": "pipeline.enrich.rules",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
