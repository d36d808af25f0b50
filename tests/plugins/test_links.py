"""The "Open in Kibana" link: the Discover URL it builds (decoded back), its absence without a Kibana URL,
and the link Airflow's own task runner stores for a ReadoutIndexOperator task."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from airflow.sdk import BaseOperator
from airflow.sdk.types import TaskInstanceKey
from readout_airflow.links import KibanaDiscoverLink
from readout_airflow.operators import ReadoutIndexOperator

from pipeline.index.kibana import DOCUMENTS_DATA_VIEW, default_files, discover_url, load_objects, rison
from pipeline.tasks import ingest_dag_id, readout_run_id
from tests.plugins.risonparse import discover_state, loads

KEY = TaskInstanceKey(
    dag_id=ingest_dag_id("cn-mfa-en"), task_id="index", run_id="scheduled__2026-11-20T07:30:00+00:00", try_number=1
)


def link_for(key: Any = KEY) -> str:
    return KibanaDiscoverLink().get_link(ReadoutIndexOperator(task_id="index"), ti_key=key)


@pytest.mark.usefixtures("readout_env")
def test_link_opens_discover_on_the_runs_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READOUT_KIBANA_URL", "https://kibana.example.org/s/analysts/")
    url = link_for()

    base, global_state, app_state = discover_state(url)
    assert base == "https://kibana.example.org/s/analysts/app/discover#/"
    run_id = readout_run_id(KEY.dag_id, KEY.run_id)
    assert app_state["query"] == {"language": "kuery", "query": f'run_id:"{run_id}"'}
    assert app_state["dataSource"] == {"type": "dataView", "dataViewId": DOCUMENTS_DATA_VIEW}
    # Wide enough for a backfill of old briefings, not just the last days.
    assert datetime.fromisoformat(global_state["time"]["from"]).year <= 2000
    assert global_state["time"]["to"] == "now"
    assert global_state["filters"] == []


def test_the_default_data_view_is_the_shipped_documents_view() -> None:
    views = {obj["id"]: obj for obj in load_objects(default_files()) if obj["type"] == "index-pattern"}
    assert DOCUMENTS_DATA_VIEW in views
    assert views[DOCUMENTS_DATA_VIEW]["attributes"]["title"] == "readout-documents"


@pytest.mark.usefixtures("readout_env")
def test_no_link_without_a_kibana_url() -> None:
    assert link_for() == ""


@pytest.mark.usefixtures("readout_env")
def test_no_link_when_the_settings_are_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READOUT_KIBANA_URL", "kibana without a scheme")
    assert link_for() == ""


def test_link_works_with_anything_that_has_dag_and_run_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    # In the worker, Airflow passes the running task instance itself as ti_key.
    monkeypatch.setenv("READOUT_KIBANA_URL", "http://localhost:5601")

    class RuntimeTI:
        dag_id = "readout_backfill"
        run_id = "manual__2026-11-20"
        task_id = "index"

    _, _, app_state = discover_state(link_for(RuntimeTI()))
    assert readout_run_id("readout_backfill", "manual__2026-11-20") in app_state["query"]["query"]


def test_discover_url_with_another_data_view_and_odd_run_id() -> None:
    url = discover_url("http://kb:5601", run_id='odd "id" it\'s!', data_view_id="readout-turns")
    _, _, app_state = discover_state(url)
    assert app_state["dataSource"]["dataViewId"] == "readout-turns"
    assert app_state["query"]["query"] == 'run_id:"odd \\"id\\" it\'s!"'
    assert " " not in url
    assert '"' not in url


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -12,
        1.5,
        "",
        "now",
        "readout-documents",
        "-leading-dash",
        "9lives",
        "it's!",
        "a b:c(d)",
        [],
        ["a", 1, [True, None]],
        {},
        {"b": {"x": "y z"}, "a": [1, 2], "c": ""},
    ],
)
def test_rison_round_trips(value: Any) -> None:
    assert loads(rison(value)) == value


def test_rison_matches_the_reference_encoding() -> None:
    # Examples from the rison documentation.
    assert rison({"a": 0, "b": 1}) == "(a:0,b:1)"
    assert rison({"a": 0, "b": "foo", "c": "23skidoo"}) == "(a:0,b:foo,c:'23skidoo')"
    assert rison(["!", "'"]) == "!('!!','!'')"
    assert rison(True) == "!t"
    assert rison("wow!") == "'wow!!'"


def test_the_operator_declares_the_link() -> None:
    names = [link.name for link in ReadoutIndexOperator(task_id="index").operator_extra_links]
    assert names == ["Open in Kibana"]
    assert isinstance(ReadoutIndexOperator(task_id="i"), BaseOperator)
