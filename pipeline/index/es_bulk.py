"""Bulk indexing into Elasticsearch: the actions Readout sends, what each item result means for the
outbox (:func:`classify_item`), and :func:`send`, which streams actions through the official bulk helper
and sorts every answer into a :class:`~pipeline.index.search.BulkOutcome`.

Versioning: each document is indexed with ``version = revision`` and ``version_type = external``.
Elasticsearch then keeps the highest revision whatever order writes arrive in, and answers 409 to a
revision it already has (or has a newer one of). A 409 therefore means "the index holds this revision or
a newer one": the outbox can count it as acknowledged. Re-sending a batch after a crash is harmless.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, Literal

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers

from pipeline.errors import SearchBackendError
from pipeline.index.coverage_projection import BatchCoverage
from pipeline.index.projection import Projectable, project_document
from pipeline.index.search import BulkOutcome, Rejection

Classification = Literal["acked", "retry", "rejected"]

#: Fields of a runs row (the ``<prefix>-run-mappings`` component template).
RUN_FIELDS: tuple[str, ...] = (
    "run_id",
    "source",
    "mode",
    "status",
    "started_at",
    "finished_at",
    "discovered",
    "new",
    "updated",
    "unchanged",
    "not_modified",
    "fetched",
    "removed",
    "skipped",
    "failed",
    "error",
    "seconds",
)

BULK_OPS = ("index", "create", "update", "delete")


def build_actions(
    documents: Iterable[Projectable], index: str = "readout-documents", coverage: BatchCoverage | None = None
) -> Iterator[dict[str, Any]]:
    """One bulk ``index`` action per document: ``_id`` = doc_id, external version = revision; with its
    citations from ``coverage`` (none without it)."""
    citations = coverage.citations if coverage is not None else {}
    for document in documents:
        yield {
            "_op_type": "index",
            "_index": index,
            "_id": document.doc_id,
            "version": int(document.revision),
            "version_type": "external",
            "_source": project_document(document, citations.get(document.doc_id, ())),
        }


def project_run(row: Mapping[str, Any]) -> dict[str, Any]:
    """A runs row as JSON: dates as ISO 8601, ``None`` dropped (unknown keys are kept, so the strict
    mapping rejects them visibly instead of their vanishing here)."""
    projected: dict[str, Any] = {}
    for key, value in row.items():
        if value is None:
            continue
        projected[key] = value.isoformat() if isinstance(value, datetime | date) else value
    return projected


def build_run_actions(rows: Iterable[Mapping[str, Any]], index: str = "readout-runs") -> Iterator[dict[str, Any]]:
    """One bulk ``index`` action per runs row, ``_id`` = ``run_id:source`` (a re-sent row overwrites itself)."""
    for row in rows:
        try:
            run_id, source = row["run_id"], row["source"]
        except KeyError as exc:
            raise ValueError(f"a runs row needs run_id and source (missing {exc.args[0]!r})") from None
        yield {"_op_type": "index", "_index": index, "_id": f"{run_id}:{source}", "_source": project_run(row)}


#: Item errors that are about the document itself: sending it again cannot succeed.
DOCUMENT_ERRORS = frozenset(
    {
        "mapper_parsing_exception",
        "document_parsing_exception",
        "strict_dynamic_mapping_exception",
        "max_bytes_length_exceeded_exception",
        "request_entity_too_large",
        "document_missing_exception",
    }
)


#: Item statuses the bulk helper re-sends within the run, with exponential backoff (``streaming_bulk``'s
#: ``retry_on_status``). Only 429: the helper also retries a whole request answered with these statuses,
#: and the transport already retries 502/503/504 (:func:`build_client`), so adding 5xx here would multiply
#: the two loops. Other retryable items (408, 5xx...) stay pending for the next run (:func:`classify_item`).
BULK_RETRY_STATUSES: tuple[int, ...] = (429,)


def classify_item(item: Mapping[str, Any]) -> Classification:
    """What a bulk item result means for the outbox.

    Accepts a response item (``{"index": {...}}``) or its inner object.

    - 2xx (``created``, ``updated``, ``deleted``, ``noop``): **acked**.
    - 404 with ``result: not_found`` and no error (a ``delete`` of an id the index does not hold, e.g. a
      turn that was never indexed or is already gone): **acked**.
    - 409 ``version_conflict_engine_exception``: **acked**. We index with external versions equal to the
      catalog revision, so a conflict means the index already holds this revision or a newer one.
    - 408, 429 and 5xx: **retry** (overload, timeouts, unavailable shards): a 429 item is first re-sent
      by the bulk helper (:data:`BULK_RETRY_STATUSES`); the others are left pending for the next run.
    - 401/403 (credentials, privileges) and 404 ``index_not_found_exception`` (alias or index missing):
      **retry**. They are the deployment's problem, not the document's; dead-lettering every document
      because an API key expired would be wrong.
    - a 4xx whose error type is about the document (:data:`DOCUMENT_ERRORS`: mapping and parsing errors,
      an immense term): **rejected**; sending the same document again cannot succeed.
    - any other 4xx (``index_closed_exception``, "no write index is defined for alias"...): **retry**.
    - no status at all: **retry** (we do not know, so we do not drop it).
    """
    info = item_info(item)
    status = info.get("status")
    if not isinstance(status, int) or isinstance(status, bool):
        return "retry"
    if 200 <= status < 300 or status == 409:
        return "acked"
    if status in (401, 403, 408, 429) or status >= 500:
        return "retry"
    if status == 404 and info.get("result") == "not_found":
        return "acked"  # a delete of an id the index does not hold: what it asked for is true
    kind = error_type(info)
    if kind in DOCUMENT_ERRORS:
        return "rejected"
    reason = str((info.get("error") or {}).get("reason") or "") if isinstance(info.get("error"), Mapping) else ""
    if kind == "illegal_argument_exception" and "immense term" in reason:
        return "rejected"  # a keyword value over Lucene's 32,766-byte limit: the document's own problem
    # Anything else (a closed index, an alias without a write index, a missing index...) is about the
    # deployment, not the document: dead-lettering every document for it would lose them from the index.
    return "retry"


class BulkInterruptedError(SearchBackendError):
    """A bulk run stopped part-way: Elasticsearch unreachable, or it refused a whole request.

    ``outcome`` holds what was settled before the failure (acked, rejected) and, in ``retry_later``,
    every document that was sent or about to be sent without an answer. Documents not listed were never
    read from the input; like those in ``retry_later`` they stay pending in the outbox.
    """

    def __init__(self, message: str, outcome: BulkOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome


def send(
    client: Elasticsearch,
    actions: Iterable[dict[str, Any]],
    *,
    url: str,
    chunk_size: int,
    max_retries: int,
    initial_backoff: float,
    max_backoff: float,
    require_alias: bool,
) -> BulkOutcome:
    """Stream ``actions`` through the bulk helper; every ``_id`` sent ends in exactly one list of the outcome.

    Raises :class:`BulkInterruptedError` when Elasticsearch cannot be reached or refuses a whole request
    (429 after every retry, 5xx, 401...): stopping there rather than hammering a cluster that refuses
    everything; ``exc.outcome`` has what was settled before, the rest stays pending.
    """
    outcome = BulkOutcome()
    # _id → versions sent and not yet answered (a deque in case a batch repeats an id).
    pending: dict[str, deque[int]] = defaultdict(deque)

    def tracked() -> Iterator[dict[str, Any]]:
        for action in actions:
            pending[str(action["_id"])].append(int(action.get("version", 0)))
            yield action

    results = helpers.streaming_bulk(
        client,
        tracked(),
        chunk_size=chunk_size,
        max_retries=max_retries,
        retry_on_status=BULK_RETRY_STATUSES,
        initial_backoff=initial_backoff,
        max_backoff=max_backoff,
        raise_on_error=False,
        raise_on_exception=False,
        yield_ok=True,
        require_alias=require_alias,
    )
    try:
        for _ok, item in results:
            info = item_info(item)
            doc_id = str(info.get("_id"))
            revision = _take(pending, doc_id)
            if "exception" in info:
                detail = exception_detail(info["exception"])
                outcome.retry_later.append((doc_id, revision, detail))
                raise BulkInterruptedError(_interrupted(url, outcome, pending, detail), outcome)
            _settle(outcome, info, doc_id, revision)
    except (TransportError, ApiError) as exc:
        detail = exception_detail(exc)
        raise BulkInterruptedError(_interrupted(url, outcome, pending, detail), outcome) from exc
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()
    for doc_id, revisions in pending.items():
        # Cannot happen with a well-behaved server; if it does, nothing is dropped silently.
        outcome.retry_later.extend((doc_id, revision, "no result from Elasticsearch") for revision in revisions)
    return outcome


def _settle(outcome: BulkOutcome, info: Mapping[str, Any], doc_id: str, revision: int) -> None:
    verdict = classify_item(info)
    if verdict == "acked":
        outcome.acked.append((doc_id, revision))
    elif verdict == "retry":
        outcome.retry_later.append((doc_id, revision, item_reason(info)))
    else:
        outcome.rejected.append(
            Rejection(
                doc_id=doc_id,
                revision=revision,
                status=info.get("status"),
                error_type=error_type(info.get("error")),
                reason=item_reason(info),
            )
        )


def _interrupted(url: str, outcome: BulkOutcome, pending: dict[str, deque[int]], detail: str) -> str:
    for doc_id, revisions in pending.items():
        outcome.retry_later.extend((doc_id, revision, detail) for revision in revisions)
    pending.clear()
    return (
        f"Elasticsearch at {url} did not take the bulk request ({detail}); "
        f"{len(outcome.acked)} acknowledged, {len(outcome.retry_later)} left pending for the next run"
    )


def item_info(item: Mapping[str, Any]) -> Mapping[str, Any]:
    """The inner object of a bulk response item (``{"index": {...}}`` → ``{...}``); other mappings as given."""
    if len(item) == 1:
        ((key, value),) = item.items()
        if key in BULK_OPS and isinstance(value, Mapping):
            return value
    return item


def _take(pending: dict[str, deque[int]], doc_id: str) -> int:
    revisions = pending.get(doc_id)
    if not revisions:
        return 0
    revision = revisions.popleft()
    if not revisions:
        del pending[doc_id]
    return revision


def error_type(error: Any) -> str | None:
    """The ``type`` of an Elasticsearch error object (also inside ``{"error": ...}`` and bulk items)."""
    if isinstance(error, Mapping):
        inner = error.get("error", error)
        if isinstance(inner, Mapping) and isinstance(inner.get("type"), str):
            return str(inner["type"])
    return None


def item_reason(info: Mapping[str, Any]) -> str:
    """A bulk item's status and error in one line (with its cause), for logs and dead letters."""
    status = info.get("status")
    error = info.get("error")
    if isinstance(error, Mapping):
        text = f"{error.get('type', 'error')}: {error.get('reason', '')}".rstrip(": ")
        cause = error.get("caused_by")
        if isinstance(cause, Mapping):
            text += f" (caused by {cause.get('type', 'error')}: {cause.get('reason', '')})"
    else:
        text = str(error) if error else "no error detail"
    return f"{status} {text}" if status is not None else text


def exception_detail(exc: Any) -> str:
    """A client error in a few words: the HTTP status and Elasticsearch's error type and reason."""
    if isinstance(exc, ApiError):
        body = exc.body
        error = body.get("error") if isinstance(body, Mapping) else None
        if isinstance(error, Mapping):
            return f"HTTP {exc.status_code} {error.get('type', '')}: {error.get('reason', '')}".strip()
        return f"HTTP {exc.status_code} {error or exc.message}"
    if isinstance(exc, TransportError):
        return f"{type(exc).__name__}: {exc.message}"
    return str(exc)
