"""The embedded index's file layout: the tables, FTS5 tables and triggers (see :mod:`pipeline.index.embedded`
for what each holds and why), and the statements that write rows.

``turns`` holds one row per turn of a briefing (an exchange or an announcement) with what turn filters,
facets and hits read and the question and answer themselves; ``turns_fts`` is a contentless FTS5 table
over their analysed token streams, kept in step by triggers exactly like ``fts`` for documents. A
document's turns go with it: deleting the ``docs`` row deletes them.

``citations`` holds one row per document with briefing quotes (its ``citation_count``, ``worst_verdict`` and
``cited_turns``), keyed by the ``docs`` row's id: a table of its own, so that the documents' small rows stay
as they are for the many documents without any. ``turns`` carries each turn's coverage (``coverage_count``,
``covered_by``, ``covered_by_source``, ``worst_verdict``: :mod:`pipeline.index.coverage_projection`).

Of a transcript's history (:mod:`pipeline.index.history_projection`) the file keeps what searches filter on
and hits show: ``docs.edited`` (next to ``docs.removed``) and ``turns.missing_in_twin``. The rest (edit and
removal dates, the removal's kind, version counts, twins) is for Kibana: read it in the catalog
(``readout show``, ``readout history``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from pipeline.index import fts

#: Bumped when the file layout changes; a file from a newer Readout is refused rather than misread, an
#: older one is emptied and refilled. 2: analysed token streams (Elasticsearch's analysis) in FTS5;
#: 3: the briefings' turns (``turns``, ``turns_fts``); 4: ``docs.cluster_id`` (search folds copies); 5: coverage
#: (``citations``, the turns' coverage columns); 6: history (``docs.edited``, ``turns.missing_in_twin``).
SCHEMA_VERSION: Final = 6
#: SQLite page size for new files. Texts of a few KB pack about six to a 16 KiB page but only one to a
#: 4 KiB page (the default), wasting ~40% of it; measured on 30,000 generated documents: a 12% smaller
#: file and 5-10% faster indexing, same query latency.
PAGE_SIZE: Final = 16384
#: bm25 column weights: title, text, then the same for the language columns.
RANK: Final = "bm25(5.0, 1.0, 5.0, 1.0)"
#: The turns' weights: question and answer alike (Elasticsearch boosts neither).
TURN_RANK: Final = "bm25(1.0, 1.0, 1.0, 1.0)"


#: ``docs``: what filters, facets and hits read. Small columns only, so that scanning the matches of a
#: common word touches few pages (the texts live in ``texts``).
META_COLUMNS: Final = (
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
    "cluster_id",
    "edited",
)
#: ``texts``: the original title and text, and the language whose analyzer the language columns use.
TEXT_COLUMNS: Final = ("title", "text", "language")

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
    country TEXT,
    -- The near-duplicate cluster (the document's own id when it has none): folded searches group by it.
    cluster_id TEXT NOT NULL,
    -- A stored version changed its substance (documents.edited_at is set).
    edited INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1))
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
    DELETE FROM turns WHERE doc_id = old.doc_id;
    DELETE FROM citations WHERE id = old.id;
END;
-- A document's briefing quotes: only documents that have some get a row (id: the docs row's).
CREATE TABLE IF NOT EXISTS citations (
    id INTEGER PRIMARY KEY,
    citation_count INTEGER NOT NULL,
    worst_verdict TEXT NOT NULL,
    cited_turns TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS citations_verdict ON citations (worst_verdict);
-- One row per turn of a briefing: what filters, facets and hits read, and the texts.
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY,
    turn_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    ministry TEXT NOT NULL,
    language TEXT,
    removed INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1)),
    date_ts INTEGER,
    date TEXT,
    spokesperson TEXT,
    spokesperson_id TEXT,
    outlet TEXT,
    outlet_id TEXT,
    topics TEXT NOT NULL DEFAULT '[]',
    countries TEXT NOT NULL DEFAULT '[]',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    -- Coverage: the news documents reporting the turn, their outlets (labels, source ids), the worst verdict.
    coverage_count INTEGER NOT NULL DEFAULT 0,
    covered_by TEXT NOT NULL DEFAULT '[]',
    covered_by_source TEXT NOT NULL DEFAULT '[]',
    worst_verdict TEXT,
    -- The briefing has a twin in the other language and this turn is missing from it.
    missing_in_twin INTEGER NOT NULL DEFAULT 0 CHECK (missing_in_twin IN (0, 1))
);
CREATE INDEX IF NOT EXISTS turns_doc ON turns (doc_id, position);
CREATE INDEX IF NOT EXISTS turns_date ON turns (date_ts);
-- The column names are the documents' (fts.compile_query addresses them): the question's tokens in
-- title/ltitle, the answer's in text/ltext.
CREATE VIRTUAL TABLE IF NOT EXISTS turns_fts USING fts5(
    title, text, ltitle, ltext, content='', tokenize="{fts.TOKENIZER}"
);
CREATE TRIGGER IF NOT EXISTS turns_after_insert AFTER INSERT ON turns BEGIN
    INSERT INTO turns_fts (rowid, title, text, ltitle, ltext) VALUES (new.id, {tnew});
END;
CREATE TRIGGER IF NOT EXISTS turns_after_delete AFTER DELETE ON turns BEGIN
    INSERT INTO turns_fts (turns_fts, rowid, title, text, ltitle, ltext) VALUES ('delete', old.id, {told});
END;
"""

