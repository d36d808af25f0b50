"""The embedded search index (SQLite FTS5): real index files in tmp_path, queries through the real parser.

Documents are small stand-ins for catalog rows (:class:`Doc` satisfies ``projection.Projectable``); the
index projects them with ``project_document`` like the Elasticsearch backend does.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import SearchBackendError
from pipeline.index.embedded import BATCH_SIZE, EmbeddedIndex
from pipeline.index.embedded_schema import SCHEMA_VERSION
from pipeline.index.projection import Projectable, project_document
from pipeline.index.query import QueryError, parse
from pipeline.index.search import FACETS, MARK_END, MARK_START, SearchFilters, SearchResult

WHEN = datetime(2021, 4, 26, 7, 0, tzinfo=UTC)

# Unrelated documents, so that the words under test are rare enough for BM25's IDF to count them
# (FTS5 clamps the IDF of a word found in half the documents or more to almost nothing).
FILLER = [
    "The harbour council approved quiet hours for cruise ships arriving at night.",
    "Farmers in the valley reported an early harvest after a warm spring.",
    "The museum opened a new wing devoted to the history of local trade routes.",
    "Coastal towns tested floating barriers against storm surges this winter.",
    "A youth orchestra toured five cities and played to full concert halls.",
    "Engineers began repairing the old railway bridge over the river.",
    "The football league announced a new schedule for the autumn season.",
    "Researchers counted more migrating birds on the wetlands than last year.",
]


@dataclass
class Doc:
    """A catalog document as the projection reads it."""

    doc_id: str
    text: str
    title: str | None = None
    url: str = ""
    canonical_url: str = ""
    source_id: str = "cn-mfa-en"
    source_kind: str = "briefing"
    publisher: str = "Ministry of Foreign Affairs of the People's Republic of China"
    source_country: str = "CN"
    language: str | None = "en"
    published_at: datetime | None = WHEN
    fetched_at: datetime = WHEN
    first_seen_at: datetime = WHEN
    content_hash: str = ""
    version: int = 1
    revision: int = 1
    removed_at: datetime | None = None
    removal_evidence: dict[str, Any] | None = None
    edited_at: datetime | None = None
    twin_doc_id: str | None = None
    twin_unmatched: list[Any] = field(default_factory=list)
    authors: list[Any] = field(default_factory=list)
    topics: list[Any] = field(default_factory=list)
    countries: list[Any] = field(default_factory=list)
    key_phrases: list[Any] = field(default_factory=list)
    tagged_with: str | None = None
    duplicate_of: str | None = None
    cluster_id: str | None = None
    date_source: str | None = "page"
    extractor_version: str = "test"
    warc_file: str | None = None
    warc_offset: int | None = None
    run_id: str | None = None

    def __post_init__(self) -> None:
        self.url = self.url or f"https://example.org/{self.doc_id}"
        self.canonical_url = self.canonical_url or self.url
        self.content_hash = self.content_hash or hashlib.sha256(self.text.encode("utf-8", "replace")).hexdigest()


def _typed(doc: Doc) -> Projectable:
    return doc  # mypy: a Doc is a Projectable


def fillers() -> list[Doc]:
    return [Doc(f"filler-{i}", text, title=f"Local news {i}", source_kind="news") for i, text in enumerate(FILLER)]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[EmbeddedIndex]:
    with EmbeddedIndex(tmp_path / "search" / "index.sqlite") as opened:
        yield opened


def search(index: EmbeddedIndex, text: str, filters: SearchFilters | None = None, limit: int = 20) -> SearchResult:
    return index.search(parse(text), filters or SearchFilters(), limit)


def ids(result: SearchResult) -> list[str]:
    return [hit.doc_id for hit in result.hits]


def load(index: EmbeddedIndex, *docs: Doc) -> None:
    outcome = index.index_documents([*docs, *fillers()])
    assert not outcome.rejected
    assert not outcome.retry_later


# --- the file ---------------------------------------------------------------------------------------


def test_opening_creates_the_file_in_wal_mode_and_reopening_keeps_the_documents(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "index.sqlite"
    with EmbeddedIndex(path) as index:
        assert index.count() == 0
        index.index_documents([Doc("a", "China opposes unilateral sanctions.")])
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with EmbeddedIndex(path) as index, EmbeddedIndex(path) as again:
        assert index.count() == again.count() == 1
        assert ids(search(again, "sanctions")) == ["a"]


def test_an_empty_index_answers_every_kind_of_query_with_nothing(index: EmbeddedIndex) -> None:
    for text in ("sanctions", '"unilateral sanctions"', "sanction*", "a OR b", ""):
        result = search(index, text)
        assert result.total == 0
        assert result.hits == []
        assert set(result.facets) == set(FACETS)


def test_a_file_from_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(SearchBackendError, match="newer Readout"):
        EmbeddedIndex(path)


#: A schema-1 file as Readout wrote it before issue 11: FTS5's own ``porter unicode61`` tokenizer over
#: the raw text, which splits "China's" into "china" + "s".
SCHEMA_1 = """
CREATE TABLE docs (id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL UNIQUE, revision INTEGER NOT NULL,
    source TEXT NOT NULL, kind TEXT NOT NULL, language TEXT, removed INTEGER NOT NULL DEFAULT 0,
    published_ts INTEGER, topics TEXT NOT NULL DEFAULT '[]', countries TEXT NOT NULL DEFAULT '[]',
    published_at TEXT, url TEXT NOT NULL, publisher TEXT, country TEXT);
