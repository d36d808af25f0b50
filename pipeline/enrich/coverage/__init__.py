"""Coverage: which briefing exchange a news quote reports, and how faithfully (issue 14).

* :mod:`~pipeline.enrich.coverage.targets`: the ministry, spokesperson and days a quote points to;
* :mod:`~pipeline.enrich.coverage.dates`: "on Monday", "last Thursday", 昨天, "накануне" as days;
* :mod:`~pipeline.enrich.coverage.align`: the quote aligned with the best passage of a candidate answer, its
  similarity, verdict and differing words (the verdict: :mod:`~pipeline.enrich.coverage.judging`; by meaning:
  :mod:`~pipeline.enrich.coverage.meaning`);
* :mod:`~pipeline.enrich.coverage.linker`: the stage function, :func:`cite`, tying them together.

The catalog side (the ``citations`` table, re-linking when either side changes) is
:mod:`pipeline.store.citations`; docs/coverage.md describes the rules and their measured quality.
"""

from __future__ import annotations

from pipeline.enrich.coverage.align import Aligner
from pipeline.enrich.coverage.judging import VERDICT_SEVERITY, Alignment, Verdict
from pipeline.enrich.coverage.linker import LOOKBACK_DAYS, Citation, cite, wanted
from pipeline.enrich.coverage.reading import Passage
from pipeline.enrich.coverage.targets import MINISTRY_TIMEZONES, Target, ministry_zone, targets

__all__ = [
    "LOOKBACK_DAYS",
    "MINISTRY_TIMEZONES",
    "VERDICT_SEVERITY",
    "Aligner",
    "Alignment",
    "Citation",
    "Passage",
    "Target",
    "Verdict",
    "cite",
    "ministry_zone",
    "targets",
    "wanted",
]
