"""The embedded search index: SQLite FTS5, for ``readout search`` on a laptop with no Elasticsearch.

One SQLite file (WAL mode) holds:

* ``docs`` — one small row per document with what filters, facets and hits read: ``doc_id``,
  ``revision``, source, kind, language, ``removed`` (0/1), ``published_ts`` (epoch seconds, for sorting
  and date ranges), ``topics`` and ``countries`` (JSON arrays), ``published_at`` (ISO UTC text), url,
  publisher, country;
* ``texts`` — the original title and text (what is displayed and analysed) and the language whose
  analyzer the row's language columns use. Kept apart from ``docs`` so that counting facets over the
  90,000 matches of a common word reads small rows, not 2 KB texts (measured on 100,000 documents
  against one wide table: the join 2.5x and the facet pass 1.7x faster);
* ``fts`` — a contentless FTS5 table over the *analysed* title and text (:mod:`pipeline.index.fts`):
  the standard analyzer's tokens in ``title``/``text`` and the document language's analyzer's tokens in
  ``ltitle``/``ltext``, exactly the terms Elasticsearch indexes in ``title``/``text`` and
  ``title_<lang>``/``text_<lang>`` (:mod:`pipeline.index.analysis`), ranked by ``bm25(5.0, 1.0, 5.0,
  1.0)`` (a title hit weighs five body hits). So a query finds the same documents on both backends.

The token streams are computed by SQL functions registered on the connection (``readout_std``,
``readout_lang``), called by the triggers on ``texts`` that keep the index in step: the FTS table stores
only the inverted index and nothing is stored twice. A contentless table's ``delete`` command must be
given the tokens that were indexed: the triggers recompute them from the stored text with the same
analysis, which :func:`~pipeline.index.analysis.analysis_id` pins (below). A new revision whose text is
unchanged (a re-tagging or a removal) does not touch the index. The tables have ``INTEGER PRIMARY KEY``
ids, so a ``VACUUM`` cannot renumber the rowids the index refers to.

A file built with another layout or another analysis (an older Readout tokenised with FTS5's own
``porter unicode61``; a new PyStemmer or ``regex`` could stem or split differently) is never searched
or updated as it is: opening it to write (an index run, a reindex) empties it under a new identity, so
the catalog sends every document again on the next index run, and until then a search says so instead
of answering from nothing. Opening it to search (``read_only``) never writes: it refuses with the
command that rebuilds it, so a search works on a read-only data folder and cannot empty an index.

Revisions: a document is replaced only by a newer revision; the same revision again, or an older one
arriving late, is acknowledged without change (what Elasticsearch's external versioning does).

Queries: :func:`pipeline.index.fts.compile_query` translates a parsed query into an FTS5 expression
with the per-field semantics of the Elasticsearch request body, and snippets are cut from the
original text with the same analysis (:func:`pipeline.index.fts.snippet`).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal
from urllib.parse import quote

from pipeline.errors import SearchBackendError
from pipeline.index import fts
from pipeline.index.analysis import analysis_id
from pipeline.index.damage import IndexDamagedError, describe, is_damage
from pipeline.index.embedded_rows import Row, row_batches
from pipeline.index.projection import Projectable
from pipeline.index.query import Query, is_cjk
from pipeline.index.search import (
    FACETS,
    BulkOutcome,
    Rejection,
    SearchFilters,
    SearchHit,
    SearchResult,
)

log = logging.getLogger(__name__)

BACKEND: Final = "embedded"
#: Bumped when the file layout changes; a file from a newer Readout is refused rather than misread, an
#: older one is emptied and refilled. 2: analysed token streams (Elasticsearch's analysis) in FTS5.
SCHEMA_VERSION: Final = 2
#: Documents per transaction in :meth:`EmbeddedIndex.index_documents` (one fsync each).
BATCH_SIZE: Final = 500
#: SQLite page size for new files. Texts of a few KB pack about six to a 16 KiB page but only one to a
#: 4 KiB page (the default), wasting ~40% of it; measured on 30,000 generated documents: a 12% smaller
#: file and 5-10% faster indexing, same query latency.
PAGE_SIZE: Final = 16384
#: bm25 column weights: title, text, then the same for the language columns.
RANK: Final = "bm25(5.0, 1.0, 5.0, 1.0)"

_WS = re.compile(r"\s+")

#: ``docs``: what filters, facets and hits read. Small columns only, so that scanning the matches of a
#: common word touches few pages (the texts live in ``texts``).
_META_COLUMNS: Final = (
    "doc_id",
    "revision",
    "source",
    "kind",
    "language",
    "removed",
    "published_ts",
    "topics",
    "countries",
    "published_at",
    "url",
    "publisher",
    "country",
)
#: ``texts``: the original title and text, and the language whose analyzer the language columns use.
_TEXT_COLUMNS: Final = ("title", "text", "language")

_SCHEMA_TEMPLATE: Final = """
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,
    revision INTEGER NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    language TEXT,
    removed INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    published_ts INTEGER,
    topics TEXT NOT NULL DEFAULT '[]',
    countries TEXT NOT NULL DEFAULT '[]',
    published_at TEXT,
    url TEXT NOT NULL,
    publisher TEXT,
    country TEXT
);
CREATE INDEX IF NOT EXISTS docs_published ON docs (published_ts);
CREATE INDEX IF NOT EXISTS docs_source_published ON docs (source, published_ts);
CREATE TABLE IF NOT EXISTS texts (
    id INTEGER PRIMARY KEY,
    title TEXT,
    text TEXT NOT NULL,
    language TEXT
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, text, ltitle, ltext, content='', tokenize="{fts.TOKENIZER}"
);
CREATE TRIGGER IF NOT EXISTS texts_after_insert AFTER INSERT ON texts BEGIN
    INSERT INTO fts (rowid, title, text, ltitle, ltext) VALUES (new.id, {new});