CREATE TABLE texts (id INTEGER PRIMARY KEY, title TEXT, text TEXT NOT NULL, fts_title TEXT, fts_text TEXT);
CREATE VIEW fts_source AS
    SELECT id, coalesce(fts_title, title, '') AS title, coalesce(fts_text, text) AS text FROM texts;
CREATE VIRTUAL TABLE fts USING fts5(
    title, text, content='fts_source', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE fts_vocab USING fts5vocab(fts, 'row');
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('index_id', 'old');
INSERT INTO docs (doc_id, revision, source, kind, url) VALUES ('a', 1, 'cn-mfa-en', 'briefing', 'https://example.org/a');
INSERT INTO texts (id, title, text) VALUES (1, 'Briefing', 'China''s position');
INSERT INTO fts (rowid, title, text) VALUES (1, 'Briefing', 'China''s position');
PRAGMA user_version = 1;
"""


def test_an_index_built_with_the_old_tokenisation_is_emptied_and_says_so_until_refilled(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA_1)
    with EmbeddedIndex(path) as index:
        # A new identity: the catalog holds no acknowledgement for it, so the next index run re-sends
        # every document, tokenised the new way.
        assert index.identity() != "old"
        assert index.count() == 0
        with pytest.raises(SearchBackendError, match=r"older tokenisation .*run `readout index`"):
            search(index, "China's")
        load(index, Doc("a", "China's position"))
        assert ids(search(index, "China's")) == ["a"]
    with EmbeddedIndex(path) as index:
        assert ids(search(index, "China's")) == ["a"], "refilled: opened as it is from now on"


def test_an_index_built_with_another_analysis_is_emptied(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    with EmbeddedIndex(path) as index:
        load(index, Doc("a", "China's position"))
        first = index.identity()
    with sqlite3.connect(path) as conn:
        # What a newer PyStemmer or regex (other stems, other word boundaries) would leave behind.
        conn.execute("UPDATE meta SET value = '1; regex 2020.1.1; PyStemmer 1.0' WHERE key = 'analysis'")
    with EmbeddedIndex(path) as index:
        assert index.identity() != first
        assert index.count() == 0
        with pytest.raises(SearchBackendError, match="older tokenisation"):
            search(index, "China's")
        index.rebuild([Doc("a", "China's position")])
        assert ids(search(index, "China's")) == ["a"]


def test_a_read_only_open_refuses_an_index_built_with_another_analysis_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    with EmbeddedIndex(path) as index:
        load(index, Doc("a", "China's position"))
        first = index.identity()
        count = index.count()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '1; regex 2020.1.1; PyStemmer 1.0' WHERE key = 'analysis'")
    conn.close()
    with pytest.raises(SearchBackendError, match=r"another tokenisation .*`readout index` \(or `readout reindex`\)"):
        EmbeddedIndex(path, read_only=True)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'analysis'").fetchone()[0].startswith("1; regex")
        assert conn.execute("SELECT count(*) FROM texts").fetchone()[0] == count
    conn.close()
    with EmbeddedIndex(path) as index:  # a writer rebuilds it
        assert index.identity() != first


def test_a_read_only_open_of_an_index_laid_out_by_an_older_readout_says_so(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    with EmbeddedIndex(path) as index:
        load(index, Doc("a", "China's position"))
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.close()
    with pytest.raises(SearchBackendError, match=rf"older Readout \(schema {SCHEMA_VERSION - 1}; .*`readout index`"):
        EmbeddedIndex(path, read_only=True)


def test_a_read_only_open_of_an_up_to_date_index_searches_it(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    with EmbeddedIndex(path) as index:
        load(index, Doc("a", "China's position"))
    with EmbeddedIndex(path, read_only=True) as index:
        assert ids(search(index, "China's")) == ["a"]


def test_a_read_only_open_creates_nothing_and_says_how_to_build_the_index(tmp_path: Path) -> None:
    """A search before any index run: no folder, file or schema appears, and the error names the command."""
    path = tmp_path / "not-yet" / "index.sqlite"
    with pytest.raises(SearchBackendError, match=r"no embedded search index at .* yet: `readout index`"):
        EmbeddedIndex(path, read_only=True)
    assert not path.parent.exists()
    path.parent.mkdir()
    path.touch()  # an empty file (SQLite's empty database): still nothing to search, and still not written
    with pytest.raises(SearchBackendError, match=r"is empty \(never built\): `readout index`"):
        EmbeddedIndex(path, read_only=True)
    assert path.stat().st_size == 0
    assert sorted(p.name for p in path.parent.iterdir()) == ["index.sqlite"]


# --- indexing ---------------------------------------------------------------------------------------


def test_every_document_is_acked_or_rejected_with_a_reason(index: EmbeddedIndex) -> None:
    outcome = index.index_documents(
        [
            Doc("good", "China opposes unilateral sanctions."),
            Doc("empty", "   \n "),
            Doc("broken", "Half a surrogate \ud800 in the text."),
            Doc("", "No identifier at all."),
            Doc("also-good", "Trade talks resumed in Geneva.", revision=3),
        ]
    )
    assert outcome.acked == [("good", 1), ("also-good", 3)]
    reasons = {rejection.doc_id: rejection.reason for rejection in outcome.rejected}
    assert reasons == {
        "empty": "no text to index",
        "broken": "text is not valid Unicode (lone surrogate code points)",
        "": "no doc_id",
    }
    assert all(rejection.revision == 1 for rejection in outcome.rejected)
    assert outcome.retry_later == []
    assert index.count() == 2


def test_more_documents_than_one_batch_all_arrive(index: EmbeddedIndex) -> None:
    docs = [Doc(f"d{i}", f"Briefing number {i} on maritime cooperation.") for i in range(BATCH_SIZE * 2 + 7)]
    outcome = index.index_documents(iter(docs))  # any iterable, consumed once
    assert len(outcome.acked) == len(docs)
    assert index.count() == len(docs)
    assert search(index, "maritime cooperation").total == len(docs)


def test_a_new_revision_replaces_the_text_and_old_words_no_longer_match(index: EmbeddedIndex) -> None:
    load(index, Doc("a", "The spokesperson commented on fisheries quotas.", title="Old headline"))
    outcome = index.index_documents([Doc("a", "The spokesperson commented on satellite launches.", revision=2)])
    assert outcome.acked == [("a", 2)]
    assert index.count() == len(FILLER) + 1
    assert search(index, "fisheries").total == 0
    assert search(index, "headline").total == 0
    assert ids(search(index, "satellite")) == ["a"]


def test_the_same_revision_again_is_acknowledged_without_change(index: EmbeddedIndex) -> None:
    load(index, Doc("a", "The spokesperson commented on fisheries quotas.", revision=2))
    # The catalog never changes text without a new revision; a replay (or a late older one) is a no-op.
    again = index.index_documents(
        [
            Doc("a", "The spokesperson commented on fisheries quotas.", revision=2),
            Doc("a", "Something else entirely.", revision=2),
            Doc("a", "An older revision arriving late.", revision=1),
        ]
    )
    assert again.acked == [("a", 2), ("a", 2), ("a", 1)]
    assert index.count() == len(FILLER) + 1
    assert ids(search(index, "fisheries")) == ["a"]
    assert search(index, "entirely").total == 0
    assert search(index, "late").total == 0


def test_within_one_batch_the_newest_revision_wins(index: EmbeddedIndex) -> None:
    outcome = index.index_documents(
        [Doc("a", "Third revision text.", revision=3), Doc("a", "Second revision text.", revision=2)]
    )
    assert sorted(outcome.acked) == [("a", 2), ("a", 3)]
    assert ids(search(index, "third")) == ["a"]
    assert search(index, "second").total == 0


def test_a_locked_file_leaves_the_batch_for_later(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    with EmbeddedIndex(path, timeout=0) as index:
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
            outcome = index.index_documents([Doc("a", "China opposes unilateral sanctions.")])
            assert outcome.acked == []
            assert [(doc_id, revision) for doc_id, revision, _ in outcome.retry_later] == [("a", 1)]
            assert "locked" in outcome.retry_later[0][2]
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert index.index_documents([Doc("a", "China opposes unilateral sanctions.")]).acked == [("a", 1)]


def test_the_fts_index_stays_in_step_with_the_texts(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    with EmbeddedIndex(path) as index:
        index.index_documents([Doc("a", "Unilateral sanctions."), Doc("b", "中方反对单边制裁。"), Doc("c", "Trade.")])
        index.index_documents(
            [
                Doc("a", "Satellite launches.", revision=2),  # new text
                Doc("b", "Now in English.", title="标题", revision=2),  # CJK text to plain, CJK title
                Doc("c", "Trade.", revision=2, topics=["trade"]),  # re-tagged, same text
            ]
        )
        index.delete(["c"])
    with sqlite3.connect(path) as conn:
        # FTS5 compares its index with the content it reads through the view (rank 1: check content too);
        # a trigger that missed a change would make this fail with "database disk image is malformed".
        conn.execute("INSERT INTO fts (fts, rank) VALUES ('integrity-check', 1)")


def test_searching_never_waits_for_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    with EmbeddedIndex(path) as index:
        index.index_documents([Doc("a", "China opposes unilateral sanctions.")])
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # an index run is writing
        with EmbeddedIndex(path, timeout=0) as reader:
            assert ids(search(reader, "sanctions")) == ["a"]
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_delete_and_clear(index: EmbeddedIndex) -> None:
    load(index, Doc("a", "Unilateral sanctions."), Doc("b", "Unilateral sanctions again."))
    assert index.delete(["a", "missing"]) == 1
    assert ids(search(index, "sanctions")) == ["b"]
    assert index.count() == len(FILLER) + 1
    index.clear()
    assert index.count() == 0
    assert search(index, "sanctions").total == 0
    # Still usable after clearing.
    index.index_documents([Doc("c", "Unilateral sanctions once more.")])
    assert ids(search(index, "sanctions")) == ["c"]


# --- ranking ----------------------------------------------------------------------------------------


def test_the_exact_phrase_outranks_the_same_words_scattered(index: EmbeddedIndex) -> None:
    # The scattered document is shorter, so plain BM25 alone would put it first.
    load(
        index,
        Doc("scattered", "Sanctions were discussed, and the unilateral decision was noted."),
        Doc(
            "phrase",
            "The spokesperson said that China firmly opposes the willful use of unilateral sanctions "
            "and long-arm jurisdiction by the United States against other countries.",
        ),
    )
    result = search(index, "unilateral sanctions")
    assert ids(result) == ["phrase", "scattered"]
    assert result.hits[0].score > result.hits[1].score > 0


def test_a_title_match_outranks_a_body_only_match(index: EmbeddedIndex) -> None:
    load(
        index,
        Doc("body", "Ministers met on Tuesday. The Arctic was one topic among several on the agenda.", title="Meeting"),
        Doc("title", "Ministers met on Tuesday. Several topics were on the agenda today.", title="Arctic council"),
    )
    assert ids(search(index, "arctic")) == ["title", "body"]


# --- the query language -----------------------------------------------------------------------------


def test_a_quoted_phrase_needs_the_words_together_and_in_order(index: EmbeddedIndex) -> None:
    load(
        index,
        Doc("together", "We oppose unilateral sanctions."),
        Doc("apart", "Sanctions that are unilateral."),
        Doc("reversed", "Sanctions unilateral is not English."),
    )
    assert ids(search(index, '"unilateral sanctions"')) == ["together"]
    assert sorted(ids(search(index, "unilateral sanctions"))) == ["apart", "reversed", "together"]


def test_words_are_stemmed_in_english(index: EmbeddedIndex) -> None:
    load(index, Doc("a", "The United States sanctioned three companies."))
    assert ids(search(index, "sanctions")) == ["a"]
    assert ids(search(index, "SANCTIONING")) == ["a"]


def test_prefix_terms(index: EmbeddedIndex) -> None:
    load(
        index,
        Doc("nouns", "Negotiations on the border continued."),
        Doc("verb", "Both sides are negotiating a ceasefire."),
        Doc("other", "A negative result for the economy."),
        Doc("economic", "Economic ties were discussed."),
    )
    # A prefix runs on the standard tokens (Elasticsearch's prefix query on `text`): the words as
    # written, never their stems, so "negotiat*" finds "Negotiations" although its stem is "negoti".
    assert sorted(ids(search(index, "negotiat*"))) == ["nouns", "verb"]
    assert sorted(ids(search(index, "nego*"))) == ["nouns", "verb"]
    assert sorted(ids(search(index, "neg*"))) == ["nouns", "other", "verb"]
    assert sorted(ids(search(index, "economi*"))) == ["economic"]  # "economy" does not start with it
    assert sorted(ids(search(index, "econ*"))) == ["economic", "other"]
    # The prefix is the last token of what was typed; the tokens before it must be there too.
    assert sorted(ids(search(index, "border-cont*"))) == ["nouns"]


def test_or_matches_either_side(index: EmbeddedIndex) -> None:
    load(
        index,
        Doc("taiwan", "A question about Taiwan."),
        Doc("sea", "Patrols in the South China Sea."),
        Doc("neither", "A question about China and the sea in the south."),
    )
    assert sorted(ids(search(index, 'taiwan OR "south china sea"'))) == ["sea", "taiwan"]


def test_exclusions_with_minus_and_not(index: EmbeddedIndex) -> None:
    load(
        index,
        Doc("iran", "Unilateral sanctions over trade with Iran."),
        Doc("russia", "Unilateral sanctions over the war; China said the sea in the south is calm."),
        Doc("sea", "Unilateral sanctions and the South China Sea."),
    )
    assert sorted(ids(search(index, "sanctions -iran"))) == ["russia", "sea"]
    assert sorted(ids(search(index, "sanctions NOT iran"))) == ["russia", "sea"]
    assert sorted(ids(search(index, 'sanctions -"south china sea"'))) == ["iran", "russia"]
    assert ids(search(index, "sanctions -iran -war OR iran -sanctions")) == ["sea"]
    assert sorted(ids(search(index, "sanctions -iran -war OR iran"))) == ["iran", "sea"]


@pytest.mark.parametrize(
    "text",
    [
        "NEAR(sanctions iran, 2)",
        "NEAR(",
        "sanctions*",
        "*",
        "* OR *",
        '"unbalanced',
        '"" OR ""',
        '"a" "b"""',
        "title:sanctions",
        "text : sanctions",
        "{title text}: sanctions",
        "sanctions^2",
        "^sanctions",
        "sanctions OR NOT iran",
        "AND OR NOT",
        "sanctions AND",
        ")(",
        "sanctions + iran",
        "-",
        "--sanctions",
        "_",
        "sanctions _ iran",
        "'; DROP TABLE docs; --",
        "\x00sanctions",
    ],
)
def test_fts5_syntax_in_a_query_is_only_text(index: EmbeddedIndex, text: str) -> None:
    load(index, Doc("a", "Unilateral sanctions over trade with Iran, near the border."))
    try:
        query = parse(text)
    except QueryError:
        return  # the parser's own message for the user, not a backend failure
    result = index.search(query, SearchFilters())
    # Nothing but operators parses as "no words" and lists everything; anything else finds the one
    # document or nothing.
    assert result.total in ((0, 1) if query.groups else (len(FILLER) + 1,))
    assert index.count() == len(FILLER) + 1


