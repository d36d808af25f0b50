"""The backfill DAG with its Params, in each mode, run by a real Airflow against the fixture sites."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from pipeline.config import load_sources
from pipeline.store.schema import Document, DocumentVersion, Failure
from pipeline.tasks import BackfillRequest, backfill_for_run, readout_run_id, source_pool, start_backfill
from pipeline.urls import canonical_url
from tests.conftest import REPO
from tests.dags.conftest import Stack

# Among the longest modules: started first, so that both workers of `make test` finish together.
pytestmark = pytest.mark.slow

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


def _states(run: Any) -> dict[str, str]:
    """The state of every task instance of a DAG run, mapped ones as ``task[index]``."""
    return {
        ti.task_id + (f"[{ti.map_index}]" if ti.map_index >= 0 else ""): ti.state for ti in run.get_task_instances()
    }


def _started(run: Any) -> set[str]:
    """The task instances that ran (those skipped or never started by the scheduler are left out)."""
    return {key for key, state in _states(run).items() if state in ("success", "failed")}


def _fetch_task(stack: Stack) -> str:
    (source,) = [s for s in load_sources(stack.sources_file) if s.id == SOURCE]
    return "fetch." + source_pool(source).removeprefix("readout_host_")


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
    # One source asked for: its host's fetch task, in the host's pool, and no task for any other source.
    assert _started(run) == {"plan", "route", _fetch_task(stack), "index", "summary"}
    (fetch,) = [ti for ti in run.get_task_instances() if ti.task_id == _fetch_task(stack)]
    assert fetch.pool == _fetch_task(stack).replace("fetch.", "readout_host_")


def test_a_source_with_failed_items_makes_the_backfill_partial(stack: Stack) -> None:
    """A source task that finished but could not store every item (here the briefing page has no text) is
    partial, and so is the backfill's summary and catalog run: not "ok" with a failure hidden in the counts."""
    path = OLD_BRIEFING.removeprefix("https://www.fmprc.gov.cn")
    stack.farm.overrides[("www.fmprc.gov.cn", path)] = b"<html><head><title>x</title></head><body></body></html>"
    try:
        run = _fetch(stack)
    finally:
        stack.farm.overrides.clear()
    assert _documents(stack) == {}
    catalog = stack.catalog()
    try:
        assert catalog.run_status(readout_run_id("readout_backfill", run.run_id)) == "partial"
    finally:
        catalog.close()
    # The source's task finished: its failed item is recorded (and retried later), so the DAG run stays green.
    assert run.state == "success"
    catalog = stack.catalog()
    try:
        with catalog.session() as session:
            (failure,) = session.scalars(select(Failure))
            assert failure.source_id == SOURCE
    finally:
        catalog.close()


def test_re_extract_keeps_the_title_a_page_without_one_was_stored_with(stack: Stack) -> None:
    """A page with no title of its own is stored under its listing's title; re-extracting it from the archive
    (where no listing is at hand) keeps that title instead of erasing it."""
    path = OLD_BRIEFING.removeprefix("https://www.fmprc.gov.cn")
    page = (REPO / "tests/fixtures/sites/www.fmprc.gov.cn" / path.lstrip("/")).read_text("utf-8")
    untitled = re.sub(r"<title>.*?</title>|<h1>.*?</h1>", "", page, flags=re.S)
    stack.farm.overrides[("www.fmprc.gov.cn", path)] = stack.farm.rewrite_bytes(untitled.encode())
    try:
        assert _fetch(stack).state == "success"
    finally:
        stack.farm.overrides.clear()
    listed = _documents(stack)[_real(stack, OLD_BRIEFING)].title
    assert listed  # from the listing page's link
    conf = {"sources": [SOURCE], "from_date": "2021-01-01", "to_date": "2021-12-31", "mode": "re-extract"}
    assert stack.dag("readout_backfill").test(run_conf=conf).state == "success"
    assert _documents(stack)[_real(stack, OLD_BRIEFING)].title == listed


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
    # One mapped instance, for the source asked for, in the default pool (no HTTP: no host pool to wait for).
    assert _started(run) == {"plan", "route", "reprocess[0]", "index", "summary"}
    (reprocess,) = [ti for ti in run.get_task_instances() if ti.task_id == "reprocess"]
    assert (reprocess.rendered_map_index, reprocess.pool) == (SOURCE, "default_pool")
    states = _states(run)
    assert {states[key] for key in states if key.startswith("fetch.")} | {states["reindex"]} == {"skipped"}


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


