"""``ReadoutIndexOperator``: the index step as an Airflow task, with the "Open in Kibana" link.

In a DAG file::

    from readout_airflow.operators import ReadoutIndexOperator

    index = ReadoutIndexOperator(task_id="index")

It sends every catalog change the search target has not acknowledged
(:func:`pipeline.index.service.index_pending`) and returns a summary of the report (pushed to XCom).
The task **fails** when the target could not be reached or refused a whole request, so that Airflow's
retries try again later (the documents stay pending in the outbox meanwhile); documents the target
rejected one by one are dead-lettered by the index step and do not fail the task.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator, BaseOperatorLink

from readout_airflow.links import KibanaDiscoverLink

if TYPE_CHECKING:
    from airflow.sdk import Context

    from pipeline.index.service import IndexReport

log = logging.getLogger(__name__)


class ReadoutIndexOperator(BaseOperator):
    """Index the catalog's pending changes into the active search target (Elasticsearch or embedded).

    Settings come from the worker's ``READOUT_*`` environment; the catalog is
    ``Settings.effective_catalog_url``. Takes only :class:`~airflow.sdk.BaseOperator`'s arguments.
    """

    operator_extra_links: Sequence[BaseOperatorLink] = (KibanaDiscoverLink(),)
    ui_color = "#fec514"  # Elastic's yellow, to spot the index step in the graph

    def execute(self, context: Context) -> dict[str, Any]:
        """Run the index step; return the report as a JSON-serialisable dict, or raise if it failed."""
        from pipeline.config import Settings
        from pipeline.errors import SearchBackendError
        from pipeline.index.service import index_pending
        from pipeline.store.catalog import Catalog

        settings = Settings()
        catalog = Catalog.open(settings.effective_catalog_url)
        try:
            report = index_pending(settings, catalog)
        finally:
            catalog.close()
        summary = report_summary(report)
        if report.error is not None:
            # The target was unreachable or refused a whole request: fail so that Airflow retries.
            raise SearchBackendError(
                f"indexing into {report.target} failed; {report.pending_after} documents stay pending: {report.error}"
            )
        if report.retry_later:
            log.warning(
                "%d documents were throttled by %s and stay pending for the next run",
                report.retry_later,
                report.target,
            )
        return summary


def report_summary(report: IndexReport) -> dict[str, Any]:
    """The index report as plain JSON (for XCom): its fields, plus ``ok``."""
    summary = dataclasses.asdict(report)
    summary["ok"] = report.ok
    return summary