def test_operator_characters_do_not_change_what_matches(index: EmbeddedIndex) -> None:
    load(index, Doc("a", "Unilateral sanctions over trade with Iran."), Doc("b", "The title of the book."))
    assert ids(search(index, "title:sanctions")) == []  # both words must be present, "title" is not a column
    assert ids(search(index, "sanctions^2")) == []  # "sanctions 2": there is no 2
    assert ids(search(index, "NEAR(sanctions iran)")) == []  # "near" is a word here, and it is absent
    assert ids(search(index, "(sanctions) iran")) == ["a"]


# --- filters ----------------------------------------------------------------------------------------


def filtered_corpus() -> list[Doc]:
    return [
        Doc(
            "mfa",
            "Sanctions on the agenda.",
            source_id="cn-mfa-en",
            source_kind="briefing",
            language="en",
            topics=["sanctions", "trade"],
            countries=["US", "IR"],
            published_at=datetime(2021, 4, 26, 23, 59, 59, tzinfo=UTC),
        ),
        Doc(
            "tass",
            "Sanctions on the agenda.",
            source_id="tass-en",
            source_kind="news",
            language="EN",
            topics=["sanctions"],
            countries=["RU"],
            published_at=datetime(2021, 4, 27, 0, 0, tzinfo=UTC),
        ),
        Doc(
            "tass-ru",
            "Sanctions on the agenda.",
            source_id="tass-ru",
            source_kind="news",
            language="ru",
            topics=["security"],
            countries=["RU", "US"],
            published_at=datetime(2021, 4, 25, 12, 0, tzinfo=UTC),
        ),
        Doc("undated", "Sanctions on the agenda.", source_id="tass-en", source_kind="news", published_at=None),
    ]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SearchFilters(), ["mfa", "tass", "tass-ru", "undated"]),
        (SearchFilters(sources=("tass-en",)), ["tass", "undated"]),
        (SearchFilters(sources=("tass-en", "tass-ru")), ["tass", "tass-ru", "undated"]),
        (SearchFilters(kinds=("briefing",)), ["mfa"]),
        (SearchFilters(languages=("ru",)), ["tass-ru"]),
        (SearchFilters(languages=("EN",)), ["mfa", "tass", "undated"]),
        (SearchFilters(topics=("sanctions",)), ["mfa", "tass"]),
        (SearchFilters(topics=("trade", "security")), ["mfa", "tass-ru"]),
        (SearchFilters(countries=("US",)), ["mfa", "tass-ru"]),
        (SearchFilters(countries=("RU",), topics=("sanctions",)), ["tass"]),
        # Dates are inclusive publication days (UTC): 23:59:59 on the 26th is in, midnight on the 27th out.
        (SearchFilters(until=date(2021, 4, 26)), ["mfa", "tass-ru"]),
        (SearchFilters(since=date(2021, 4, 26)), ["mfa", "tass"]),
        (SearchFilters(since=date(2021, 4, 26), until=date(2021, 4, 26)), ["mfa"]),
        (SearchFilters(since=date(2021, 4, 27), until=date(2021, 4, 26)), []),
        (SearchFilters(sources=("nowhere",)), []),
    ],
)
def test_each_filter(index: EmbeddedIndex, filters: SearchFilters, expected: list[str]) -> None:
    index.index_documents(filtered_corpus())
    assert sorted(ids(search(index, "sanctions", filters))) == expected
    assert search(index, "sanctions", filters).total == len(expected)
    # The same filters apply to a query with no words.
    assert sorted(ids(search(index, "", filters))) == expected


