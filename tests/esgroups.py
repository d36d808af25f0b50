"""What Elasticsearch 9 does with a search's ``collapse`` (and its ``inner_hits``) and ``aggs``, and what it
refuses there. Part of the stand-in's rules (:mod:`tests.esrules`); each rule names the Elasticsearch source
file or doc page it follows (``ES`` = https://github.com/elastic/elasticsearch/blob/main/, ``DOCS`` =
https://www.elastic.co/docs/), and nothing here imports ``pipeline``.

Collapsing (DOCS reference/elasticsearch/rest-apis/collapse-search-results): the hits are the top hit of
each group of equal values of the collapse field, in the order of the search (its sort, else score), paged
by ``from``/``size`` over the groups; ``hits.total`` still counts the matching documents, not the groups,
and aggregations run over every matching document ("Collapsing is applied to the top hits only and does
not affect aggregations"). Each inner hits definition is a second search per group (ES server/.../action/
search/ExpandSearchPhase.java): the original query with a filter on the group's value (documents without
a value form one group, ``must_not exists``), its own ``from``, ``size`` (3 by default), ``sort`` and
``_source``; its ``hits.total`` counts the group's matching documents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tests.esrules import StubError, bad_request, error_body, shard_failure
from tests.essearch import SORTABLE_TYPES, sort_hits

#: What ``collapse`` reads (ES server/.../search/collapse/CollapseBuilder.java PARSER).
COLLAPSE_FIELDS = frozenset({"field", "inner_hits", "max_concurrent_group_searches"})
#: What an inner hits definition reads (ES server/.../index/query/InnerHitBuilder.java PARSER, with the
#: fields SearchSourceBuilder parses for it: ``_source``, ``sort``, ``highlight``...).
INNER_HIT_FIELDS = frozenset(
    {"name", "ignore_unmapped", "from", "size", "explain", "version", "seq_no_primary_term", "track_scores"}
    | {"stored_fields", "docvalue_fields", "fields", "_source", "sort", "highlight", "script_fields", "collapse"}
)
#: Field types whose mapper gives a collapse type (``MappedFieldType.collapseType()``: KEYWORD for
#: KeywordFieldMapper, NUMERIC for NumberFieldMapper); TextFieldMapper's is NONE.
COLLAPSIBLE_TYPES = frozenset({"keyword", "long", "integer", "short", "byte", "double", "float", "half_float"})
#: InnerHitBuilder's default ``size``.
INNER_HITS_SIZE = 3


def check_collapse(body: Mapping[str, Any], specs: Mapping[str, Mapping[str, Any]], *, scroll: bool) -> None:
    """Refuse a ``collapse`` Elasticsearch refuses, with its error (nothing when the body has none)."""
    collapse = body.get("collapse")
    if collapse is None:
        return
    if scroll:
        # ES server/.../action/search/SearchRequest.java validate(): checked on the coordinating node.
        raise bad_request(
            "action_request_validation_exception", "Validation Failed: 1: cannot use `collapse` in a scroll context;"
        )
    for key in collapse:
        if key not in COLLAPSE_FIELDS:
            # ObjectParser: an unknown field is an x_content_parse_exception (the position is not modelled).
            raise bad_request("x_content_parse_exception", f"[1:2] [collapse] unknown field [{key}]")
    for inner in _inner_hits(collapse):
        for key in inner:
            if key not in INNER_HIT_FIELDS:
                raise bad_request("x_content_parse_exception", f"[1:2] [inner_hits] unknown field [{key}]")
        if inner.get("name") is None:
            # CollapseBuilder.setInnerHits, called by its parser: the IllegalArgumentException comes back
            # wrapped as the parser's failure to parse the field.
            cause = "inner_hits must have a [name]; set the [name] field in the inner_hits definition"
            raise StubError(
                400,
                error_body(
                    400,
                    "x_content_parse_exception",
                    "[1:2] [collapse] failed to parse field [inner_hits]",
                    caused_by={"type": "illegal_argument_exception", "reason": cause},
                ),
            )
    if body.get("rescore"):
        # ES server/.../search/SearchService.java (parsing the shard's search source).
        raise shard_failure("illegal_argument_exception", "cannot use `collapse` in conjunction with `rescore`")
    if body.get("search_after") is not None:
        sort = body.get("sort") or []
        names = [entry if isinstance(entry, str) else next(iter(entry)) for entry in sort]
        if names != [collapse.get("field")]:
            # ES server/.../search/searchafter/SearchAfterBuilder.java buildFieldDoc.
            raise shard_failure(
                "illegal_argument_exception",
                "Cannot use [collapse] in conjunction with [search_after] unless the search is sorted on the same "
                "field. Multiple sort fields are not allowed.",
            )
    _check_field(collapse, specs)


def _check_field(collapse: Mapping[str, Any], specs: Mapping[str, Mapping[str, Any]]) -> None:
    """The collapse field must be mapped, of a collapsible type, with doc values (and indexed for inner hits):
    ES server/.../search/collapse/CollapseBuilder.java ``build``, run on each shard."""
    name = collapse.get("field")
    if not name:
        raise shard_failure("illegal_argument_exception", "no collapse field specified")
    spec = specs.get(str(name))
    if spec is None:
        raise shard_failure("illegal_argument_exception", f"no mapping found for `{name}` in order to collapse on")
    kind = str(spec.get("type", "object"))
    if kind not in COLLAPSIBLE_TYPES:
        if kind != "text":
            raise bad_request("illegal_argument_exception", f"the stand-in does not model collapsing a [{kind}] field")
        raise shard_failure(
            "illegal_argument_exception", f"collapse is not supported for the field [{name}] of the type [{kind}]"
        )
    if spec.get("doc_values") is False:
        raise shard_failure("illegal_argument_exception", f"cannot collapse on field `{name}` without `doc_values`")
    if spec.get("index") is False and _inner_hits(collapse):
        raise shard_failure(
            "illegal_argument_exception",
            f"cannot expand `inner_hits` for collapse field `{name}`, only indexed field can retrieve `inner_hits`",
        )


def _inner_hits(collapse: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    inner = collapse.get("inner_hits")
    if inner is None:
        return []
    return list(inner) if isinstance(inner, list) else [inner]


def collapse_hits(
    hits: list[dict[str, Any]], collapse: Mapping[str, Any], types: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The top hit of each group, in the order of ``hits`` (already in the search's order), each with the
    collapse key in ``fields`` and its ``inner_hits``."""
    name = str(collapse["field"])
    groups: dict[Any, list[dict[str, Any]]] = {}
    for hit in hits:
        groups.setdefault(_key(hit, name), []).append(hit)
    collapsed = []
    for key, members in groups.items():
        top = {**members[0], "fields": {name: [key]}}
        inner = _inner_hits(collapse)
        if inner:
            top["inner_hits"] = {str(spec["name"]): _expand(members, spec, types) for spec in inner}
        collapsed.append(top)
    return collapsed


