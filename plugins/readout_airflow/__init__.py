"""Readout's Airflow extensions: the feed-change event trigger, the "Open in Kibana" link, the index
operator and the DAG-run listener.

``plugins/`` is on ``sys.path`` in every Airflow process, so DAG files import from here directly
(``from readout_airflow.trigger import FeedChangeTrigger``). ``plugins/readout_plugin.py`` registers
the link and the listener with Airflow. ``plugins/.airflowignore`` keeps Airflow's plugin loader from
also executing these modules as stand-alone top-level modules (it imports every ``.py`` file under
``plugins/`` by its bare file name).
"""
