"""Backend parity: the same query over the same documents finds the same documents on the embedded
index and on Elasticsearch (whose request bodies :mod:`tests.esquery` evaluates with the documented
semantics), the same turns in the turns indices (:func:`compare_turns`), both under the coverage
filters (:func:`compare_coverage`) and the history filters (:func:`compare_history`), and the same stories
when folded (:func:`compare_folded`). Shared by ``tests/integration/test_query_parity.py``,
``tests/integration/test_history_index.py`` and ``benchmarks/query_parity.py``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.index.coverage_projection import BatchCoverage
from pipeline.index.embedded import EmbeddedIndex
from pipeline.index.es_search import build_search_body, build_turn_search_body, parse_search_response
from pipeline.index.mappings import document_mapping
from pipeline.index.projection import Projectable, project_document
from pipeline.index.query import parse
from pipeline.index.search import SearchFilters, SearchResult
from pipeline.index.turn_projection import TurnsByDocument, project_turn
from tests.esgroups import aggregate, collapse_hits
from tests.esquery import Evaluator
from tests.essearch import sort_hits
from tests.turnrows import TurnRow
from tests.unit.test_embedded_search import Doc

#: Queries over the fixture corpus: the forms the standard tokenizer keeps whole, a quoted phrase, CJK
#: words and phrases, Russian words (one only as a stemmed form: the fixtures say "удобрений"), a
#: prefix, exclusions and OR.
QUERIES: tuple[str, ...] = (
    "China's",
    "China’s",
    "U.S.",
    "1,000",
    "Lavrov’s",
    "Lavrov's",
    '"unilateral sanctions"',
    "unilateral sanctions",
    "外交部",
    '"海上合作"',
    "合作 -海上",
    "Россия",
    "удобрения",
    '"Россия и Вьетнам"',
    "sanction*",
    "sanctions -Russia",
    'sanctions NOT "long-arm jurisdiction"',
    "Wang OR Zakharova",
    "U.S.-China",
    "'unilateral' measures",
    "possible",
    "ideology",
    "responsible",
    "οδοσ",
)

#: A few documents written for the forms the fixture pages lack (U.S. with periods, a curly
#: apostrophe, "1 000" next to "1,000", a CJK run with 制裁, words where Lucene's Porter stemmer and
#: Java's lower case differ from Snowball's and Python's), indexed next to the fixture corpus.
EXTRA_TEXTS: tuple[tuple[str, str, str], ...] = (
    ("extra-us", "en", "The U.S. and China's trade; U.S.-China talks resumed, the U S delegation said."),
    (
        "extra-curly",
        "en",
        "Lavrov’s remarks on China’s position and on sanctioning 1 000 firms: 'unilateral' measures.",
    ),
    ("extra-zh", "zh", "外交部发言人表示，中方坚决反对美方滥用单边制裁措施。"),
    # Lucene's Porter stems (possibly/possible -> possibl, ideological -> ideolog, responsibly -> respons)
    # and its lower case (ΟΔΟΣ -> οδοσ, no final sigma).
    ("extra-stems", "en", "Sanctions possibly ideological, applied responsibly on the ΟΔΟΣ ΑΘΗΝΑΣ road."),
)


def extra_documents() -> list[Projectable]:
    """:data:`EXTRA_TEXTS` as documents."""
    return [
        Doc(doc_id, text, title="Extra", language=language, source_id="extra") for doc_id, language, text in EXTRA_TEXTS
    ]


@dataclass(frozen=True)
class Row:
    """One query's matches on each backend."""

    query: str
    embedded: frozenset[str]
    elasticsearch: frozenset[str]


def compare(documents: Sequence[Projectable], folder: Path, queries: Sequence[str] = QUERIES) -> list[Row]:
    """Index ``documents`` into a new embedded index in ``folder`` and run every query on it and
    through the evaluator; the documents each backend finds, for each query."""
    filters = SearchFilters()
    evaluator = Evaluator(project_document(document) for document in documents)
    rows = []
    with EmbeddedIndex(folder / "parity.sqlite") as index:
        outcome = index.index_documents(documents)
        assert not outcome.rejected, outcome.rejected
        assert not outcome.retry_later, outcome.retry_later
        for text in queries:
            query = parse(text)
            found = index.search(query, filters, limit=len(documents))
            assert found.total == len(found.hits)
            body = build_search_body(query, filters, len(documents))
            rows.append(Row(text, frozenset(h.doc_id for h in found.hits), frozenset(evaluator.search(body))))
    return rows


