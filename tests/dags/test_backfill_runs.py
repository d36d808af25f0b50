"""Runs created by ``airflow backfill create`` re-walk their data interval; every other run is incremental."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pipeline.store.schema import Run
from pipeline.tasks import ingest_dag_id, readout_run_id, run_mode
from tests.conftest import REPO
from tests.dags.conftest import Stack

SOURCE = "cn-mfa-en"
DAG_ID = ingest_dag_id(SOURCE)


def _run_types() -> tuple[Any, Any]:
    """Airflow's two DagRunType enums: the task SDK's (what a task's context holds) and the core's."""
    from airflow.sdk.api.datamodels._generated import DagRunType as SdkDagRunType
    from airflow.utils.types import DagRunType

    return SdkDagRunType, DagRunType


def test_run_mode_compares_the_run_type_by_its_value() -> None:
    sdk, core = _run_types()
    assert str(sdk.BACKFILL) == "DagRunType.BACKFILL"  # why str() of the run type must not be compared
    for backfill in (sdk.BACKFILL, core.BACKFILL_JOB, "backfill", str(sdk.BACKFILL)):
        assert run_mode(backfill) == "backfill", backfill
    for other in (sdk.MANUAL, sdk.SCHEDULED, sdk.ASSET_TRIGGERED, core.MANUAL, "scheduled", str(sdk.SCHEDULED)):
        assert run_mode(other) == "incremental", other


def _cli(*argv: str) -> None:
    from airflow.cli import cli_parser

    args = cli_parser.get_parser().parse_args(list(argv))
    args.func(args)


def test_an_airflow_backfill_run_discovers_over_its_data_interval(stack: Stack) -> None:
    """`airflow backfill create` makes a DAG run of type backfill; its `discover` task opens a backfill catalog run
    over the days of the run's data interval (in the source's time zone)."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    DagBundlesManager().sync_bundles_to_db()
    bag = BundleDagBag(dag_folder=str(REPO / "dags"), bundle_path=REPO / "dags", bundle_name="dags-folder")
    sync_bag_to_db(bag, "dags-folder", None)
    # One half-hourly slot: 2021-04-26 08:00-08:30 UTC is 16:00-16:30 that day in Beijing.
    slot = "2021-04-26T08:00:00+00:00"
    _cli("backfill", "create", "--dag-id", DAG_ID, "--from-date", slot, "--to-date", slot)
    with create_session() as session:
        query = select(DagRun).where(DagRun.dag_id == DAG_ID, DagRun.run_type == "backfill")
        runs = list(session.scalars(query))
    (run,) = runs
    _cli("tasks", "test", DAG_ID, "discover", run.run_id)
    catalog = stack.catalog()
    try:
        with catalog.session() as session:
            opened = session.get(Run, readout_run_id(DAG_ID, run.run_id))
            assert opened is not None
            assert opened.mode == "backfill"
            assert opened.params["since"] == opened.params["until"] == "2021-04-26"
    finally:
        catalog.close()