def test_removed_documents_are_hidden_unless_asked_for(index: EmbeddedIndex) -> None:
    load(index, Doc("kept", "Unilateral sanctions."), Doc("gone", "Unilateral sanctions, withdrawn later."))
    index.index_documents([Doc("gone", "Unilateral sanctions, withdrawn later.", revision=2, removed_at=WHEN)])
    assert ids(search(index, "sanctions")) == ["kept"]
    assert search(index, "sanctions").facets["source"] == {"cn-mfa-en": 1}
    assert sorted(ids(search(index, "sanctions", SearchFilters(include_removed=True)))) == ["gone", "kept"]
    assert "gone" not in ids(search(index, "", limit=50))
    assert index.count() == len(FILLER) + 2


# --- facets -----------------------------------------------------------------------------------------


def test_facets_count_every_match_not_just_the_page(index: EmbeddedIndex) -> None:
    load(index, *filtered_corpus())  # the fillers do not match, so they must not be counted
    result = search(index, "sanctions", limit=1)
    assert result.total == 4
    assert len(result.hits) == 1
    assert list(result.facets) == list(FACETS)
    assert result.facets == {
        "source": {"tass-en": 2, "cn-mfa-en": 1, "tass-ru": 1},
        "kind": {"news": 3, "briefing": 1},
        "language": {"en": 3, "ru": 1},
        "topics": {"sanctions": 2, "security": 1, "trade": 1},
        "countries": {"RU": 2, "US": 2, "IR": 1},
    }
    narrowed = search(index, "sanctions", SearchFilters(countries=("RU",)), limit=0)
    assert narrowed.hits == []
    assert narrowed.total == 2
    assert narrowed.facets["source"] == {"tass-en": 1, "tass-ru": 1}
    assert narrowed.facets["countries"] == {"RU": 2, "US": 1}


