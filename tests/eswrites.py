"""What Elasticsearch 9 refuses in the writes Readout sends: a malformed ``_bulk`` body (the whole request)
and documents that break the index's mapping (per item). Part of the stand-in's rules (:mod:`tests.esrules`
holds the shared error shapes, templates and mappings); the same conventions: each rule names the
Elasticsearch source file or doc page it follows, and nothing here imports ``pipeline``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from tests.esrules import bad_request

# --- bulk requests ---------------------------------------------------------------------------------------

#: The bulk actions (ES server/.../action/bulk/BulkRequestParser.java).
BULK_ACTIONS = ("create", "delete", "index", "update")
#: What an action line's metadata may hold (BulkRequestParser's ParseFields).
BULK_METADATA = frozenset(
    {"_index", "_id", "routing", "op_type", "version", "version_type", "if_seq_no", "if_primary_term"}
    | {"retry_on_conflict", "pipeline", "_source", "require_alias", "require_data_stream"}
    | {"list_executed_pipelines", "dynamic_templates"}
)


@dataclass
class BulkAction:
    """One parsed action: its operation, metadata, and source (``None`` for delete)."""

    op: str
    meta: dict[str, Any]
    line: int
    source: Any = None
    #: The source line was not JSON: Elasticsearch parses sources on the shard, so this is a per-item error.
    source_error: str | None = None


def _json_token(value: Any) -> str:
    """The Jackson token name Elasticsearch's messages use for a parsed JSON value."""
    if isinstance(value, dict):
        return "START_OBJECT"
    if isinstance(value, list):
        return "START_ARRAY"
    if isinstance(value, bool):
        return "VALUE_BOOLEAN"
    if value is None:
        return "VALUE_NULL"
    if isinstance(value, int | float):
        return "VALUE_NUMBER"
    return "VALUE_STRING"


def parse_bulk(raw: bytes, default_index: str | None = None) -> list[BulkAction]:
    """Parse an ndjson ``_bulk`` body the way BulkRequestParser does; a malformed one refuses the whole request.

    ES server/.../action/bulk/BulkRequestParser.java (messages below) and DOCS api/doc/elasticsearch/
    operation/operation-bulk ("The final line of data must end with a newline character (\\n)").
    """
    if not raw.strip():
        # BulkRequest.validate(): "no requests added" (ActionRequestValidationException).
        raise bad_request("action_request_validation_exception", "Validation Failed: 1: no requests added;")
    if not raw.endswith(b"\n"):
        raise bad_request("illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]")
    lines = raw.decode("utf-8").split("\n")[:-1]
    actions: list[BulkAction] = []
    position = 0
    while position < len(lines):
        number = position + 1
        text = lines[position].rstrip("\r")
        position += 1
        if not text.strip():
            continue  # an empty line has no token: skipped
        try:
            action_line = json.loads(text)
        except ValueError as exc:
            raise bad_request(
                "x_content_parse_exception", f"[{number}:{getattr(exc, 'colno', 1)}] Unexpected character: {exc}"
            ) from None
        if not isinstance(action_line, dict):
            raise bad_request(
                "illegal_argument_exception",
                f"Malformed action/metadata line [{number}], expected START_OBJECT but found "
                f"[{_json_token(action_line)}]",
            )
        if not action_line:
            raise bad_request(
                "illegal_argument_exception",
                f"Malformed action/metadata line [{number}], expected FIELD_NAME but found [END_OBJECT]",
            )
        if len(action_line) > 1:
            # The parser reads one action object, then expects the line's object to end
            # (BulkRequestParser; BulkRequestParserTests: "expected END_OBJECT but found [FIELD_NAME]").
            raise bad_request(
                "illegal_argument_exception",
                f"Malformed action/metadata line [{number}], expected END_OBJECT but found [FIELD_NAME]",
            )
        op, meta = next(iter(action_line.items()))
        if op not in BULK_ACTIONS:
            raise bad_request(
                "illegal_argument_exception",
                f"Malformed action/metadata line [{number}], expected one of [{', '.join(BULK_ACTIONS)}] "
                f"but found [{op}]",
            )
        if not isinstance(meta, dict):
            raise bad_request(
                "illegal_argument_exception",
                f"Malformed action/metadata line [{number}], expected START_OBJECT or END_OBJECT but found "
                f"[{_json_token(meta)}]",
            )
        for key, value in meta.items():
            if key not in BULK_METADATA:
                raise bad_request(
                    "illegal_argument_exception",
                    f"Action/metadata line [{number}] contains an unknown parameter [{key}]",
                )
            if isinstance(value, list | dict) and key not in ("_source", "dynamic_templates"):
                raise bad_request(
                    "illegal_argument_exception",
                    f"Malformed action/metadata line [{number}], expected a simple value for field [{key}] but found "
                    f"[{_json_token(value)}]",
                )
        if "_index" not in meta and default_index is None:
            raise bad_request("action_request_validation_exception", "Validation Failed: 1: index is missing;")
        versioning = _versioning_problem(op, meta)
        if versioning:
            raise bad_request("action_request_validation_exception", f"Validation Failed: 1: {versioning};")
        action = BulkAction(op, {"_index": default_index, **meta}, number)
        if op != "delete":
            if position >= len(lines):
                # BulkRequestParser stops at an action with no source line and drops it without a word
                # (`if (nextMarker == -1) break;`; "no requests added" if it was the only one). Dropping
                # a document silently is what a test must see, so the stand-in refuses the request.
                raise bad_request(
                    "illegal_argument_exception",
                    f"stand-in: action/metadata line [{number}] has no source line (Elasticsearch would drop it "
                    "silently)",
                )
            source_text = lines[position].rstrip("\r")
            position += 1
            try:
                action.source = json.loads(source_text)
            except ValueError as exc:
                action.source_error = f"[1:{getattr(exc, 'colno', 1)}] {exc}"
        actions.append(action)
    if not actions:
        raise bad_request("action_request_validation_exception", "Validation Failed: 1: no requests added;")
    return actions