def table(rows: Sequence[Row]) -> str:
    """The rows as a plain text table: hit counts per backend, and whether the documents are the same."""
    width = max(_width(row.query) for row in rows)
    lines = ["query" + " " * (width - 5) + "  embedded  elasticsearch  same documents"]
    for row in rows:
        same = "yes" if row.embedded == row.elasticsearch else "NO"
        pad = " " * (width - _width(row.query))
        lines.append(f"{row.query}{pad}  {len(row.embedded):>8}  {len(row.elasticsearch):>13}  {same}")
    return "\n".join(lines)


def _width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# --- turns ---------------------------------------------------------------------------------------------------

#: Speakers and outlets the corpus turns take in turn, so that the filters have something to tell apart.
SPEAKERS: tuple[tuple[str, str], ...] = (("wang-wenbin", "Wang Wenbin"), ("maria-zakharova", "Maria Zakharova"))
OUTLETS: tuple[tuple[str, str] | None, ...] = (("afp", "AFP"), ("global-times", "Global Times"), None)

#: Filters the turn queries also run with: each kind of turn filter.
TURN_FILTERS: dict[str, SearchFilters] = {
    "none": SearchFilters(),
    "spokesperson id": SearchFilters(spokespersons=("wang-wenbin",)),
    "outlet label": SearchFilters(outlets=("Global Times",)),
    "since 2021": SearchFilters(since=date(2021, 1, 1)),
    "exchanges": SearchFilters(kinds=("exchange",)),
}


def paragraph_turns(documents: Sequence[Projectable]) -> dict[str, list[TurnRow]]:
    """Turns made from each document's paragraphs: the first an announcement, then each pair a question and
    its answer (the corpus's own words in both parts), dated as the document."""
    turns: dict[str, list[TurnRow]] = {}
    for document in documents:
        paragraphs = [part.strip() for part in document.text.split("\n") if part.strip()]
        if not paragraphs:
            continue
        made = [TurnRow(document.doc_id, 0, "", paragraphs[0], kind="announcement", outlet=None, outlet_id=None)]
        for number, start in enumerate(range(1, len(paragraphs), 2), start=1):
            speaker_id, speaker = SPEAKERS[number % len(SPEAKERS)]
            outlet = OUTLETS[number % len(OUTLETS)]
            made.append(
                TurnRow(
                    document.doc_id,
                    number,
                    paragraphs[start],
                    " ".join(paragraphs[start + 1 : start + 2]),
                    spokesperson=speaker,
                    spokesperson_id=speaker_id,
                    outlet=outlet[1] if outlet else None,
                    outlet_id=outlet[0] if outlet else None,
                    source_id=document.source_id,
                    ministry=document.source_country,
                    briefing_date=document.published_at,
                    language=document.language,
                )
            )
        turns[document.doc_id] = made
    return turns


def compare_turns(
    documents: Sequence[Projectable],
    folder: Path,
    queries: Sequence[str] = QUERIES,
    filters: dict[str, SearchFilters] = TURN_FILTERS,
) -> list[Row]:
    """Index the documents' :func:`paragraph_turns` into a new embedded index and run every query under every
    filter on it and through the evaluator; the turns each backend finds (rows named ``query [filter]``)."""
    turns = paragraph_turns(documents)
    by_id = {document.doc_id: document for document in documents}
    evaluator = Evaluator(
        (project_turn(turn, by_id[doc_id]) for doc_id, made in turns.items() for turn in made), key="turn_id"
    )
    size = sum(len(made) for made in turns.values())
    rows = []
    with EmbeddedIndex(folder / "parity-turns.sqlite") as index:
        outcome = index.index_documents(documents, turns)
        assert not outcome.rejected, outcome.rejected
        for text in queries:
            query = parse(text)
            for name, chosen in filters.items():
                found = index.search_turns(query, chosen, limit=size)
                assert found.total == len(found.hits)
                body = build_turn_search_body(query, chosen, size)
                embedded = frozenset(hit.turn_id for hit in found.hits)
                rows.append(Row(f"{text} [{name}]", embedded, frozenset(evaluator.search(body))))
    return rows


