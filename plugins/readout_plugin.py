"""Registers Readout's Airflow extensions (``plugins/readout_airflow``) with Airflow's plugins manager.

* ``operator_extra_links``: "Open in Kibana" (:class:`~readout_airflow.links.KibanaDiscoverLink`). The
  operators that show it declare it themselves (``ReadoutIndexOperator.operator_extra_links``); Airflow 3
  computes it in the worker and stores it in XCom, so ``KibanaDiscoverLink.operators`` is left empty:
  setting it would make the API server recompute the link from its own environment instead.
* ``listeners``: :mod:`readout_airflow.listener`, which closes catalog runs whose DAG run ended without
  its last task.

The event trigger (:class:`~readout_airflow.trigger.FeedChangeTrigger`) needs no registration: the
triggerer imports it by its class path, from ``plugins/`` on ``sys.path``.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin
from readout_airflow import listener
from readout_airflow.links import KibanaDiscoverLink


class ReadoutPlugin(AirflowPlugin):
    """Readout's operator extra link and DAG-run listener."""

    name = "readout"
    operator_extra_links = [KibanaDiscoverLink()]  # noqa: RUF012 (Airflow's plugin interface is class lists)
    listeners = [listener]  # noqa: RUF012