def test_a_repeated_topic_counts_once(index: EmbeddedIndex) -> None:
    load(index, Doc("a", "Unilateral sanctions.", topics=["sanctions", "sanctions"], countries=["US", "US"]))
    facets = search(index, "sanctions").facets
    assert facets["topics"] == {"sanctions": 1}
    assert facets["countries"] == {"US": 1}


def test_no_words_lists_the_newest_first_with_facets(index: EmbeddedIndex) -> None:
    index.index_documents(filtered_corpus())
    result = search(index, "")
    assert ids(result) == ["tass", "mfa", "tass-ru", "undated"]  # undated last
    assert result.total == 4
    assert result.facets["kind"] == {"news": 3, "briefing": 1}
    assert all(hit.score == 0.0 for hit in result.hits)
    assert result.hits[0].snippet == "Sanctions on the agenda."


# --- hits and snippets ------------------------------------------------------------------------------


def test_the_json_shape(index: EmbeddedIndex) -> None:
    doc = Doc("a", "China opposes unilateral sanctions.", title="Regular press conference", language="EN")
    load(index, doc)
    result = search(index, "sanctions")
    shape = result.as_dict()
    assert set(shape) == {"backend", "query", "total", "hits", "facets", "stories"}
    assert shape["stories"] is None, "not folded: no count of stories"
    assert shape["backend"] == "embedded"
    assert shape["query"] == "sanctions"
    assert shape["total"] == 1
    assert set(shape["facets"]) == set(FACETS)
    (hit,) = shape["hits"]
    assert set(hit) == {
        *("doc_id", "title", "url", "source", "kind", "language", "published_at", "score", "snippet"),
        *("cluster_id", "copies", "folded", "edited", "removed"),
    }
    assert (hit["copies"], hit["folded"]) == (0, ())
    # The hit's fields are the projection's (the same values Elasticsearch would hold in _source).
    projected = project_document(_typed(doc))
    for key in ("doc_id", "title", "url", "source", "kind", "language", "published_at", "cluster_id", "edited"):
        assert hit[key] == projected[key], key
    assert hit["published_at"] == "2021-04-26T07:00:00+00:00"
    assert isinstance(hit["score"], float)


