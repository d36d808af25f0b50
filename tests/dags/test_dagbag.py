"""Every DAG file imports cleanly under Airflow and follows the house rules; broken source entries are
reported one by one without hiding the valid sources' DAGs."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import AssetOrTimeSchedule, CronDataIntervalTimetable

from pipeline.config import load_sources
from pipeline.tasks import ingest_dag_id, source_pool
from tests.dags.conftest import Stack


def test_every_dag_imports_and_follows_the_rules(stack: Stack) -> None:
    bag = stack.dagbag()
    assert not bag.import_errors
    sources = [s for s in load_sources(stack.sources_file) if s.enabled]
    expected = {ingest_dag_id(s.id) for s in sources} | {
        "readout_backfill",
        "readout_reindex",
        "readout_health",
    }
    assert set(bag.dags) == expected
    for dag in bag.dags.values():
        assert "readout" in dag.tags, dag.dag_id
        assert dag.doc_md, dag.dag_id
        assert dag.max_active_runs == 1, dag.dag_id
        assert not dag.catchup, dag.dag_id
        for task in dag.tasks:
            assert task.owner == "readout", (dag.dag_id, task.task_id)
            assert task.execution_timeout is not None
            assert task.execution_timeout <= timedelta(hours=12)
            if task.task_id != "plan":  # refusing bad parameters is not worth a retry
                assert task.retries >= 2, (dag.dag_id, task.task_id)
                assert task.retry_exponential_backoff, (dag.dag_id, task.task_id)


def test_ingest_dags_use_their_hosts_pool_and_schedule(stack: Stack) -> None:
    bag = stack.dagbag()
    for source in load_sources(stack.sources_file):
        dag = bag.dags[ingest_dag_id(source.id)]
        network = {task.task_id: task.pool for task in dag.tasks if task.task_id in ("discover", "fetch_extract")}
        assert network == {"discover": source_pool(source), "fetch_extract": source_pool(source)}
        inner = getattr(dag.timetable, "timetable", dag.timetable)
        assert isinstance(inner, CronDataIntervalTimetable), dag.dag_id
        assert inner.expression == source.schedule, dag.dag_id
        # A watched source also runs when its event trigger fires.
        assert isinstance(dag.timetable, AssetOrTimeSchedule) == (source.watch is not None), dag.dag_id


def test_a_broken_entry_is_an_import_error_for_that_entry_only(stack: Stack) -> None:
    text = stack.sources_file.read_text("utf-8")
    broken = text.replace("  - id: bbc-world\n    name: BBC News - World\n    kind: news\n",
                          "  - id: bbc-world\n    name: BBC News - World\n    kind: gossip\n", 1)  # fmt: skip
    assert broken != text
    stack.sources_file.write_text(broken, "utf-8")
    bag = stack.dagbag()
    errors = "\n".join(bag.import_errors.values())
    assert "bbc-world" in errors
    assert "kind" in errors
    assert ingest_dag_id("bbc-world") not in bag.dags
    others = {ingest_dag_id(s.id) for s in load_sources(stack.sources_file, text=text)}
    assert others - set(bag.dags) == {ingest_dag_id("bbc-world")}
    assert "readout_backfill" in bag.dags
