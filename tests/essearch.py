"""What Elasticsearch 9 does with a search's ``sort`` and ``search_after``, and what it refuses there. Part of
the stand-in's rules (:mod:`tests.esrules`); each rule names the Elasticsearch source file or doc page it
follows, and nothing here imports ``pipeline``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tests.esrules import bad_request

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
