"""What Elasticsearch 9 refuses in the exact-value filters Readout sends (``term``, ``terms``, ``range``), and
what it lets through: rules of the stand-in (``tests/esstub.py`` calls :func:`check_query` on every search).

Like :mod:`tests.esrules`, written from Elasticsearch's behaviour (``ES`` = https://github.com/elastic/elasticsearch/blob/main/):

* A value the field's type cannot parse fails the whole search: a number field parses each value with
  ``Double.parseDouble`` (ES server/src/main/java/org/elasticsearch/index/mapper/NumberFieldMapper.java,
  ``objectToDouble``), so ``{"term": {"coverage_count": "divergent"}}`` throws
  ``NumberFormatException: For input string: "divergent"``; a boolean field takes only true and false
  (ES libs/core/src/main/java/org/elasticsearch/core/Booleans.java, ``parseBoolean``: "Can't parse boolean
  value [x], expected [true] or [false]"). ``SearchExecutionContext.toQuery``
  (ES server/src/main/java/org/elasticsearch/index/query/SearchExecutionContext.java) wraps the error in a
  ``query_shard_exception`` "failed to create query: <message>", and the request fails with 400
  ``search_phase_execution_exception`` "all shards failed".
* A field the mapping does not have is **not** an error, ``dynamic: strict`` or not (strictness is about
  indexing): ``term``/``terms``/``range`` on an unmapped field match no document (``TermQueryBuilder`` and
  friends rewrite to ``MatchNoDocsQuery``, ES server/src/main/java/org/elasticsearch/index/query/
  TermQueryBuilder.java ``doRewrite``). The stand-in does the same (the evaluator finds no value), so a
  filter on a field an old index lacks silently finds nothing there, as it would on a real cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tests.esrules import StubError, shard_failure

NUMBER_TYPES = frozenset(
    {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long"}
)
#: The bounds a ``range`` query may have (ES .../index/query/RangeQueryBuilder.java ``fromXContent``).
_BOUNDS = ("gt", "gte", "lt", "lte")


def field_types(mappings: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Top-level field → mapping type over the searched indices' mappings."""
    types: dict[str, str] = {}
    for mapping in mappings:
        for name, spec in mapping.get("properties", {}).items():
            types[name] = str(spec.get("type", "object"))
    return types


def check_query(query: Any, types: Mapping[str, str], index: str = "index") -> None:
    """Raise the error Elasticsearch answers for a ``term``/``terms``/``range`` value its field cannot parse,
    anywhere in ``query`` (inside ``bool`` clauses too)."""
    if not isinstance(query, Mapping):
        return
    for kind, spec in query.items():
        if kind == "bool" and isinstance(spec, Mapping):
            for clause in ("must", "filter", "should", "must_not"):
                inner = spec.get(clause)
                for sub in inner if isinstance(inner, list) else [inner]:
                    check_query(sub, types, index)
        elif kind in ("term", "terms", "range") and isinstance(spec, Mapping):
            for field, value in spec.items():
                mapped = types.get(field)
                if mapped is None:
                    continue  # unmapped: matches nothing, no error
                for item in _values(kind, value):
                    problem = _parse_problem(item, mapped)
                    if problem:
                        raise _failed_query(problem, index)


def _values(kind: str, value: Any) -> list[Any]:
    if kind == "term":
        return [value.get("value") if isinstance(value, Mapping) else value]
    if kind == "terms":
        return list(value) if isinstance(value, list) else []
    return [value[bound] for bound in _BOUNDS if isinstance(value, Mapping) and value.get(bound) is not None]


def _parse_problem(value: Any, mapped: str) -> str | None:
    if mapped in NUMBER_TYPES:
        if isinstance(value, bool):
            return f'For input string: "{str(value).lower()}"'
        if isinstance(value, int | float):
            return None
        try:
            float(str(value))
        except ValueError:
            return f'For input string: "{value}"'
        return None
    if mapped == "boolean" and value not in (True, False, "true", "false"):
        return f"Can't parse boolean value [{value}], expected [true] or [false]"
    return None


def _failed_query(message: str, index: str) -> StubError:
    return shard_failure(
        "query_shard_exception", f"failed to create query: {message}", index=index, cause_fields={"index": index}
    )
