"""The search outbox: what each index target has not acknowledged yet, acknowledgements and dead letters."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from pipeline.store.schema import (
    DeadLetter,
    Document,
    IndexAck,
    Run,
    RunSource,
)

if TYPE_CHECKING:
    pass
from pipeline.store.base import CatalogBase

#: The per-source counts a run result carries into the search index.
RUN_COUNTS = ("discovered", "new", "updated", "unchanged", "fetched", "not_modified", "removed", "skipped", "failed")


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class OutboxQueries(CatalogBase):
    """The search outbox: what each index target has not acknowledged yet, acknowledgements and dead letters."""

    def _pending_query(self, target: str) -> Select[Any]:
        acked = aliased(IndexAck)
        dead = aliased(DeadLetter)
        return (
            select(Document)
            .outerjoin(acked, and_(acked.target == target, acked.doc_id == Document.doc_id))
            .outerjoin(dead, and_(dead.target == target, dead.doc_id == Document.doc_id))
            .where(or_(acked.revision.is_(None), acked.revision < Document.revision))
            .where(or_(dead.revision.is_(None), dead.revision < Document.revision))
        )

    def pending_for_index(self, target: str, *, batch: int = 500) -> Iterator[list[Document]]:
        """Documents ``target`` has not acknowledged at their current revision, in batches.

        Dead-lettered revisions are left out until the document changes again (or the dead letter is
        cleared with :meth:`clear_dead_letters`).
        """
        last = ""
        while True:
            with self.session() as session:
                rows = list(
                    session.scalars(
                        self._pending_query(target).where(Document.doc_id > last).order_by(Document.doc_id).limit(batch)
                    )
                )
            if not rows:
                return
            yield rows
            last = rows[-1].doc_id

    def pending_count(self, target: str) -> int:
        with self.session() as session:
            return session.scalar(select(func.count()).select_from(self._pending_query(target).subquery())) or 0

    def ack(self, target: str, acknowledged: Sequence[tuple[str, int]]) -> None:
        """Record that ``target`` has these (doc_id, revision) pairs; older acks are never written over newer.

        One set-based upsert per call (the outbox acknowledges whole batches).
        """
        if not acknowledged:
            return
        now = datetime.now(UTC)
        newest: dict[str, int] = {}
        for identifier, revision in acknowledged:
            newest[identifier] = max(revision, newest.get(identifier, revision))
        rows = [{"target": target, "doc_id": d, "revision": r, "acked_at": now} for d, r in newest.items()]
        insert = sqlite_insert if self.engine.dialect.name == "sqlite" else postgresql_insert
        with self.session() as session, session.begin():
            for chunk in _chunks(rows, 500):
                statement = insert(IndexAck).values(chunk)
                session.execute(
                    statement.on_conflict_do_update(
                        index_elements=[IndexAck.target, IndexAck.doc_id],
                        set_={"revision": statement.excluded.revision, "acked_at": statement.excluded.acked_at},
                        where=IndexAck.revision < statement.excluded.revision,
                    )
                )
            # An acknowledged revision settles any dead letter for it or an older one.
            session.execute(
                delete(DeadLetter).where(
                    DeadLetter.target == target,
                    DeadLetter.doc_id.in_(list(newest)),
                )
            )

    def forget_acks(self, target: str, doc_ids: Sequence[str] | None = None) -> None:
        """Make documents pending again for ``target`` (all of them when ``doc_ids`` is None)."""
        with self.session() as session, session.begin():
            query = delete(IndexAck).where(IndexAck.target == target)
            if doc_ids is not None:
                query = query.where(IndexAck.doc_id.in_(list(doc_ids)))
            session.execute(query)

    def dead_letter(
        self, target: str, identifier: str, revision: int, *, status: int | None, error_type: str | None, reason: str
    ) -> None:
        """Park a revision the target rejected for good, with the reason; it is not sent again."""
        with self.session() as session, session.begin():
            row = session.get(DeadLetter, (target, identifier)) or DeadLetter(target=target, doc_id=identifier)
            row.revision, row.status, row.error_type = revision, status, error_type
            row.reason, row.occurred_at = reason[:4000], datetime.now(UTC)
            session.add(row)

    def dead_letters(self, target: str | None = None, *, limit: int = 100) -> list[DeadLetter]:
        query = select(DeadLetter).order_by(DeadLetter.occurred_at.desc()).limit(limit)
        if target is not None:
            query = query.where(DeadLetter.target == target)
        with self.session() as session:
            return list(session.scalars(query))

    def clear_dead_letters(self, target: str) -> int:
        """Let every dead-lettered document be sent again (after fixing the mapping)."""
        with self.session() as session, session.begin():
            result = session.execute(delete(DeadLetter).where(DeadLetter.target == target))
            return int(getattr(result, "rowcount", 0) or 0)

    def unindexed_run_results(self, *, limit: int = 1000) -> list[dict[str, Any]]:
        """Per-source run results not yet in the search index's runs index, as index rows."""
        with self.session() as session:
            rows = session.execute(
                select(RunSource, Run)
                .join(Run, Run.run_id == RunSource.run_id)
                .where(RunSource.indexed_at.is_(None), Run.finished_at.is_not(None))
                .order_by(Run.started_at)
                .limit(limit)
            ).all()
        return [
            {
                "run_id": result.run_id,
                "source": result.source_id,
                "mode": run.mode,
                "status": result.status,
                "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                **{name: getattr(result, name) for name in RUN_COUNTS},
                "error": result.error,
                "seconds": result.seconds,
            }
            for result, run in rows
        ]

    def mark_run_results_indexed(self, keys: Sequence[tuple[str, str]]) -> None:
        """(run_id, source_id) pairs the runs index acknowledged."""
        now = datetime.now(UTC)
        with self.session() as session, session.begin():
            for run_id, source_id in keys:
                row = session.get(RunSource, (run_id, source_id))
                if row is not None:
                    row.indexed_at = now