def _drop_source(stack: Stack, source_id: str) -> None:
    """Remove an entry from the sources file (after the DAG was parsed: its form still offers the id)."""
    text = stack.sources_file.read_text("utf-8")
    start = text.index(f"  - id: {source_id}\n")
    end = text.find("\n  - id: ", start + 1)
    stack.sources_file.write_text(text[:start] + (text[end + 1 :] if end != -1 else ""), "utf-8")


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        (
            {"sources": [SOURCE], "from_date": "2021-02-01", "to_date": "2021-01-01", "mode": "fetch"},
            "from_date 2021-02-01 is after to_date 2021-01-01",
        ),
        ({"sources": [SOURCE], "mode": "fetch"}, "a fetch backfill needs a start date (from_date)"),
        ({"sources": [SOURCE], "from_date": "2999-01-01", "mode": "fetch"}, "from_date 2999-01-01 is in the future"),
        ({"sources": ["ru-mid-en"], "mode": "re-tag"}, "unknown source id(s) ru-mid-en"),
    ],
    ids=["from-after-to", "fetch-without-start", "future", "unknown-source"],
)
def test_params_the_schema_cannot_check_are_refused_by_plan_alone(
    stack: Stack, conf: dict[str, Any], message: str, capfd: pytest.CaptureFixture[str]
) -> None:
    """Accepted by the form and the API (the schema cannot say these), refused by `plan` in one sentence; every
    other task is upstream_failed: none starts, not even the all_done ones (index, summary)."""
    dag = stack.dag("readout_backfill")
    _drop_source(stack, "ru-mid-en")
    requests = len(stack.farm.requests())
    run = dag.test(run_conf=conf)
    assert run.state == "failed"
    states = _states(run)
    assert states.pop("plan") == "failed"
    assert set(states.values()) == {"upstream_failed"}, states
    log = capfd.readouterr()
    assert f"invalid backfill parameters: {message}" in log.out + log.err
    assert "backfill params:" not in log.out + log.err  # the old doubled prefix
    assert not _documents(stack)
    assert len(stack.farm.requests()) == requests
    catalog = stack.catalog()
    try:
        assert catalog.run_status(readout_run_id("readout_backfill", run.run_id)) is None  # no run opened
    finally:
        catalog.close()


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ({"sources": ["no-such-source"], "from_date": "2021-01-01", "mode": "fetch"}, "no-such-source"),
        ({"sources": [SOURCE], "from_date": "yesterday", "mode": "fetch"}, "yesterday"),
    ],
)
def test_params_the_schema_checks_are_refused_when_triggered(stack: Stack, conf: dict[str, Any], message: str) -> None:
    """An id the form does not offer, a malformed date: Airflow refuses the run itself (no run, no task)."""
    from airflow.sdk.exceptions import ParamValidationError

    requests = len(stack.farm.requests())
    with pytest.raises(ParamValidationError, match=message):
        stack.dag("readout_backfill").test(run_conf=conf)
    assert not _documents(stack)
    assert len(stack.farm.requests()) == requests


def test_a_source_whose_entry_broke_since_the_dag_was_parsed_is_refused_by_plan(
    stack: Stack, capfd: pytest.CaptureFixture[str]
) -> None:
    dag = stack.dag("readout_backfill")
    text = stack.sources_file.read_text("utf-8")
    entry = text.index("  - id: ru-mid-en\n")
    stack.sources_file.write_text(text[:entry] + text[entry:].replace("kind: briefing", "kind: gossip", 1), "utf-8")
    run = dag.test(run_conf={"sources": ["ru-mid-en"], "mode": "re-extract"})
    assert run.state == "failed"
    assert _started(run) == {"plan"}
    log = capfd.readouterr()
    assert "invalid backfill parameters: source ru-mid-en cannot be loaded: " in log.out + log.err
    assert "entry 'ru-mid-en' (line " in log.out + log.err


