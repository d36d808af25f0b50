"""Searching the embedded index's documents: filters as SQL, the FTS5 match, facets and hits.

Functions over an open connection, called by :class:`pipeline.index.embedded.EmbeddedIndex.search` inside
its read transaction (so that the total, the facets and the page see one snapshot).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from pipeline.index import fts
from pipeline.index.query import Query, is_cjk
from pipeline.index.search import FACETS, SearchFilters, SearchHit, SearchResult

BACKEND: Final = "embedded"

_WS = re.compile(r"\s+")

_HIT_COLUMNS: Final = "d.doc_id, t.title, d.url, d.source, d.kind, d.language, d.published_at"

#: How each facet is counted. ``m`` is the matching set (materialised once); ``skl`` groups it by source,
#: kind and language together (few combinations, one sort instead of three). JSON arrays are grouped as
#: they are first and only the distinct arrays are unpacked: far fewer json_each calls than one per
#: matching document.
_FACET_SQL: Final = {
    "source": "SELECT 'source', source, sum(n) FROM skl GROUP BY source",
    "kind": "SELECT 'kind', kind, sum(n) FROM skl GROUP BY kind",
    "language": "SELECT 'language', language, sum(n) FROM skl WHERE language IS NOT NULL GROUP BY language",
    "topics": "SELECT 'topics', j.value, sum(g.n) "
    "FROM (SELECT topics, count(*) AS n FROM m GROUP BY topics) AS g, json_each(g.topics) AS j GROUP BY j.value",
    "countries": "SELECT 'countries', j.value, sum(g.n) "
    "FROM (SELECT countries, count(*) AS n FROM m GROUP BY countries) AS g, json_each(g.countries) AS j "
    "GROUP BY j.value",
}


def search_match(
    conn: sqlite3.Connection, query: Query, match: str, filters: SearchFilters, limit: int
) -> SearchResult:
    """Documents matching an FTS5 expression and the filters: BM25 order, total and facets over every match."""
    where, params = filter_sql(filters)
    params["match"] = match
    conditions = " AND ".join(["fts MATCH :match", *where])
    # CROSS JOIN keeps fts as the outer loop, so FTS5 itself does ORDER BY rank and snippet() runs
    # only for the rows on the page, not for every match.
    matches = "FROM fts CROSS JOIN docs AS d ON d.id = fts.rowid"
    total, facets = _facets(conn, f"{matches} WHERE {conditions}", params)
    hits: list[SearchHit] = []
    if total and limit:
        rows = conn.execute(
            f"SELECT {_HIT_COLUMNS}, -fts.rank, t.text "
            f"{matches} CROSS JOIN texts AS t ON t.id = d.id WHERE {conditions} ORDER BY fts.rank LIMIT :limit",
            {**params, "limit": limit},
        ).fetchall()
        # Snippets in Python, from the original text and the same analysis: only for the page.
        hits = [_hit(row, score=float(row[7]), snippet=fts.snippet(row[8], row[5], query)) for row in rows]
    return SearchResult(BACKEND, query.text, total, hits, facets)


def search_all(conn: sqlite3.Connection, query: Query, filters: SearchFilters, limit: int) -> SearchResult:
    """Every document the filters keep, newest first, with the total and facets."""
    where, params = filter_sql(filters)
    conditions = f" WHERE {' AND '.join(where)}" if where else ""
    total, facets = _facets(conn, f"FROM docs AS d{conditions}", params)
    hits: list[SearchHit] = []
    if total and limit:
        # NULL dates sort last under DESC in SQLite; the rowid breaks ties and is the last key of the
        # published_ts index, so the index gives this exact order without a sort.
        sql = (
            f"SELECT {_HIT_COLUMNS}, t.text FROM docs AS d CROSS JOIN texts AS t ON t.id = d.id{conditions} "  # noqa: S608
            "ORDER BY d.published_ts DESC, d.id DESC LIMIT :limit"
        )
        rows = conn.execute(sql, {**params, "limit": limit}).fetchall()
        hits = [_hit(row, score=0.0, snippet=leading_words(row[7])) for row in rows]
    return SearchResult(BACKEND, query.text, total, hits, facets)


def _facets(conn: sqlite3.Connection, source: str, params: dict[str, Any]) -> tuple[int, dict[str, dict[str, int]]]:
    """The total and every facet's counts over the whole matching set ``source`` (a FROM … WHERE
    clause on ``docs AS d``), in one statement: the match runs once, into a materialised CTE."""
    parts = ["SELECT '', NULL, sum(n) FROM skl", *(_FACET_SQL[name] for name in FACETS)]
    matched = f"SELECT d.source, d.kind, d.language, d.topics, d.countries {source}"
    grouped = "SELECT source, kind, language, count(*) AS n FROM m GROUP BY source, kind, language"
    sql = f"WITH m AS MATERIALIZED ({matched}), skl AS MATERIALIZED ({grouped}) {' UNION ALL '.join(parts)}"
    total = 0
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for facet, value, number in conn.execute(sql, params):
        if facet == "":
            total = int(number or 0)  # sum() over no rows is NULL
        elif value is not None:
            counts[facet][str(value)] = int(number)
    ordered = {
        name: dict(sorted(values.items(), key=lambda item: (-item[1], item[0]))) for name, values in counts.items()
    }
    return total, ordered


# --- filters -------------------------------------------------------------------------------------


def filter_sql(filters: SearchFilters) -> tuple[list[str], dict[str, Any]]:
    """WHERE conditions on ``docs AS d`` and their named parameters."""
    where: list[str] = []
    params: dict[str, Any] = {}

    def one_of(column: str, values: Sequence[str], name: str) -> None:
        if values:
            marks = []
            for i, value in enumerate(values):
                params[f"{name}{i}"] = value
                marks.append(f":{name}{i}")
            where.append(f"{column} IN ({', '.join(marks)})")

    def any_in_array(column: str, values: Sequence[str], name: str) -> None:
        if values:
            marks = []
            for i, value in enumerate(values):
                params[f"{name}{i}"] = value
                marks.append(f":{name}{i}")
            marked = ", ".join(marks)
            where.append(f"EXISTS (SELECT 1 FROM json_each({column}) WHERE value IN ({marked}))")  # noqa: S608

    one_of("d.source", filters.sources, "source")
    one_of("d.kind", filters.kinds, "kind")
    # The projection lower-cases languages.
    one_of("d.language", [language.lower() for language in filters.languages], "language")
    any_in_array("d.topics", filters.topics, "topic")
    any_in_array("d.countries", filters.countries, "country")
    if filters.verdicts:
        for i, value in enumerate(filters.verdicts):
            params[f"verdict{i}"] = value
        listed = ", ".join(f":verdict{i}" for i in range(len(filters.verdicts)))
        # Only documents with briefing quotes have a citations row (in Elasticsearch, the field is absent);
        # every value is a bound parameter.
        where.append(f"EXISTS (SELECT 1 FROM citations AS c WHERE c.id = d.id AND c.worst_verdict IN ({listed}))")  # noqa: S608
    if filters.since is not None:
        where.append("d.published_ts >= :since")
        params["since"] = day_start(filters.since)
    if filters.until is not None:
        # Inclusive: everything before the start of the next day.
        where.append("d.published_ts < :until")
        params["until"] = day_start(filters.until + timedelta(days=1))
    if not filters.include_removed:
        where.append("d.removed = 0")
    return where, params


def day_start(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp())


# --- results ---------------------------------------------------------------------------------------


def empty(query: Query) -> SearchResult:
    return SearchResult(BACKEND, query.text, 0, [], {name: {} for name in FACETS})


def _hit(row: Sequence[Any], *, score: float, snippet: str) -> SearchHit:
    return SearchHit(
        doc_id=row[0],
        title=row[1],
        url=row[2],
        source=row[3],
        kind=row[4],
        language=row[5],
        published_at=row[6],
        score=score,
        snippet=snippet,
    )


def leading_words(text: str) -> str:
    """The start of a text as a snippet, for listings with no words to highlight."""
    if is_cjk(text):
        collapsed = _WS.sub(" ", text).strip()
        return collapsed[: fts.SNIPPET_TOKENS_CJK * 2] + ("…" if len(collapsed) > fts.SNIPPET_TOKENS_CJK * 2 else "")
    words = text.split()
    return " ".join(words[: fts.SNIPPET_TOKENS]) + (" …" if len(words) > fts.SNIPPET_TOKENS else "")
