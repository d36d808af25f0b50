"""Every field Kibana's saved objects use (data-view time fields, Discover columns and sorts, KQL queries,
filter pills, Lens columns), with how each is used, so that a test can check each one against the
Elasticsearch mappings with a type that fits its use (:func:`field_uses`, :func:`fields_used`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

#: The pseudo-field Lens uses for "count of records": not a mapping field.
LENS_RECORDS = "___records___"

#: The Lens datasource key (``formBased``; ``indexpattern`` before Kibana 8.6, still read for old exports).
_LENS_DATASOURCES = ("formBased", "indexpattern")

FieldUseKind = Literal[
    "time",  # a data view's time field, or a Lens date_histogram / last_value sort field
    "column",  # shown in a Discover table: any field will do
    "format",  # a data view's field format: any field will do
    "sort",  # a Discover sort: must be sortable (not analysed text)
    "query",  # ``field : value`` in KQL: any searchable field
    "range",  # ``field > value`` in KQL: numeric or date
    "filter",  # a filter pill (match_phrase, range, exists): exact values, not analysed text
    "terms",  # a Lens terms bucket: aggregatable
    "metric",  # a Lens sum/average/median/percentile...: numeric
    "extreme",  # a Lens min/max: numeric or date
    "value",  # a Lens last_value / unique_count: aggregatable
]


@dataclass(frozen=True)
class FieldUse:
    """One place where a saved object uses a field of a data view."""

    data_view: str
    field: str
    use: FieldUseKind
    where: str  # "type/id" and the part of the object, for a readable test failure


# KQL: a field name followed by ``:`` or a comparison. Quoted values are blanked out first so that
# ``title : "a: b"`` does not read ``a`` as a field.
_KQL_FIELD = re.compile(r"(?<![\w.@*\-])([A-Za-z_@][\w.@\-]*)\s*(<=|>=|<|>|:)")
_KQL_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def kql_fields(query: str) -> list[tuple[str, FieldUseKind]]:
    """The fields a KQL query names, each with ``query`` (``:``) or ``range`` (a comparison)."""
    bare = _KQL_QUOTED.sub('""', query)
    return [(name, "query" if op == ":" else "range") for name, op in _KQL_FIELD.findall(bare)]


def fields_used(objects: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Data-view id → every field the objects use on it (time fields, columns, sorts, queries, Lens...)."""
    used: dict[str, set[str]] = {}
    for use in field_uses(objects):
        used.setdefault(use.data_view, set()).add(use.field)
    return used


def field_uses(objects: Iterable[Mapping[str, Any]]) -> list[FieldUse]:
    """Every use of a field by the saved objects, with the data view it belongs to and how it is used."""
    uses: list[FieldUse] = []
    for obj in objects:
        kind = obj.get("type")
        attributes = obj.get("attributes") or {}
        where = f"{kind}/{obj.get('id')}"
        refs = _references(obj.get("references"))
        if kind == "index-pattern":
            uses.extend(_data_view_uses(str(obj.get("id")), attributes, where))
        elif kind == "search":
            uses.extend(_search_uses(attributes, refs, where))
        elif kind == "lens":
            uses.extend(_lens_uses(attributes, refs, where))
        elif kind == "dashboard":
            uses.extend(_dashboard_uses(attributes, refs, where))
    return uses


def _references(raw: Any) -> dict[str, str]:
    """Reference name → referenced id."""
    return {
        str(ref["name"]): str(ref["id"]) for ref in raw or [] if isinstance(ref, dict) and "name" in ref and "id" in ref
    }


def _json_attr(value: Any) -> Any:
    """Kibana stores nested state as JSON strings (searchSourceJSON, panelsJSON, fieldFormatMap...)."""
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else None
        except json.JSONDecodeError:
            return None
    return value


def _data_view_uses(view: str, attributes: Mapping[str, Any], where: str) -> Iterator[FieldUse]:
    time_field = attributes.get("timeFieldName")
    if isinstance(time_field, str) and time_field:
        yield FieldUse(view, time_field, "time", f"{where} timeFieldName")
    formats = _json_attr(attributes.get("fieldFormatMap"))
    for name in formats if isinstance(formats, dict) else ():
        yield FieldUse(view, name, "format", f"{where} fieldFormatMap")
    attrs = _json_attr(attributes.get("fieldAttrs"))
    for name in attrs if isinstance(attrs, dict) else ():
        yield FieldUse(view, name, "format", f"{where} fieldAttrs")


def _search_source_uses(source: Any, refs: Mapping[str, str], default_view: str | None, where: str) -> list[FieldUse]:
    """Query and filter pills of a ``searchSourceJSON`` (saved searches and dashboards)."""
    uses: list[FieldUse] = []
    if not isinstance(source, dict):
        return uses
    query = source.get("query")
    if default_view and isinstance(query, dict) and query.get("language") == "kuery":
        for name, use in kql_fields(str(query.get("query") or "")):
            uses.append(FieldUse(default_view, name, use, f"{where} query"))
    for index, pill in enumerate(source.get("filter") or []):
        view = _filter_view(pill, refs) or default_view
        if view:
            uses.extend(FieldUse(view, name, "filter", f"{where} filter[{index}]") for name in _filter_fields(pill))
    return uses


def _filter_view(pill: Any, refs: Mapping[str, str]) -> str | None:
    meta = pill.get("meta") if isinstance(pill, dict) else None
    if not isinstance(meta, dict):
        return None
    for key in ("indexRefName", "index"):
        name = meta.get(key)
        if isinstance(name, str) and name in refs:
            return refs[name]
    return None


