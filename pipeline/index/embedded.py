"""The embedded search index: SQLite FTS5, for ``readout search`` on a laptop with no Elasticsearch.

One SQLite file (WAL mode) holds:

* ``docs`` — one small row per document with what filters, facets and hits read: ``doc_id``,
  ``revision``, source, kind, language, ``removed`` (0/1), ``published_ts`` (epoch seconds, for sorting
  and date ranges), ``topics`` and ``countries`` (JSON arrays), ``published_at`` (ISO UTC text), url,
  publisher, country, ``cluster_id`` (what a folded search groups by);
* ``texts`` — the original title and text (what is displayed and analysed) and the language whose
  analyzer the row's language columns use. Kept apart from ``docs`` so that counting facets over the
  90,000 matches of a common word reads small rows, not 2 KB texts (measured on 100,000 documents
  against one wide table: the join 2.5x and the facet pass 1.7x faster);
* ``fts`` — a contentless FTS5 table over the *analysed* title and text (:mod:`pipeline.index.fts`):
  the standard analyzer's tokens in ``title``/``text`` and the document language's analyzer's tokens in
  ``ltitle``/``ltext``, exactly the terms Elasticsearch indexes in ``title``/``text`` and
  ``title_<lang>``/``text_<lang>`` (:mod:`pipeline.index.analysis`), ranked by ``bm25(5.0, 1.0, 5.0,
  1.0)`` (a title hit weighs five body hits). So a query finds the same documents on both backends;
* ``turns`` and ``turns_fts`` — the briefings' turns (:mod:`pipeline.index.embedded_schema`,
  :mod:`pipeline.index.embedded_turns`): one row per exchange or announcement and a contentless FTS5
  table over its question and answer, analysed the same way. A document's turns are replaced in the
  transaction that writes its new revision, and go with it when it is deleted.

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
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Final, Literal, TypeVar
from urllib.parse import quote

from pipeline.errors import SearchBackendError
from pipeline.index import fts
from pipeline.index.analysis import analysis_id
from pipeline.index.coverage_projection import BatchCoverage, CoverageLookup
from pipeline.index.damage import IndexDamagedError, describe, is_damage
from pipeline.index.embedded_rows import Row, citation_values, row_batches, turn_values
from pipeline.index.embedded_schema import (
    DELETE_CITATIONS,
    DROP,
    INSERT_CITATIONS,
    INSERT_DOC,
    INSERT_TEXT,
    INSERT_TURN,
    PAGE_SIZE,
    RANK,
    SCHEMA,
    SCHEMA_VERSION,
    TURN_RANK,
    UPDATE_DOC,
    UPDATE_TEXT,
    split_script,
)
from pipeline.index.embedded_search import empty, search_all, search_match
from pipeline.index.embedded_turns import search_turns
from pipeline.index.projection import Projectable
from pipeline.index.query import Query
from pipeline.index.search import BulkOutcome, Rejection, SearchFilters, SearchResult, TurnSearchResult
from pipeline.index.turn_projection import TurnLookup, TurnsByDocument

_Result = TypeVar("_Result")


log = logging.getLogger(__name__)

#: Documents per transaction in :meth:`EmbeddedIndex.index_documents` (one fsync each).
BATCH_SIZE: Final = 500


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
            # Older tables (a new one, such as the turns) or tokens that are not the ones queries are analysed
            # into (and the triggers could not delete): empty it under a new identity, so the catalog sends
            # every document again.
            why = (
                f"laid out by an older Readout (schema {version}; this one's is {SCHEMA_VERSION})"
                if version < SCHEMA_VERSION
                else f"built with another tokenisation (analysis {built_with!r}; this Readout's is {analysis_id()!r})"
            )
            if self._read_only:
                raise SearchBackendError(
                    f"the embedded search index {self.path} was {why}: run `readout index` (or `readout reindex`) "
                    "to rebuild it from the catalog"
                )
            log.warning("the embedded search index %s was %s; emptied, the next index run refills it", self.path, why)
            with self._transaction():
                self._reset()
                self._set_meta("refill", f"schema {version}, analysis {built_with}")

    def _create_schema(self) -> None:
        # Statement by statement: executescript() would commit the transaction this runs in.
        for statement in split_script(SCHEMA):
            self._conn.execute(statement)
        # The rank function is stored in the FTS table's config, so ``ORDER BY rank`` uses the weights.
        self._conn.execute("INSERT INTO fts (fts, rank) VALUES ('rank', ?)", (RANK,))
        self._conn.execute("INSERT INTO turns_fts (turns_fts, rank) VALUES ('rank', ?)", (TURN_RANK,))
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

    def index_documents(
        self,
        documents: Iterable[Projectable],
        turns: TurnsByDocument | None = None,
        coverage: BatchCoverage | None = None,
    ) -> BulkOutcome:
        """Upsert documents by ``doc_id``, with their turns; every one ends in ``acked``, ``rejected`` or
        ``retry_later``.

        ``turns`` holds each document's current turns (a document absent from it has none), ``coverage``
        the documents' citations and the turns' news reports (none without it): a document written at a
        newer revision has its turns and citations replaced in the same transaction.

        A newer revision replaces the stored row and its index entry; the same (or an older) revision is
        acknowledged as it is, like Elasticsearch's external versioning answering 409. A document that
        cannot be indexed (no text, no id, a broken date...) is rejected with the reason. If SQLite fails
        (the file locked by another writer, disk full) the batch is left for later and the rest is still
        tried. One transaction per :data:`BATCH_SIZE` documents.
        """
        outcome = BulkOutcome()
        for rows in row_batches(documents, outcome, BATCH_SIZE):
            self._write(rows, outcome, turns or {}, coverage or BatchCoverage())
        try:
            if outcome.acked and self._meta("refill") is not None:
                with self._transaction():
                    self._conn.execute("DELETE FROM meta WHERE key = 'refill'")
        except sqlite3.Error as exc:
            raise self._failure(exc, "cannot mark the index refilled") from exc
        return outcome

    def rebuild(
        self,
        documents: Iterable[Projectable],
        turns_for: TurnLookup | None = None,
        coverage_for: CoverageLookup | None = None,
    ) -> BulkOutcome:
        """Replace the whole contents, and the identity, in ONE transaction; each batch's turns are looked up
        with ``turns_for``, its citations and coverage with ``coverage_for`` (none without them).

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
                    ids = [row.doc_id for row in rows]
                    turns = turns_for(ids) if turns_for else {}
                    coverage = coverage_for(ids, turns) if coverage_for else BatchCoverage()
                    self._apply_with_savepoints(rows, outcome, turns, coverage)
        except sqlite3.Error as exc:
            raise self._failure(exc, "rebuild failed, old index kept") from exc
        return outcome

    def _apply_with_savepoints(
        self, rows: list[Row], outcome: BulkOutcome, turns: TurnsByDocument, coverage: BatchCoverage
    ) -> None:
        conn = self._conn
        conn.execute("SAVEPOINT batch")
        try:
            self._apply(rows, turns, coverage)
        except sqlite3.Error as exc:
            if isinstance(exc, sqlite3.OperationalError) or is_damage(exc):
                raise  # the file, not the documents
            conn.execute("ROLLBACK TO batch")
            for row in rows:
                conn.execute("SAVEPOINT one")
                try:
                    self._apply([row], turns, coverage)
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

    def _write(self, rows: list[Row], outcome: BulkOutcome, turns: TurnsByDocument, coverage: BatchCoverage) -> None:
        try:
            with self._transaction():
                self._apply(rows, turns, coverage)
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
                self._write_one(row, outcome, turns, coverage)
            return
        outcome.acked.extend((row.doc_id, row.revision) for row in rows)

    def _write_one(self, row: Row, outcome: BulkOutcome, turns: TurnsByDocument, coverage: BatchCoverage) -> None:
        try:
            with self._transaction():
                self._apply([row], turns, coverage)
        except sqlite3.OperationalError as exc:
            outcome.retry_later.append((row.doc_id, row.revision, f"embedded index: {exc}"))
        except sqlite3.Error as exc:
            if is_damage(exc):
                raise self._damaged(exc) from exc
            outcome.rejected.append(Rejection(row.doc_id, row.revision, None, type(exc).__name__, str(exc)))
        else:
            outcome.acked.append((row.doc_id, row.revision))

    def _apply(self, rows: list[Row], turns: TurnsByDocument, coverage: BatchCoverage) -> None:
        """Insert new documents and replace older revisions, with their turns and citations (inside the
        caller's transaction)."""
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
        conn.executemany(INSERT_DOC, (row.meta for row in new))
        conn.executemany(INSERT_TEXT, ((row.doc_id, *row.texts) for row in new))
        conn.executemany(UPDATE_DOC, ((*row.meta[1:], row.doc_id) for row in newer))
        conn.executemany(UPDATE_TEXT, ((*row.texts, row.doc_id) for row in newer))
        # A written revision brings its turns: the old ones go (their FTS entries with them, by trigger).
        written = [*new, *newer]
        conn.executemany("DELETE FROM turns WHERE doc_id = ?", ((row.doc_id,) for row in newer))
        conn.executemany(
            INSERT_TURN,
            (
                turn_values(turn, row, coverage.reports.get(turn.turn_id, ()))
                for row in written
                for turn in turns.get(row.doc_id, ())
            ),
        )
        conn.executemany(DELETE_CITATIONS, ((row.doc_id,) for row in newer))
        cited = ((row.doc_id, coverage.citations.get(row.doc_id, ())) for row in written)
        conn.executemany(INSERT_CITATIONS, (citation_values(doc_id, found) for doc_id, found in cited if found))

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
        for statement in split_script(DROP):
            self._conn.execute(statement)
        self._create_schema()

    def count(self) -> int:
        """The number of documents in the index (removed ones included: they are hidden at search time)."""
        try:
            return int(self._conn.execute("SELECT count(*) FROM docs").fetchone()[0])
        except sqlite3.Error as exc:
            raise self._failure(exc, "count failed") from exc

    def count_turns(self) -> int:
        """The number of turns in the index (those of removed documents included)."""
        try:
            return int(self._conn.execute("SELECT count(*) FROM turns").fetchone()[0])
        except sqlite3.Error as exc:
            raise self._failure(exc, "count failed") from exc

    # --- searching ---------------------------------------------------------------------------------

    def search(self, query: Query, filters: SearchFilters, limit: int = 20, *, fold: bool = False) -> SearchResult:
        """Search with Readout's query language (already parsed) and filters.

        Hits are ranked by BM25 (title above text, exact phrases above scattered words); a query with no
        terms lists the newest documents first. ``total`` and the facet counts cover every matching
        document, not just the page. With ``fold``, one hit per near-duplicate cluster, as Elasticsearch's
        ``collapse`` gives (:func:`pipeline.index.embedded_search.fold_page`), and ``stories`` counts the
        clusters. Raises :class:`SearchBackendError` if SQLite fails.
        """

        def run() -> SearchResult:
            if query.match_all:
                return search_all(self._conn, query, filters, limit, fold=fold)
            match = fts.compile_query(query, filters.languages or None)
            if match is None:
                return empty(query, fold=fold)
            return search_match(self._conn, query, match, filters, limit, fold=fold)

        return self._read(query, limit, run)

    def search_turns(self, query: Query, filters: SearchFilters, limit: int = 20) -> TurnSearchResult:
        """Search the briefings' turns (question and answer) with the same query language and filters, plus
        spokesperson and outlet; the same matches as Elasticsearch's turns index."""
        return self._read(query, limit, lambda: search_turns(self._conn, query, filters, limit))

    def _read(self, query: Query, limit: int, run: Callable[[], _Result]) -> _Result:
        """``run`` in one read transaction, so that the total, the facets and the page see one snapshot
        even while an index run commits batches; SQLite's failures as :class:`SearchBackendError`."""
        if limit < 0:
            raise ValueError("limit must be 0 or more")
        try:
            with _Transaction(self._conn, "DEFERRED"):
                refill = self._meta("refill")
                if refill is not None:
                    raise SearchBackendError(
                        f"the embedded search index {self.path} was built with an older tokenisation ({refill}) "
                        "and has been emptied; run `readout index` (or `readout reindex`) to refill it from the catalog"
                    )
                return run()
        except sqlite3.Error as exc:
            if is_damage(exc):
                raise self._damaged(exc) from exc
            raise SearchBackendError(f"embedded search for {query.text!r} failed: {exc}") from exc


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
