"""The one place Readout's ingest code reads the wall clock.

Re-check schedules (:mod:`pipeline.recheck`), fetch times, removal times and the health check all take
"now" from :func:`now`. It is the system clock, unless ``READOUT_NOW`` holds an ISO 8601 instant: then
time stands still at that instant, so that a test (or a replay) moves a whole run, through ``readout
run`` or an Airflow task, to +1 h, +1 d or +30 d without waiting. Durations (timeouts, politeness
delays) stay on the monotonic clock: they are about this process, not about the calendar.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from pipeline.errors import ConfigError

#: The environment variable that stops the clock at an instant (tests and replays only).
CLOCK_VARIABLE = "READOUT_NOW"


def now() -> datetime:
    """The current time, time-zone aware (UTC): ``READOUT_NOW`` when set, else the system clock."""
    frozen = os.environ.get(CLOCK_VARIABLE, "").strip()
    if not frozen:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(frozen)
    except ValueError:
        raise ConfigError(
            f"{CLOCK_VARIABLE}={frozen!r} is not an ISO 8601 instant such as 2026-01-05T09:00:00+00:00"
        ) from None
    if moment.tzinfo is None:
        raise ConfigError(f"{CLOCK_VARIABLE}={frozen!r} needs a time zone, such as +00:00 or Z")
    return moment.astimezone(UTC)