def _filter_fields(pill: Any) -> set[str]:
    """The fields of a filter pill: ``meta.key`` and the fields of its query (match_phrase, range, exists...)."""
    names: set[str] = set()
    if not isinstance(pill, dict):
        return names
    meta = pill.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("key"), str) and meta.get("type") != "custom":
        names.add(meta["key"])
    query = pill.get("query")
    if isinstance(query, dict):
        for clause in ("match_phrase", "match", "range", "term", "terms"):
            body = query.get(clause)
            if isinstance(body, dict):
                names.update(body)
        exists = query.get("exists")
        if isinstance(exists, dict) and isinstance(exists.get("field"), str):
            names.add(exists["field"])
    exists = pill.get("exists")
    if isinstance(exists, dict) and isinstance(exists.get("field"), str):
        names.add(exists["field"])
    return names


def _search_uses(attributes: Mapping[str, Any], refs: Mapping[str, str], where: str) -> list[FieldUse]:
    meta = attributes.get("kibanaSavedObjectMeta") or {}
    source = _json_attr(meta.get("searchSourceJSON")) if isinstance(meta, dict) else None
    view: str | None = None
    if isinstance(source, dict):
        ref_name = source.get("indexRefName")
        view = refs.get(ref_name) if isinstance(ref_name, str) else None
        if view is None and isinstance(source.get("index"), str):
            view = source["index"]
    uses = _search_source_uses(source, refs, view, where)
    if view is None:
        return uses
    uses.extend(FieldUse(view, str(name), "column", f"{where} columns") for name in attributes.get("columns") or [])
    for pair in attributes.get("sort") or []:
        if isinstance(pair, list) and pair and isinstance(pair[0], str) and pair[0] != "_score":
            uses.append(FieldUse(view, pair[0], "sort", f"{where} sort"))
    return uses


_METRIC_OPERATIONS = {"sum", "average", "median", "percentile", "percentile_rank", "standard_deviation"}
_VALUE_OPERATIONS = {"last_value", "unique_count"}


def _lens_uses(attributes: Mapping[str, Any], refs: Mapping[str, str], where: str) -> list[FieldUse]:
    uses: list[FieldUse] = []
    state = attributes.get("state")
    if not isinstance(state, dict):
        return uses
    datasources = state.get("datasourceStates") or {}
    layer_views: dict[str, str] = {}
    for key in _LENS_DATASOURCES:
        layers = (datasources.get(key) or {}).get("layers") or {}
        for layer_id, layer in layers.items():
            view = refs.get(f"indexpattern-datasource-layer-{layer_id}") or refs.get(
                "indexpattern-datasource-current-indexpattern"
            )
            if view is None or not isinstance(layer, dict):
                continue
            layer_views[layer_id] = view
            for column_id, column in (layer.get("columns") or {}).items():
                uses.extend(_lens_column_uses(view, column, f"{where} layer {layer_id} column {column_id}"))
    # The visualization-wide query and filter pills apply to the layers' data view(s).
    views = sorted(set(layer_views.values()))
    default_view = views[0] if len(views) == 1 else None
    lens_source = {"query": state.get("query"), "filter": state.get("filters") or []}
    uses.extend(_search_source_uses(lens_source, refs, default_view, where))
    return uses


def _lens_column_uses(view: str, column: Any, where: str) -> Iterator[FieldUse]:
    if not isinstance(column, dict):
        return
    operation = column.get("operationType")
    source = column.get("sourceField")
    if isinstance(source, str) and source != LENS_RECORDS:
        if operation == "date_histogram":
            yield FieldUse(view, source, "time", where)
        elif operation in ("terms", "range", "filters", "multi_terms"):
            yield FieldUse(view, source, "terms", where)
        elif operation in _METRIC_OPERATIONS:
            yield FieldUse(view, source, "metric", where)
        elif operation in ("min", "max"):
            yield FieldUse(view, source, "extreme", where)
        elif operation in _VALUE_OPERATIONS or operation == "count":
            yield FieldUse(view, source, "value", where)
    raw_params = column.get("params")
    params: Mapping[str, Any] = raw_params if isinstance(raw_params, dict) else {}
    if isinstance(params.get("sortField"), str):
        # last_value's "most recent" is decided by a date field.
        yield FieldUse(view, params["sortField"], "time", f"{where} sortField")
    for name in params.get("secondaryFields") or []:
        yield FieldUse(view, str(name), "terms", f"{where} secondaryFields")
    column_filter = column.get("filter")
    if isinstance(column_filter, dict) and column_filter.get("language") == "kuery":
        for name, use in kql_fields(str(column_filter.get("query") or "")):
            yield FieldUse(view, name, use, f"{where} filter")


def _dashboard_uses(attributes: Mapping[str, Any], refs: Mapping[str, str], where: str) -> list[FieldUse]:
    meta = attributes.get("kibanaSavedObjectMeta") or {}
    source = _json_attr(meta.get("searchSourceJSON")) if isinstance(meta, dict) else None
    # A dashboard's own query has no single data view; only its filter pills name theirs.
    uses = _search_source_uses(source, refs, None, where)
    panels = _json_attr(attributes.get("panelsJSON"))
    for panel in panels if isinstance(panels, list) else []:
        config = panel.get("embeddableConfig") if isinstance(panel, dict) else None
        lens = config.get("attributes") if isinstance(config, dict) else None
        if panel.get("type") == "lens" and isinstance(lens, dict):
            # A Lens panel stored by value carries its own attributes and references.
            panel_where = f"{where} panel {panel.get('panelIndex')}"
            uses.extend(_lens_uses(lens, _references(lens.get("references")), panel_where))
    return uses
