"""Readout: follow what governments say at the podium.

The ``pipeline`` package holds every stage as a plain function (discover, fetch, archive, extract,
catalog); the ``readout`` CLI and the Airflow DAGs both call them.
"""

__version__ = "0.1.0"
