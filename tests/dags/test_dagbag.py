"""Every DAG file imports cleanly under Airflow and follows the house rules; broken source entries are
reported one by one without hiding the valid sources' DAGs."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import AssetOrTimeSchedule, CronDataIntervalTimetable
from sqlalchemy import select

from pipeline.config import load_sources
from pipeline.tasks import ingest_dag_id, source_pool
from tests.conftest import REPO
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


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_broken_entries_are_one_import_error_of_the_check_file_and_the_valid_sources_keep_their_dags(
    stack: Stack,
) -> None:
    """Airflow marks every DAG of a file with an import error stale (the scheduler then skips them all), so a
    broken entry must not be an import error of readout_ingest.py: it is one of readout_sources_check.py."""
    text = stack.sources_file.read_text("utf-8")
    broken = text.replace("  - id: bbc-world\n    name: BBC News - World\n    kind: news\n",
                          "  - id: bbc-world\n    name: BBC News - World\n    kind: gossip\n", 1).replace(
                          "    timezone: Europe/Moscow\n    schedule: '*/20 * * * *'\n    watch:\n",
                          "    timezone: Europe/Atlantis\n    schedule: '*/20 * * * *'\n    watch:\n", 1)  # fmt: skip
    assert broken.count("gossip") == broken.count("Atlantis") == 1
    stack.sources_file.write_text(broken, "utf-8")
    bag = stack.dagbag()
    ingest_file, check_file = str(REPO / "dags" / "readout_ingest.py"), str(REPO / "dags" / "readout_sources_check.py")
    assert set(bag.import_errors) == {check_file}
    error = bag.import_errors[check_file]
    for expected in (
        str(stack.sources_file),
        f"entry 'bbc-world' (line {_line_of(text, '  - id: bbc-world')}), field 'kind'",
        f"entry 'tass-en' (line {_line_of(text, '  - id: tass-en')}), field 'timezone'",
    ):
        assert expected in error
    refused = {ingest_dag_id("bbc-world"), ingest_dag_id("tass-en")}
    valid = {ingest_dag_id(s.id) for s in load_sources(stack.sources_file, text=text) if s.enabled} - refused
    assert {dag_id for dag_id, dag in bag.dags.items() if dag.fileloc == ingest_file} == valid
    assert "readout_backfill" in bag.dags

    # As the DAG processor records the parse in the metadata database: the valid ingest DAGs are neither stale
    # nor flagged with import errors (the scheduler runs them), and the import error is the check file's.
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.models.dag import DagModel
    from airflow.models.errors import ParseImportError
    from airflow.utils.session import create_session

    DagBundlesManager().sync_bundles_to_db()
    parsed = BundleDagBag(dag_folder=str(REPO / "dags"), bundle_path=REPO / "dags", bundle_name="dags-folder")
    sync_bag_to_db(parsed, "dags-folder", None)
    with create_session() as session:
        models = {m.dag_id: m for m in session.scalars(select(DagModel).where(DagModel.dag_id.in_(valid)))}
        assert set(models) == valid
        assert not [m.dag_id for m in models.values() if m.is_stale or m.has_import_errors]
        files = {e.filename: e.stacktrace for e in session.scalars(select(ParseImportError))}
    assert "readout_ingest.py" not in files
    assert "entry 'bbc-world'" in files["readout_sources_check.py"]