# --- coverage filters ------------------------------------------------------------------------------------

#: Document filters on the worst verdict of their briefing quotes (``readout search --verdict``).
VERDICT_FILTERS: dict[str, SearchFilters] = {
    "divergent": SearchFilters(verdicts=("divergent",)),
    "unmatched or paraphrase": SearchFilters(verdicts=("unmatched", "paraphrase")),
    "verbatim": SearchFilters(verdicts=("verbatim",)),
}
#: Turn filters on their coverage (``readout search --turns --covered``, ``--verdict``).
COVERAGE_TURN_FILTERS: dict[str, SearchFilters] = {
    "covered": SearchFilters(covered=True),
    "divergent": SearchFilters(verdicts=("divergent",)),
    "covered verbatim": SearchFilters(covered=True, verdicts=("verbatim",)),
}


def compare_coverage(
    documents: Sequence[Projectable],
    turns: TurnsByDocument,
    coverage: BatchCoverage,
    folder: Path,
    queries: Sequence[str] = ("", *QUERIES),
) -> list[Row]:
    """Index ``documents`` with their (catalog) turns, citations and coverage into a new embedded index, and
    run every query under every coverage filter on it and through the evaluator: documents (rows named
    ``documents: query [filter]``) and turns (``turns: query [filter]``)."""
    return compare_filtered(
        documents, turns, folder / "parity-coverage.sqlite", VERDICT_FILTERS, COVERAGE_TURN_FILTERS, queries, coverage
    )


def compare_filtered(
    documents: Sequence[Projectable],
    turns: TurnsByDocument,
    path: Path,
    document_filters: Mapping[str, SearchFilters],
    turn_filters: Mapping[str, SearchFilters],
    queries: Sequence[str],
    coverage: BatchCoverage | None = None,
) -> list[Row]:
    """Index ``documents`` with their turns (and ``coverage``) into a new embedded index at ``path``, and run
    every query under every document and turn filter on it and through the evaluator (rows named
    ``documents: query [filter]`` and ``turns: query [filter]``)."""
    coverage = coverage or BatchCoverage()
    by_id = {document.doc_id: document for document in documents}
    documents_evaluator = Evaluator(
        project_document(document, coverage.citations.get(document.doc_id, ())) for document in documents
    )
    turns_evaluator = Evaluator(
        (
            project_turn(turn, by_id[doc_id], coverage.reports.get(turn.turn_id, ()))
            for doc_id, found in turns.items()
            for turn in found
        ),
        key="turn_id",
    )
    size = len(documents) + sum(len(found) for found in turns.values())
    rows = []
    with EmbeddedIndex(path) as index:
        outcome = index.index_documents(documents, turns, coverage)
        assert not outcome.rejected, outcome.rejected
        for text in queries:
            query = parse(text)
            for name, chosen in document_filters.items():
                found = index.search(query, chosen, limit=size)
                body = build_search_body(query, chosen, size)
                rows.append(
                    Row(
                        f"documents: {text} [{name}]",
                        frozenset(hit.doc_id for hit in found.hits),
                        frozenset(documents_evaluator.search(body)),
                    )
                )
            for name, chosen in turn_filters.items():
                turn_hits = index.search_turns(query, chosen, limit=size)
                body = build_turn_search_body(query, chosen, size)
                rows.append(
                    Row(
                        f"turns: {text} [{name}]",
                        frozenset(hit.turn_id for hit in turn_hits.hits),
                        frozenset(turns_evaluator.search(body)),
                    )
                )
    return rows


# --- history filters -----------------------------------------------------------------------------------------