#: The analysed values of a ``texts`` row (``new`` or ``old``), in the order of the FTS columns.
_STREAMS: Final = (
    "readout_std({row}.title), readout_std({row}.text), "
    "readout_lang({row}.title, {row}.language), readout_lang({row}.text, {row}.language)"
)
#: The same for a ``turns`` row: question and answer.
_TURN_STREAMS: Final = (
    "readout_std({row}.question), readout_std({row}.answer), "
    "readout_lang({row}.question, {row}.language), readout_lang({row}.answer, {row}.language)"
)
SCHEMA: Final = (
    _SCHEMA_TEMPLATE.replace("{fts.TOKENIZER}", fts.TOKENIZER)
    .replace("{new}", _STREAMS.format(row="new"))
    .replace("{old}", _STREAMS.format(row="old"))
    .replace("{tnew}", _TURN_STREAMS.format(row="new"))
    .replace("{told}", _TURN_STREAMS.format(row="old"))
)

# Also what schema 1 had (fts_vocab, the fts_source view), so that an old file is emptied completely.
DROP: Final = """
DROP TRIGGER IF EXISTS turns_after_insert;
DROP TRIGGER IF EXISTS turns_after_delete;
DROP TABLE IF EXISTS turns_fts;
DROP TABLE IF EXISTS turns;
DROP TABLE IF EXISTS citations;
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
INSERT_DOC: Final = f"INSERT INTO docs ({', '.join(META_COLUMNS)}) VALUES ({', '.join('?' for _ in META_COLUMNS)})"  # noqa: S608
UPDATE_DOC: Final = f"UPDATE docs SET {', '.join(f'{c} = ?' for c in META_COLUMNS[1:])} WHERE doc_id = ?"  # noqa: S608
INSERT_TEXT: Final = (
    f"INSERT INTO texts (id, {', '.join(TEXT_COLUMNS)}) "  # noqa: S608
    f"VALUES ((SELECT id FROM docs WHERE doc_id = ?), {', '.join('?' for _ in TEXT_COLUMNS)})"
)
UPDATE_TEXT: Final = (
    f"UPDATE texts SET {', '.join(f'{c} = ?' for c in TEXT_COLUMNS)} "  # noqa: S608
    "WHERE id = (SELECT id FROM docs WHERE doc_id = ?)"
)

#: ``turns``: the columns a turn row is written with (``id`` is SQLite's).
TURN_COLUMNS: Final = (
    "turn_id",
    "doc_id",
    "position",
    "kind",
    "source",
    "ministry",
    "language",
    "removed",
    "date_ts",
    "date",
    "spokesperson",
    "spokesperson_id",
    "outlet",
    "outlet_id",
    "topics",
    "countries",
    "question",
    "answer",
    "coverage_count",
    "covered_by",
    "covered_by_source",
    "worst_verdict",
    "missing_in_twin",
)
INSERT_TURN: Final = f"INSERT INTO turns ({', '.join(TURN_COLUMNS)}) VALUES ({', '.join('?' for _ in TURN_COLUMNS)})"  # noqa: S608


#: ``citations``: a document's row (by doc_id), and the removal of a re-written document's row.
INSERT_CITATIONS: Final = (
    "INSERT INTO citations (id, citation_count, worst_verdict, cited_turns) "
    "VALUES ((SELECT id FROM docs WHERE doc_id = ?), ?, ?, ?)"
)
DELETE_CITATIONS: Final = "DELETE FROM citations WHERE id = (SELECT id FROM docs WHERE doc_id = ?)"


def split_script(script: str) -> Iterator[str]:
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
