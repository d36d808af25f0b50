"""Tagging speed: documents per second with the full rules, and tagging time as a share of extraction time.

    .venv/bin/python benchmarks/tagging_speed.py [--data PATH] [--repeat N]

On the pages of the article-extraction benchmark (``../shared/data/article-extraction-benchmark``, or
``--data``, or READOUT_EXTRACTION_BENCHMARK; without it the script says "skipped"), each page is first
extracted with Readout's ``extract()`` from bytes (timed), then enriched (language, topics, countries,
key phrases; timed ``--repeat`` times, best run kept, after a warm-up that builds the automata and loads
the models). Also on the labelled tagging set (short texts, no extraction). One process, one core.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

from extraction import load_pages, resolve_data  # noqa: E402

from pipeline.config import Settings  # noqa: E402
from pipeline.enrich import Enricher, load_enricher  # noqa: E402
from pipeline.enrich.evaluate import load_examples  # noqa: E402
from pipeline.enrich.text import TextView, lead_end  # noqa: E402
from pipeline.errors import ExtractionError  # noqa: E402
from pipeline.extract import extract  # noqa: E402
from pipeline.models import ExtractedDocument  # noqa: E402

LABELLED_DIR = REPO_ROOT / "tests" / "fixtures" / "tagging"


def timed(function: Callable[[], object], repeat: int) -> float:
    """The best of ``repeat`` timings of ``function``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def breakdown(enricher: Enricher, documents: Sequence[ExtractedDocument], repeat: int) -> dict[str, float]:
    """Mean seconds per document of each part of enrichment (each timed on its own, best of ``repeat``)."""
    totals = {"topics and countries (matching)": 0.0, "language": 0.0, "key phrases": 0.0}
    for document in documents:
        title, text = document.title, document.text

        def match(title: str | None = title, text: str = text) -> None:
            view, heading = TextView(text, enricher.normaliser), TextView(title or "", enricher.normaliser)
            if enricher.topics is not None:
                enricher.topics.tag(heading, view, lead_end(view.text))
            if enricher.countries is not None:
                enricher.countries.tag([heading, view])

        content, declared = f"{title or ''}\n{text}", document.language
        language = enricher.language.detect(content, declared).code
        totals["topics and countries (matching)"] += timed(match, repeat)
        totals["language"] += timed(partial(enricher.language.detect, content, declared), repeat)
        totals["key phrases"] += timed(partial(enricher.key_phrases.extract, text, language), repeat)
    return {name: seconds / len(documents) for name, seconds in totals.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="the article-extraction benchmark folder")
    parser.add_argument("--repeat", type=int, default=3, help="timings per document (best kept)")
    args = parser.parse_args(argv)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    logging.getLogger("htmldate").setLevel(logging.ERROR)

    start = time.perf_counter()
    enricher = load_enricher(Settings())
    enricher.enrich("warm-up", "Warm up the models. 中方表示。 Москва заявила.", declared_language="en")
    print(f"rules {enricher.version}: built and warmed up in {time.perf_counter() - start:.2f} s")
    terms = len(enricher.topics.matcher) if enricher.topics else 0
    forms = len(enricher.countries.matcher) if enricher.countries else 0
    print(f"{terms} topic terms, {forms} country forms and blockers\n")

    data = resolve_data(args.data)
    if (data / "ground-truth.json").is_file():
        pages = load_pages(data)
        extract_seconds, tag_seconds, words = [], [], []
        documents: list[ExtractedDocument] = []
        for page in pages:
            begin = time.perf_counter()
            try:
                document = extract(page.body, url=page.url, content_type="text/html")
            except ExtractionError:
                continue
            extract_seconds.append(time.perf_counter() - begin)
            tag_seconds.append(
                timed(
                    lambda d=document: enricher.enrich(d.title, d.text, declared_language=d.language),  # type: ignore[misc]
                    args.repeat,
                )
            )
            words.append(len(document.text.split()))
            documents.append(document)
        total_extract, total_tag = sum(extract_seconds), sum(tag_seconds)
        parts = breakdown(enricher, documents, args.repeat)
        print(f"article-extraction benchmark: {len(tag_seconds)} pages, median {statistics.median(words):.0f} words")
        print(f"  extraction  {1000 * total_extract / len(extract_seconds):7.2f} ms/page (mean)")
        print(
            f"  tagging     {1000 * total_tag / len(tag_seconds):7.2f} ms/page (mean), "
            f"median {1000 * statistics.median(tag_seconds):.2f} ms, {len(tag_seconds) / total_tag:.0f} pages/s"
        )
        print(f"  tagging / extraction: {100 * total_tag / total_extract:.1f} % (aim: under 10 %)")
        mean_extract = total_extract / len(extract_seconds)
        for name, seconds in parts.items():
            print(f"    {name:<34} {1000 * seconds:6.2f} ms/page = {100 * seconds / mean_extract:5.1f} % of extraction")
        print()
    else:
        print(f"article-extraction benchmark: skipped (no data at {data})\n")

    examples = load_examples(LABELLED_DIR)
    seconds = [
        timed(lambda e=e: enricher.enrich(e.title, e.text, declared_language=e.language), args.repeat)  # type: ignore[misc]
        for e in examples
    ]
    print(
        f"labelled tagging set: {len(examples)} short texts, {1000 * sum(seconds) / len(seconds):.2f} ms/text, "
        f"{len(seconds) / sum(seconds):.0f} texts/s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
