"""A fetch task that dies half-way and is retried leaves no duplicate: the retry fetches only the items the
first attempt had not settled (each item is committed on its own), and asks nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from pipeline.config import Settings
from pipeline.store.schema import Document, DocumentVersion
from pipeline.tasks import ingest_discover, ingest_fetch_batch, ingest_record, load_source
from tests.dags.conftest import Stack


def test_a_retried_batch_fetches_only_what_the_failed_attempt_left(stack: Stack) -> None:
    settings = Settings()
    source = load_source(settings, "cn-mfa-en")
    run_id = "7d1c1f9e-1111-5d55-9a51-6a0d2b1e7c3e"
    discovered = ingest_discover(settings, source, run_id=run_id, batch_size=50)
    (batch,) = discovered["batches"]
    assert len(batch) >= 3
    # The first attempt stored two items, then its worker died (nothing after them was committed).
    first = ingest_fetch_batch(settings, source, run_id=run_id, batch=batch[:2])
    assert first["counts"]["new"] == 2
    asked_before = len(stack.farm.requests())
    retry = ingest_fetch_batch(settings, source, run_id=run_id, batch=batch)
    assert retry["counts"]["new"] == len(batch) - 2
    assert retry["counts"]["skipped"] == 2
    asked = [r.path for r in stack.farm.requests()[asked_before:]]
    settled = {item["url"].split("/", 3)[3] for item in batch[:2]}
    assert not [path for path in asked if path.lstrip("/") in settled]
    summary = ingest_record(settings, source, discovered=discovered, batches=[retry])
    assert summary["status"] == "ok"
    catalog = stack.catalog()
    try:
        with catalog.session() as session:
            documents = session.scalar(select(func.count()).select_from(Document))
            versions = session.scalar(select(func.count()).select_from(DocumentVersion))
        assert documents == versions == len(batch)
        frontier = catalog.frontier(source.id, now=datetime.now(UTC), retry_given_up_after=timedelta(days=30))
        assert frontier.pending == []  # every item settled
    finally:
        catalog.close()
