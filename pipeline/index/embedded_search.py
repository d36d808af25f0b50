"""Searching the embedded index's documents: filters as SQL, the FTS5 match, facets and hits.

Functions over an open connection, called by :class:`pipeline.index.embedded.EmbeddedIndex.search` inside
its read transaction (so that the total, the facets and the page see one snapshot).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from pipeline.index import fts
from pipeline.index.query import Query, is_cjk
from pipeline.index.search import FACETS, FOLDED_IDS, SearchFilters, SearchHit, SearchResult

BACKEND: Final = "embedded"

_WS = re.compile(r"\s+")

_HIT_COLUMNS: Final = (
    "d.doc_id, t.title, d.url, d.source, d.kind, d.language, d.published_at, d.cluster_id, d.edited, d.removed"
)
#: Where a page row (:func:`_page_rows`) has the text: after the hit columns.
_TEXT: Final = _HIT_COLUMNS.count(",") + 1
#: The documents an FTS5 expression matches. CROSS JOIN keeps fts as the outer loop, so FTS5 itself does
#: ORDER BY rank.
_MATCHES: Final = "FROM fts CROSS JOIN docs AS d ON d.id = fts.rowid"
#: A listing without words to rank by: newest first. NULL dates sort last under DESC in SQLite; the rowid
#: breaks ties and is the last key of the published_ts index, so the index gives this order without a sort.
_NEWEST: Final = "d.published_ts DESC, d.id DESC"

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
#: The number of clusters among the matches (folded searches).
_STORIES_SQL: Final = "SELECT '#stories', NULL, count(DISTINCT cluster_id) FROM m"


def search_match(
    conn: sqlite3.Connection, query: Query, match: str, filters: SearchFilters, limit: int, *, fold: bool = False
) -> SearchResult:
    """Documents matching an FTS5 expression and the filters: BM25 order, total and facets over every match;
    with ``fold``, one hit per cluster (:func:`fold_page`)."""
    where, params = filter_sql(filters)
    params["match"] = match
    conditions = ["fts MATCH :match", *where]
    total, facets, stories = _facets(conn, f"{_MATCHES} WHERE {' AND '.join(conditions)}", params, stories=fold)
    hits: list[SearchHit] = []
    if total and limit:
        if fold:
            page = fold_page(conn, _MATCHES, conditions, params, limit, ranked=True)
        else:
            rows = conn.execute(
                f"SELECT d.id, fts.rank {_MATCHES} WHERE {' AND '.join(conditions)} ORDER BY fts.rank LIMIT :limit",
                {**params, "limit": limit},
            ).fetchall()
            page = [Placed(row[0], row[1]) for row in rows]
        # Snippets in Python, from the original text and the same analysis: only for the page.
        hits = [
            _hit(row, score=-placed.key, snippet=fts.snippet(row[_TEXT], row[5], query), placed=placed)
            for placed, row in _page_rows(conn, page)
        ]
    return SearchResult(BACKEND, query.text, total, hits, facets, stories)


def search_all(
    conn: sqlite3.Connection, query: Query, filters: SearchFilters, limit: int, *, fold: bool = False
) -> SearchResult:
    """Every document the filters keep, newest first, with the total and facets; with ``fold``, one hit
    per cluster (its newest document)."""
    where, params = filter_sql(filters)
    conditions = f" WHERE {' AND '.join(where)}" if where else ""
    total, facets, stories = _facets(conn, f"FROM docs AS d{conditions}", params, stories=fold)
    hits: list[SearchHit] = []
    if total and limit:
        if fold:
            page = fold_page(conn, "FROM docs AS d", where, params, limit, ranked=False)
        else:
            sql = f"SELECT d.id FROM docs AS d{conditions} ORDER BY {_NEWEST} LIMIT :limit"  # noqa: S608
            page = [Placed(row[0]) for row in conn.execute(sql, {**params, "limit": limit})]
        hits = [
            _hit(row, score=0.0, snippet=leading_words(row[_TEXT]), placed=placed)
            for placed, row in _page_rows(conn, page)
        ]
    return SearchResult(BACKEND, query.text, total, hits, facets, stories)


# --- folding -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placed:
    """A document on the page: its row id, its ranking key (FTS5's rank; 0 when listed newest first), and
    when folded, how many other matching documents of its cluster it stands for and the first of them."""

    id: int
    key: float = 0.0
    copies: int = 0
    folded: tuple[str, ...] = ()


def fold_page(
    conn: sqlite3.Connection,
    matches: str,
    conditions: Sequence[str],
    params: dict[str, Any],
    limit: int,
    *,
    ranked: bool,
) -> list[Placed]:
    """One document per cluster among the matches (``matches`` over ``docs AS d`` with ``conditions``): the
    cluster's best (by FTS5's rank when ``ranked``, else its newest), the clusters in the order of those,
    ``limit`` of them. What Elasticsearch's ``collapse`` does; like its ``inner_hits``, each carries its
    cluster's count of matching documents and the first :data:`FOLDED_IDS` other ones by ``doc_id``."""
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    # The rank travels as a column: FTS5's rank exists only in the statement with the MATCH.
    rank = "fts.rank" if ranked else "0.0"
    order = "sort_key, id" if ranked else "published_ts DESC, id DESC"
    sql = (
        f"WITH m AS MATERIALIZED (SELECT d.id AS id, d.cluster_id AS cluster, d.published_ts AS published_ts, "  # noqa: S608
        f"{rank} AS sort_key {matches}{where}), "
        f"ranked AS (SELECT id, cluster, sort_key, published_ts, count(*) OVER (PARTITION BY cluster) AS n, "
        f"row_number() OVER (PARTITION BY cluster ORDER BY {order}) AS place FROM m) "
        f"SELECT id, cluster, sort_key, n FROM ranked WHERE place = 1 ORDER BY {order} LIMIT :limit"
    )
    page = conn.execute(sql, {**params, "limit": limit}).fetchall()
    grouped = {cluster: n for _id, cluster, _key, n in page if n > 1}
    members = _members(conn, matches, conditions, params, list(grouped)) if grouped else {}
    placed = []
    for row_id, cluster, key_value, n in page:
        own = members.get(cluster, {})
        others = [doc_id for member_id, doc_id in own.items() if member_id != row_id]
        placed.append(Placed(row_id, float(key_value), n - 1, tuple(others[:FOLDED_IDS])))
    return placed


