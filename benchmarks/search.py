"""Embedded search (SQLite FTS5) throughput and latency, and the cost of building Elasticsearch bulk actions.

Generates ``--docs`` documents from the fixture sites' texts (every HTML page under
``tests/fixtures/sites`` through ``pipeline.extract.extract``; variants with shuffled paragraphs topped
up to about ``--doc-bytes`` of UTF-8 from another text of the same language, dates spread over
2015–2026, sources/kinds/languages from the shipped ``config/sources.yaml``, a few topic ids and
mentioned countries), streams them into a fresh :class:`~pipeline.index.embedded.EmbeddedIndex` in a
temporary folder, and reports:

* indexing: documents per second inside ``index_documents`` (projection, validation, SQLite, FTS5;
  the time spent generating documents is not counted) and end to end;
* query latency p50/p95 in ms for ``--queries`` queries of each kind, drawn from the texts: phrase
  (two adjacent words), term (one word) and filtered (one word, one source, a two-year window), plus
  the newest-first listing with no words; each is a whole ``search()`` call (total, facets over every
  match, a page of 20 hits with snippets);
* bulk actions: documents per second building Elasticsearch bulk actions and serialising them, next
  to plain ``json.dumps`` of the projected documents (see :func:`bench_actions`).

    .venv/bin/python benchmarks/search.py [--docs 100000] [--queries 200] [--seed 7] [--json]

One process, one core. Generation is streamed, so memory stays flat whatever ``--docs`` is (the
bulk-actions comparison holds ``--action-docs`` documents in memory).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.config import Source, load_sources  # noqa: E402
from pipeline.errors import ExtractionError  # noqa: E402
from pipeline.extract import PARAGRAPH_SEPARATOR, extract  # noqa: E402
from pipeline.index.embedded import EmbeddedIndex  # noqa: E402
from pipeline.index.projection import project_document  # noqa: E402
from pipeline.index.query import is_cjk, parse  # noqa: E402
from pipeline.index.search import SearchFilters  # noqa: E402

SITES = REPO / "tests" / "fixtures" / "sites"
TOPICS = ("sanctions", "trade", "security", "climate", "human-rights", "energy", "health", "maritime", "arctic")
COUNTRIES = ("CN", "RU", "US", "GB", "JP", "IN", "IR", "DE", "FR", "UA", "PK", "ID", "SD", "BR", "KR", "TR")
FIRST_DAY = date(2015, 1, 1)
DAYS = (date(2026, 12, 31) - FIRST_DAY).days
#: Pages shorter than this are listing pages or stubs, not articles.
MIN_BASE_CHARS = 180
_WORD = re.compile(r"[^\W\d_]{4,}")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


@dataclass
class BenchDocument:
    """A catalog document as the projection reads it (``pipeline.index.projection.Projectable``)."""

    doc_id: str
    url: str
    canonical_url: str
    source_id: str
    source_kind: str
    publisher: str
    source_country: str
    language: str | None
    title: str | None
    text: str
    published_at: datetime | None
    fetched_at: datetime
    first_seen_at: datetime
    content_hash: str
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
    extractor_version: str = "bench"
    warc_file: str | None = None
    warc_offset: int | None = None
    run_id: str | None = None


@dataclass(frozen=True)
class BaseText:
    """One extracted fixture page."""

    title: str
    paragraphs: tuple[str, ...]
    language: str


# --- corpus ------------------------------------------------------------------------------------------


def fixture_texts() -> list[BaseText]:
    """Every article-like fixture page, extracted the way the pipeline does (one per distinct text)."""
    seen: set[str] = set()
    texts: list[BaseText] = []
    for path in sorted(SITES.rglob("*")):
        if not path.is_file() or path.name == "robots.txt" or path.suffix in {".headers", ".xml", ".atom", ".txt"}:
            continue
        relative = path.relative_to(SITES).as_posix()
        host, _, rest = relative.partition("/")
        try:
            document = extract(
                path.read_bytes(), url=f"https://{host}/{rest.replace('@', '?')}", content_type=_content_type(path)
            )
        except ExtractionError:
            continue
        if len(document.text) < MIN_BASE_CHARS or document.text in seen or not document.title:
            continue
        seen.add(document.text)
        language = document.language or ("zh" if is_cjk(document.text) else "en")
        paragraphs = tuple(p for p in document.text.split(PARAGRAPH_SEPARATOR) if p.strip())
        texts.append(BaseText(document.title, paragraphs, language))
    return texts


def _content_type(path: Path) -> str:
    headers = path.with_name(path.name + ".headers")
    if headers.exists():
        for line in headers.read_text("utf-8").splitlines():
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-type":
                return value.strip()
    return "text/html"


def generate(
    count: int, bases: Sequence[BaseText], sources: Sequence[Source], *, seed: int, doc_bytes: int
) -> Iterator[BenchDocument]:
    """``count`` documents, one at a time (nothing is kept)."""
    rng = random.Random(seed)
    by_language: dict[str, list[BaseText]] = {}
    for base in bases:
        by_language.setdefault(base.language, []).append(base)
    sources_by_language: dict[str, list[Source]] = {}
    for source in sources:
        sources_by_language.setdefault(source.language, []).append(source)
    fetched = datetime(2026, 11, 24, tzinfo=UTC)
    for number in range(count):
        base = rng.choice(bases)
        paragraphs = list(base.paragraphs)
        rng.shuffle(paragraphs)
        size = sum(len(p.encode("utf-8")) for p in paragraphs)
        while size < doc_bytes:
            # Top up from another text in the same language, so the document stays one language.
            extra = rng.choice(by_language[base.language]).paragraphs
            paragraph = rng.choice(extra)
            paragraphs.append(paragraph)
            size += len(paragraph.encode("utf-8"))
        text = PARAGRAPH_SEPARATOR.join(paragraphs)
        source = rng.choice(sources_by_language.get(base.language) or list(sources))
        url = f"https://bench.readout.invalid/{source.id}/{number}"
        published = datetime.combine(FIRST_DAY + timedelta(days=rng.randrange(DAYS + 1)), datetime.min.time(), UTC)
        yield BenchDocument(
            doc_id=hashlib.sha256(url.encode()).hexdigest(),
            url=url,
            canonical_url=url,
            source_id=source.id,
            source_kind=source.kind,
            publisher=source.publisher,
            source_country=source.country,
            language=base.language,
            title=base.title,
            text=text,
            published_at=published + timedelta(hours=rng.randrange(24)),
            fetched_at=fetched,
            first_seen_at=fetched,
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            topics=rng.sample(TOPICS, rng.randrange(4)),
            countries=rng.sample(COUNTRIES, rng.randrange(5)),
        )


# --- queries -----------------------------------------------------------------------------------------


def draw_queries(
    bases: Sequence[BaseText], sources: Sequence[Source], n: int, rng: random.Random
) -> dict[str, list[tuple[str, SearchFilters]]]:
    """``n`` phrase, term and filtered queries drawn from the texts (plus ``n`` listings with no words)."""

    def words_of(base: BaseText) -> list[str]:
        text = " ".join(base.paragraphs)
        if base.language in {"zh", "ja"}:
            # Chinese: 2-3 character runs stand for words.
            runs = _CJK_RUN.findall(text)
            return [run[i : i + rng.choice((2, 3))] for run in runs for i in range(0, len(run) - 1, 3)]
        return _WORD.findall(text)

    def phrase() -> str:
        base = rng.choice(bases)
        words = words_of(base)
        if base.language in {"zh", "ja"}:
            return f'"{rng.choice(words)}"'
        text = " ".join(base.paragraphs)
        pairs = re.findall(r"(?=\b([^\W\d_]{3,}\s+[^\W\d_]{3,})\b)", text)
        return f'"{" ".join(rng.choice(pairs).split())}"' if pairs else rng.choice(words)

    def term() -> str:
        return rng.choice(words_of(rng.choice(bases)))

    def window() -> SearchFilters:
        start = FIRST_DAY + timedelta(days=rng.randrange(DAYS - 730))
        return SearchFilters(sources=(rng.choice(sources).id,), since=start, until=start + timedelta(days=730))

    return {
        "phrase": [(phrase(), SearchFilters()) for _ in range(n)],
        "term": [(term(), SearchFilters()) for _ in range(n)],
        "filtered": [(term(), window()) for _ in range(n)],
        "newest (no words)": [("", SearchFilters(sources=(rng.choice(sources).id,))) for _ in range(n)],
    }


def time_queries(index: EmbeddedIndex, queries: list[tuple[str, SearchFilters]]) -> dict[str, float]:
    latencies: list[float] = []
    totals: list[int] = []
    for text, filters in queries:
        query = parse(text)
        started = time.perf_counter()
        result = index.search(query, filters, 20)
        latencies.append((time.perf_counter() - started) * 1000)
        totals.append(result.total)
    return {
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(_percentile(latencies, 95), 2),
        "max_ms": round(max(latencies), 2),
        "median_matches": int(statistics.median(totals)),
    }


def _percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))  # nearest-rank
    return ordered[rank]


# --- bulk actions ------------------------------------------------------------------------------------


def _default_actions(docs: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {"_op_type": "index", "_index": "readout-documents", "_id": d.doc_id, "_source": project_document(d)}
        for d in docs
    ]


def bench_actions(docs: Sequence[Any]) -> dict[str, Any]:
    """Documents per second building bulk actions (and ``json.dumps`` of each), next to plain
    ``json.dumps(project_document(d))``.

    Uses ``pipeline.index.es_bulk.build_actions`` when that exists (imported lazily), else the action
    shape built here: ``{"_op_type": "index", "_index": ..., "_id": doc_id, "_source": projection}``.
    """
    builder: Callable[[Sequence[Any]], Sequence[Any]] = _default_actions
    used = "benchmarks/search.py inline actions"
    try:
        from pipeline.index.es_bulk import build_actions

        def builder(batch: Sequence[Any]) -> Sequence[Any]:
            return list(build_actions(batch))

        used = "pipeline.index.es_bulk.build_actions"
    except ImportError:
        pass

    def with_actions() -> None:
        for action in builder(docs):
            json.dumps(action, ensure_ascii=False)

    def plain() -> None:
        for d in docs:
            json.dumps(project_document(d), ensure_ascii=False)

    plain()  # warm-up
    actions_seconds = min(_timed(with_actions) for _ in range(3))
    plain_seconds = min(_timed(plain) for _ in range(3))
    return {
        "documents": len(docs),
        "builder": used,
        "actions_docs_per_s": round(len(docs) / actions_seconds),
        "plain_json_docs_per_s": round(len(docs) / plain_seconds),
        "ratio_actions_to_plain_time": round(actions_seconds / plain_seconds, 2),
    }


def _timed(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


# --- main --------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000, help="documents to index (default 100000)")
    parser.add_argument("--queries", type=int, default=200, help="queries of each kind (default 200)")
    parser.add_argument("--doc-bytes", type=int, default=2048, help="approximate UTF-8 size of a document")
    parser.add_argument("--action-docs", type=int, default=20_000, help="documents for the bulk-actions timing")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()

    bases = fixture_texts()
    sources = load_sources(REPO / "config" / "sources.yaml")
    result: dict[str, Any] = {"documents": args.docs, "fixture_texts": len(bases), "sqlite": _sqlite_version()}

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "search.sqlite"
        with EmbeddedIndex(path) as index:
            in_index = 0.0
            text_bytes = 0
            rejected = 0
            started = time.perf_counter()
            batch: list[BenchDocument] = []
            for document in generate(args.docs, bases, sources, seed=args.seed, doc_bytes=args.doc_bytes):
                text_bytes += len(document.text.encode("utf-8"))
                batch.append(document)
                if len(batch) == 1000:
                    seconds, refused = _index(index, batch)
                    in_index, rejected, batch = in_index + seconds, rejected + refused, []
            if batch:
                seconds, refused = _index(index, batch)
                in_index, rejected = in_index + seconds, rejected + refused
            wall = time.perf_counter() - started
            result["indexing"] = {
                "docs_per_s_in_index": round(args.docs / in_index),
                "docs_per_s_end_to_end": round(args.docs / wall),
                "seconds_in_index": round(in_index, 1),
                "mean_text_bytes": round(text_bytes / max(args.docs, 1)),
                "rejected": rejected,
                "count": index.count(),
            }
            with sqlite3.connect(path) as other:  # fold the write-ahead log into the file before sizing it
                other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            result["indexing"]["file_mb"] = round(path.stat().st_size / 1e6, 1)

            queries = draw_queries(bases, sources, args.queries, random.Random(args.seed))
            for text, filters in queries["term"][:20]:  # warm the page cache
                index.search(parse(text), filters, 20)
            result["latency"] = {kind: time_queries(index, batch_) for kind, batch_ in queries.items()}

    sample = list(generate(args.action_docs, bases, sources, seed=args.seed + 1, doc_bytes=args.doc_bytes))
    result["bulk_actions"] = bench_actions(sample)

    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_table(result)
    return 0


def _index(index: EmbeddedIndex, batch: list[BenchDocument]) -> tuple[float, int]:
    """Seconds spent in ``index_documents`` for one batch, and the documents not acknowledged."""
    started = time.perf_counter()
    outcome = index.index_documents(batch)
    elapsed = time.perf_counter() - started
    return elapsed, len(outcome.rejected) + len(outcome.retry_later)


def _sqlite_version() -> str:
    return sqlite3.sqlite_version


def _print_table(result: dict[str, Any]) -> None:
    indexing = result["indexing"]
    print(
        f"Embedded search (SQLite {result['sqlite']} FTS5), {result['documents']:,} documents from "
        f"{result['fixture_texts']} fixture texts, mean text {indexing['mean_text_bytes']:,} bytes"
    )
    print(
        f"  indexing: {indexing['docs_per_s_in_index']:,} docs/s in index_documents, "
        f"{indexing['docs_per_s_end_to_end']:,} docs/s end to end (with generation); "
        f"file {indexing['file_mb']} MB; rejected {indexing['rejected']}"
    )
    print(f"  {'query kind':<20} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'median matches':>15}")
    for kind, row in result["latency"].items():
        print(f"  {kind:<20} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8} {row['median_matches']:>15,}")
    actions = result["bulk_actions"]
    print(
        f"Bulk actions ({actions['builder']}, {actions['documents']:,} documents): "
        f"{actions['actions_docs_per_s']:,} docs/s built and serialised vs "
        f"{actions['plain_json_docs_per_s']:,} docs/s plain json.dumps "
        f"(time ratio {actions['ratio_actions_to_plain_time']}x)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