def _key(hit: Mapping[str, Any], name: str) -> Any:
    value = hit["_source"].get(name)
    if isinstance(value, list):
        if len(value) > 1:
            # ES server/.../lucene/grouping/ (the doc-values group selectors): an IllegalStateException naming
            # the Lucene document number, which the stand-in does not have (it names the _id).
            raise shard_failure(
                "illegal_state_exception",
                f"failed to collapse {hit['_id']}, the collapse field must be single valued",
                status=500,
            )
        return value[0] if value else None
    return value


def _expand(members: list[dict[str, Any]], spec: Mapping[str, Any], types: Mapping[str, str]) -> dict[str, Any]:
    """One inner hits section: the group's documents in the definition's order, paged, with their total."""
    ordered = sort_hits(members, spec["sort"], types) if spec.get("sort") else list(members)
    start = int(spec.get("from", 0))
    page = ordered[start : start + int(spec.get("size", INNER_HITS_SIZE))]
    shown = []
    for hit in page:
        inner = {"_index": hit["_index"], "_id": hit["_id"], "_score": None if spec.get("sort") else hit["_score"]}
        if spec.get("_source", True) is not False:
            inner["_source"] = hit["_source"]
        if spec.get("sort"):
            inner["sort"] = hit["sort"]
        shown.append(inner)
    return {
        "hits": {
            "total": {"value": len(members), "relation": "eq"},
            "max_score": None if spec.get("sort") else 1.0,
            "hits": shown,
        }
    }


# --- aggregations ------------------------------------------------------------------------------------------


def aggregate(aggs: Mapping[str, Any], hits: Sequence[Mapping[str, Any]], types: Mapping[str, str]) -> dict[str, Any]:
    """The ``aggregations`` of a response over every matching document (before collapsing): ``terms`` and
    ``cardinality`` on a field with doc values; any other aggregation is refused as not modelled."""
    answered: dict[str, Any] = {}
    for name, spec in aggs.items():
        ((kind, params),) = spec.items()
        field = str(params.get("field"))
        kind_of_field = types.get(field)
        if kind_of_field is not None and kind_of_field not in SORTABLE_TYPES:
            # The same fielddata refusal as sorting (ES server/.../index/mapper/TextFieldMapper.java).
            raise bad_request(
                "illegal_argument_exception",
                f"Fielddata is disabled on [{field}] in [index]. Text fields are not optimised for operations that "
                "require per-document field data like aggregations and sorting, so these operations are disabled "
                "by default. Please use a keyword field instead.",
            )
        values = [_values(hit["_source"].get(field)) for hit in hits]
        if kind == "terms":
            answered[name] = _terms(values, int(params.get("size", 10)))
        elif kind == "cardinality":
            # DOCS reference/aggregations/search-aggregations-metrics-cardinality-aggregation: an estimate,
            # exact below precision_threshold (what the stand-in always answers); an unmapped field counts 0.
            answered[name] = {"value": len({value for row in values for value in row})}
        else:
            raise bad_request("illegal_argument_exception", f"the stand-in does not model the [{kind}] aggregation")
    return answered


def _values(raw: Any) -> list[Any]:
    return [value for value in (raw if isinstance(raw, list) else [raw]) if value is not None]


def _terms(values: Sequence[list[Any]], size: int) -> dict[str, Any]:
    """DOCS reference/aggregations/search-aggregations-bucket-terms-aggregation: one bucket per value, a
    document counted once per distinct value, the largest counts first (ties by key), ``size`` of them; an
    unmapped field has no buckets."""
    counts: dict[Any, int] = {}
    for row in values:
        for value in set(row):
            counts[value] = counts.get(value, 0) + 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    return {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": sum(count for _, count in ordered[size:]),
        "buckets": [{"key": key, "doc_count": count} for key, count in ordered[:size]],
    }
