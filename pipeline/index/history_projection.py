"""A transcript's history in the search indices: whether it was edited or removed, how many versions it has, and
its other-language twin.

The catalog keeps them on the document itself (:mod:`pipeline.store.history`, :mod:`pipeline.store.rechecks`,
the twins' columns; docs/history.md), so no lookup is needed: the projection reads them off the row being
indexed. The indices carry

* for a **document**: ``edited`` (a version changed its substance: ``edited_at`` is set) and ``edited_at``;
  ``removed``/``removed_at`` (already projected with the document) and ``removal_kind`` (the kind of its
  removal evidence: gone, deleted-page, redirect-to-index, dropped-from-listing); ``version_count`` (its stored
  versions, cosmetic ones included); ``has_twin``, ``twin_doc_id`` and, when it has a twin,
  ``unmatched_in_twin`` (how many of its turns are missing from the twin);
* for a **turn**: ``missing_in_twin`` (its document has a twin and the turn is among those missing from it).

Every writer of these columns gives the document a new revision (a new version, a removal, a page that comes
back, a change of twin), so the outbox indexes it again.

Pure, and light to import: the search side imports the projections without the catalog.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class HistoryLike(Protocol):
    """What the projection reads of a document's history (``pipeline.store.schema.Document``)."""

    @property
    def version(self) -> int: ...
    @property
    def removed_at(self) -> datetime | None: ...
    @property
    def removal_evidence(self) -> dict[str, Any] | None: ...
    @property
    def edited_at(self) -> datetime | None: ...
    @property
    def twin_doc_id(self) -> str | None: ...
    @property
    def twin_unmatched(self) -> list[Any]: ...


def document_history_fields(document: HistoryLike) -> dict[str, Any]:
    """A document's history fields (``removed`` and ``removed_at`` are the projection's own); None values are
    left out by the caller."""
    evidence = document.removal_evidence if document.removed_at is not None else None
    kind = evidence.get("kind") if isinstance(evidence, dict) else None
    twin = document.twin_doc_id or None
    fields: dict[str, Any] = {
        "edited": document.edited_at is not None,
        "edited_at": document.edited_at.isoformat() if document.edited_at is not None else None,
        "removal_kind": str(kind) if kind else None,
        "version_count": document.version,
        "has_twin": twin is not None,
        "twin_doc_id": twin,
    }
    if twin is not None:
        fields["unmatched_in_twin"] = len(missing_in_twin(document))
    return fields


def missing_in_twin(document: HistoryLike) -> frozenset[str]:
    """The ids of ``document``'s turns missing from its twin (none when it has no twin)."""
    if not document.twin_doc_id:
        return frozenset()
    return frozenset(str(turn_id) for turn_id in document.twin_unmatched or ())