def _required_in_form(schema: dict[str, Any]) -> bool:
    """How Airflow 3.3's trigger form decides that a field is required (the UI's isParamRequired.tsx, also in the
    installed bundle airflow/ui/dist): the schema has a type, and that type is not a list that allows null."""
    kind = schema.get("type")
    return bool(kind) and not (isinstance(kind, list) and "null" in kind)


def test_the_form_requires_nothing_that_may_be_left_empty(stack: Stack) -> None:
    params = stack.dag("readout_backfill").params
    required = {name for name in params if _required_in_form(params.get_param(name).schema)}
    assert required == set()
    # Left empty as the form sends it (null), each of them is still a valid backfill.
    empty = {"sources": None, "from_date": None, "to_date": None, "dry_run": None, "mode": "re-tag"}
    run = stack.dag("readout_backfill").test(run_conf=empty)
    assert run.state == "success"


def test_a_failed_source_task_closes_the_run_as_partial_and_fails_the_dag_run(stack: Stack) -> None:
    """`summary` (the teardown of `plan`) closes the catalog run whatever happened, then fails when a source
    task failed, so that the DAG run is not green."""
    dag = stack.dag("readout_backfill")
    # ru-mid-en's entry breaks while the backfill runs (after `plan` accepted it): its task cannot load it.
    text = stack.sources_file.read_text("utf-8")
    entry = text.index("  - id: ru-mid-en\n")
    broken = text[:entry] + text[entry:].replace("    kind: briefing\n", "    kind: gossip\n", 1)
    assert broken.count("gossip") == 1
    dag.get_task("plan").on_success_callback = [lambda context: stack.sources_file.write_text(broken, "utf-8")]
    dag.get_task("reprocess").retries = 0  # its retries wait minutes; the failure after them counts
    conf = {"sources": [SOURCE, "ru-mid-en"], "mode": "re-extract"}
    run = dag.test(run_conf=conf)
    assert run.state == "failed"
    labels = {ti.rendered_map_index: ti.state for ti in run.get_task_instances() if ti.task_id == "reprocess"}
    assert labels == {SOURCE: "success", "ru-mid-en": "failed"}
    states = _states(run)
    assert states["summary"] == "failed"
    assert states["index"] == "success"
    catalog = stack.catalog()
    try:
        # Closed by `summary` (the failure listener would have said "failed"): one of the two sources failed.
        assert catalog.run_status(readout_run_id("readout_backfill", run.run_id)) == "partial"
    finally:
        catalog.close()


def test_a_source_failing_in_a_host_fetch_task_does_not_stop_the_next_one(stack: Stack) -> None:
    """The sources of one host are fetched one after the other by the host's task: one failing is logged and the
    next still runs; the task then fails, and summary closes the run as partial."""
    dag = stack.dag("readout_backfill")
    text = stack.sources_file.read_text("utf-8")
    entry = text.index("  - id: ru-mid-en\n")
    broken = text[:entry] + text[entry:].replace("    kind: briefing\n", "    kind: gossip\n", 1)
    dag.get_task("plan").on_success_callback = [lambda context: stack.sources_file.write_text(broken, "utf-8")]
    fetch = _fetch_task(stack)  # the host of both sources (the fixture sites share 127.0.0.1)
    dag.get_task(fetch).retries = 0
    conf = {"sources": ["ru-mid-en", SOURCE], "from_date": "2021-04-26", "to_date": "2021-04-26", "mode": "fetch"}
    run = dag.test(run_conf=conf)
    assert run.state == "failed"
    states = _states(run)
    assert (states[fetch], states["index"], states["summary"]) == ("failed", "success", "failed")
    assert set(_documents(stack)) == {_real(stack, OLD_BRIEFING)}  # the second source was fetched all the same
    catalog = stack.catalog()
    try:
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