def _versioning_problem(op: str, meta: Mapping[str, Any]) -> str | None:
    """What BulkRequest.validate refuses in an action's versioning, for the whole request (ES server/.../action/
    index/IndexRequest.java ``validate`` and DocWriteRequest.java ``validateSeqNoBasedCASParams``)."""
    version_type = str(meta.get("version_type", "internal")).lower()
    if version_type == "internal":
        if "version" in meta:
            return (
                "internal versioning can not be used for optimistic concurrency control. "
                "Please use `if_seq_no` and `if_primary_term` instead"
            )
        return None
    if op == "create":
        return "create operations only support internal versioning. use index instead"
    if "version" not in meta:  # Versions.MATCH_ANY (-3) is not a valid external version
        return f"illegal version value [-3] for version type [{version_type.upper()}]"
    return None


# --- documents -------------------------------------------------------------------------------------------

#: Lucene's limit on one indexed term (IndexWriter.MAX_TERM_LENGTH).
MAX_TERM_BYTES = 32_766
#: Fields Elasticsearch keeps for itself (DocumentParser: "Field [_id] is a metadata field and cannot be
#: added inside a document. Use the index API request parameters.").
METADATA_FIELDS = frozenset({"_id", "_index", "_source", "_routing", "_version", "_seq_no", "_primary_term"})
_INTEGER_RANGES = {
    "byte": (-(2**7), 2**7 - 1, "a byte"),
    "short": (-(2**15), 2**15 - 1, "a short"),
    "integer": (-(2**31), 2**31 - 1, "an integer"),
    "long": (-(2**63), 2**63 - 1, "a long"),
}
#: ``strict_date_optional_time`` (DOCS reference/elasticsearch/mapping-reference/mapping-date-format):
#: a date (year, year-month or full), optionally a time (the hour, then optional minutes, seconds and fraction:
#: DateFormatters.java STRICT_DATE_OPTIONAL_TIME appends HOUR_OF_DAY, then optional parts), optionally a zone.
_DATE_OPTIONAL_TIME = re.compile(
    r"^(?P<y>[+-]?\d{4,9})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2})(?::(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d{1,9})?)?)?(?P<z>Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$"
)
_DEFAULT_DATE_FORMAT = "strict_date_optional_time||epoch_millis"


class DocumentError(Exception):
    """A document the mapping refuses: one bulk item's ``status`` and ``error``."""

    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(error.get("reason"))
        self.status = status
        self.error = error


