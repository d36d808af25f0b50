"""The stand-in's bulk items: one action applied to its in-memory indices, answered as Elasticsearch 9 answers
it (DOC_PAGES["bulk"] of :mod:`tests.esstub`): aliases and ``require_alias``, the injected faults, the
mapping checks of :mod:`tests.eswrites`, external versioning, and deletes.
"""

from __future__ import annotations

import copy
import uuid
from typing import TYPE_CHECKING, Any

from tests.eswrites import BulkAction, DocumentError, check_document

if TYPE_CHECKING:
    from tests.esstub import EsStub


def bulk_item(stub: EsStub, action: BulkAction, require_alias: bool) -> dict[str, Any]:
    """One bulk action applied to the stand-in's indices: the item Elasticsearch answers for it."""
    op, meta, source = action.op, action.meta, action.source
    target = str(meta.get("_index"))
    doc_id = str(meta.get("_id") or uuid.uuid4().hex[:20])
    require_alias = bool(meta.get("require_alias", require_alias))
    if target in stub.aliases:
        index = stub.write_index(target)
        if index is None:
            return item_error(
                target,
                doc_id,
                400,
                "illegal_argument_exception",
                f"no write index is defined for alias [{target}]. The write index may be explicitly disabled "
                "using is_write_index=false or the alias points to multiple indices without one being "
                "designated as a write index",
            )
    elif require_alias:
        return item_error(
            target,
            doc_id,
            404,
            "index_not_found_exception",
            f"no such index [{target}] and [require_alias] request flag is [true] and [{target}] is not an alias",
        )
    elif target in stub.indices:
        index = target
    else:
        # Real Elasticsearch would auto-create the index here; our code never relies on that.
        return item_error(target, doc_id, 404, "index_not_found_exception", f"no such index [{target}]")
    stub_index = stub.indices[index]
    if doc_id in stub.reject_ids:
        return item_error(
            index,
            doc_id,
            400,
            "mapper_parsing_exception",
            "failed to parse",
            stub_index.uuid,
            caused_by={"type": "illegal_argument_exception", "reason": f"stand-in told to reject [{doc_id}]"},
        )
    if doc_id in stub.throttle_once:
        stub.throttle_once.discard(doc_id)
        return item_error(
            index,
            doc_id,
            429,
            "es_rejected_execution_exception",
            "rejected execution of primary operation [coordinating_and_primary_bytes=0, "
            "replica_bytes=0, all_bytes=0, primary_operation_bytes=1024, max_coordinating_and_primary_bytes=0]",
            stub_index.uuid,
        )
    if doc_id in stub.unavailable_once:
        stub.unavailable_once.discard(doc_id)
        # DOC_PAGES["bulk"] item; the reason as TransportReplicationAction words it for a missing primary.
        return item_error(
            index,
            doc_id,
            503,
            "unavailable_shards_exception",
            f"[{index}][0] primary shard is not active Timeout: [1m], request: [BulkShardRequest [[{index}][0]] "
            "containing [1] requests]",
            stub_index.uuid,
        )
    if action.source_error is not None:
        # The source is parsed on the shard (DocumentParser): a per-item failure, not the request's.
        return item_error(
            index,
            doc_id,
            400,
            "document_parsing_exception",
            f"{action.source_error}",
            stub_index.uuid,
        )
    if op != "delete":
        try:
            check_document(source, stub_index.mappings, doc_id)
        except DocumentError as exc:
            return item_error(
                index,
                doc_id,
                exc.status,
                str(exc.error["type"]),
                str(exc.error["reason"]),
                stub_index.uuid,
                caused_by=exc.error.get("caused_by"),
            )
    existing = stub_index.docs.get(doc_id)
    version_type = meta.get("version_type")
    if version_type in ("external", "external_gte"):
        version = int(meta["version"])
        current = existing["_version"] if existing else None
        if current is not None and (current > version or (current == version and version_type == "external")):
            return item_error(
                index,
                doc_id,
                409,
                "version_conflict_engine_exception",
                f"[{doc_id}]: version conflict, current version [{current}] is higher or equal to the one "
                f"provided [{version}]",
                stub_index.uuid,
            )
    elif op == "create" and existing:
        return item_error(
            index,
            doc_id,
            409,
            "version_conflict_engine_exception",
            f"[{doc_id}]: version conflict, document already exists (current version [{existing['_version']}])",
            stub_index.uuid,
        )
    else:
        version = (existing["_version"] + 1) if existing else 1
    stub_index.seq_no += 1
    if op == "delete":
        # DOC_PAGES["bulk"]: a delete answers "deleted" (200) or, for an id the index does not hold,
        # "not_found" (404, no error); with an external version it still records that version
        # (ES server/.../index/engine/InternalEngine.java, planDeletionAsPrimary).
        gone = stub_index.docs.pop(doc_id, None)
        return {
            "_index": index,
            "_id": doc_id,
            "_version": version,
            "result": "deleted" if gone else "not_found",
            "_shards": {"total": 1, "successful": 1, "failed": 0},
            "_seq_no": stub_index.seq_no,
            "_primary_term": 1,
            "status": 200 if gone else 404,
        }
    stub_index.docs[doc_id] = {"_source": copy.deepcopy(source), "_version": version, "_seq_no": stub_index.seq_no}
    return {
        "_index": index,
        "_id": doc_id,
        "_version": version,
        "result": "updated" if existing else "created",
        "_shards": {"total": 1, "successful": 1, "failed": 0},
        "_seq_no": stub_index.seq_no,
        "_primary_term": 1,
        "status": 200 if existing else 201,
    }


def item_error(
    index: str,
    doc_id: str,
    status: int,
    error_type: str,
    reason: str,
    index_uuid: str = "_na_",
    caused_by: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A failed bulk item, as in the bulk page's example (``_index``, ``_id``, ``status``, ``error``)."""
    error: dict[str, Any] = {
        "type": error_type,
        "reason": reason,
        "index_uuid": index_uuid,
        "shard": "0",
        "index": index,
    }
    if caused_by:
        error["caused_by"] = caused_by
    return {"_index": index, "_id": doc_id, "status": status, "error": error}