def _members(
    conn: sqlite3.Connection,
    matches: str,
    conditions: Sequence[str],
    params: dict[str, Any],
    clusters: Sequence[str],
) -> dict[str, dict[int, str]]:
    """cluster → row id → doc_id of its first ``FOLDED_IDS + 1`` matching documents by ``doc_id`` (the hit
    is one of them, or not)."""
    marks = {f"cluster{i}": cluster for i, cluster in enumerate(clusters)}
    wanted = f"d.cluster_id IN ({', '.join(f':{name}' for name in marks)})"
    sql = (
        f"SELECT cluster, id, doc_id FROM (SELECT d.cluster_id AS cluster, d.id AS id, d.doc_id AS doc_id, "  # noqa: S608
        f"row_number() OVER (PARTITION BY d.cluster_id ORDER BY d.doc_id) AS k {matches} "
        f"WHERE {' AND '.join([*conditions, wanted])}) WHERE k <= :first ORDER BY cluster, doc_id"
    )
    found: dict[str, dict[int, str]] = {}
    for cluster, row_id, doc_id in conn.execute(sql, {**params, **marks, "first": FOLDED_IDS + 1}):
        found.setdefault(cluster, {})[row_id] = doc_id
    return found


def _page_rows(conn: sqlite3.Connection, page: Sequence[Placed]) -> list[tuple[Placed, Sequence[Any]]]:
    """The hit columns and text of each document on the page, in the page's order."""
    if not page:
        return []
    marks = ", ".join("?" for _ in page)
    rows = conn.execute(
        f"SELECT d.id, {_HIT_COLUMNS}, t.text FROM docs AS d CROSS JOIN texts AS t ON t.id = d.id "  # noqa: S608
        f"WHERE d.id IN ({marks})",
        [placed.id for placed in page],
    ).fetchall()
    by_id = {row[0]: row[1:] for row in rows}
    return [(placed, by_id[placed.id]) for placed in page]


def _facets(
    conn: sqlite3.Connection, source: str, params: dict[str, Any], *, stories: bool = False
) -> tuple[int, dict[str, dict[str, int]], int | None]:
    """The total, every facet's counts and (with ``stories``) the number of clusters over the whole matching
    set ``source`` (a FROM … WHERE clause on ``docs AS d``), in one statement: the match runs once, into a
    materialised CTE."""
    parts = ["SELECT '', NULL, sum(n) FROM skl", *(_FACET_SQL[name] for name in FACETS)]
    if stories:
        parts.append(_STORIES_SQL)
    matched = f"SELECT d.source, d.kind, d.language, d.topics, d.countries, d.cluster_id {source}"
    grouped = "SELECT source, kind, language, count(*) AS n FROM m GROUP BY source, kind, language"
    sql = f"WITH m AS MATERIALIZED ({matched}), skl AS MATERIALIZED ({grouped}) {' UNION ALL '.join(parts)}"
    total = 0
    clusters: int | None = None
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for facet, value, number in conn.execute(sql, params):
        if facet == "":
            total = int(number or 0)  # sum() over no rows is NULL
        elif facet == "#stories":
            clusters = int(number)
        elif value is not None:
            counts[facet][str(value)] = int(number)
    ordered = {
        name: dict(sorted(values.items(), key=lambda item: (-item[1], item[0]))) for name, values in counts.items()
    }
    return total, ordered, clusters


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
    if filters.edited:
        where.append("d.edited = 1")
    if filters.removed:
        where.append("d.removed = 1")
    elif not filters.include_removed:
        where.append("d.removed = 0")
    return where, params


def day_start(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp())


# --- results ---------------------------------------------------------------------------------------


def empty(query: Query, *, fold: bool = False) -> SearchResult:
    return SearchResult(BACKEND, query.text, 0, [], {name: {} for name in FACETS}, 0 if fold else None)


def _hit(row: Sequence[Any], *, score: float, snippet: str, placed: Placed) -> SearchHit:
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
        cluster_id=row[7],
        copies=placed.copies,
        folded=placed.folded,
        edited=bool(row[8]),
        removed=bool(row[9]),
    )


def leading_words(text: str) -> str:
    """The start of a text as a snippet, for listings with no words to highlight."""
    if is_cjk(text):
        collapsed = _WS.sub(" ", text).strip()
        return collapsed[: fts.SNIPPET_TOKENS_CJK * 2] + ("…" if len(collapsed) > fts.SNIPPET_TOKENS_CJK * 2 else "")
    words = text.split()
    return " ".join(words[: fts.SNIPPET_TOKENS]) + (" …" if len(words) > fts.SNIPPET_TOKENS else "")