def check_document(source: Any, mappings: Mapping[str, Any], doc_id: str) -> None:
    """Raise :class:`DocumentError` for the first thing Elasticsearch's DocumentParser would refuse.

    Follows ES server/.../index/mapper/DocumentParser.java (unknown fields under ``dynamic: strict``,
    metadata fields, objects vs. values) and each field mapper's ``parseCreateField`` (wrong value types,
    wrapped by FieldMapper.java as "failed to parse field [f] of type [t] in document with id 'x'.
    Preview of field's value: 'v'"). Like Elasticsearch, values are coerced where the mapper coerces
    (``"5"`` into an integer, ``5`` into a keyword): that is not an error.
    """
    if not isinstance(source, dict):
        raise DocumentError(
            400, {"type": "document_parsing_exception", "reason": "[1:1] failed to parse: source is not an object"}
        )
    root = mappings.get("_doc", mappings) if set(mappings) == {"_doc"} else mappings
    _parse_object(source, root.get("properties") or {}, "", str(root.get("dynamic", "true")), doc_id)


def _parse_object(
    source: Mapping[str, Any], properties: Mapping[str, Any], parent: str, dynamic: str, doc_id: str
) -> None:
    for name, value in source.items():
        path = f"{parent}{name}"
        if not parent and name in METADATA_FIELDS:
            raise DocumentError(
                400,
                {
                    "type": "document_parsing_exception",
                    "reason": f"[1:2] Field [{name}] is a metadata field and cannot be added inside a document. "
                    "Use the index API request parameters.",
                },
            )
        spec = properties.get(name)
        if spec is None:
            if dynamic == "strict":
                raise DocumentError(
                    400,
                    {
                        "type": "strict_dynamic_mapping_exception",
                        "reason": f"[1:2] mapping set to strict, dynamic introduction of [{name}] within "
                        f"[{parent[:-1] or '_doc'}] is not allowed",
                    },
                )
            continue  # dynamic true/false/runtime: mapped or ignored, never refused
        for item in _values(value):
            _parse_value(item, spec, path, dynamic, doc_id)


def _values(value: Any) -> Iterator[Any]:
    """Arrays (nested too) are flattened, nulls skipped (DOCS .../mapping-reference/array, null-value)."""
    if isinstance(value, list):
        for item in value:
            yield from _values(item)
    elif value is not None:
        yield value


def _parse_value(value: Any, spec: Mapping[str, Any], path: str, dynamic: str, doc_id: str) -> None:
    kind = spec.get("type", "object")
    if kind == "object":
        if not isinstance(value, dict):
            # DocumentParser.parseObjectOrField → ObjectMapper given a value.
            raise DocumentError(
                400,
                {
                    "type": "document_parsing_exception",
                    "reason": f"[1:2] object mapping for [{path}] tried to parse field [{path.rsplit('.', 1)[-1]}] as "
                    "object, but found a concrete value",
                },
            )
        if spec.get("enabled") is False:
            return
        _parse_object(value, spec.get("properties") or {}, f"{path}.", str(spec.get("dynamic", dynamic)), doc_id)
        return
    if isinstance(value, dict):
        # A concrete field given an object: the mapper asks for text and Jackson refuses.
        _field_error(path, kind, doc_id, value, "illegal_state_exception", "Can't get text on a START_OBJECT at 1:2")
    cause = _value_problem(value, spec, kind, path)
    if cause:
        _field_error(path, kind, doc_id, value, *cause)
    for sub, sub_spec in (spec.get("fields") or {}).items():
        sub_kind = sub_spec.get("type", "object")
        sub_cause = _value_problem(value, sub_spec, sub_kind, f"{path}.{sub}")
        if sub_cause:
            _field_error(f"{path}.{sub}", sub_kind, doc_id, value, *sub_cause)


def _field_error(path: str, kind: str, doc_id: str, value: Any, cause_type: str, cause_reason: str) -> None:
    preview = _preview(value)
    raise DocumentError(
        400,
        {
            "type": "document_parsing_exception",
            "reason": f"[1:2] failed to parse field [{path}] of type [{kind}] in document with id '{doc_id}'. "
            f"Preview of field's value: '{preview}'",
            "caused_by": {"type": cause_type, "reason": cause_reason},
        },
    )


