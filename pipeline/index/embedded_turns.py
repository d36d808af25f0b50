"""Searching the embedded index's turns (``readout search --turns`` without Elasticsearch).

The same query language and the same matches as Elasticsearch's turns index: ``turns_fts`` holds the
question's and the answer's analysed token streams in the columns :func:`pipeline.index.fts.compile_query`
addresses (question in ``title``/``ltitle``, answer in ``text``/``ltext``), and the filters are those of
:func:`pipeline.index.es_search.turn_filter_clauses`, in SQL. Functions over an open connection, called
inside :class:`pipeline.index.embedded.EmbeddedIndex`'s read transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Final

from pipeline.index import fts
from pipeline.index.embedded_search import BACKEND, day_start, leading_words
from pipeline.index.query import Query
from pipeline.index.search import TURN_FACETS, SearchFilters, TurnHit, TurnSearchResult

_HIT_COLUMNS: Final = (
    "t.turn_id, t.doc_id, t.date, t.ministry, t.source, t.language, t.kind, t.position, "
    "t.spokesperson, t.spokesperson_id, t.outlet, t.outlet_id, t.question, t.answer, t.coverage_count, "
    "t.missing_in_twin"
)
#: Facets over the matching set ``m``; JSON arrays unpacked once per distinct array.
_FACET_SQL: Final = {
    "ministry": "SELECT 'ministry', ministry, count(*) FROM m GROUP BY ministry",
    "spokesperson": "SELECT 'spokesperson', spokesperson, count(*) FROM m WHERE spokesperson IS NOT NULL "
    "GROUP BY spokesperson",
    "outlet": "SELECT 'outlet', outlet, count(*) FROM m WHERE outlet IS NOT NULL GROUP BY outlet",
    "topics": "SELECT 'topics', j.value, sum(g.n) "
    "FROM (SELECT topics, count(*) AS n FROM m GROUP BY topics) AS g, json_each(g.topics) AS j GROUP BY j.value",
    "countries": "SELECT 'countries', j.value, sum(g.n) "
    "FROM (SELECT countries, count(*) AS n FROM m GROUP BY countries) AS g, json_each(g.countries) AS j "
    "GROUP BY j.value",
    "language": "SELECT 'language', language, count(*) FROM m WHERE language IS NOT NULL GROUP BY language",
}


def search_turns(conn: sqlite3.Connection, query: Query, filters: SearchFilters, limit: int) -> TurnSearchResult:
    """Turns matching the query and the filters: BM25 order (newest briefing first, in its order, for a
    query with no terms), the total and the facets over every match, snippets of question and answer."""
    where, params = turn_filter_sql(filters)
    if query.match_all:
        conditions = f" WHERE {' AND '.join(where)}" if where else ""
        source = f"FROM turns AS t{conditions}"
        order = "ORDER BY t.date_ts IS NULL, t.date_ts DESC, t.doc_id, t.position"
        score = "0.0"
    else:
        match = fts.compile_query(query, filters.languages or None)
        if match is None:
            return TurnSearchResult(BACKEND, query.text, 0, [], {name: {} for name in TURN_FACETS})
        params["match"] = match
        # CROSS JOIN keeps turns_fts as the outer loop, so FTS5 orders by rank itself.
        source = "FROM turns_fts CROSS JOIN turns AS t ON t.id = turns_fts.rowid WHERE " + " AND ".join(
            ["turns_fts MATCH :match", *where]
        )
        order = "ORDER BY turns_fts.rank"
        score = "-turns_fts.rank"
    total, facets = _facets(conn, source, params)
    hits: list[TurnHit] = []
    if total and limit:
        rows = conn.execute(f"SELECT {_HIT_COLUMNS}, {score} {source} {order} LIMIT :limit", {**params, "limit": limit})
        hits = [_hit(row, query) for row in rows]
    return TurnSearchResult(BACKEND, query.text, total, hits, facets)


def turn_filter_sql(filters: SearchFilters) -> tuple[list[str], dict[str, Any]]:
    """WHERE conditions on ``turns AS t`` and their named parameters."""
    where: list[str] = []
    params: dict[str, Any] = {}

    def marks(values: Sequence[str], name: str) -> str:
        for i, value in enumerate(values):
            params[f"{name}{i}"] = value
        return ", ".join(f":{name}{i}" for i in range(len(values)))

    for column, values in (
        ("t.source", filters.sources),
        ("t.kind", filters.kinds),
        ("t.language", [language.lower() for language in filters.languages]),
    ):
        if values:
            where.append(f"{column} IN ({marks(values, column[2:])})")
    for column, values in (("t.topics", filters.topics), ("t.countries", filters.countries)):
        if values:
            listed = marks(values, column[2:])
            # Column names are the constants above; every value is a bound parameter.
            where.append(f"EXISTS (SELECT 1 FROM json_each({column}) WHERE value IN ({listed}))")  # noqa: S608
    for column, values in (("spokesperson", filters.spokespersons), ("outlet", filters.outlets)):
        if values:
            listed = marks(values, column)
            where.append(f"(t.{column}_id IN ({listed}) OR t.{column} IN ({listed}))")
    if filters.verdicts:
        where.append(f"t.worst_verdict IN ({marks(filters.verdicts, 'verdict')})")
    if filters.covered:
        where.append("t.coverage_count > 0")
    if filters.missing_in_twin:
        where.append("t.missing_in_twin = 1")
    if filters.since is not None:
        where.append("t.date_ts >= :since")
        params["since"] = day_start(filters.since)
    if filters.until is not None:
        where.append("t.date_ts < :until")
        params["until"] = day_start(filters.until) + 86_400
    if filters.removed:
        where.append("t.removed = 1")
    elif not filters.include_removed:
        where.append("t.removed = 0")
    return where, params


def _facets(conn: sqlite3.Connection, source: str, params: dict[str, Any]) -> tuple[int, dict[str, dict[str, int]]]:
    matched = f"SELECT t.ministry, t.spokesperson, t.outlet, t.topics, t.countries, t.language {source}"
    parts = ["SELECT '', NULL, count(*) FROM m", *(_FACET_SQL[name] for name in TURN_FACETS)]
    sql = f"WITH m AS MATERIALIZED ({matched}) {' UNION ALL '.join(parts)}"
    total = 0
    counts: dict[str, dict[str, int]] = {name: {} for name in TURN_FACETS}
    for facet, value, number in conn.execute(sql, params):
        if facet == "":
            total = int(number or 0)
        elif value is not None:
            counts[facet][str(value)] = int(number)
    ordered = {
        name: dict(sorted(values.items(), key=lambda item: (-item[1], item[0]))) for name, values in counts.items()
    }
    return total, ordered


def _hit(row: Sequence[Any], query: Query) -> TurnHit:
    language = row[5]

    def snippet(text: str) -> str:
        return leading_words(text) if query.match_all or not text else fts.snippet(text, language, query)

    return TurnHit(
        turn_id=row[0],
        doc_id=row[1],
        date=row[2],
        ministry=row[3],
        source=row[4],
        language=language,
        kind=row[6],
        position=int(row[7]),
        spokesperson=row[8],
        spokesperson_id=row[9],
        outlet=row[10],
        outlet_id=row[11],
        question=snippet(row[12]),
        answer=snippet(row[13]),
        score=float(row[16]),
        coverage_count=int(row[14]),
        missing_in_twin=bool(row[15]),
    )
