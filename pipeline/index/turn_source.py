"""The turns of the documents an index pass sends, read from the catalog's ``turns`` table.

A stand-in for the catalog query the turn store provides (``turns_for_documents``); the outbox only needs
this one function, so swapping it for the store's is a one-line import change in
:mod:`pipeline.index.service`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from pipeline.store.schema import Turn

if TYPE_CHECKING:
    from pipeline.store.catalog import Catalog

#: Document ids per ``IN (...)`` query.
_CHUNK = 500


def turns_for_documents(catalog: Catalog, doc_ids: Sequence[str]) -> dict[str, list[Turn]]:
    """Every document's current turns in document order (``position``); documents without turns are absent."""
    found: dict[str, list[Turn]] = {}
    with catalog.session() as session:
        for start in range(0, len(doc_ids), _CHUNK):
            chunk = list(doc_ids[start : start + _CHUNK])
            rows = session.scalars(select(Turn).where(Turn.doc_id.in_(chunk)).order_by(Turn.doc_id, Turn.position))
            for turn in rows:
                found.setdefault(turn.doc_id, []).append(turn)
    return found
