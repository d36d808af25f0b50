"""The health DAG's task."""

from __future__ import annotations

import logging
from typing import Any

from pipeline import clock
from pipeline.config import Settings, validate_source_entries
from pipeline.tasks.common import open_catalog

log = logging.getLogger(__name__)


def health_check(*, run_id: str | None = None) -> dict[str, Any]:
    """The health DAG's task: judge every enabled source, record the result as a run, log a summary.
    ``run_id`` (the catalog run of the DAG run) makes a retried task rewrite the same run."""
    from pipeline.health import check_health, format_health, record_health

    settings = Settings()
    sources = [source for source in validate_source_entries(settings.sources)[0] if source.enabled]
    catalog = open_catalog(settings)
    try:
        report = check_health(catalog, sources, now=clock.now())
        run_id = record_health(catalog, report, run_id=run_id)
    finally:
        catalog.close()
    log.info("%s", format_health(report))
    statuses = {item.source_id: item.status for item in report.sources}
    history = {
        item.source_id: [{"day": day.day, "edited": day.edited, "removed": day.removed} for day in item.history]
        for item in report.sources
        if item.history
    }
    return {"run_id": run_id, "statuses": statuses, "history": history}