def test_a_naive_date_is_taken_as_utc(index: EmbeddedIndex) -> None:
    load(index, Doc("a", "Unilateral sanctions.", published_at=datetime(2021, 4, 26, 7, 0)))
    (hit,) = search(index, "sanctions").hits
    assert hit.published_at == "2021-04-26T07:00:00+00:00"
    assert ids(search(index, "sanctions", SearchFilters(since=date(2021, 4, 26), until=date(2021, 4, 26)))) == ["a"]


def test_the_snippet_is_a_passage_around_the_match_with_the_words_marked(index: EmbeddedIndex) -> None:
    words = [f"word{i}" for i in range(200)]
    words[120:122] = ["unilateral", "sanctions"]
    load(index, Doc("a", " ".join(words[:60]) + "\n\n" + " ".join(words[60:])))
    (hit,) = search(index, '"unilateral sanctions"').hits
    assert f"{MARK_START}unilateral sanctions{MARK_END}" in hit.snippet
    assert hit.snippet.startswith("…")
    assert hit.snippet.endswith("…")
    assert "\n" not in hit.snippet
    assert len(hit.snippet.split()) <= 32


def test_brackets_in_the_text_do_not_confuse_the_markers(index: EmbeddedIndex) -> None:
    load(index, Doc("a", "He said [sic] that sanctions … were [not] lifted."))
    (hit,) = search(index, "sanctions").hits
    assert hit.snippet == f"He said [sic] that {MARK_START}sanctions{MARK_END} … were [not] lifted."


