"""Near-duplicate clusters in the catalog: written with their document, read by the CLI (and later the search).

A news or statement document's signature and band keys (:mod:`pipeline.enrich.dedup`) are kept in
``document_signatures`` and ``document_bands``. When such a document is stored, :func:`assign_cluster` runs
in the transaction that writes it:

* its band keys are looked up in ``ix_document_bands_key``: only documents sharing a key are candidates (at
  most :data:`MAX_CANDIDATES`, those sharing the most keys first), never the whole catalog;
* each candidate's signature gives an estimated similarity; the best one at or above the threshold
  (``READOUT_DUPLICATE_THRESHOLD``) makes the document a copy: its ``cluster_id`` and ``duplicate_of`` are the
  candidate's cluster, that is the first-seen document of it;
* with none, the document is the first of its own cluster (``cluster_id`` its own id, ``duplicate_of`` None).

A new version computes it all again (a document stored earlier than the version, not one stored later, can
be what it copies; its own copies never are); when the first of a cluster turns out to copy an earlier
document, its copies follow it into that cluster. The same content stored again changes nothing. Briefings
are never clustered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from pipeline.config import CLUSTERED_KINDS
from pipeline.store.base import CatalogBase
from pipeline.store.schema import Document, DocumentBand, DocumentSignature

if TYPE_CHECKING:
    from pipeline.enrich.dedup import Fingerprint

#: The most candidates compared with one document: a story copied hundreds of times still costs a bounded time.
MAX_CANDIDATES = 200
#: Document ids per ``IN (...)`` query.
_CHUNK = 500


@dataclass(frozen=True)
class _Candidate:
    doc_id: str
    cluster_id: str | None
    first_seen_at: datetime
    similarity: float


class DuplicateQueries(CatalogBase):
    """Reads of the near-duplicate clusters (the writes go with their document: :func:`assign_cluster`)."""

    #: The decision threshold :func:`assign_cluster` uses for this catalog (``Catalog.for_settings`` sets it).
    duplicate_threshold: float | None = None

    def cluster_of(self, doc_id: str) -> list[str]:
        """The ids of the documents in ``doc_id``'s cluster, first-seen first (just ``[doc_id]`` for a document
        that is not clustered; [] for an unknown id)."""
        with self.session() as session:
            document = session.get(Document, doc_id)
            if document is None:
                return []
            if document.cluster_id is None:
                return [doc_id]
            query = (
                select(Document.doc_id)
                .where(Document.cluster_id == document.cluster_id)
                .order_by(Document.first_seen_at, Document.doc_id)
            )
            return list(session.scalars(query))

    def cluster_sizes(self, doc_ids: Sequence[str]) -> dict[str, int]:
        """How many documents each of ``doc_ids``'s cluster holds (1 for one that is not clustered); unknown ids
        are absent. Two queries per 500 ids, whatever the catalog's size."""
        sizes: dict[str, int] = {}
        with self.session() as session:
            for start in range(0, len(doc_ids), _CHUNK):
                chunk = list(doc_ids[start : start + _CHUNK])
                query = select(Document.doc_id, Document.cluster_id).where(Document.doc_id.in_(chunk))
                clusters: dict[str, str | None] = dict(session.execute(query).all())
                wanted = sorted({cluster for cluster in clusters.values() if cluster is not None})
                counting = (
                    select(Document.cluster_id, func.count())
                    .where(Document.cluster_id.in_(wanted))
                    .group_by(Document.cluster_id)
                )
                counts: dict[str | None, int] = dict(session.execute(counting).all())
                for doc_id, cluster in clusters.items():
                    sizes[doc_id] = counts.get(cluster, 1) if cluster is not None else 1
        return sizes


