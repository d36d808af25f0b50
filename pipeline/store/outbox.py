"""The search outbox: which documents a search target still needs, and what it acknowledged or rejected.

A document is pending for a target while its ``revision`` is newer than the revision the target
acknowledged (``index_acks``) and than any revision it rejected for good (``index_dead_letters``). Those
two tables are the truth; comparing every document with them would cost the same at every index pass,
with or without changes. So the catalog also keeps, on each document, the revision the *current* target
has settled (``documents.indexed_revision``) and indexes only the rows where it is missing or lower than
``revision`` (the partial index ``ix_documents_unsettled``). Every writer bumps ``revision`` for a change
the index must see, which makes the row a candidate without any writer knowing about the outbox; an
acknowledgement lowers the candidates again. A pass reads the candidates, not the catalog.

The column speaks for one target, named in ``index_outbox_target``. A pass for another one (a new
Elasticsearch index, a deleted or rebuilt ``search.db``: every document goes there again anyway) first
rewrites the column from that target's acknowledgements, once. The column may lag behind the truth (a
candidate that turns out settled costs a lookup) but never run ahead of it: it only ever takes
revisions the current target settled, in the transaction that records them, after taking the target
row's lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, delete, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from pipeline.store.base import CatalogBase
from pipeline.store.schema import DeadLetter, Document, IndexAck, OutboxTarget, Run, RunSource

#: The per-source counts a run result carries into the search index.
RUN_COUNTS = ("discovered", "new", "updated", "unchanged", "fetched", "not_modified", "removed", "skipped", "failed")
#: The one row of ``index_outbox_target``.
_TARGET_ROW = 1
#: ``documents`` as a Core table: the column is written by set-based statements, not through the ORM.
_DOCS = Document.metadata.tables[Document.__tablename__]
#: Ids per query when counting the pending documents.
_COUNT_BATCH = 1000
#: Acknowledgements per statement.
_CHUNK = 500


class OutboxQueries(CatalogBase):
    """The search outbox: what each index target has not acknowledged yet, acknowledgements and dead letters
    (and the run results waiting for the runs index)."""

    def _pending_ids(self, target: str, batch: int) -> Iterator[list[str]]:
        """Ids of the documents pending for ``target``, in ``doc_id`` order, at most ``batch`` at a time.

        Two steps, each a plain index lookup: the next candidates from the partial index, then the
        target's acknowledgements and dead letters of just those. (One join would be planned from
        estimates: PostgreSQL cannot know how few rows the candidate condition leaves and hashes every
        acknowledgement of the target instead.)
        """
        self._track(target)
        last = ""
        while True:
            with self.session() as session:
                rows = session.execute(
                    select(Document.doc_id, Document.revision)
                    # The partial index's condition (schema.UNSETTLED), term for term, so that it is used.
                    .where(or_(Document.indexed_revision.is_(None), Document.indexed_revision < Document.revision))
                    .where(Document.doc_id > last)
                    .order_by(Document.doc_id)
                    .limit(batch)
                )
                candidates: dict[str, int] = dict(rows.all())
                if not candidates:
                    return
                settled: dict[str, int] = {}
                for table in (IndexAck, DeadLetter):
                    found = session.execute(
                        select(table.doc_id, table.revision).where(
                            table.target == target, table.doc_id.in_(list(candidates))
                        )
                    )
                    for identifier, revision in found:
                        settled[identifier] = max(revision, settled.get(identifier, revision))
            pending = [d for d, revision in candidates.items() if settled.get(d, -1) < revision]
            if pending:
                yield pending
            if len(candidates) < batch:
                return
            last = max(candidates)

    def pending_for_index(self, target: str, *, batch: int = 500) -> Iterator[list[Document]]:
        """Documents ``target`` has not acknowledged at their current revision, in batches.

        Dead-lettered revisions are left out until the document changes again (or the dead letter is
        cleared with :meth:`clear_dead_letters`). Costs the number of candidates, not of documents,
        except on the first pass for a new target (:meth:`_track`).
        """
        for ids in self._pending_ids(target, batch):
            with self.session() as session:
                yield list(session.scalars(select(Document).where(Document.doc_id.in_(ids)).order_by(Document.doc_id)))

    def pending_count(self, target: str) -> int:
        """How many documents are pending for ``target`` (as :meth:`pending_for_index` would send)."""
        return sum(len(ids) for ids in self._pending_ids(target, _COUNT_BATCH))

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
        insert = self._insert()
        with self.session() as session, session.begin():
            current = self._lock_target(session, exclusive=False) == target
            for chunk in _chunks(rows, _CHUNK):
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
            if current:
                _settle(session, target, newest.items())

    def forget_acks(self, target: str, doc_ids: Sequence[str] | None = None) -> None:
        """Make documents pending again for ``target`` (all of them when ``doc_ids`` is None)."""
        with self.session() as session, session.begin():
            current = self._lock_target(session, exclusive=doc_ids is None) == target
            query = delete(IndexAck).where(IndexAck.target == target)
            if doc_ids is not None:
                query = query.where(IndexAck.doc_id.in_(list(doc_ids)))
            session.execute(query)
            if not current:
                return
            if doc_ids is None:
                # Every document: the next pass rewrites the column (and sends everything anyway).
                session.execute(update(OutboxTarget).where(OutboxTarget.id == _TARGET_ROW).values(target=None))
            else:
                _unsettle(session, target, _DOCS.c.doc_id.in_(list(doc_ids)))

    def dead_letter(
        self, target: str, identifier: str, revision: int, *, status: int | None, error_type: str | None, reason: str
    ) -> None:
        """Park a revision the target rejected for good, with the reason; it is not sent again."""
        with self.session() as session, session.begin():
            current = self._lock_target(session, exclusive=False) == target
            row = session.get(DeadLetter, (target, identifier)) or DeadLetter(target=target, doc_id=identifier)
            row.revision, row.status, row.error_type = revision, status, error_type
            row.reason, row.occurred_at = reason[:4000], datetime.now(UTC)
            session.add(row)
            session.flush()
            if current:
                _settle(session, target, [(identifier, revision)])

    def dead_letters(self, target: str | None = None, *, limit: int = 100) -> list[DeadLetter]:
        """The newest dead letters (of ``target``, or of every target)."""
        query = select(DeadLetter).order_by(DeadLetter.occurred_at.desc()).limit(limit)
        if target is not None:
            query = query.where(DeadLetter.target == target)
        with self.session() as session:
            return list(session.scalars(query))

    def clear_dead_letters(self, target: str) -> int:
        """Let every dead-lettered document be sent again (after fixing the mapping)."""
        with self.session() as session, session.begin():
            if self._lock_target(session, exclusive=False) == target:
                rejected = select(DeadLetter.doc_id).where(DeadLetter.target == target)
                _unsettle(session, target, _DOCS.c.doc_id.in_(rejected))
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

    # --- the column's target ---------------------------------------------------------------------------

    def _track(self, target: str) -> None:
        """Make ``target`` the one ``documents.indexed_revision`` speaks for, unless it already is.

        Rewrites the column from the target's acknowledgements and dead letters (only the rows whose value
        changes): once per new target, in one transaction, under the target row's lock, so that no
        acknowledgement for the previous target lands in the column afterwards.
        """
        with self.session() as session:
            if session.scalar(select(OutboxTarget.target).where(OutboxTarget.id == _TARGET_ROW)) == target:
                return
        acked = (
            select(IndexAck.revision)
            .where(IndexAck.target == target, IndexAck.doc_id == _DOCS.c.doc_id)
            .scalar_subquery()
        )
        rejected = select(DeadLetter.revision).where(DeadLetter.target == target, DeadLetter.doc_id == _DOCS.c.doc_id)
        with self.session() as session, session.begin():
            if self._lock_target(session, exclusive=True) == target:
                return  # another process did it meanwhile
            session.execute(
                update(_DOCS).where(_DOCS.c.indexed_revision.is_distinct_from(acked)).values(indexed_revision=acked)
            )
            # A rejected revision newer than the acknowledged one (rare: an acknowledgement clears it).
            session.execute(
                update(_DOCS)
                .where(
                    exists(
                        rejected.where(
                            or_(_DOCS.c.indexed_revision.is_(None), _DOCS.c.indexed_revision < DeadLetter.revision)
                        )
                    )
                )
                .values(indexed_revision=rejected.scalar_subquery())
            )
            session.execute(
                update(OutboxTarget)
                .where(OutboxTarget.id == _TARGET_ROW)
                .values(target=target, since=datetime.now(UTC))
            )

    def _lock_target(self, session: Session, *, exclusive: bool) -> str | None:
        """The current target, with its row locked for this transaction.

        PostgreSQL: ``FOR SHARE`` (writers of the column for that target) or ``FOR UPDATE`` (changing the
        target), so that the two never interleave. SQLite: the first statement is a write, which takes the
        database's single write lock for the whole transaction.
        """
        row = self._insert()(OutboxTarget).values(id=_TARGET_ROW, target=None)
        session.execute(row.on_conflict_do_nothing(index_elements=["id"]))
        query = select(OutboxTarget.target).where(OutboxTarget.id == _TARGET_ROW)
        return session.scalar(query.with_for_update(read=not exclusive))

    def _insert(self) -> Any:
        return sqlite_insert if self.engine.dialect.name == "sqlite" else postgresql_insert


def _is_current(target: str) -> ColumnElement[bool]:
    """The column speaks for ``target`` (checked in the statement itself, under the transaction's lock)."""
    return exists().where(OutboxTarget.id == _TARGET_ROW, OutboxTarget.target == target)


def _settle(session: Session, target: str, settled: Iterable[tuple[str, int]]) -> None:
    """Raise the column to revisions ``target`` settled (never lower it: a late, older acknowledgement)."""
    revision = bindparam("settled_revision", type_=Integer)
    statement = (
        update(_DOCS)
        .where(
            _DOCS.c.doc_id == bindparam("settled_doc"),
            or_(_DOCS.c.indexed_revision.is_(None), _DOCS.c.indexed_revision < revision),
            _is_current(target),
        )
        .values(indexed_revision=revision)
    )
    params = [{"settled_doc": identifier, "settled_revision": number} for identifier, number in settled]
    session.connection().execute(statement, params)


def _unsettle(session: Session, target: str, which: ColumnElement[bool]) -> None:
    session.execute(update(_DOCS).where(which, _is_current(target)).values(indexed_revision=None))


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
