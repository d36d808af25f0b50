"""The catalog's ``sentence_vectors`` table as the sentence model's :class:`~pipeline.enrich.coverage.meaning.
VectorStore`: a briefing's answer sentences are embedded once, by the first process that matches a quote by
meaning against them, and read back by every later one (each Airflow task is a new process).

The table is a cache: a read or a write that fails is logged and costs only an embedding, never the document
being linked. On PostgreSQL the vectors are written in a short transaction of their own, in digest order, so
that other workers see them at once and never wait on (or deadlock with) a document's transaction for them;
on SQLite, where one process writes at a time, in a savepoint of the document's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pipeline.errors import CatalogError
from pipeline.store.schema import SentenceVector

_log = logging.getLogger(__name__)

#: Digests per statement: well under SQLite's and PostgreSQL's bound-parameter limits.
_CHUNK = 500


class SessionVectors:
    """Vectors read in a catalog transaction (the one that stores the citations they link), and written beside
    it."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def load(self, model: str, digests: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors of those of ``digests`` that are stored for ``model``; {} when they cannot be read."""
        found: dict[str, bytes] = {}
        try:
            with self.session.begin_nested():  # a failed read must not abort the document's transaction
                for start in range(0, len(digests), _CHUNK):
                    chunk = digests[start : start + _CHUNK]
                    query = select(SentenceVector.digest, SentenceVector.vector).where(
                        SentenceVector.model == model, SentenceVector.digest.in_(chunk)
                    )
                    found.update((key, bytes(vector)) for key, vector in self.session.execute(query))
        except (SQLAlchemyError, CatalogError) as exc:
            _log.warning("sentence vectors not read, embedded instead: %s", exc)
            return {}
        return found

    def save(self, model: str, vectors: Mapping[str, bytes]) -> None:
        """Store these vectors, replacing a stored one only when it is damaged (not of their length); a vector
        another worker stored first is kept."""
        rows = [{"model": model, "digest": key, "vector": vectors[key]} for key in sorted(vectors)]
        bind = self.session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        try:
            if engine.dialect.name == "postgresql":
                with engine.begin() as connection:
                    for statement in _upserts(postgresql_insert, rows):
                        connection.execute(statement)
            else:
                with self.session.begin_nested():
                    for statement in _upserts(sqlite_insert, rows):
                        self.session.execute(statement)
        except (SQLAlchemyError, CatalogError) as exc:
            _log.warning("sentence vectors not stored (the next process embeds them again): %s", exc)


def _upserts(insert: Any, rows: list[dict[str, Any]]) -> list[Any]:
    statements = []
    for start in range(0, len(rows), _CHUNK):
        statement = insert(SentenceVector).values(rows[start : start + _CHUNK])
        statements.append(
            statement.on_conflict_do_update(
                index_elements=["model", "digest"],
                set_={"vector": statement.excluded.vector},
                where=func.length(SentenceVector.vector) != func.length(statement.excluded.vector),
            )
        )
    return statements
