"""Enrichment: what a document is about and what it mentions, computed from its text alone.

- :mod:`~pipeline.enrich.language`: the document's language (the declared one is a hint);
- :mod:`~pipeline.enrich.topics`: topics from the taxonomy (``config/topics.yaml``), with scores;
- :mod:`~pipeline.enrich.countries`: countries mentioned, from the gazetteer (``config/countries.yaml``);
- :mod:`~pipeline.enrich.keyphrases`: key phrases for display and faceting;
- an explanation of every decision, stored with the document (``readout show --explain``).

:class:`Enricher` runs them all; :func:`load_enricher` builds one from the settings. Re-tagging the
catalog with a changed taxonomy is :func:`pipeline.enrich.retag.retag`.
"""

from pipeline.enrich.enricher import Enricher, Enrichment, load_enricher, missing_rules, warn_missing_rules

__all__ = ["Enricher", "Enrichment", "load_enricher", "missing_rules", "warn_missing_rules"]