def assign_cluster(
    session: Session, document: Document, threshold: float, *, new: bool, fingerprint: Fingerprint | None = None
) -> bool:
    """Compute ``document``'s signature and cluster if its content changed since they were computed (or never
    were), inside ``session``'s transaction; True when its ``cluster_id`` or ``duplicate_of`` changed (the
    caller gives it a new revision). ``new``: the document was inserted by this transaction (every stored
    document came before it). ``fingerprint``: the text's, when the extraction worker already computed it
    (:attr:`~pipeline.enrich.Enrichment.fingerprint`), so the catalog's writing thread does not."""
    if document.source_kind not in CLUSTERED_KINDS:
        return False
    from pipeline.enrich import dedup  # numpy and datasketch: only for a run that stores news

    current = None if new else session.get(DocumentSignature, document.doc_id)
    if (
        current is not None
        and current.scheme == dedup.scheme()
        and current.content_hash == document.content_hash
        and document.cluster_id is not None
    ):
        return False
    found = fingerprint or dedup.fingerprint(document.text)
    root = document.doc_id
    if not new:
        session.execute(delete(DocumentBand).where(DocumentBand.doc_id == document.doc_id))
    if found is None:
        if current is not None:
            session.delete(current)
    else:
        best = _best_candidate(session, document, found, threshold, new=new)
        if best is not None:
            root = best.cluster_id or best.doc_id
        if current is None:
            current = DocumentSignature(doc_id=document.doc_id)
            session.add(current)
        current.scheme = dedup.scheme()
        current.content_hash = document.content_hash
        current.signature = found.signature
        current.shingles = found.shingles
        # One executemany, not one ORM object per band: this runs for every news document.
        rows = [{"doc_id": document.doc_id, "band": band, "key": key} for band, key in enumerate(found.bands)]
        session.execute(insert(DocumentBand), rows)
    return _join(session, document, root)


def _best_candidate(
    session: Session, document: Document, found: Fingerprint, threshold: float, *, new: bool
) -> _Candidate | None:
    """The most similar earlier document at or above ``threshold`` among those sharing a band key."""
    from pipeline.enrich import dedup

    sharing = (
        select(DocumentBand.doc_id)
        .where(DocumentBand.key.in_(found.bands), DocumentBand.doc_id != document.doc_id)
        .group_by(DocumentBand.doc_id)
        .order_by(func.count().desc(), DocumentBand.doc_id)
        .limit(MAX_CANDIDATES)
    )
    ids = list(session.scalars(sharing))
    if not ids:
        return None
    rows = session.execute(
        select(DocumentSignature.doc_id, DocumentSignature.signature, Document.cluster_id, Document.first_seen_at)
        .join(Document, Document.doc_id == DocumentSignature.doc_id)
        .where(DocumentSignature.doc_id.in_(ids), DocumentSignature.scheme == dedup.scheme())
    )
    best: _Candidate | None = None
    for doc_id, signature, cluster_id, first_seen_at in rows:
        # A new version may copy what was stored before the document, not what came after it.
        if not new and first_seen_at > document.first_seen_at:
            continue
        score = dedup.similarity(found.signature, signature)
        if score < threshold:
            continue
        # The most similar wins; among equals, the earliest (its cluster is the older one).
        if (
            best is None
            or score > best.similarity
            or (score == best.similarity and (first_seen_at, doc_id) < (best.first_seen_at, best.doc_id))
        ):
            best = _Candidate(doc_id, cluster_id, first_seen_at, score)
    return best


def _join(session: Session, document: Document, root: str) -> bool:
    """Put ``document`` into the cluster whose first-seen document is ``root``; True when that changed it."""
    before = (document.cluster_id, document.duplicate_of)
    was_first = document.cluster_id == document.doc_id
    document.cluster_id = root
    document.duplicate_of = None if root == document.doc_id else root
    if was_first and root != document.doc_id:
        # It was the first of a cluster and copies an earlier document now: its copies come along.
        copies = select(Document).where(Document.cluster_id == document.doc_id, Document.doc_id != document.doc_id)
        for copy in session.scalars(copies):
            copy.cluster_id = copy.duplicate_of = root
            copy.revision += 1
    return before != (document.cluster_id, document.duplicate_of)
