"""The backfill DAG with its Params, in each mode, run by a real Airflow against the fixture sites."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from pipeline.store.schema import Document, DocumentVersion, Failure
from pipeline.tasks import BackfillRequest, backfill_for_run, readout_run_id, start_backfill
from pipeline.urls import canonical_url
from tests.dags.conftest import Stack

SOURCE = "cn-mfa-en"
OLD_BRIEFING = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202104/t20210426_9170562.html"


def _documents(stack: Stack) -> dict[str, Any]:
    catalog = stack.catalog()
    try:
        with catalog.session() as session:
            return {d.canonical_url: d for d in session.scalars(select(Document))}
    finally:
        catalog.close()


def _versions(stack: Stack) -> int:
    catalog = stack.catalog()
    try:
        with catalog.session() as session:
            return len(list(session.scalars(select(DocumentVersion))))
    finally:
        catalog.close()


def _real(stack: Stack, url: str) -> str:
    return canonical_url(stack.farm.rewrite(url))


def _fetch(stack: Stack) -> Any:
    conf = {"sources": [SOURCE], "from_date": "2021-04-26", "to_date": "2021-04-26", "mode": "fetch"}
    return stack.dag("readout_backfill").test(run_conf=conf)


def test_fetch_over_a_date_range_walks_the_pagination(stack: Stack) -> None:
    run = _fetch(stack)
    assert run.state == "success"
    documents = _documents(stack)
    # Only the day asked for, found on an older listing page reached through the pagination.
    assert set(documents) == {_real(stack, OLD_BRIEFING)}
    assert documents[_real(stack, OLD_BRIEFING)].run_id == readout_run_id("readout_backfill", run.run_id)
    catalog = stack.catalog()
    try:
        assert catalog.run_status(readout_run_id("readout_backfill", run.run_id)) == "ok"
    finally:
        catalog.close()
    listing_pages = {r.path for r in stack.farm.requests() if "/lxjzh/index" in r.path}
    assert len(listing_pages) >= 2


def test_re_extract_reads_the_archive_and_sends_no_request(stack: Stack) -> None:
    assert _fetch(stack).state == "success"
    before, versions = _documents(stack), _versions(stack)
    requests = len(stack.farm.requests())
    conf = {"sources": [SOURCE], "from_date": "2021-01-01", "to_date": "2021-12-31", "mode": "re-extract"}
    run = stack.dag("readout_backfill").test(run_conf=conf)
    assert run.state == "success"
    assert len(stack.farm.requests()) == requests
    after = _documents(stack)
    assert {url: d.content_hash for url, d in after.items()} == {url: d.content_hash for url, d in before.items()}
    assert _versions(stack) == versions  # same extractor, same text: no new version


def test_re_tag_applies_the_topics_file_and_sends_no_request(stack: Stack) -> None:
    assert _fetch(stack).state == "success"
    (stack.sources_file.parent / "topics.yaml").write_text(
        "topics:\n"
        "  - id: press-conference\n"
        "    label: Press conferences\n"
        "    description: A spokesperson's press conference.\n"
        "    terms: {en: [press conference], zh: [记者会], ru: [брифинг]}\n"
        "  - id: unrelated\n"
        "    label: Never mentioned\n"
        "    description: Nothing the fixtures say.\n"
        "    terms: {en: [zeppelin regatta], zh: [飞艇赛], ru: [дирижабль]}\n",
        "utf-8",
    )
    revision = _documents(stack)[_real(stack, OLD_BRIEFING)].revision
    requests = len(stack.farm.requests())
    run = stack.dag("readout_backfill").test(run_conf={"sources": [SOURCE], "mode": "re-tag"})
    assert run.state == "success"
    assert len(stack.farm.requests()) == requests
    document = _documents(stack)[_real(stack, OLD_BRIEFING)]
    assert document.topics == ["press-conference"]
    assert document.revision == revision + 1  # queued for the index again


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ({"sources": ["no-such-source"], "from_date": "2021-01-01", "mode": "fetch"}, "no-such-source"),
        ({"sources": [SOURCE], "from_date": "2021-02-01", "to_date": "2021-01-01", "mode": "fetch"}, "after"),
        ({"sources": [SOURCE], "from_date": "yesterday", "mode": "fetch"}, "from_date"),
        ({"sources": [SOURCE], "mode": "fetch"}, "needs a start date"),
    ],
)
def test_invalid_params_are_refused_with_a_clear_message(
    stack: Stack, conf: dict[str, Any], message: str, capfd: pytest.CaptureFixture[str]
) -> None:
    """Refused either by Airflow's form validation when the run is triggered (the Param schema), or by
    the `plan` task for what a schema cannot say; either way nothing is fetched or stored."""
    from airflow.sdk.exceptions import ParamValidationError

    requests = len(stack.farm.requests())
    refused: ParamValidationError | None = None
    try:
        run = stack.dag("readout_backfill").test(run_conf=conf)
    except ParamValidationError as exc:
        refused = exc
    if refused is not None:
        assert message in str(refused)
    else:
        assert run.state == "failed"
        log = capfd.readouterr()
        assert "invalid backfill parameters" in log.out + log.err
        assert message in log.out + log.err
    assert not _documents(stack)
    assert len(stack.farm.requests()) == requests


def test_a_failed_source_task_closes_the_run_as_partial_and_fails_the_dag_run(stack: Stack) -> None:
    """`summary` (trigger rule all_done) closes the catalog run whatever happened, then fails when a source
    task failed, so that the DAG run is not green."""
    dag = stack.dag("readout_backfill")
    # ru-mid-en's entry breaks after the DAG was parsed: its task cannot load the source and fails.
    text = stack.sources_file.read_text("utf-8")
    entry = text.index("  - id: ru-mid-en\n")
    broken = text[:entry] + text[entry:].replace("    kind: briefing\n", "    kind: gossip\n", 1)
    assert broken.count("gossip") == 1
    stack.sources_file.write_text(broken, "utf-8")
    dag.get_task("backfill_ru-mid-en").retries = 0  # its retries wait minutes; the failure after them counts
    conf = {"sources": [SOURCE, "ru-mid-en"], "mode": "re-extract"}
    run = dag.test(run_conf=conf)
    assert run.state == "failed"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["backfill_ru-mid-en"] == states["summary"] == "failed"
    assert states[f"backfill_{SOURCE}"] == states["index"] == "success"
    catalog = stack.catalog()
    try:
        # Closed by `summary` (the failure listener would have said "failed"): one of the two sources failed.
        assert catalog.run_status(readout_run_id("readout_backfill", run.run_id)) == "partial"
    finally:
        catalog.close()


def test_a_dry_run_re_extract_counts_failures_without_recording_them(stack: Stack) -> None:
    """A dry run has no catalog run: a document that cannot be re-extracted is counted, not recorded."""
    assert _fetch(stack).state == "success"
    document = _documents(stack)[_real(stack, OLD_BRIEFING)]
    (stack.data_dir / "archive" / document.warc_file).unlink()  # its raw record is gone
    request = BackfillRequest(sources=(SOURCE,), since=None, until=None, mode="re-extract", dry_run=True)
    planned = start_backfill(request, dag_id="readout_backfill", run_id="manual__dry-run")
    result = backfill_for_run(planned, SOURCE, dag_id="readout_backfill", run_id="manual__dry-run")
    assert result["counts"]["failed"] == 1
    catalog = stack.catalog()
    try:
        assert catalog.run_status(planned["run_id"]) is None  # a dry run opens no catalog run...
        with catalog.session() as session:
            recorded = list(session.scalars(select(Failure).where(Failure.stage == "re-extract")))
        assert recorded == []  # ...so no failure is recorded under it
    finally:
        catalog.close()
