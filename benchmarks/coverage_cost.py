"""What dedup plus attribution cost per news document, as a share of extraction, and whether it grows with the
catalog (2,000 vs 20,000 documents).

    .venv/bin/python benchmarks/coverage_cost.py [--small 2000] [--large 20000] [--repeat 5]

Two parts, as ingest splits the work:

* in the extraction workers (pure): the near-duplicate fingerprint and the quotes with their targets
  (``Enrichment.fingerprint``, ``Enrichment.quoted``), timed on the news pages of the fixture sites next to
  their extraction;
* in the catalog transaction: the band lookup and cluster assignment, and the alignment of each quote with
  the turns of its target briefings and the citation writes. Timed as ``Catalog.store_document`` with the
  full enrichment minus the same call without quotes, storing the articles of the labelled attribution set
  (tests/fixtures/coverage/attribution/tune.yaml, their briefings stored first) into a real SQLite catalog
  that also holds N synthetic documents: news with signatures and citations, and briefings with turns.

The synthetic archive grows the way a real one does: by time, about one briefing per ministry per day, so
20,000 documents span ten times the days of 2,000 (a denser archive of the same days would be a different
question: more briefings per day, not a bigger catalog). The least disturbed of three passes is kept; the
machine is shared. The catalog side is timed four ways: linking by the word rules alone, then with matching by
meaning (the bundled model): on its first pass with nothing cached (the answers' sentence vectors are embedded
and stored in the catalog), as a new process that finds them stored (what each later Airflow task is: the model
loaded again, nothing in memory), and warm (the same process again).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dedup_eval import Texts, fill
from quotes_eval import news_pages

from pipeline.config import Settings, Source
from pipeline.enrich.coverage import ministry_zone, wanted
from pipeline.enrich.coverage.evaluate import load_part
from pipeline.enrich.coverage.meaning import Meaning
from pipeline.enrich.dedup import fingerprint
from pipeline.enrich.dedup.evaluate import store_text
from pipeline.enrich.enricher import Enrichment, build_enricher
from pipeline.enrich.speakers import speakers_for
from pipeline.errors import ExtractionError
from pipeline.extract import extract
from pipeline.store.catalog import Catalog
from pipeline.store.citations import Linker
from pipeline.store.schema import CitationRow, Document, Turn

REPO = Path(__file__).resolve().parents[1]
LABELLED = REPO / "tests" / "fixtures" / "coverage" / "attribution" / "tune.yaml"
MINISTRIES = ("CN", "RU", "US", "JP", "IN")
#: Of the synthetic documents, this share are briefings (ten turns each); the rest news with two citations.
BRIEFING_SHARE = 0.1


def _settings() -> Settings:
    config = REPO / "config"
    return Settings(sources=config / "sources.yaml", topics=config / "topics.yaml", countries=config / "countries.yaml")


def _source(source_id: str, kind: str, country: str, language: str) -> Source:
    return Source.model_validate(
        {
            "id": source_id,
            "name": source_id,
            "publisher": source_id,
            "kind": kind,
            "country": country,
            "language": language,
            "timezone": str(ministry_zone(country)) if kind == "briefing" else "UTC",
            "discovery": {"method": "feed", "urls": [f"https://{source_id}.invalid/feed.xml"]},
        }
    )


def _store(
    catalog: Catalog, source: Source, url: str, title: str, text: str, at: datetime, enrichment: Enrichment
) -> float:
    """Seconds of one ``store_document`` of ``text`` (its enrichment computed beforehand, as the workers do)."""
    start = time.perf_counter()
    store_text(catalog, source, url, title, text, at, enrichment=enrichment)
    return time.perf_counter() - start


def _fill_coverage(catalog: Catalog, start: int, end: int, first_day: date, seed: int) -> None:
    """Synthetic briefings with turns and news citations for documents ``start``..``end``: about one briefing
    per ministry per day from ``first_day`` on, and news citing the turns of the days before them."""
    chooser = random.Random(seed + start)
    per_day = len(MINISTRIES) / BRIEFING_SHARE  # documents per day
    documents: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    citations: list[dict[str, Any]] = []
    for number in range(start, end):
        # Counted from this fill's first document: the archive ends before the labelled briefings' days at
        # every size (counting from 0 put the last ten thousand of 20,000 on those days, a denser archive).
        day = first_day + timedelta(days=int((number - start) / per_day))
        identifier = hashlib.sha256(f"coverage-{number}".encode()).hexdigest()
        ministry = MINISTRIES[number % len(MINISTRIES)]
        held = datetime.combine(day, clock(15), ministry_zone(ministry)).astimezone(UTC)
        briefing = chooser.random() < BRIEFING_SHARE
        documents.append(
            {
                "doc_id": identifier,
                "url": f"https://coverage.invalid/{number}",
                "canonical_url": f"https://coverage.invalid/{number}",
                "source_id": f"synthetic-{ministry}",
                "source_kind": "briefing" if briefing else "news",
                "publisher": "Synthetic",
                "source_country": ministry,
                "text": "synthetic",
                "fetched_at": held,
                "first_seen_at": held,
                "published_at": held,
                "content_hash": identifier,
                "extractor_version": "synthetic",
                "turns_next": 10 if briefing else 0,
                "cluster_id": identifier,
            }
        )
        if briefing:
            for turn in range(10):
                answer = " ".join(f"w{chooser.randrange(3000)}" for _ in range(chooser.randint(40, 120))) + "."
                turns.append(
                    {
                        "turn_id": f"{identifier}:{turn}",
                        "doc_id": identifier,
                        "number": turn,
                        "position": turn,
                        "kind": "exchange",
                        "source_id": f"synthetic-{ministry}",
                        "ministry": ministry,
                        "briefing_date": held,
                        "language": "en",
                        "question": "q?",
                        "answer": answer,
                        "utterances": [],
                        "question_countries": [],
                        "answer_countries": [],
                        "content_hash": f"{identifier}{turn}",
                        "version": 1,
                    }
                )
        else:
            for quote in range(2):
                citations.append(
                    {
                        "doc_id": identifier,
                        "number": quote,
                        "quoted": "synthetic words",
                        "kind": "direct",
                        "speaker": None,
                        "ministry": ministry,
                        "spokesperson_id": None,
                        "day_from": day - timedelta(days=1),
                        "day_to": day,
                        "expression": "",
                        "outlets": [],
                        "verdict": "unmatched",
                        "added": [],
                        "dropped": [],
                        "elsewhere": False,
                    }
                )
    with catalog.engine.begin() as connection:
        connection.execute(insert(Document), documents)
        if turns:
            connection.execute(insert(Turn), turns)
        if citations:
            connection.execute(insert(CitationRow), citations)


def _catalog_with(
    size: int, folder: Path, name: str, part: dict[str, Any], enricher: Any
) -> tuple[Catalog, dict[str, Source]]:
    """A catalog of ``size`` synthetic documents (half for dedup's signatures, half briefings and citing news,
    ending just before the labelled set's first briefing) plus the labelled set's briefings, stored for real."""
    catalog = Catalog.open(f"sqlite:///{folder / name}")
    fill(catalog, Texts(), 0, size // 2)
    first_briefing = min(date.fromisoformat(str(b["date"])) for b in part["briefings"])
    span = int((size - size // 2) / (len(MINISTRIES) / BRIEFING_SHARE)) + 1
    _fill_coverage(catalog, size // 2, size, first_briefing - timedelta(days=span + 30), seed=size)
    sources: dict[str, Source] = {}
    for briefing in part["briefings"]:
        key = f"briefing-{briefing['ministry'].lower()}-{briefing['language']}"
        source = sources.setdefault(key, _source(key, "briefing", briefing["ministry"], briefing["language"]))
        held = datetime.combine(
            date.fromisoformat(str(briefing["date"])), clock(15), ministry_zone(briefing["ministry"])
        )
        enrichment = enricher.enrich(
            briefing.get("title"),
            briefing["text"],
            declared_language=briefing["language"],
            source_kind="briefing",
            ministry=briefing["ministry"],
        )
        _store(
            catalog,
            source,
            f"https://briefings.invalid/{briefing['id']}",
            briefing.get("title") or "",
            briefing["text"],
            held.astimezone(UTC),
            enrichment,
        )
    return catalog, sources


def _probe(
    catalog: Catalog, part: dict[str, Any], enricher: Any, speakers: Any, round_: int
) -> tuple[float, float, int]:
    """Seconds per article of storing it with its full enrichment, and without its quotes, and the citations
    made: each article stored twice under new URLs."""
    news = _source("probe-news", "news", "XX", "en")
    with_quotes = without = 0.0
    cited = 0
    for article in part["articles"]:
        published = datetime.fromisoformat(str(article["published"]))
        enrichment = enricher.enrich(
            article.get("title"),
            article["text"],
            declared_language=article["language"],
            source_kind="news",
            published_at=published,
            local_zone=published.tzinfo,
        )
        cited += sum(1 for _ in enrichment.quoted or ())
        at = published.astimezone(UTC)
        base = f"https://probe.invalid/{round_}/{article['id']}"
        with_quotes += _store(catalog, news, base + "/a", article.get("title") or "", article["text"], at, enrichment)
        bare = replace(enrichment, quoted=None)
        without += _store(catalog, news, base + "/b", article.get("title") or "", article["text"] + " ", at, bare)
    count = len(part["articles"])
    return with_quotes / count, without / count, cited


def _worker_side(repeat: int) -> tuple[float, float, float, int]:
    """ms per fixture news page: extraction, the fingerprint, the quotes and their targets."""
    speakers = speakers_for(_settings())
    extract_s = print_s = quotes_s = 0.0
    pages = 0
    for body, url in news_pages():
        try:
            start = time.perf_counter()
            for _ in range(repeat):
                document = extract(body, url=url)
            extract_s += time.perf_counter() - start
        except ExtractionError:
            continue
        pages += 1
        start = time.perf_counter()
        for _ in range(repeat):
            fingerprint(document.text)
        print_s += time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(repeat):
            wanted(
                document.text,
                language=document.language,
                published=document.published_at,
                local_zone=UTC,
                speakers=speakers,
            )
        quotes_s += time.perf_counter() - start
    scale = 1000 / (pages * repeat)
    return extract_s * scale, print_s * scale, quotes_s * scale, pages


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5, help="Passes over the fixture pages for the worker side.")
    args = parser.parse_args(argv)
    extract_ms, print_ms, quotes_ms, pages = _worker_side(args.repeat)
    print(f"in the workers, {pages} fixture news pages (x{args.repeat}):")
    print(f"  extract                 {extract_ms:7.2f} ms/page")
    print(f"  dedup fingerprint       {print_ms:7.2f} ms/page ({print_ms / extract_ms:.1%} of extraction)")
    print(f"  quotes and targets      {quotes_ms:7.2f} ms/page ({quotes_ms / extract_ms:.1%} of extraction)")

    settings = _settings()
    enricher = build_enricher(settings)
    speakers = speakers_for(settings)
    part = load_part(LABELLED)
    results: dict[int, dict[str, tuple[float, float, int]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in (args.small, args.large):
            catalog, _ = _catalog_with(size, Path(tmp), f"cost-{size}.db", part, enricher)
            try:
                # The word rules alone, then with matching by meaning: its first pass with no vector cached
                # (every answer sentence of the target briefings and every quote embedded), then warm (the
                # answers that many reports quote are embedded once per process).
                catalog.linker = Linker()
                rules = [_probe(catalog, part, enricher, speakers, round_) for round_ in range(3)]
                catalog.linker = Linker(meaning=Meaning())
                cold = _probe(catalog, part, enricher, speakers, 3)
                catalog.linker = Linker(meaning=Meaning())  # a new process: the vectors are in the catalog
                stored = _probe(catalog, part, enricher, speakers, 7)
                warm = [_probe(catalog, part, enricher, speakers, round_) for round_ in (4, 5, 6)]
            finally:
                catalog.close()
            results[size] = {
                "rules": min(rules, key=lambda p: p[0]),
                "cold": cold,
                "stored": stored,
                "warm": min(warm, key=lambda p: p[0]),
            }
    print(f"\nin the catalog transaction, {len(part['articles'])} labelled articles stored into real SQLite:")
    columns = f"{'store, all':>11} {'no quotes':>10} {'quotes part':>12} {'citations':>10}"
    print(f"  {'documents':>10} {'linking':<22} {columns}")
    names = {
        "rules": "word rules alone",
        "cold": "and meaning, cold",
        "stored": "meaning, new process",
        "warm": "and meaning, warm",
    }
    for size, runs in results.items():
        for key, (full, bare, cited) in runs.items():
            print(
                f"  {size:>10,} {names[key]:<22} {full * 1000:8.2f} ms {bare * 1000:7.2f} ms "
                f"{(full - bare) * 1000:9.2f} ms {cited:>10}"
            )
    for key in ("rules", "stored", "warm"):
        small, large = results[args.small][key], results[args.large][key]
        print(
            f"  {names[key]}: {args.large // args.small}x documents -> {large[0] / small[0]:.2f}x store time, "
            f"{(large[0] - large[1]) / max(small[0] - small[1], 1e-9):.2f}x time of the quotes part"
        )
    for key in ("rules", "cold", "stored", "warm"):
        full, bare, _ = results[args.large][key]
        share = (full - bare) * 1000 / extract_ms
        print(
            f"  dedup + attribution per news document at {args.large:,} ({names[key]}): fingerprint and quotes in "
            f"the workers {(print_ms + quotes_ms) / extract_ms:.1%}, alignment and citation writes {share:.1%} of "
            "extraction time"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
