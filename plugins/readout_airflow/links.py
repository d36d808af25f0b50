"""The "Open in Kibana" operator extra link: Discover, filtered to the documents one DAG run wrote.

Airflow 3 computes an operator's extra links in the worker when the task ends (``finalize`` in the
task runner calls :meth:`KibanaDiscoverLink.get_link` and stores the URL in XCom under
``_link_KibanaDiscoverLink``); the API server then reads the URL back from XCom. So the Kibana URL
comes from the *worker's* ``READOUT_KIBANA_URL``, and a link stays what it was when the task ran.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey

log = logging.getLogger(__name__)


class KibanaDiscoverLink(BaseOperatorLink):
    """Kibana Discover on the documents data view, filtered to ``run_id:"<the DAG run's catalog run id>"``."""

    name = "Open in Kibana"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        """The Discover URL for the task's DAG run, or ``""`` when no Kibana URL is configured.

        ``ti_key`` is whatever carries ``dag_id`` and ``run_id`` (in the worker it is the running task
        instance itself). An empty link is shown by Airflow as a link with no URL, not as an error.
        """
        from pipeline.config import Settings
        from pipeline.index.kibana import discover_url
        from pipeline.tasks import readout_run_id

        try:
            kibana_url = Settings().kibana_url
        except ValueError as exc:  # pydantic's ValidationError: a bad READOUT_* variable
            log.warning("no Kibana link: the READOUT_* settings are invalid: %s", exc)
            return ""
        if not kibana_url:
            return ""
        return discover_url(kibana_url, run_id=readout_run_id(ti_key.dag_id, ti_key.run_id))