# --- non-Latin text ---------------------------------------------------------------------------------


def test_russian_words_are_stemmed_like_elasticsearchs_russian_analyzer(index: EmbeddedIndex) -> None:
    load(
        index,
        Doc("nom", "МИД России прокомментировал новые санкции против Москвы.", language="ru"),
        Doc("gen", "Представитель МИД говорил о введении санкций.", language="ru"),
    )
    # The russian analyzer (Snowball) stems both forms to "санкц", in any case.
    assert sorted(ids(search(index, "санкции"))) == ["gen", "nom"]
    assert sorted(ids(search(index, "САНКЦИЙ"))) == ["gen", "nom"]
    assert sorted(ids(search(index, "санкци*"))) == ["gen", "nom"]
    # Quoted: the exact words (standard analyzer), so the inflection counts.
    assert ids(search(index, '"санкций"')) == ["gen"]
    assert ids(search(index, '"новые санкции"')) == ["nom"]
    snippets = {hit.doc_id: hit.snippet for hit in search(index, "санкции").hits}
    # The snippet marks the stemmed match too.
    assert f"{MARK_START}санкции{MARK_END}" in snippets["nom"]
    assert f"{MARK_START}санкций{MARK_END}" in snippets["gen"]


def test_chinese_two_characters_are_found_inside_a_longer_run(index: EmbeddedIndex) -> None:
    text = "外交部发言人汪文斌表示，中方坚决反对美方滥用单边制裁措施。\n\n中方将采取必要措施。"
    load(
        index,
        Doc("zh", text, title="中方反对单边制裁", language="zh", source_id="peoplesdaily-zh"),
        Doc("zh-other", "上海合作组织成员国举行减灾合作会议。", title="减灾合作", language="zh"),
    )
    result = search(index, "制裁")
    assert ids(result) == ["zh"]
    (hit,) = result.hits
    # The display keeps the original text: no spaces between the characters, the match marked.
    assert hit.title == "中方反对单边制裁"
    assert f"单边{MARK_START}制裁{MARK_END}措施" in hit.snippet
    assert "中 方" not in hit.snippet
    # Characters that are not adjacent in the text do not make the word.
    assert search(index, "制措").total == 0
    assert ids(search(index, '"单边制裁"')) == ["zh"]
    assert sorted(ids(search(index, "合作 OR 制裁"))) == ["zh", "zh-other"]


