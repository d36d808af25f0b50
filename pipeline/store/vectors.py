"""The catalog's ``sentence_vectors`` table as the sentence model's :class:`~pipeline.enrich.coverage.meaning.
VectorStore`: a briefing's answer sentences are embedded once, by the first process that matches a quote by
meaning against them, and read back by every later one (each Airflow task is a new process)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from pipeline.store.schema import SentenceVector

#: Digests per statement: well under SQLite's and PostgreSQL's bound-parameter limits.
_CHUNK = 500


class SessionVectors:
    """Vectors read and written in one catalog transaction (the one that stores the citations they link)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def load(self, model: str, digests: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors of those of ``digests`` that are stored for ``model``."""
        found: dict[str, bytes] = {}
        for start in range(0, len(digests), _CHUNK):
            chunk = digests[start : start + _CHUNK]
            query = select(SentenceVector.digest, SentenceVector.vector).where(
                SentenceVector.model == model, SentenceVector.digest.in_(chunk)
            )
            found.update((key, bytes(vector)) for key, vector in self.session.execute(query))
        return found

    def save(self, model: str, vectors: Mapping[str, bytes]) -> None:
        """Store the vectors not stored yet. Two workers may embed the same sentence at once: the second insert
        does nothing (a plain insert would fail its whole transaction on the primary key)."""
        rows = [{"model": model, "digest": key, "vector": vector} for key, vector in vectors.items()]
        insert = sqlite_insert if self.session.get_bind().dialect.name == "sqlite" else postgresql_insert
        for start in range(0, len(rows), _CHUNK):
            statement = insert(SentenceVector).values(rows[start : start + _CHUNK])
            self.session.execute(statement.on_conflict_do_nothing(index_elements=["model", "digest"]))
