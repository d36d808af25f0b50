"""Runs, per-source results and state, and recorded failures."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from pipeline.errors import ReadoutError
from pipeline.store.base import CatalogBase
from pipeline.store.schema import (
    Document,
    Failure,
    Run,
    RunSource,
    RunWarning,
    SourceState,
)

#: ``run_warnings.url``'s length.
_URL_CHARS = 2048


class RunQueries(CatalogBase):
    """Runs, per-source results and state, and recorded failures."""

    def record_failure(
        self, *, run_id: str | None, source_id: str, url: str | None, stage: str, error: BaseException
    ) -> None:
        """Record a failure with its reason; :class:`ReadoutError` says whether it is permanent."""
        permanent = error.permanent if isinstance(error, ReadoutError) else False
        kind = error.kind if isinstance(error, ReadoutError) else type(error).__name__
        with self.session() as session, session.begin():
            session.add(
                Failure(
                    run_id=run_id,
                    source_id=source_id,
                    url=url,
                    stage=stage,
                    error_kind=kind,
                    message=str(error)[:4000],
                    permanent=permanent,
                    occurred_at=datetime.now(UTC),
                )
            )

    @staticmethod
    def _resolve_failures(
        session: Session, source_id: str, url: str | None, *, stages: Sequence[str] | None = None
    ) -> None:
        """Mark the source's unresolved failures of ``url`` (``None``: its failures that have no URL, the
        source-level ones) as resolved, all of them or those of ``stages``."""
        query = update(Failure).where(Failure.source_id == source_id, Failure.resolved_at.is_(None))
        query = query.where(Failure.url.is_(None) if url is None else Failure.url == url)
        if stages is not None:
            query = query.where(Failure.stage.in_(list(stages)))
        session.execute(query.values(resolved_at=datetime.now(UTC)))

    def resolve_endpoint_failures(self, source_id: str, *, read: Sequence[str], archived: Sequence[str]) -> None:
        """Resolve the discovery failures of endpoints ``read`` cleanly and the archive failures of those
        ``archived``: what was wrong with them is not any more."""
        if not read and not archived:
            return
        with self.session() as session, session.begin():
            for url in dict.fromkeys(read):
                self._resolve_failures(session, source_id, url, stages=["discover"])
            for url in dict.fromkeys(archived):
                self._resolve_failures(session, source_id, url, stages=["archive"])

    def resolve_config_failures(
        self, sources_file: str, *, valid: Sequence[str], refused: Sequence[str] | None
    ) -> None:
        """Resolve ``sources_file``'s entry failures (stage ``config``) of the sources now ``valid``; given
        ``refused`` (every entry of the file that is still broken), of every other entry too."""
        with self.session() as session, session.begin():
            query = update(Failure).where(
                Failure.stage == "config", Failure.url == sources_file, Failure.resolved_at.is_(None)
            )
            if refused is None:
                query = query.where(Failure.source_id.in_(list(valid)))
            elif refused:
                query = query.where(Failure.source_id.not_in(list(refused)))
            session.execute(query.values(resolved_at=datetime.now(UTC)))

    def record_warnings(self, run_id: str, source_id: str, warnings: Sequence[tuple[str | None, str]]) -> None:
        """Record a source's discovery warnings in a run, as ``(url, message)``: they replace any recorded
        for the same run and source before (an Airflow task retried)."""
        now = datetime.now(UTC)
        with self.session() as session, session.begin():
            session.execute(delete(RunWarning).where(RunWarning.run_id == run_id, RunWarning.source_id == source_id))
            session.add_all(
                RunWarning(run_id=run_id, source_id=source_id, url=url, message=message[:4000], occurred_at=now)
                for url, message in warnings
            )

    def add_warnings(self, run_id: str, source_id: str, warnings: Sequence[tuple[str | None, str]]) -> None:
        """Add warnings about a source's items to a run (what extraction made do with: a body selector that
        matched nothing), as ``(url, message)``; one already recorded in the run is not added twice (an item
        extracted again by a retried task)."""
        if not warnings:
            return
        warnings = [(url[:_URL_CHARS] if url else url, message) for url, message in warnings]
        now = datetime.now(UTC)
        with self.session() as session, session.begin():
            for url, message in warnings:
                session.execute(
                    delete(RunWarning).where(
                        RunWarning.run_id == run_id,
                        RunWarning.source_id == source_id,
                        RunWarning.url == url,
                        RunWarning.message == message[:4000],
                    )
                )
            session.add_all(
                RunWarning(run_id=run_id, source_id=source_id, url=url, message=message[:4000], occurred_at=now)
                for url, message in warnings
            )

    def last_warnings(self) -> dict[str, list[RunWarning]]:
        """Each source's warnings from the run that last polled it (sources without any are left out)."""
        with self.session() as session:
            rows = session.scalars(
                select(RunWarning)
                .join(
                    SourceState,
                    (SourceState.source_id == RunWarning.source_id) & (SourceState.last_run_id == RunWarning.run_id),
                )
                .order_by(RunWarning.id)
            )
            found: dict[str, list[RunWarning]] = {}
            for row in rows:
                found.setdefault(row.source_id, []).append(row)
            return found

    def start_run(self, mode: str, params: dict[str, Any], *, run_id: str | None = None) -> str:
        """Open a run. Given an existing ``run_id`` (an Airflow DAG run retried), reopen that run instead."""
        run_id = run_id or str(uuid.uuid4())
        with self.session() as session, session.begin():
            run = session.get(Run, run_id)
            if run is None:
                session.add(
                    Run(run_id=run_id, mode=mode, started_at=datetime.now(UTC), status="running", params=params)
                )
            else:
                run.status, run.finished_at = "running", None
        return run_id

    def run_status(self, run_id: str) -> str | None:
        """A run's status, or None when there is no such run."""
        with self.session() as session:
            run = session.get(Run, run_id)
            return run.status if run is not None else None

    def close_stale_runs(self, older_than: timedelta) -> int:
        """Mark runs still "running" after ``older_than`` as interrupted (their process died)."""
        cutoff = datetime.now(UTC) - older_than
        with self.session() as session, session.begin():
            result = session.execute(
                update(Run)
                .where(Run.status == "running", Run.started_at < cutoff)
                .values(status="interrupted", finished_at=datetime.now(UTC))
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def finish_run(self, run_id: str, status: str) -> None:
        with self.session() as session, session.begin():
            run = session.get(Run, run_id)
            if run is not None:
                run.status = status
                run.finished_at = datetime.now(UTC)

    def save_source_result(
        self,
        run_id: str,
        source_id: str,
        status: str,
        counts: dict[str, int],
        error: str | None,
        seconds: float,
        *,
        update_state: bool = True,
    ) -> None:
        """Write the run's counts for a source and, for runs that polled it, update the source's state.

        Health checks and catalog-only work (re-extract, re-tag) say nothing about whether the source can
        be reached, so their results leave the source's state alone (``update_state=False`` or a
        ``health`` run)."""
        now = datetime.now(UTC)
        with self.session() as session, session.begin():
            session.merge(
                RunSource(run_id=run_id, source_id=source_id, status=status, error=error, seconds=seconds, **counts)
            )
            run = session.get(Run, run_id)
            if not update_state or (run is not None and run.mode == "health"):
                return
            state = session.get(SourceState, source_id) or SourceState(source_id=source_id, consecutive_failures=0)
            if status == "ok":
                # A clean run of the source: its source-level failures (no URL: a catalog error, a crash) are over.
                self._resolve_failures(session, source_id, None)
            state.last_run_id = run_id
            state.last_poll_at = now
            state.last_status = status
            state.last_error = error
            if status == "failed":
                state.consecutive_failures = (state.consecutive_failures or 0) + 1
            else:
                state.consecutive_failures = 0
                state.last_success_at = now
            if counts.get("new", 0) or counts.get("updated", 0):
                state.last_new_at = now
            if counts.get("new", 0) or state.documents is None:
                # Recounted only when the run added documents (or nothing was counted yet): a run that found
                # nothing new costs nothing here, and a count an earlier run left short (killed after storing
                # documents, before this) is mended by the next run that stores one.
                state.documents = (
                    session.scalar(select(func.count()).select_from(Document).where(Document.source_id == source_id))
                    or 0
                )
            session.add(state)

    def source_states(self) -> dict[str, SourceState]:
        with self.session() as session:
            return {row.source_id: row for row in session.scalars(select(SourceState))}

    def failures(self, *, source_ids: Sequence[str] = (), limit: int = 50, unresolved: bool = True) -> list[Failure]:
        query = select(Failure).order_by(Failure.occurred_at.desc(), Failure.id.desc()).limit(limit)
        if source_ids:
            query = query.where(Failure.source_id.in_(list(source_ids)))
        if unresolved:
            query = query.where(Failure.resolved_at.is_(None))
        with self.session() as session:
            return list(session.scalars(query))

    def run_results(self, run_id: str) -> list[RunSource]:
        with self.session() as session:
            return list(session.scalars(select(RunSource).where(RunSource.run_id == run_id)))
