"""Readout's queries as Elasticsearch ``_search`` bodies, and the answers as the shared result shape.

Pure functions, tested directly and evaluated by the test stand-in (``tests/esquery.py``) with the
documented semantics, so that both backends find the same documents for the same query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from pipeline.index.projection import ANALYZED_LANGUAGES, analyzed_codes
from pipeline.index.query import Group, Query, Term
from pipeline.index.search import (
    FACETS,
    FOLDED_IDS,
    MARK_END,
    MARK_START,
    TURN_FACETS,
    SearchFilters,
    SearchHit,
    SearchResult,
    TurnHit,
    TurnSearchResult,
)
from pipeline.index.turn_projection import TURN_TEXTS

#: How many values each facet aggregation returns.
FACET_SIZE = 20
#: Characters of text around the matches in a snippet.
SNIPPET_CHARS = 200
#: The ``_source`` fields a search hit needs (never the full text: it can be megabytes).
HIT_SOURCE_FIELDS: tuple[str, ...] = (
    "doc_id",
    "title",
    "url",
    "source",
    "kind",
    "language",
    "published_at",
    "cluster_id",
    "edited",
    "removed",
)
#: Field boosts: a match in the title counts three times a match in the body.
TITLE_BOOST = 3
#: The field a folded search collapses on (``keyword`` with doc values), the name of its inner hits (the
#: matching copies of each hit's cluster) and of the aggregation counting the clusters.
FOLD_FIELD = "cluster_id"
COPIES = "copies"
STORIES = "stories"
#: ``cardinality``'s ``precision_threshold`` for the stories count: its maximum. Below it Elasticsearch
#: counts distinct values exactly but for hash collisions (HyperLogLog++ keeps the hashes themselves);
#: above it the count is an estimate. Costs about 8 bytes per value per shard.
STORIES_PRECISION = 40_000


def search_fields(languages: Iterable[str] | None = None) -> list[str]:
    """The analyzed fields a query runs over: ``title``/``text`` (standard analyzer, every language) and
    the language fields (stemming, CJK bigrams), restricted to ``languages`` when given."""
    codes = analyzed_codes(languages)
    return [
        f"title^{TITLE_BOOST}",
        *(f"title_{code}^{TITLE_BOOST}" for code in codes),
        "text",
        *(f"text_{code}" for code in codes),
    ]


#: The fields that keep every token (standard analyzer: no stemming, no stopwords).
EXACT_FIELDS = [f"title^{TITLE_BOOST}", "text"]


def term_query(term: Term, fields: list[str], exact: list[str] = EXACT_FIELDS) -> dict[str, Any]:
    """A term of the query as Elasticsearch should run it: the user's text as typed, analysed by each
    field's own analyzer (never split or lower-cased here, so ``China's``, ``U.S.``, ``1,000`` reach the
    standard tokenizer whole).

    * **word** (``China's``): ``multi_match`` of type ``phrase`` over every analysed field. A word that is
      one token is a term query per field (``china's`` on ``text``, ``china`` on ``text_en``); a word the
      tokenizer cuts in several (``U.S.-China``, ``制裁措施``) needs them in order.
    * **phrase** (``"unilateral sanctions"``): ``multi_match`` of type ``phrase`` on the standard-analysed
      fields only: the exact words. The language analyzers drop stop words and stem, which would turn
      "the hague" into any text with "hague".
    * **prefix** (``sanction*``): ``multi_match`` of type ``bool_prefix`` with ``operator: and`` on the
      standard fields: every token of the text, the last one as a ``prefix`` query, which matches every
      term with that prefix (``phrase_prefix`` expands only the first 50 and would miss some).
    """
    if term.kind == "phrase":
        return {"multi_match": {"query": term.text, "fields": exact, "type": "phrase"}}
    if term.kind == "prefix":
        return {"multi_match": {"query": term.text, "fields": exact, "type": "bool_prefix", "operator": "and"}}
    return {"multi_match": {"query": term.text, "fields": fields, "type": "phrase"}}


def group_query(group: Group, fields: list[str], exact: list[str] = EXACT_FIELDS) -> dict[str, Any]:
    """Every term of the group must match; none of its exclusions may."""
    clause: dict[str, Any] = {"must": [term_query(term, fields, exact) for term in group.must]}
    if group.must_not:
        clause["must_not"] = [term_query(term, fields, exact) for term in group.must_not]
    return {"bool": clause}


def _facet_terms(filters: SearchFilters) -> list[dict[str, Any]]:
    """A ``terms`` clause per facet filter that has values: the same field names on documents and turns."""
    clauses: list[dict[str, Any]] = []
    for name, values in (
        ("source", filters.sources),
        ("kind", filters.kinds),
        ("language", filters.languages),
        ("topics", filters.topics),
        ("countries", filters.countries),
        ("worst_verdict", filters.verdicts),
    ):
        if values:
            clauses.append({"terms": {name: list(values)}})
    return clauses


def filter_clauses(filters: SearchFilters) -> list[dict[str, Any]]:
    """Filters as non-scoring clauses: ``terms`` per facet, edited documents, publication days inclusive,
    removed hidden (or only those)."""
    clauses = _facet_terms(filters)
    if filters.edited:
        clauses.append({"term": {"edited": True}})
    clauses.extend(_days_and_removal(filters, "published_at"))
    return clauses


def build_search_body(query: Query, filters: SearchFilters, limit: int, *, fold: bool = False) -> dict[str, Any]:
    """The ``_search`` request body for a parsed query, its filters and a result limit; with ``fold``, one
    hit per near-duplicate cluster (:func:`fold_body`)."""
    languages = [code for code in filters.languages if code in ANALYZED_LANGUAGES] if filters.languages else None
    fields = search_fields(languages)
    # A snippet of the text even when only the title matched (``no_match_size``), or for filter-only searches.
    body = _search_body(
        [group_query(group, fields) for group in query.groups],
        filter_clauses(filters),
        limit=limit,
        source=HIT_SOURCE_FIELDS,
        facets=FACETS,
        highlighted=[field.split("^")[0] for field in fields if field.startswith("text")],
    )
    if query.match_all:
        # No relevance to rank by: newest first, ties in a stable order.
        body["sort"] = [{"published_at": {"order": "desc", "missing": "_last"}}, {"doc_id": "asc"}]
    return fold_body(body) if fold else body


def fold_body(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with one hit per cluster: ``collapse`` on :data:`FOLD_FIELD` keeps each cluster's best hit
    (by the body's sort, or score), its ``inner_hits`` count the cluster's matching documents and list the
    first ids, and a ``cardinality`` aggregation counts the clusters.

    Collapsing changes only the hits: ``hits.total`` still counts documents and the facets' aggregations
    run over every matching document. The inner hits of each group are a second search Elasticsearch
    runs with the same query (so the same filters); no highlight, no ``_source`` (the ``_id`` is the
    ``doc_id``). One id more than listed is asked for, since the hit itself is among them.
    """
    body["collapse"] = {
        "field": FOLD_FIELD,
        "inner_hits": {"name": COPIES, "size": FOLDED_IDS + 1, "_source": False, "sort": [{"doc_id": "asc"}]},
    }
    body["aggs"][STORIES] = {"cardinality": {"field": FOLD_FIELD, "precision_threshold": STORIES_PRECISION}}
    return body


def _search_body(
    should: list[dict[str, Any]],
    filters: list[dict[str, Any]],
    *,
    limit: int,
    source: Iterable[str],
    facets: Iterable[str],
    highlighted: Iterable[str],
) -> dict[str, Any]:
    """A ``_search`` body, documents' or turns': any of ``should`` (everything when empty) within ``filters``,
    with the total, the facets' top values and one highlighted fragment per field of ``highlighted``."""
    clause: dict[str, Any] = {}
    if should:
        clause["should"] = should
        clause["minimum_should_match"] = 1
    if filters:
        clause["filter"] = filters
    return {
        "query": {"bool": clause} if clause else {"match_all": {}},
        "size": limit,
        "track_total_hits": True,
        "_source": list(source),
        "aggs": {facet: {"terms": {"field": facet, "size": FACET_SIZE}} for facet in facets},
        "highlight": {
            "pre_tags": [MARK_START],
            "post_tags": [MARK_END],
            "fragment_size": SNIPPET_CHARS,
            "number_of_fragments": 1,
            "no_match_size": SNIPPET_CHARS,
            "fields": {name: {} for name in highlighted},
        },
    }


def parse_search_response(query_text: str, response: Mapping[str, Any]) -> SearchResult:
    """A ``_search`` response body as the shared :class:`SearchResult`."""
    hits_part = response.get("hits") or {}
    total_part = hits_part.get("total", 0)
    total = int(total_part.get("value", 0)) if isinstance(total_part, Mapping) else int(total_part or 0)
    hits: list[SearchHit] = []
    for hit in hits_part.get("hits") or []:
        source = hit.get("_source") or {}
        doc_id = str(source.get("doc_id") or hit.get("_id"))
        copies, folded = _copies(hit, doc_id)
        hits.append(
            SearchHit(
                doc_id=doc_id,
                title=source.get("title"),
                url=str(source.get("url", "")),
                source=str(source.get("source", "")),
                kind=str(source.get("kind", "")),
                language=source.get("language"),
                published_at=source.get("published_at"),
                score=float(hit.get("_score") or 0.0),
                snippet=pick_snippet(hit.get("highlight") or {}, source.get("language")),
                cluster_id=source.get(FOLD_FIELD) or _first(hit.get("fields"), FOLD_FIELD),
                copies=copies,
                folded=folded,
                edited=source.get("edited") is True,
                removed=source.get("removed") is True,
            )
        )
    aggregations = response.get("aggregations") or {}
    # Every facet is present, empty when there is nothing to count, exactly as the embedded backend answers.
    facets = {
        facet: {
            str(bucket["key"]): int(bucket["doc_count"])
            for bucket in (aggregations.get(facet) or {}).get("buckets", [])
        }
        for facet in FACETS
    }
    stories = aggregations.get(STORIES)
    return SearchResult(
        backend="elasticsearch",
        query=query_text,
        total=total,
        hits=hits,
        facets=facets,
        stories=int(stories.get("value") or 0) if isinstance(stories, Mapping) else None,
    )


def _copies(hit: Mapping[str, Any], doc_id: str) -> tuple[int, tuple[str, ...]]:
    """A collapsed hit's other matching documents: how many (the group's total less the hit), and the first
    ids. Nothing for a hit that was not collapsed."""
    group = ((hit.get("inner_hits") or {}).get(COPIES) or {}).get("hits") or {}
    total_part = group.get("total", 0)
    total = int(total_part.get("value", 0)) if isinstance(total_part, Mapping) else int(total_part or 0)
    ids = [str(inner.get("_id")) for inner in group.get("hits") or [] if inner.get("_id") != doc_id]
    return max(total - 1, 0), tuple(ids[:FOLDED_IDS])


def _first(fields: Any, name: str) -> str | None:
    """The first value of a hit's ``fields`` entry (collapsed hits carry the collapse key there)."""
    values = fields.get(name) if isinstance(fields, Mapping) else None
    return str(values[0]) if isinstance(values, list) and values else None


def pick_snippet(highlight: Mapping[str, list[str]], language: str | None) -> str:
    """The best highlighted fragment: one with marks, from the document's language field (stemmed
    matches), then ``text``, then any field; whitespace collapsed."""
    order = [f"text_{language}"] if language else []
    order += ["text", *sorted(name for name in highlight if name not in order and name != "text")]
    fragments = [fragment for name in order for fragment in highlight.get(name, [])]
    marked = [fragment for fragment in fragments if MARK_START in fragment]
    chosen = (marked or fragments or [""])[0]
    return " ".join(chosen.split())


# --- turns ---------------------------------------------------------------------------------------------

#: The ``_source`` fields a turn hit needs (the texts come back as highlights).
TURN_SOURCE_FIELDS: tuple[str, ...] = (
    "turn_id",
    "doc_id",
    "date",
    "ministry",
    "source",
    "language",
    "kind",
    "position",
    "spokesperson",
    "spokesperson_id",
    "outlet",
    "outlet_id",
    "coverage_count",
    "missing_in_twin",
)
#: The turn fields that keep every token (standard analyzer): phrases and prefixes run on these.
TURN_EXACT_FIELDS = list(TURN_TEXTS)


def turn_search_fields(languages: Iterable[str] | None = None) -> list[str]:
    """``question``/``answer`` and their language fields, restricted to ``languages`` when given."""
    codes = analyzed_codes(languages)
    return [name for part in TURN_TEXTS for name in (part, *(f"{part}_{code}" for code in codes))]


def turn_filter_clauses(filters: SearchFilters) -> list[dict[str, Any]]:
    """The turns' filters: the documents' ones on the turn's fields (``kind`` is announcement or
    exchange, the date is the briefing's), and each spokesperson or outlet as its id or its label."""
    clauses = _facet_terms(filters)
    for field_name, values in (("spokesperson", filters.spokespersons), ("outlet", filters.outlets)):
        if values:
            either = [{"terms": {f"{field_name}_id": list(values)}}, {"terms": {field_name: list(values)}}]
            clauses.append({"bool": {"should": either, "minimum_should_match": 1}})
    if filters.covered:
        clauses.append({"range": {"coverage_count": {"gt": 0}}})
    if filters.missing_in_twin:
        clauses.append({"term": {"missing_in_twin": True}})
    clauses.extend(_days_and_removal(filters, "date"))
    return clauses


def _days_and_removal(filters: SearchFilters, date_field: str) -> list[dict[str, Any]]:
    """The date range on ``date_field`` (whole UTC days on both ends: from the start of ``since`` to before
    the day after ``until``) and, unless asked for, removed pages hidden (only those with ``removed``)."""
    clauses: list[dict[str, Any]] = []
    if filters.since or filters.until:
        bounds: dict[str, Any] = {}
        if filters.since:
            bounds["gte"] = filters.since.isoformat()
        if filters.until:
            bounds["lt"] = (filters.until + timedelta(days=1)).isoformat()
        bounds["format"] = "strict_date"
        clauses.append({"range": {date_field: bounds}})
    if filters.removed:
        clauses.append({"term": {"removed": True}})
    elif not filters.include_removed:
        clauses.append({"term": {"removed": False}})
    return clauses


def build_turn_search_body(query: Query, filters: SearchFilters, limit: int) -> dict[str, Any]:
    """The ``_search`` body of a turns search: the query over question and answer, the filters, facets,
    and one highlighted fragment per text part."""
    languages = [code for code in filters.languages if code in ANALYZED_LANGUAGES] if filters.languages else None
    fields = turn_search_fields(languages)
    body = _search_body(
        [group_query(group, fields, TURN_EXACT_FIELDS) for group in query.groups],
        turn_filter_clauses(filters),
        limit=limit,
        source=TURN_SOURCE_FIELDS,
        facets=TURN_FACETS,
        highlighted=fields,
    )
    if query.match_all:
        # Newest briefing first, then the briefing's own order.
        body["sort"] = [
            {"date": {"order": "desc", "missing": "_last"}},
            {"doc_id": "asc"},
            {"position": "asc"},
        ]
    return body


def parse_turn_response(query_text: str, response: Mapping[str, Any]) -> TurnSearchResult:
    """A turns ``_search`` response as the shared :class:`TurnSearchResult`."""
    hits_part = response.get("hits") or {}
    total_part = hits_part.get("total", 0)
    total = int(total_part.get("value", 0)) if isinstance(total_part, Mapping) else int(total_part or 0)
    hits: list[TurnHit] = []
    for hit in hits_part.get("hits") or []:
        source = hit.get("_source") or {}
        highlight = hit.get("highlight") or {}
        language = source.get("language")
        hits.append(
            TurnHit(
                turn_id=str(source.get("turn_id") or hit.get("_id")),
                doc_id=str(source.get("doc_id", "")),
                date=source.get("date"),
                ministry=str(source.get("ministry", "")),
                source=str(source.get("source", "")),
                language=language,
                kind=str(source.get("kind", "")),
                position=int(source.get("position", 0)),
                spokesperson=source.get("spokesperson"),
                spokesperson_id=source.get("spokesperson_id"),
                outlet=source.get("outlet"),
                outlet_id=source.get("outlet_id"),
                question=_part_snippet(highlight, "question", language),
                answer=_part_snippet(highlight, "answer", language),
                score=float(hit.get("_score") or 0.0),
                coverage_count=int(source.get("coverage_count") or 0),
                missing_in_twin=source.get("missing_in_twin") is True,
            )
        )
    aggregations = response.get("aggregations") or {}
    facets = {
        facet: {
            str(bucket["key"]): int(bucket["doc_count"])
            for bucket in (aggregations.get(facet) or {}).get("buckets", [])
        }
        for facet in TURN_FACETS
    }
    return TurnSearchResult(backend="elasticsearch", query=query_text, total=total, hits=hits, facets=facets)


def _part_snippet(highlight: Mapping[str, list[str]], part: str, language: str | None) -> str:
    """The best fragment of one text part: marked first, from the language field, then the standard one."""
    order = [f"{part}_{language}", part] if language else [part]
    order += sorted(name for name in highlight if name.startswith(f"{part}_") and name not in order)
    fragments = [fragment for name in order for fragment in highlight.get(name, [])]
    marked = [fragment for fragment in fragments if MARK_START in fragment]
    chosen = (marked or fragments or [""])[0]
    return " ".join(chosen.split())
