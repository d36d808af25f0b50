"""Airflow's plugins managers (core and task SDK) load plugins/readout_plugin.py without errors and register
the "Open in Kibana" link and the DAG-run listener. AIRFLOW__CORE__PLUGINS_FOLDER is set by tests/conftest.py."""

from __future__ import annotations

import sys
from pathlib import Path

from airflow import plugins_manager, settings
from airflow.listeners.listener import get_listener_manager
from readout_airflow import listener
from readout_airflow.links import KibanaDiscoverLink

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


def readout_plugin() -> plugins_manager.AirflowPlugin:
    plugins_manager.ensure_plugins_loaded()
    found = [plugin for plugin in plugins_manager._get_plugins()[0] if plugin.name == "readout"]
    assert len(found) == 1
    return found[0]


def test_the_plugins_folder_is_ours() -> None:
    assert Path(settings.PLUGINS_FOLDER).resolve() == PLUGINS


def test_loads_without_import_errors() -> None:
    plugin = readout_plugin()
    assert plugins_manager.get_import_errors() == {}
    assert "readout_plugin.py" in str(plugin.source)


def test_registers_the_kibana_link() -> None:
    plugin = readout_plugin()
    assert [type(link) for link in plugin.operator_extra_links] == [KibanaDiscoverLink]
    assert [link.name for link in plugins_manager.get_operator_extra_links()] == ["Open in Kibana"]
    info = {entry["name"]: entry for entry in plugins_manager.get_plugin_info()}
    assert info["readout"]["operator_extra_links"] == ["<readout_airflow.links.KibanaDiscoverLink object>"]


def test_registers_the_listener_with_the_schedulers_listener_manager() -> None:
    plugin = readout_plugin()
    assert plugin.listeners == [listener]
    manager = get_listener_manager()
    assert manager.pm.is_registered(listener)
    assert {impl.plugin for impl in manager.pm.hook.on_dag_run_failed.get_hookimpls()} >= {listener}


def test_the_task_sdk_loads_it_too() -> None:
    # Workers load plugins through the task SDK's own plugins manager.
    from airflow.sdk import plugins_manager as sdk_plugins
    from airflow.sdk.listener import get_listener_manager as sdk_listener_manager

    plugins, errors = sdk_plugins._get_plugins()
    assert errors == {}
    assert "readout" in {plugin.name for plugin in plugins}
    assert sdk_listener_manager().pm.is_registered(listener)


def test_package_modules_are_not_loaded_under_bare_names() -> None:
    # plugins/.airflowignore keeps the loader from importing readout_airflow/*.py as "trigger", "links"...
    readout_plugin()
    for name in ("trigger", "links", "listener", "operators", "__init__"):
        module = sys.modules.get(name)
        assert module is None or PLUGINS not in Path(getattr(module, "__file__", "") or "/").resolve().parents