END;
CREATE TRIGGER IF NOT EXISTS texts_after_delete AFTER DELETE ON texts BEGIN
    INSERT INTO fts (fts, rowid, title, text, ltitle, ltext) VALUES ('delete', old.id, {old});
END;
-- A new revision that only re-tags or removes a document leaves the text alone: skip the re-index.
CREATE TRIGGER IF NOT EXISTS texts_after_update AFTER UPDATE ON texts
WHEN old.title IS NOT new.title OR old.text IS NOT new.text OR old.language IS NOT new.language
BEGIN
    INSERT INTO fts (fts, rowid, title, text, ltitle, ltext) VALUES ('delete', old.id, {old});
    INSERT INTO fts (rowid, title, text, ltitle, ltext) VALUES (new.id, {new});
END;
CREATE TRIGGER IF NOT EXISTS docs_after_delete AFTER DELETE ON docs BEGIN
    DELETE FROM texts WHERE id = old.id;
END;
"""

#: The analysed values of a ``texts`` row (``new`` or ``old``), in the order of the FTS columns.
_STREAMS: Final = (
    "readout_std({row}.title), readout_std({row}.text), "
    "readout_lang({row}.title, {row}.language), readout_lang({row}.text, {row}.language)"
)
_SCHEMA: Final = (
    _SCHEMA_TEMPLATE.replace("{fts.TOKENIZER}", fts.TOKENIZER)
    .replace("{new}", _STREAMS.format(row="new"))
    .replace("{old}", _STREAMS.format(row="old"))
)

# Also what schema 1 had (fts_vocab, the fts_source view), so that an old file is emptied completely.
_DROP: Final = """
DROP TRIGGER IF EXISTS docs_after_delete;
DROP TRIGGER IF EXISTS texts_after_insert;
DROP TRIGGER IF EXISTS texts_after_delete;
DROP TRIGGER IF EXISTS texts_after_update;
DROP TABLE IF EXISTS fts_vocab;
DROP TABLE IF EXISTS fts;
DROP VIEW IF EXISTS fts_source;
DROP TABLE IF EXISTS texts;
DROP TABLE IF EXISTS docs;
"""

# Statements built from the constant column names above; every value is a bound parameter (hence the
# S608 waivers in this module).
_INSERT_DOC: Final = f"INSERT INTO docs ({', '.join(_META_COLUMNS)}) VALUES ({', '.join('?' for _ in _META_COLUMNS)})"  # noqa: S608
_UPDATE_DOC: Final = f"UPDATE docs SET {', '.join(f'{c} = ?' for c in _META_COLUMNS[1:])} WHERE doc_id = ?"  # noqa: S608
_INSERT_TEXT: Final = (
    f"INSERT INTO texts (id, {', '.join(_TEXT_COLUMNS)}) "  # noqa: S608
    f"VALUES ((SELECT id FROM docs WHERE doc_id = ?), {', '.join('?' for _ in _TEXT_COLUMNS)})"
)
_UPDATE_TEXT: Final = (
    f"UPDATE texts SET {', '.join(f'{c} = ?' for c in _TEXT_COLUMNS)} "  # noqa: S608
    "WHERE id = (SELECT id FROM docs WHERE doc_id = ?)"
)

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


class EmbeddedIndex:
    """The embedded FTS5 search index in one SQLite file; a context manager.

    Opening creates the file and its schema if needed (idempotent). ``timeout`` is how long a write waits
    for another connection's write lock before the batch is left for later. ``read_only`` (to search) opens
    the file with SQLite's ``mode=ro`` and writes nothing at all: a missing index, or one built with another
    analysis, is refused (:class:`SearchBackendError`, saying how to build it) instead of created or emptied.
    """

    def __init__(self, path: Path, *, timeout: float = 5.0, read_only: bool = False) -> None:
        self.path = Path(path)
        self._read_only = read_only
        try:
            # Autocommit mode: transactions are opened explicitly, one per batch.
            if read_only:
                if not self.path.is_file():
                    raise SearchBackendError(
                        f"no embedded search index at {self.path} yet: `readout index` (or `readout run`) builds it "
                        "from the catalog"
                    )
                uri = f"file:{quote(self.path.resolve().as_posix())}?mode=ro"
                self._conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise SearchBackendError(f"cannot open the embedded search index {self.path}: {exc}") from exc
        try:
            self._setup()
        except sqlite3.Error as exc:
            error = self._damaged(exc) if is_damage(exc) else None
            self._conn.close()
            if error is not None:
                raise error from exc
            raise SearchBackendError(f"cannot open the embedded search index {self.path}: {exc}") from exc
        except SearchBackendError:
            self._conn.close()  # a newer schema, or another analysis on a read-only open
            raise

    def _setup(self) -> None:
        conn = self._conn
        fts.register(conn)
        if not self._read_only:
            # Only takes effect on a new, empty file (before WAL mode and the first table).
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a batch is acknowledged to the catalog's outbox only after its commit is on disk, so an
            # acknowledged document cannot be lost to a power cut (one fsync per batch; cheap).
            conn.execute("PRAGMA synchronous = FULL")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise SearchBackendError(
                f"the embedded search index {self.path} was written by a newer Readout "
                f"(schema {version} > {SCHEMA_VERSION}); rebuild it with `readout reindex`"
            )
        if version == 0 and self._read_only:
            raise SearchBackendError(
                f"the embedded search index {self.path} is empty (never built): `readout index` (or `readout run`) "
                "builds it from the catalog"
            )
        if version == 0:
            # Only a new file takes the write lock here: opening an up-to-date index to search it never
            # waits for a writer.
            with self._transaction():
                self._create_schema()
            return
        built_with = self._meta("analysis")
        if version < SCHEMA_VERSION or built_with != analysis_id():
            if self._read_only:
                raise SearchBackendError(
                    f"the embedded search index {self.path} was built with another tokenisation (schema {version}, "
                    f"analysis {built_with!r}; this Readout's is schema {SCHEMA_VERSION}, analysis {analysis_id()!r}): "
                    "run `readout index` (or `readout reindex`) to rebuild it from the catalog"
                )
            # Its tokens are not the ones queries are analysed into (and the triggers could not delete
            # them): empty it under a new identity, so the catalog sends every document again.
            log.warning(
                "the embedded search index %s was built with another tokenisation (schema %d, analysis %r); "
                "emptied, the next index run refills it from the catalog",
                self.path,
                version,
                built_with,
            )
            with self._transaction():
                self._reset()
                self._set_meta("refill", f"schema {version}, analysis {built_with}")

    def _create_schema(self) -> None:
        # Statement by statement: executescript() would commit the transaction this runs in.
        for statement in _split_script(_SCHEMA):
            self._conn.execute(statement)
        # The rank function is stored in the FTS table's config, so ``ORDER BY rank`` uses the weights.
        self._conn.execute("INSERT INTO fts (fts, rank) VALUES ('rank', ?)", (RANK,))
        # A new identity whenever the contents start from nothing (a new file, clear()): the catalog
        # keeps its acknowledgements per identity, so a lost or emptied index is refilled, not trusted.
        self._conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._set_meta("index_id", uuid.uuid4().hex)
        self._set_meta("analysis", analysis_id())
        self._conn.execute("DELETE FROM meta WHERE key = 'refill'")
        self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _meta(self, key: str) -> str | None:
        try:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.OperationalError:
            return None  # no meta table: an unfinished or foreign file
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._conn.close()

    def __enter__(self) -> EmbeddedIndex:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)

    def _damaged(self, exc: sqlite3.Error) -> IndexDamagedError:
        """The error for a statement SQLite failed because the file is damaged (with what quick_check finds)."""
        return IndexDamagedError(self.path, describe(self._conn, exc))

    def _failure(self, exc: sqlite3.Error, what: str) -> SearchBackendError:
        """The error for a failed statement: the file is damaged, or ``what`` failed (locked, full...)."""
        if is_damage(exc):
            return self._damaged(exc)
        return SearchBackendError(f"embedded index {self.path}: {what}: {exc}")

    # --- writing -----------------------------------------------------------------------------------

    def index_documents(self, documents: Iterable[Projectable]) -> BulkOutcome:
        """Upsert documents by ``doc_id``; every one ends in ``acked``, ``rejected`` or ``retry_later``.

        A newer revision replaces the stored row and its index entry; the same (or an older) revision is
        acknowledged as it is, like Elasticsearch's external versioning answering 409. A document that
        cannot be indexed (no text, no id, a broken date...) is rejected with the reason. If SQLite fails
        (the file locked by another writer, disk full) the batch is left for later and the rest is still
        tried. One transaction per :data:`BATCH_SIZE` documents.
        """
        outcome = BulkOutcome()
        for rows in row_batches(documents, outcome, BATCH_SIZE):
            self._write(rows, outcome)
        try:
            if outcome.acked and self._meta("refill") is not None:
                with self._transaction():
                    self._conn.execute("DELETE FROM meta WHERE key = 'refill'")
        except sqlite3.Error as exc:
            raise self._failure(exc, "cannot mark the index refilled") from exc
        return outcome

    def rebuild(self, documents: Iterable[Projectable]) -> BulkOutcome:
        """Replace the whole contents, and the identity, in ONE transaction.

        In WAL mode readers keep their snapshot, so searches see the old index, complete, until the new
        one commits. A document SQLite refuses is rejected (savepoints keep the rest); a failure of the
        file itself (locked, full, damaged) leaves the old index untouched and raises
        :class:`SearchBackendError`.
        """
        outcome = BulkOutcome()
        try:
            with self._transaction():
                self._reset()
                for rows in row_batches(documents, outcome, BATCH_SIZE):
                    self._apply_with_savepoints(rows, outcome)
        except sqlite3.Error as exc:
            raise self._failure(exc, "rebuild failed, old index kept") from exc
        return outcome

    def _apply_with_savepoints(self, rows: list[Row], outcome: BulkOutcome) -> None:
        conn = self._conn
        conn.execute("SAVEPOINT batch")
        try:
            self._apply(rows)
        except sqlite3.Error as exc:
            if isinstance(exc, sqlite3.OperationalError) or is_damage(exc):
                raise  # the file, not the documents
            conn.execute("ROLLBACK TO batch")
            for row in rows:
                conn.execute("SAVEPOINT one")
                try:
                    self._apply([row])
                except sqlite3.Error as exc:
                    if isinstance(exc, sqlite3.OperationalError) or is_damage(exc):
                        raise
                    conn.execute("ROLLBACK TO one")
                    outcome.rejected.append(Rejection(row.doc_id, row.revision, None, type(exc).__name__, str(exc)))
                else:
                    outcome.acked.append((row.doc_id, row.revision))
                finally:
                    conn.execute("RELEASE one")
        else:
            outcome.acked.extend((row.doc_id, row.revision) for row in rows)
        finally:
            conn.execute("RELEASE batch")

    def _write(self, rows: list[Row], outcome: BulkOutcome) -> None:
        try:
            with self._transaction():
                self._apply(rows)
        except sqlite3.OperationalError as exc:
            # Locked, busy, disk full, I/O: nothing wrong with the documents; try again next run.
            outcome.retry_later.extend((row.doc_id, row.revision, f"embedded index: {exc}") for row in rows)
            return
        except sqlite3.Error as exc:
            if is_damage(exc):
                # The file, not the documents: stop, so nothing is dead-lettered for it.
                raise self._damaged(exc) from exc
            # Something in one row that the checks in embedded_rows.prepare missed: find it, keep the others.
            for row in rows:
                self._write_one(row, outcome)
            return
        outcome.acked.extend((row.doc_id, row.revision) for row in rows)

    def _write_one(self, row: Row, outcome: BulkOutcome) -> None:
        try:
            with self._transaction():
                self._apply([row])
        except sqlite3.OperationalError as exc:
            outcome.retry_later.append((row.doc_id, row.revision, f"embedded index: {exc}"))
        except sqlite3.Error as exc:
            if is_damage(exc):
                raise self._damaged(exc) from exc
            outcome.rejected.append(Rejection(row.doc_id, row.revision, None, type(exc).__name__, str(exc)))
        else:
            outcome.acked.append((row.doc_id, row.revision))

    def _apply(self, rows: list[Row]) -> None:
        """Insert new documents and replace older revisions (inside the caller's transaction)."""
        # The newest revision of each doc_id in the batch wins, as it would arriving one at a time.
        latest: dict[str, Row] = {}
        for row in rows:
            if row.doc_id not in latest or row.revision > latest[row.doc_id].revision:
                latest[row.doc_id] = row
        marks = ", ".join("?" for _ in latest)
        stored = dict(
            self._conn.execute(f"SELECT doc_id, revision FROM docs WHERE doc_id IN ({marks})", list(latest))  # noqa: S608
        )
        new = [row for row in latest.values() if row.doc_id not in stored]
        newer = [row for row in latest.values() if row.doc_id in stored and row.revision > stored[row.doc_id]]
        conn = self._conn
        conn.executemany(_INSERT_DOC, (row.meta for row in new))
        conn.executemany(_INSERT_TEXT, ((row.doc_id, *row.texts) for row in new))
        conn.executemany(_UPDATE_DOC, ((*row.meta[1:], row.doc_id) for row in newer))
        conn.executemany(_UPDATE_TEXT, ((*row.texts, row.doc_id) for row in newer))

    def delete(self, doc_ids: Iterable[str]) -> int:
        """Remove documents (and their index entries); returns how many were there."""
        try:
            with self._transaction():
                cursor = self._conn.executemany("DELETE FROM docs WHERE doc_id = ?", ((d,) for d in doc_ids))
                return max(cursor.rowcount, 0)
        except sqlite3.Error as exc:
            raise self._failure(exc, "delete failed") from exc

    def clear(self) -> None:
        """Empty the index. Dropping and re-creating the tables is far faster than deleting row by row
        (each delete would run the FTS trigger)."""
        try:
            with self._transaction():
                self._reset()
        except sqlite3.Error as exc:
            raise self._failure(exc, "clear failed") from exc

    def identity(self) -> str:
        """This index's identity (renewed by :meth:`clear` and for a new file)."""
        try:
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'index_id'").fetchone()
        except sqlite3.Error as exc:
            raise self._failure(exc, "cannot read its identity") from exc
        if row is None:
            raise SearchBackendError(f"embedded index {self.path} has no identity; rebuild it with `readout reindex`")
        return str(row[0])

    def _reset(self) -> None:
        """Drop and re-create every table (inside the caller's transaction): empty, with a new identity."""
        for statement in _split_script(_DROP):
            self._conn.execute(statement)
        self._create_schema()

    def count(self) -> int:
        """The number of documents in the index (removed ones included: they are hidden at search time)."""
        try:
            return int(self._conn.execute("SELECT count(*) FROM docs").fetchone()[0])
        except sqlite3.Error as exc:
            raise self._failure(exc, "count failed") from exc

    # --- searching ---------------------------------------------------------------------------------

    def search(self, query: Query, filters: SearchFilters, limit: int = 20) -> SearchResult:
        """Search with Readout's query language (already parsed) and filters.

        Hits are ranked by BM25 (title above text, exact phrases above scattered words); a query with no
        terms lists the newest documents first. ``total`` and the facet counts cover every matching
        document, not just the page. Raises :class:`SearchBackendError` if SQLite fails.
        """
        if limit < 0:
            raise ValueError("limit must be 0 or more")
        try:
            # One read transaction: the total, the facets and the page all see the same snapshot even
            # while an index run commits batches.
            with _Transaction(self._conn, "DEFERRED"):
                refill = self._meta("refill")
                if refill is not None:
                    raise SearchBackendError(
                        f"the embedded search index {self.path} was built with an older tokenisation ({refill}) "
                        "and has been emptied; run `readout index` (or `readout reindex`) to refill it from the catalog"
                    )
                if query.match_all:
                    return self._search_all(query, filters, limit)
                match = fts.compile_query(query, filters.languages or None)
                if match is None:
                    return _empty(query)
                return self._search_match(query, match, filters, limit)
        except sqlite3.Error as exc:
            if is_damage(exc):
                raise self._damaged(exc) from exc
            raise SearchBackendError(f"embedded search for {query.text!r} failed: {exc}") from exc

    def _search_match(self, query: Query, match: str, filters: SearchFilters, limit: int) -> SearchResult:
        where, params = _filter_sql(filters)
        params["match"] = match
        conditions = " AND ".join(["fts MATCH :match", *where])
        # CROSS JOIN keeps fts as the outer loop, so FTS5 itself does ORDER BY rank and snippet() runs
        # only for the rows on the page, not for every match.
        matches = "FROM fts CROSS JOIN docs AS d ON d.id = fts.rowid"
        total, facets = self._facets(f"{matches} WHERE {conditions}", params)
        hits: list[SearchHit] = []
        if total and limit:
            rows = self._conn.execute(
                f"SELECT {_HIT_COLUMNS}, -fts.rank, t.text "
                f"{matches} CROSS JOIN texts AS t ON t.id = d.id WHERE {conditions} ORDER BY fts.rank LIMIT :limit",
                {**params, "limit": limit},
            ).fetchall()
            # Snippets in Python, from the original text and the same analysis: only for the page.
            hits = [_hit(row, score=float(row[7]), snippet=fts.snippet(row[8], row[5], query)) for row in rows]
        return SearchResult(BACKEND, query.text, total, hits, facets)

    def _search_all(self, query: Query, filters: SearchFilters, limit: int) -> SearchResult:
        where, params = _filter_sql(filters)
        conditions = f" WHERE {' AND '.join(where)}" if where else ""
        total, facets = self._facets(f"FROM docs AS d{conditions}", params)
        hits: list[SearchHit] = []
        if total and limit:
            # NULL dates sort last under DESC in SQLite; the rowid breaks ties and is the last key of the
            # published_ts index, so the index gives this exact order without a sort.
            sql = (
                f"SELECT {_HIT_COLUMNS}, t.text FROM docs AS d CROSS JOIN texts AS t ON t.id = d.id{conditions} "  # noqa: S608
                "ORDER BY d.published_ts DESC, d.id DESC LIMIT :limit"
            )
            rows = self._conn.execute(sql, {**params, "limit": limit}).fetchall()
            hits = [_hit(row, score=0.0, snippet=_leading_words(row[7])) for row in rows]
        return SearchResult(BACKEND, query.text, total, hits, facets)

    def _facets(self, source: str, params: dict[str, Any]) -> tuple[int, dict[str, dict[str, int]]]:
        """The total and every facet's counts over the whole matching set ``source`` (a FROM … WHERE
        clause on ``docs AS d``), in one statement: the match runs once, into a materialised CTE."""
        parts = ["SELECT '', NULL, sum(n) FROM skl", *(_FACET_SQL[name] for name in FACETS)]
        matched = f"SELECT d.source, d.kind, d.language, d.topics, d.countries {source}"
        grouped = "SELECT source, kind, language, count(*) AS n FROM m GROUP BY source, kind, language"
        sql = f"WITH m AS MATERIALIZED ({matched}), skl AS MATERIALIZED ({grouped}) {' UNION ALL '.join(parts)}"
        total = 0
        counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        for facet, value, number in self._conn.execute(sql, params):
            if facet == "":
                total = int(number or 0)  # sum() over no rows is NULL
            elif value is not None:
                counts[facet][str(value)] = int(number)
        ordered = {
            name: dict(sorted(values.items(), key=lambda item: (-item[1], item[0]))) for name, values in counts.items()
        }
        return total, ordered


class _Transaction:
    """``BEGIN`` … ``COMMIT``, or ``ROLLBACK`` on any exception (the connection is in autocommit mode, so
    nothing is opened implicitly).

    Writes use ``IMMEDIATE``: the write lock is taken up front, so a busy file fails at the start (after
    the timeout) rather than half-way through a batch. Searches use ``DEFERRED``: a read snapshot, which
    in WAL mode never waits for a writer.
    """

    def __init__(self, conn: sqlite3.Connection, mode: Literal["IMMEDIATE", "DEFERRED"] = "IMMEDIATE") -> None:
        self._conn = conn
        self._mode = mode

    def __enter__(self) -> None:
        self._conn.execute(f"BEGIN {self._mode}")

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self._conn.execute("COMMIT")
        elif self._conn.in_transaction:
            self._conn.execute("ROLLBACK")


def _split_script(script: str) -> Iterator[str]:
    """Statements of a script (``executescript`` would commit the open transaction). Triggers contain
    ``;`` inside ``BEGIN … END``, so split on ``;`` at the end of a line that is not inside one."""
    statement: list[str] = []
    in_trigger = False
    for line in script.strip().splitlines():
        if line.startswith("--") or not line.strip():
            continue
        statement.append(line)
        if line.startswith("CREATE TRIGGER"):
            in_trigger = True
        if line.rstrip().endswith(";") and (not in_trigger or line.strip() == "END;"):
            yield "\n".join(statement)
            statement, in_trigger = [], False


# --- filters -------------------------------------------------------------------------------------


def _filter_sql(filters: SearchFilters) -> tuple[list[str], dict[str, Any]]:
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
    if filters.since is not None:
        where.append("d.published_ts >= :since")
        params["since"] = _day_start(filters.since)
    if filters.until is not None:
        # Inclusive: everything before the start of the next day.
        where.append("d.published_ts < :until")
        params["until"] = _day_start(filters.until + timedelta(days=1))
    if not filters.include_removed:
        where.append("d.removed = 0")
    return where, params


def _day_start(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp())


# --- results ---------------------------------------------------------------------------------------


def _empty(query: Query) -> SearchResult:
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


def _leading_words(text: str) -> str:
    """The start of a text as a snippet, for listings with no words to highlight."""
    if is_cjk(text):
        collapsed = _WS.sub(" ", text).strip()
        return collapsed[: fts.SNIPPET_TOKENS_CJK * 2] + ("…" if len(collapsed) > fts.SNIPPET_TOKENS_CJK * 2 else "")
    words = text.split()
    return " ".join(words[: fts.SNIPPET_TOKENS]) + (" …" if len(words) > fts.SNIPPET_TOKENS else "")