def _preview(value: Any) -> str:
    """Java's ``toString`` of the parsed value (what FieldMapper.rethrowAsDocumentParsingException shows)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_preview(item)}" for key, item in value.items()) + "}"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _value_problem(value: Any, spec: Mapping[str, Any], kind: str, path: str) -> tuple[str, str] | None:
    """(cause type, cause reason) when the field's mapper refuses ``value``; None when it takes it."""
    if kind in ("keyword", "text"):
        if kind == "keyword":
            return _term_problem(str(value).lower() if isinstance(value, bool) else str(value), spec, path)
        return None
    if kind == "date":
        return _date_problem(value, str(spec.get("format", _DEFAULT_DATE_FORMAT)))
    if kind == "boolean":
        # BooleanFieldMapper: only true/false, "true"/"false" and "" (false).
        if isinstance(value, bool) or value in ("true", "false", ""):
            return None
        return (
            "illegal_argument_exception",
            f"Failed to parse value [{_preview(value)}] as only [true] or [false] are allowed.",
        )
    if kind in _INTEGER_RANGES or kind in ("float", "double", "half_float", "scaled_float"):
        return _number_problem(value, kind)
    return None


def _term_problem(text: str, spec: Mapping[str, Any], path: str) -> tuple[str, str] | None:
    """KeywordFieldMapper.indexValue: a value longer than ``ignore_above`` (in characters) is not indexed; an
    indexed value over Lucene's 32,766 bytes fails the preflight check (an IllegalArgumentException that
    FieldMapper.parse wraps as document_parsing_exception)."""
    if spec.get("index") is False and spec.get("doc_values") is False and not spec.get("store"):
        return None
    ignore_above = spec.get("ignore_above")
    if ignore_above is not None and len(text) > int(ignore_above):
        return None
    encoded = text.encode("utf-8")
    if len(encoded) <= MAX_TERM_BYTES:
        return None
    prefix = "[" + ", ".join(str(byte - 256 if byte > 127 else byte) for byte in encoded[:30]) + "]"  # Java bytes
    return (
        "illegal_argument_exception",
        f'Document contains at least one immense term in field="{path}" (whose UTF8 encoding is longer than the '
        f"max length {MAX_TERM_BYTES}), all of which were skipped. Please correct the analyzer to not produce such "
        f"terms. The prefix of the first immense term is: '{prefix}...'",
    )


def _number_problem(value: Any, kind: str) -> tuple[str, str] | None:
    """NumberFieldMapper with ``coerce: true`` (the default): numbers and numeric strings, in range."""
    if isinstance(value, bool):
        return "illegal_argument_exception", f"Current token (VALUE_{str(value).upper()}) not numeric"
    number: float
    if isinstance(value, int | float):
        number = value
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            return "number_format_exception", f'For input string: "{value}"'
    if not math.isfinite(number):
        # NumberFieldMapper's NumberType.parse: "[float] supports only finite values, but got [NaN]" (for "NaN" as
        # a string; a bare NaN token is not JSON, and Jackson refuses it while parsing: a refusal either way).
        java = "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
        return "illegal_argument_exception", f"[{kind}] supports only finite values, but got [{java}]"
    if kind in _INTEGER_RANGES:
        low, high, name = _INTEGER_RANGES[kind]
        whole = int(number)  # coerce truncates a fraction
        if not low <= whole <= high:
            return "illegal_argument_exception", f"Value [{_preview(value)}] is out of range for {name}"
    return None


def _date_problem(value: Any, fmt: str) -> tuple[str, str] | None:
    """DateFieldMapper: the value must parse with one of the ``||`` formats (numbers: epoch formats)."""
    formats = [part.strip() for part in fmt.split("||")]
    text = _preview(value)
    for name in formats:
        if name in ("epoch_millis", "epoch_second") and re.fullmatch(r"-?\d+(\.\d+)?", text):
            return None
        if name in ("strict_date_optional_time", "date_optional_time") and _is_date_optional_time(text):
            return None
        if (
            name in ("strict_date", "date")
            and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)
            and _is_date_optional_time(text)
        ):
            return None
    return "illegal_argument_exception", f"failed to parse date field [{text}] with format [{fmt}]"


def _is_date_optional_time(text: str) -> bool:
    match = _DATE_OPTIONAL_TIME.match(text)
    if not match:
        return False
    try:
        date(int(match["y"]), int(match["m"] or 1), int(match["d"] or 1))
    except ValueError:
        return False
    hour, minute, second = (int(match[key] or 0) for key in ("H", "M", "S"))
    if hour > 23 or minute > 59 or second > 59:
        return False
    zone = match["z"]
    if zone and zone != "Z":
        digits = zone[1:].replace(":", "")
        if int(digits[:2]) > 18 or (len(digits) > 2 and int(digits[2:]) > 59):
            return False
    return True
