"""Turns in Elasticsearch: the bulk actions that bring a document's turns in step with its revision, and
how their answers fold into the document's acknowledgement.

A document's turns are written with the document: each current turn is indexed (``_id`` = ``turn_id``,
external ``version`` = the document's ``revision``, like the document itself), and each turn id the
index still holds for the document but the catalog no longer has is deleted, with the same external
version. A bulk request cannot hold a delete-by-query, so the ids to delete are found first
(:func:`previous_ids_body`, a ``terms`` query on ``doc_id``, paged with ``search_after``). Turn ids are
stable while an exchange does not change, so an unchanged turn is overwritten in place and only the
exchanges that disappeared are deleted.

External versions make every write order-proof: an older revision arriving late answers 409 (the index
holds the newer one), and a delete carrying revision R removes only a turn written at an older revision.
A delete of an id that is not there answers 404 ``not_found``, which is what it wanted
(:func:`pipeline.index.es_bulk.classify_item`).

The catalog acknowledges a document revision only when the document *and* every one of its turn
actions were acknowledged (:func:`fold`); a turn the index refuses for good dead-letters the document
revision with the turn's reason, and anything left pending leaves the whole document pending.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.index.coverage_projection import BatchCoverage
from pipeline.index.projection import Projectable
from pipeline.index.search import BulkOutcome, Rejection
from pipeline.index.turn_projection import TurnsByDocument, project_turn

#: Hits per page when looking up the turn ids a batch of documents has in the index.
LOOKUP_PAGE = 1000


@dataclass
class TurnActions:
    """The bulk actions for a batch's turns, and which document each turn id belongs to."""

    actions: list[dict[str, Any]] = field(default_factory=list)
    owner: dict[str, str] = field(default_factory=dict)

    @property
    def indexed(self) -> int:
        """How many ``index`` actions (current turns) there are."""
        return sum(1 for action in self.actions if action["_op_type"] == "index")


def build_turn_actions(
    documents: Sequence[Projectable],
    turns: TurnsByDocument,
    index: str,
    previous: Mapping[str, Iterable[str]] | None = None,
    coverage: BatchCoverage | None = None,
) -> TurnActions:
    """``index`` every current turn of ``documents``, ``delete`` the ``previous`` ids that are gone.

    ``previous`` is doc_id → turn ids the index holds now (omitted for a new, empty index); ``coverage``
    has the news reports of the turns (none without it).
    """
    reports = coverage.reports if coverage is not None else {}
    built = TurnActions()
    for document in documents:
        version = int(document.revision)
        current: set[str] = set()
        for turn in turns.get(document.doc_id, ()):
            current.add(turn.turn_id)
            built.owner[turn.turn_id] = document.doc_id
            built.actions.append(
                {
                    "_op_type": "index",
                    "_index": index,
                    "_id": turn.turn_id,
                    "version": version,
                    "version_type": "external",
                    "_source": project_turn(turn, document, reports.get(turn.turn_id, ())),
                }
            )
        for turn_id in sorted(set((previous or {}).get(document.doc_id, ())) - current):
            built.owner[turn_id] = document.doc_id
            built.actions.append(
                {"_op_type": "delete", "_index": index, "_id": turn_id, "version": version, "version_type": "external"}
            )
    return built


def previous_ids_body(doc_ids: Sequence[str], after: str | None) -> dict[str, Any]:
    """One page of the turn ids the index holds for ``doc_ids``, in ``turn_id`` order after ``after``."""
    body: dict[str, Any] = {
        "query": {"bool": {"filter": [{"terms": {"doc_id": list(doc_ids)}}]}},
        "size": LOOKUP_PAGE,
        "_source": ["doc_id"],
        "sort": [{"turn_id": "asc"}],
        "track_total_hits": False,
    }
    if after is not None:
        body["search_after"] = [after]
    return body


def fold(
    documents: Sequence[Projectable], docs: BulkOutcome, turns: BulkOutcome, owner: Mapping[str, str]
) -> BulkOutcome:
    """Per document: acknowledged when the document and every one of its turn actions (``owner``: turn id →
    doc_id) were, rejected when either was refused for good (the reason names the turn), pending otherwise
    (also when a turn action got no answer at all: a bulk interrupted before sending it)."""
    acked_docs = {doc_id for doc_id, _ in docs.acked}
    rejected_docs = {rejection.doc_id: rejection for rejection in docs.rejected}
    pending_docs = {doc_id: reason for doc_id, _, reason in docs.retry_later}
    acked_turns = {turn_id for turn_id, _ in turns.acked}
    turn_rejected: dict[str, Rejection] = {}
    for rejection in turns.rejected:
        turn_rejected.setdefault(owner[rejection.doc_id], rejection)
    turn_pending: dict[str, str] = {}
    for turn_id, _, reason in turns.retry_later:
        turn_pending.setdefault(owner[turn_id], f"turn {turn_id}: {reason}")
    for turn_id, doc_id in sorted(owner.items()):
        if turn_id not in acked_turns and doc_id not in turn_rejected:
            turn_pending.setdefault(doc_id, f"turn {turn_id}: not sent")
    outcome = BulkOutcome()
    for document in documents:
        doc_id, revision = document.doc_id, int(document.revision)
        if doc_id in rejected_docs:
            outcome.rejected.append(rejected_docs[doc_id])
        elif doc_id in turn_rejected:
            refused = turn_rejected[doc_id]
            reason = f"turn {refused.doc_id}: {refused.reason}"
            outcome.rejected.append(Rejection(doc_id, revision, refused.status, refused.error_type, reason))
        elif doc_id in acked_docs and doc_id not in turn_pending:
            outcome.acked.append((doc_id, revision))
        else:
            reason = pending_docs.get(doc_id) or turn_pending.get(doc_id) or "not sent"
            outcome.retry_later.append((doc_id, revision, reason))
    return outcome


def hold_back(outcome: BulkOutcome) -> BulkOutcome:
    """An interrupted document bulk's outcome with its acknowledgements turned into pending ones: their
    turns were never sent, so the catalog must not count them as indexed."""
    reason = "turns not sent: the documents' bulk request was interrupted"
    return BulkOutcome(
        acked=[],
        rejected=list(outcome.rejected),
        retry_later=[*((doc_id, revision, reason) for doc_id, revision in outcome.acked), *outcome.retry_later],
    )
