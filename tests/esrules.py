"""What Elasticsearch 9 refuses, for every request Readout makes: the rules of the loopback stand-in.

``tests/esstub.py`` serves the REST API; this module decides what is refused and answers with the
error Elasticsearch gives (``{"error": {"root_cause", "type", "reason", ...}, "status"}``, the same
type and reason text). Each rule names the Elasticsearch source file or doc page it follows
(``ES`` = https://github.com/elastic/elasticsearch/blob/main/, ``DOCS`` = https://www.elastic.co/docs/).

The rules are written from Elasticsearch's behaviour, not from Readout's code: nothing here imports
``pipeline``, so a mistake in Readout's own checks cannot hide the same mistake in the stand-in.

Where Elasticsearch silently accepts something that would lose data (a bulk action line with no
source line at the end of a request), the stand-in refuses it and says so: a test must see it.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

ES = "https://github.com/elastic/elasticsearch/blob/main/"
DOCS = "https://www.elastic.co/docs/"


class StubError(Exception):
    """An Elasticsearch error response (status and documented error body)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def error_body(
    status: int, error_type: str, reason: str, *, root_cause: Mapping[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """Elasticsearch's error envelope: ``{"error": {"root_cause": [...], "type", "reason", ...}, "status"}``.

    ``root_cause`` is the innermost Elasticsearch exception (``ElasticsearchException.guessRootCauses``
    in ES server/src/main/java/org/elasticsearch/ElasticsearchException.java); by default the error itself.
    """
    error = {"type": error_type, "reason": reason, **extra}
    cause = dict(root_cause) if root_cause else {key: value for key, value in error.items() if key != "caused_by"}
    return {"error": {"root_cause": [cause], **error}, "status": status}


def bad_request(error_type: str, reason: str, **extra: Any) -> StubError:
    """A 400 with the given error (``root_cause`` = the error itself)."""
    return StubError(400, error_body(400, error_type, reason, **extra))


# --- templates ------------------------------------------------------------------------------------------

#: Top-level fields of a component template body (ES server/.../cluster/metadata/ComponentTemplate.java
#: PARSER; an unknown field is an x_content_parse_exception "[component_template] unknown field [x]").
COMPONENT_TEMPLATE_FIELDS = frozenset({"template", "version", "_meta", "deprecated"})
#: Top-level fields of a composable index template (ES .../cluster/metadata/ComposableIndexTemplate.java PARSER).
INDEX_TEMPLATE_FIELDS = frozenset(
    {
        "index_patterns",
        "template",
        "composed_of",
        "priority",
        "version",
        "_meta",
        "data_stream",
        "allow_auto_create",
        "ignore_missing_component_templates",
        "deprecated",
    }
)
#: What a ``template`` object may hold (ES .../cluster/metadata/Template.java PARSER).
TEMPLATE_FIELDS = frozenset({"settings", "mappings", "aliases", "lifecycle", "data_stream_options"})


def check_template_fields(kind: str, body: Mapping[str, Any]) -> None:
    """Refuse unknown fields in a template body, as the templates' ObjectParsers do (400 x_content_parse_exception)."""
    allowed = COMPONENT_TEMPLATE_FIELDS if kind == "component_template" else INDEX_TEMPLATE_FIELDS
    for key in body:
        if key not in allowed:
            raise bad_request("x_content_parse_exception", f"[1:2] [{kind}] unknown field [{key}]")
    template = body.get("template") or {}
    for key in template:
        if key not in TEMPLATE_FIELDS:
            raise bad_request("x_content_parse_exception", f"[1:14] [template] unknown field [{key}]")
    for setting in flat_settings(template.get("settings") or {}):
        if setting not in INDEX_SETTINGS and not setting.startswith(INDEX_SETTING_GROUPS):
            raise bad_request(
                "illegal_argument_exception",
                f"unknown setting [{setting}] please check that any required plugins are installed, or check the "
                "breaking changes documentation for removed settings",
            )


#: Index settings a template may set (ES server/.../common/settings/IndexScopedSettings.java
#: BUILT_IN_INDEX_SETTINGS; TransportPutComponentTemplateAction and the index template action validate the
#: template's settings against them when it is stored, "unknown setting [...]"). Only the ones an index
#: template plausibly sets are listed: the stand-in refuses the rest, so a new one must be added here with care.
INDEX_SETTINGS = frozenset(
    f"index.{name}"
    for name in (
        "number_of_shards", "number_of_replicas", "auto_expand_replicas", "refresh_interval", "codec",
        "max_result_window", "hidden", "search.idle.after", "highlight.max_analyzed_offset", "max_ngram_diff",
        "max_shingle_diff", "mapping.total_fields.limit", "mapping.depth.limit", "mapping.nested_fields.limit",
        "lifecycle.name", "lifecycle.rollover_alias", "default_pipeline", "final_pipeline",
    )
)  # fmt: skip
#: Groups of settings whose members are checked elsewhere (analysis components by the analysis registry).
INDEX_SETTING_GROUPS = ("index.analysis.",)


def missing_components(name: str, body: Mapping[str, Any], components: Mapping[str, Any]) -> StubError | None:
    """An index template naming component templates that do not exist (400 invalid_index_template_exception).

    ES server/.../cluster/metadata/MetadataIndexTemplateService.java ``validateV2TemplateRequest``:
    ``InvalidIndexTemplateException(name, "index template [name] specifies component templates [..] that
    do not exist")``, whose message is "index_template [name] invalid, cause [...]".
    """
    missing = [c for c in body.get("composed_of", []) if c not in components]
    if not missing:
        return None
    return bad_request(
        "invalid_index_template_exception",
        f"index_template [{name}] invalid, cause [index template [{name}] specifies component templates "
        f"[{', '.join(missing)}] that do not exist]",
    )


def compose(index_template: Mapping[str, Any], components: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Settings and mappings of a new index from a composable template: components in ``composed_of`` order,
    then the template's own ``template``; later ones win, mappings merge field by field.

    DOCS manage-data/data-store/templates ("Multiple component templates ... later ones take precedence";
    mappings are merged recursively, ES .../cluster/metadata/MetadataCreateIndexService.java).
    """
    merged: dict[str, Any] = {"settings": {}, "mappings": {}}
    sources = [components[name].get("template", {}) for name in index_template.get("composed_of", [])]
    sources.append(index_template.get("template", {}))
    for source in sources:
        merged["settings"].update(flat_settings(source.get("settings") or {}))
        _deep_merge(merged["mappings"], source.get("mappings") or {})
    return merged


def find_template(index: str, index_templates: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The composable template a new index gets: the highest ``priority`` among those whose patterns match
    (ES .../cluster/metadata/MetadataIndexTemplateService.java ``findV2Template``)."""
    best: tuple[int, str] | None = None
    for name, body in index_templates.items():
        patterns = body.get("index_patterns", [])
        if isinstance(patterns, str):
            patterns = [patterns]
        if any(fnmatch.fnmatchcase(index, pattern) for pattern in patterns):
            priority = int(body.get("priority") or 0)
            if best is None or priority > best[0]:
                best = (priority, name)
    return best[1] if best else None


def flat_settings(settings: Mapping[str, Any], parent: str = "") -> dict[str, Any]:
    """Settings as Elasticsearch stores them: dotted keys, every one under ``index.``
    (``Settings.Builder.normalizePrefix(IndexMetadata.INDEX_SETTING_PREFIX)``, ES .../common/settings/Settings.java)."""
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        path = f"{parent}{key}"
        if isinstance(value, Mapping):
            flat.update(flat_settings(value, f"{path}."))
        else:
            flat[path if path.startswith("index.") else f"index.{path}"] = value
    return flat


# --- mappings --------------------------------------------------------------------------------------------

#: Analyzers every index has without defining them: DOCS reference/text-analysis/analyzer-reference
#: (built-in analyzers) and .../analysis-lang-analyzer (language analyzers).
BUILT_IN_ANALYZERS = frozenset(
    {"standard", "simple", "whitespace", "stop", "keyword", "pattern", "fingerprint", "default"}
    | {
        "arabic", "armenian", "basque", "bengali", "brazilian", "bulgarian", "catalan", "cjk", "czech",
        "danish", "dutch", "english", "estonian", "finnish", "french", "galician", "german", "greek",
        "hindi", "hungarian", "indonesian", "irish", "italian", "latvian", "lithuanian", "norwegian",
        "persian", "portuguese", "romanian", "russian", "serbian", "sorani", "spanish", "swedish",
        "turkish", "thai",
    }
)  # fmt: skip

#: Parameters every field mapper accepts besides its own (``FieldMapper.Builder.parse``: ``type``,
#: ``fields``, ``copy_to``, ``synthetic_source_keep``; ES server/.../index/mapper/FieldMapper.java).
_COMMON_PARAMETERS = frozenset({"type", "fields", "copy_to", "synthetic_source_keep"})
_NUMBER_PARAMETERS = frozenset(
    {"index", "doc_values", "store", "coerce", "ignore_malformed", "null_value", "script", "on_script_error", "meta"}
    | {"time_series_dimension", "time_series_metric"}
)
#: Each mapper's own parameters (``getParameters()`` of the mapper named in the comment).
FIELD_PARAMETERS: dict[str, frozenset[str]] = {
    # KeywordFieldMapper.java
    "keyword": frozenset(
        {"index", "doc_values", "store", "null_value", "eager_global_ordinals", "ignore_above", "index_options"}
        | {"norms", "similarity", "normalizer", "split_queries_on_whitespace", "script", "on_script_error", "meta"}
        | {"time_series_dimension"}
    ),
    # TextFieldMapper.java (TextParams: analyzer, search_analyzer, search_quote_analyzer, index_options, norms...)
    "text": frozenset(
        {"index", "store", "index_phrases", "index_prefixes", "norms", "index_options", "term_vector"}
        | {"fielddata", "fielddata_frequency_filter", "eager_global_ordinals", "analyzer", "search_analyzer"}
        | {"search_quote_analyzer", "position_increment_gap", "similarity", "meta"}
    ),
    # DateFieldMapper.java
    "date": frozenset(
        {"index", "doc_values", "store", "format", "locale", "null_value", "ignore_malformed", "script"}
        | {"on_script_error", "meta"}
    ),
    # BooleanFieldMapper.java
    "boolean": frozenset(
        {"index", "doc_values", "store", "null_value", "ignore_malformed", "script", "on_script_error", "meta"}
        | {"time_series_dimension"}
    ),
    # NumberFieldMapper.java (every NumberType)
    **dict.fromkeys(("long", "integer", "short", "byte", "double", "float", "half_float"), _NUMBER_PARAMETERS),
    # ScaledFloatFieldMapper.java
    "scaled_float": _NUMBER_PARAMETERS | {"scaling_factor"},
}
#: What an object mapper reads (ObjectMapper.java ``parseObjectOrDocumentTypeProperties``).
OBJECT_PARAMETERS = frozenset({"type", "properties", "dynamic", "enabled", "subobjects"})
#: What the root mapping reads (RootObjectMapper.java, MetadataFieldMapper parsers, ``_meta``).
ROOT_PARAMETERS = OBJECT_PARAMETERS | {
    "_meta",
    "_source",
    "_routing",
    "dynamic_templates",
    "date_detection",
    "numeric_detection",
    "dynamic_date_formats",
    "runtime",
}
#: Types Elasticsearch has that the stand-in does not model (it refuses them instead of guessing).
_UNMODELLED_TYPES = frozenset(
    {"nested", "flattened", "wildcard", "constant_keyword", "match_only_text", "ip", "geo_point", "date_nanos"}
    | {"unsigned_long", "binary", "dense_vector", "semantic_text", "alias", "join", "range", "completion"}
)
_ANALYZER_PARAMETERS = ("analyzer", "search_analyzer", "search_quote_analyzer")


def _mapping_error(reason: str, cause_type: str) -> StubError:
    """``MapperParsingException("Failed to parse mapping: " + cause)`` as MapperService.parseMapping wraps it.

    Elasticsearch's ``root_cause`` is the innermost *Elasticsearch* exception: the inner
    mapper_parsing_exception when there is one, else the outer one (an IllegalArgumentException is not one).
    """
    outer = f"Failed to parse mapping: {reason}"
    caused_by = {"type": cause_type, "reason": reason}
    root = (
        caused_by if cause_type == "mapper_parsing_exception" else {"type": "mapper_parsing_exception", "reason": outer}
    )
    return StubError(400, error_body(400, "mapper_parsing_exception", outer, root_cause=root, caused_by=caused_by))


def defined_analyzers(settings: Mapping[str, Any]) -> set[str]:
    """Analyzers an index's settings define (``index.analysis.analyzer.<name>.*``)."""
    prefix = "index.analysis.analyzer."
    return {key[len(prefix) :].split(".", 1)[0] for key in flat_settings(settings) if key.startswith(prefix)}


def check_analysis(settings: Mapping[str, Any]) -> None:
    """Each defined analyzer has a type or a tokenizer, and a known type.

    ES server/.../index/analysis/AnalysisRegistry.java: "analyzer [x] must specify either an analyzer
    type, or a tokenizer" and "Unknown analyzer type [t] for [x]" (illegal_argument_exception).
    """
    flat = flat_settings(settings)
    for name in sorted(defined_analyzers(settings)):
        kind = flat.get(f"index.analysis.analyzer.{name}.type")
        tokenizer = flat.get(f"index.analysis.analyzer.{name}.tokenizer")
        if kind is None and tokenizer is None:
            raise bad_request(
                "illegal_argument_exception", f"analyzer [{name}] must specify either an analyzer type, or a tokenizer"
            )
        if kind is not None and kind != "custom" and kind not in BUILT_IN_ANALYZERS:
            raise bad_request("illegal_argument_exception", f"Unknown analyzer type [{kind}] for [{name}]")


def check_mappings(mappings: Mapping[str, Any], settings: Mapping[str, Any]) -> None:
    """Refuse mappings Elasticsearch cannot build with these index settings (and nothing else).

    Used for every place Elasticsearch builds a mapper service: a component template on its own
    (MetadataIndexTemplateService ``addComponentTemplate`` → ``validateTemplate(settings, mappings)``),
    an index template composed with its components (``validateCompositeTemplate``), index creation.
    """
    check_analysis(settings)
    if not mappings:
        return
    if set(mappings) == {"_doc"}:  # the typed form ``{"_doc": {...}}`` is accepted and unwrapped
        mappings = mappings["_doc"]
    unsupported = [f"{key} : {mappings[key]}" for key in mappings if key not in ROOT_PARAMETERS]
    if unsupported:
        # DocumentMapperParser / MappingParser ``checkNoRemainingFields``.
        raise _mapping_error(
            f"Root mapping definition has unsupported parameters:  [{', '.join(unsupported)}]",
            "mapper_parsing_exception",
        )
    analyzers = defined_analyzers(settings) | BUILT_IN_ANALYZERS
    _check_properties(mappings.get("properties") or {}, analyzers)


def _check_properties(properties: Mapping[str, Any], analyzers: set[str]) -> None:
    for name, spec in properties.items():
        _check_field(name, spec, analyzers)


def _check_field(name: str, spec: Mapping[str, Any], analyzers: set[str]) -> None:
    kind = spec.get("type", "object")
    if kind == "object":
        extra = [f"{key} : {spec[key]}" for key in spec if key not in OBJECT_PARAMETERS]
        if extra:
            # ObjectMapper.TypeParser leaves them, MappingParser.checkNoRemainingFields reports them.
            raise _mapping_error(
                f"Mapping definition for [{name}] has unsupported parameters:  [{', '.join(extra)}]",
                "mapper_parsing_exception",
            )
        _check_properties(spec.get("properties") or {}, analyzers)
        return
    if kind in _UNMODELLED_TYPES:
        raise bad_request("illegal_argument_exception", f"the stand-in does not model mapping type [{kind}]: add it")
    if kind not in FIELD_PARAMETERS:
        # MappingParserContext.typeParser == null → ObjectMapper.parseProperties.
        raise _mapping_error(f"No handler for type [{kind}] declared on field [{name}]", "mapper_parsing_exception")
    allowed = FIELD_PARAMETERS[kind] | _COMMON_PARAMETERS
    for parameter in spec:
        if parameter not in allowed:
            # FieldMapper.Builder.parse: MapperParsingException("unknown parameter [p] on mapper [f] of type [t]").
            raise _mapping_error(
                f"unknown parameter [{parameter}] on mapper [{name}] of type [{kind}]", "mapper_parsing_exception"
            )
    for parameter in _ANALYZER_PARAMETERS:
        analyzer = spec.get(parameter)
        if analyzer is not None and analyzer not in analyzers:
            # FieldMapper.Parameter.analyzerParam: IllegalArgumentException.
            raise _mapping_error(
                f"analyzer [{analyzer}] has not been configured in mappings", "illegal_argument_exception"
            )
    for sub, sub_spec in (spec.get("fields") or {}).items():
        _check_field(sub, sub_spec, analyzers)


def _deep_merge(target: dict[str, Any], source: Mapping[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


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


# --- sorting and search_after -----------------------------------------------------------------------------

#: Field types with doc values a search can sort on (a ``text`` field has none: fielddata is off by default).
SORTABLE_TYPES = frozenset({"keyword", "date", "integer", "long", "short", "byte", "boolean", "float", "double"})


def _sort_spec(entry: Any) -> tuple[str, str, str]:
    """``"field"``, ``{"field": "asc"}`` or ``{"field": {"order": ..., "missing": ...}}`` as (field, order,
    missing)."""
    if isinstance(entry, str):
        return entry, "asc", "_last"
    ((field_name, spec),) = entry.items()
    if isinstance(spec, str):
        return field_name, spec, "_last"
    return field_name, str(spec.get("order", "asc")), str(spec.get("missing", "_last"))


def sort_hits(hits: list[dict[str, Any]], sort: Sequence[Any], types: Mapping[str, str]) -> list[dict[str, Any]]:
    """Hits in ``sort`` order, each with its ``sort`` values, as Elasticsearch answers.

    Refused like Elasticsearch (DOCS reference/elasticsearch/rest-apis/sort-search-results): a field the
    indices do not map ("No mapping found for [f] in order to sort on", ES server/.../search/sort/
    FieldSortBuilder.java, a 400 ``query_shard_exception``) and a ``text`` field ("Fielddata is disabled
    on [f]...", ES server/.../index/mapper/TextFieldMapper.java, 400 ``illegal_argument_exception``).
    A multi-valued field sorts by its minimum ascending and its maximum descending (``mode`` defaults).
    """
    specs = [_sort_spec(entry) for entry in sort]
    for field_name, _order, _missing in specs:
        kind = types.get(field_name)
        if kind is None:
            raise bad_request("query_shard_exception", f"No mapping found for [{field_name}] in order to sort on")
        if kind not in SORTABLE_TYPES:
            raise bad_request(
                "illegal_argument_exception",
                f"Fielddata is disabled on [{field_name}] in [index]. Text fields are not optimised for operations "
                "that require per-document field data like aggregations and sorting, so these operations are "
                "disabled by default. Please use a keyword field instead.",
            )

    def value(hit: dict[str, Any], field_name: str, order: str) -> Any:
        raw = hit["_source"].get(field_name)
        values = [v for v in (raw if isinstance(raw, list) else [raw]) if v is not None]
        if not values:
            return None
        return max(values) if order == "desc" else min(values)

    ordered = list(hits)
    # Stable sorts from the last key to the first give the combined order.
    for field_name, order, missing in reversed(specs):
        present = [hit for hit in ordered if value(hit, field_name, order) is not None]
        absent = [hit for hit in ordered if value(hit, field_name, order) is None]
        present.sort(key=lambda hit: value(hit, field_name, order), reverse=order == "desc")
        ordered = present + absent if missing == "_last" else absent + present
    return [{**hit, "sort": [value(hit, f, o) for f, o, _ in specs]} for hit in ordered]


def after(hits: list[dict[str, Any]], search_after: Sequence[Any], sort: Sequence[Any]) -> list[dict[str, Any]]:
    """The sorted hits after the ``search_after`` values (DOCS reference/elasticsearch/rest-apis/paginate-search-
    results, "Search after"); as many values as sort fields, or 400 (ES server/.../search/searchafter/
    SearchAfterBuilder.java: "search_after has N value(s) but sort has M.")."""
    specs = [_sort_spec(entry) for entry in sort]
    if len(search_after) != len(specs):
        raise bad_request(
            "illegal_argument_exception", f"search_after has {len(search_after)} value(s) but sort has {len(specs)}."
        )

    def later(values: list[Any]) -> bool:
        for (_field, order, _missing), mine, theirs in zip(specs, values, search_after, strict=True):
            if mine == theirs:
                continue
            if mine is None or theirs is None:
                return theirs is not None  # missing values sort last
            return bool(mine > theirs) if order == "asc" else bool(mine < theirs)
        return False  # equal on every value: not after

    return [hit for hit in hits if later(hit["sort"])]
