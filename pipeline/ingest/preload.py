"""Imported once by the extraction pool's fork server (never by the run itself): what every worker needs.

Importing the extractor (:mod:`pipeline.extract.html`: trafilatura, lxml) and :mod:`pipeline.ingest.workers`
(the tagger) here means workers start with them loaded; building the configured
enricher here (the settings come from the same environment as the run's) and using it once means that
each worker forked from the server starts with compiled rules in memory (shared copy-on-write) instead
of building its own. Settings the run got otherwise (tests pass their own) only make a worker build its
enricher itself, in :func:`~pipeline.ingest.workers.ExtractionPool`'s initializer.
"""

from __future__ import annotations

import logging

import pipeline.extract.html  # noqa: F401  (the point: trafilatura loaded once, before the fork)
from pipeline.config import Settings
from pipeline.ingest.workers import warm_up

log = logging.getLogger(__name__)

try:
    warm_up(Settings())
except Exception:  # a worker builds its enricher itself and reports the problem there
    log.debug("no tagging rules preloaded in the fork server", exc_info=True)