def test_chinese_snippets_keep_the_texts_own_spacing(index: EmbeddedIndex) -> None:
    load(index, Doc("zh", "美方 在 2021 年宣布制裁 措施 with English words.", language="zh"))
    (hit,) = search(index, "制裁").hits
    assert hit.snippet == f"美方 在 2021 年宣布{MARK_START}制裁{MARK_END} 措施 with English words."


def test_arabic_words_are_found(index: EmbeddedIndex) -> None:
    load(
        index,
        Doc("ar", "أدانت وزارة الخارجية العقوبات الأحادية المفروضة على إيران.", language="ar"),
        Doc("ar-other", "عقدت الحكومة اجتماعا لمناقشة التجارة.", language="ar"),
    )
    assert ids(search(index, "العقوبات")) == ["ar"]
    assert ids(search(index, '"العقوبات الأحادية"')) == ["ar"]
    assert search(index, "العقوبات", SearchFilters(languages=("ar",))).facets["language"] == {"ar": 1}


def test_diacritics_are_kept_as_elasticsearch_keeps_them(index: EmbeddedIndex) -> None:
    load(index, Doc("a", "Café owners in Zürich rally behind the river clean-up."))
    # Neither the standard nor the english analyzer folds accents: "cafe" is another word.
    assert ids(search(index, "cafe zurich")) == []
    assert ids(search(index, "CAFÉ zürich")) == ["a"]


# --- errors -----------------------------------------------------------------------------------------


def test_sqlite_failures_become_search_backend_errors_naming_the_query(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    with EmbeddedIndex(path) as index:
        index.index_documents([Doc("a", "Unilateral sanctions.")])
        with sqlite3.connect(path) as other:
            other.execute("DROP TABLE fts")  # someone broke the file under us
        with pytest.raises(SearchBackendError, match="'unilateral sanctions'"):
            search(index, "unilateral sanctions")


def test_a_negative_limit_is_a_programming_error(index: EmbeddedIndex) -> None:
    with pytest.raises(ValueError, match="limit"):
        search(index, "sanctions", limit=-1)


def test_a_rebuild_is_atomic_for_readers_and_renews_the_identity(tmp_path: Path) -> None:
    path = tmp_path / "search.db"
    with EmbeddedIndex(path) as writer, EmbeddedIndex(path) as reader:
        writer.index_documents([Doc(f"old-{n}", f"old sanctions text number {n}") for n in range(600)])
        old_identity = writer.identity()
        seen_during: list[int] = []

        def new_documents() -> Iterator[Projectable]:
            for n in range(700):
                if n == 650:
                    # Half-way through the rebuild (past one batch): a search sees the whole old index.
                    seen_during.append(reader.search(parse("sanctions"), SearchFilters(), 5).total)
                yield Doc(f"new-{n}", f"new sanctions text number {n}")
            yield Doc("empty", "")  # rejected, the rest still lands

        outcome = writer.rebuild(new_documents())
        assert seen_during == [600]
        assert len(outcome.acked) == 700
        assert [r.doc_id for r in outcome.rejected] == ["empty"]
        assert reader.search(parse("sanctions"), SearchFilters(), 5).total == 700
        assert writer.identity() != old_identity
