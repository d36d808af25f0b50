"""What Elasticsearch 9 refuses, for every request Readout makes: the rules of the loopback stand-in.

``tests/esstub.py`` serves the REST API; this module (with ``tests/eswrites.py`` for bulk bodies and
documents, ``tests/essearch.py`` for sorting and ``search_after``, ``tests/esgroups.py`` for collapsing and
aggregations) decides what is refused and answers
with the error Elasticsearch gives (``{"error": {"root_cause", "type", "reason", ...}, "status"}``, the same
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
from collections.abc import Mapping
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


def shard_failure(
    cause_type: str, reason: str, *, status: int = 400, index: str = "index", cause_fields: dict[str, Any] | None = None
) -> StubError:
    """A search that failed on every shard (the stand-in has one): ``search_phase_execution_exception`` "all
    shards failed" with the shard's exception as root cause, ``caused_by`` and in ``failed_shards``; the status
    is the shard failure's (400 for an IllegalArgumentException, 500 for an IllegalStateException).
    ``cause_fields`` adds what the shard exception carries besides its type and reason (``index`` for a
    ``query_shard_exception``).

    ES server/.../action/search/SearchPhaseExecutionException.java (``status()`` from the shard failures,
    ``getCause()`` the first one) and ShardSearchFailure.java (each failed shard's ``reason``).
    """
    cause = {"type": cause_type, "reason": reason, **(cause_fields or {})}
    return StubError(
        status,
        error_body(
            status,
            "search_phase_execution_exception",
            "all shards failed",
            root_cause=cause,
            phase="query",
            grouped=True,
            failed_shards=[{"shard": 0, "index": index, "node": "stub-node", "reason": cause}],
            caused_by=cause,
        ),
    )


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