#: Document filters on a transcript's history (``readout search --edited``, ``--removed``), alone and together.
HISTORY_FILTERS: dict[str, SearchFilters] = {
    "none": SearchFilters(),
    "edited": SearchFilters(edited=True),
    "edited, removed too": SearchFilters(edited=True, include_removed=True),
    "removed": SearchFilters(removed=True),
    "edited and removed": SearchFilters(edited=True, removed=True),
}
#: Turn filters on it (``readout search --turns --missing-in-twin``, ``--removed``).
HISTORY_TURN_FILTERS: dict[str, SearchFilters] = {
    "none": SearchFilters(),
    "missing in twin": SearchFilters(missing_in_twin=True),
    "missing in twin, removed too": SearchFilters(missing_in_twin=True, include_removed=True),
    "removed": SearchFilters(removed=True),
}


def compare_history(
    documents: Sequence[Projectable], turns: TurnsByDocument, folder: Path, queries: Sequence[str]
) -> list[Row]:
    """Index ``documents`` (edited, removed, twinned in the catalog) with their turns into a new embedded index
    and run every query under every history filter on it and through the evaluator."""
    return compare_filtered(
        documents, turns, folder / "parity-history.sqlite", HISTORY_FILTERS, HISTORY_TURN_FILTERS, queries
    )


# --- folded searches -----------------------------------------------------------------------------------------

#: Queries for the folded comparison: words of the labelled near-duplicate stories
#: (``tests/fixtures/coverage/duplicates``), one that only some copies have, and everything.
FOLD_QUERIES: tuple[str, ...] = ("steel", "Morava", "vaccine", "coastal summit", "AFP", "铁路", "sanctions", "")

#: A folded result reduced to what both backends must agree on: the total, the number of stories, and each
#: story as (cluster, the documents it stands for, copies). Which member is the hit depends on ranking,
#: which the backends compute differently (BM25 in SQLite, none in the evaluator).
Stories = tuple[int, int | None, frozenset[tuple[str | None, frozenset[str], int]]]


@dataclass(frozen=True)
class FoldRow:
    """One query's folded result on each backend."""

    query: str
    embedded: Stories
    elasticsearch: Stories


def stories(result: SearchResult) -> Stories:
    """A folded result as :data:`Stories` (exact while no story has more than ``FOLDED_IDS + 1`` matches:
    beyond that the listed ids depend on which member is the hit)."""
    groups = frozenset((hit.cluster_id, frozenset({hit.doc_id, *hit.folded}), hit.copies) for hit in result.hits)
    return result.total, result.stories, groups


def compare_folded(
    documents: Sequence[Projectable], folder: Path, queries: Sequence[str] = FOLD_QUERIES
) -> list[FoldRow]:
    """Index ``documents`` into a new embedded index and run each query folded on it, and through the folded
    Elasticsearch body: its query evaluated (:mod:`tests.esquery`), then its ``collapse``, ``inner_hits`` and
    aggregations as Elasticsearch applies them (:mod:`tests.esgroups`), the answer read by Readout's own
    parser."""
    filters = SearchFilters()
    sources = {str(document.doc_id): project_document(document) for document in documents}
    evaluator = Evaluator(sources.values())
    types = {name: str(spec.get("type", "object")) for name, spec in document_mapping().items()}
    rows = []
    with EmbeddedIndex(folder / "parity-folded.sqlite") as index:
        outcome = index.index_documents(documents)
        assert not outcome.rejected, outcome.rejected
        for text in queries:
            query = parse(text)
            embedded = index.search(query, filters, limit=len(documents), fold=True)
            body = build_search_body(query, filters, len(documents), fold=True)
            matched = [
                {"_index": "parity", "_id": doc_id, "_score": 1.0, "_source": sources[doc_id]}
                for doc_id in sorted(evaluator.search(body))
            ]
            if "sort" in body:
                matched = sort_hits(matched, body["sort"], types)
            response = {
                "hits": {
                    "total": {"value": len(matched), "relation": "eq"},
                    "hits": collapse_hits(matched, body["collapse"], types)[: body["size"]],
                },
                "aggregations": aggregate(body["aggs"], matched, types),
            }
            rows.append(FoldRow(text, stories(embedded), stories(parse_search_response(text, response))))
    return rows
