"""Turn segmentation quality and cost on the labelled briefings: boundary P/R/F1, speaker and outlet accuracy
per ministry and part, turns per second, and segmentation time as a share of extraction time.

    .venv/bin/python benchmarks/turns_eval.py [--part PART] [--errors] [--repeat N] [--labels PATH]

Reads ``tests/fixtures/briefings/labels.yaml`` (transcripts in texts/ and pages of tests/fixtures/sites/,
extracted with config/sources.yaml's rules) and the speakers file (READOUT_SPEAKERS or the shipped one).
The ``holdout`` part was never used to tune the rules. The CI floors are in tests/fixtures/briefings/floors.yaml.
``--labels`` scores another labels.yaml instead (its texts relative to it), e.g. the blind set
``tests/fixtures/briefings/blind/labels.yaml`` (part ``blind``, written without reading the segmenter).
The cost lines time ``pipeline.extract.extract``, ``segment``, and segmenting with each exchange tagged (what
ingest adds for a briefing), on the same briefing pages in this one run.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from pipeline.config import Settings, load_sources
from pipeline.enrich.enricher import build_enricher
from pipeline.enrich.speakers import speakers_for
from pipeline.enrich.turns.evaluate import Score, evaluate, load_labelled, segment_document
from pipeline.extract import extract

REPO = Path(__file__).resolve().parents[1]
LABELLED = REPO / "tests" / "fixtures" / "briefings"
SITES = REPO / "tests" / "fixtures" / "sites"
SOURCES = REPO / "config" / "sources.yaml"
MINISTRIES = ("CN", "RU", "US", "GB", "JP", "IN")
PARTS = ("tune", "holdout", "blind", "blind2")


def _row(name: str, score: Score) -> str:
    return (
        f"{name:<14} {score.documents:5d} {score.expected:6d} {score.precision:7.3f} {score.recall:6.3f} "
        f"{score.f1:6.3f} {score.speaker_accuracy:9.3f} {score.outlet_accuracy:8.3f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=PARTS, help="Only this part of the labelled set.")
    parser.add_argument("--errors", action="store_true", help="List every boundary, speaker and outlet missed.")
    parser.add_argument("--repeat", type=int, default=20, help="Timing repetitions per page (default 20).")
    parser.add_argument(
        "--labels", type=Path, help="Another labels.yaml (its texts relative to it), e.g. the blind set's."
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    speakers = speakers_for(Settings())
    if args.labels is not None and (args.labels.name != "labels.yaml" or not args.labels.is_file()):
        parser.error(f"--labels: {args.labels} is not a labels.yaml file")
    labelled = args.labels.resolve().parent if args.labels is not None else LABELLED
    documents = [d for d in load_labelled(labelled, sites=SITES, sources=SOURCES) if args.part in (None, d.part)]
    scores = evaluate(documents, speakers)
    print(f"{len(documents)} labelled documents, {sum(len(d.turns) for d in documents)} labelled utterances\n")
    for part in PARTS:
        if (part, "all") not in scores:
            continue
        print(f"part {part}{' (never tuned on)' if part == 'holdout' else ''}")
        print(
            f"{'ministry':<14} {'docs':>5} {'turns':>6} {'bound P':>7} {'R':>6} {'F1':>6} {'speaker':>9} {'outlet':>8}"
        )
        for ministry in (*MINISTRIES, "all"):
            if (part, ministry) in scores:
                print(_row(ministry, scores[(part, ministry)]))
        print()
    overall = Score()
    for part in PARTS:
        if (part, "all") in scores:
            overall.add(scores[(part, "all")])
    print(_row("both parts", overall))
    if args.errors:
        print("\nmisses:")
        for line in overall.misses:
            print(f"  {line}")

    # Cost: every document segmented --repeat times (turns per second); on the briefing pages, extraction and
    # segmentation timed side by side.
    rules = {source.id: source for source in load_sources(SOURCES)}
    turns, segment_seconds = 0, 0.0
    for document in documents:
        start = time.perf_counter()
        for _ in range(args.repeat):
            segmentation = segment_document(document, speakers)
        segment_seconds += time.perf_counter() - start
        turns += args.repeat * sum(len(e.utterances) for e in segmentation.exchanges)
    pages = [d for d in documents if d.page is not None]
    extract_page, segment_page, tag_page = 0.0, 0.0, 0.0
    # What ingest adds for a briefing: segmenting and tagging each exchange (topics, countries of the question,
    # the answer and both), as the enricher does in the worker processes.
    tagger = build_enricher(Settings()).exchange_tagger
    for document in pages:
        assert document.page is not None
        body, url, source = document.page
        start = time.perf_counter()
        for _ in range(args.repeat):
            extract(body, url=url, source=rules[source])
        extract_page += time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(args.repeat):
            segment_document(document, speakers)
        segment_page += time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(args.repeat):
            tagger.tag(document.title, document.text, language=document.language, ministry=document.ministry)
        tag_page += time.perf_counter() - start
    print(f"\nspeed: {turns / segment_seconds:,.0f} turns/s ({len(documents)} documents x {args.repeat})")
    if pages:

        def per_page(seconds: float) -> float:
            return float(seconds / (len(pages) * args.repeat) * 1000)

        print(
            f"cost on {len(pages)} briefing pages: extract {per_page(extract_page):.2f} ms/page, "
            f"segment {per_page(segment_page):.3f} ms/page, segmentation = {segment_page / extract_page:.1%} of "
            "extraction time"
        )
        print(
            f"segment and tag each exchange (what ingest adds per briefing): {per_page(tag_page):.2f} ms/page, "
            f"{tag_page / extract_page:.0%} of extraction time"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
