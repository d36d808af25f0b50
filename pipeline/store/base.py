"""The base the catalog's query groups share: an engine and its sessions."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker


class CatalogBase:
    """An engine and a session factory; :class:`~pipeline.store.catalog.Catalog` combines the query groups
    (frontier, outbox, runs) built on it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        """A new session (use it as a context manager)."""
        return self._sessions()
