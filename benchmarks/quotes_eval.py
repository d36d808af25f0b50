"""Quote extraction quality and cost: quote precision/recall and speaker accuracy per language and part of the
labelled set, and the time of ``extract_quotes`` per news document as a share of extraction time.

    .venv/bin/python benchmarks/quotes_eval.py [--labels PATH] [--part PART] [--errors] [--repeat N]

Reads ``tests/fixtures/coverage/quotes/labels.yaml`` (invented news texts in texts/), or another labelled set given
by ``--labels`` (its texts in texts/ next to it, e.g. the ``blind`` set in blind/labels.yaml), and the speakers file
(READOUT_SPEAKERS or the shipped one). A quote matches when its span and the labelled one share at least
80 % of each one's characters; speaker accuracy is over the matched quotes (pipeline/enrich/quotes/evaluate.py).
The ``holdout`` part was never used to tune the rules. The CI floors are in
tests/fixtures/coverage/quotes/floors.yaml.

The cost lines time ``pipeline.extract.extract`` and ``extract_quotes`` on the news pages of the fixture sites
(tests/fixtures/sites/, the outlets' hosts), in this one run.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from pipeline.config import Settings
from pipeline.devsite import NEWS_HOSTS
from pipeline.enrich.quotes import extract_quotes
from pipeline.enrich.quotes.evaluate import Score, evaluate, load_labelled
from pipeline.enrich.speakers import speakers_for
from pipeline.errors import ExtractionError
from pipeline.extract import extract

REPO = Path(__file__).resolve().parents[1]
LABELLED = REPO / "tests" / "fixtures" / "coverage" / "quotes"
SITES = REPO / "tests" / "fixtures" / "sites"
PARTS = ("tune", "holdout", "blind")
LANGUAGES = ("en", "ru", "zh")
_NOT_PAGES = (".txt", ".headers", ".xml", ".rss", ".atom", ".gz")


def _row(name: str, score: Score) -> str:
    return (
        f"{name:<14} {score.documents:5d} {score.expected:6d} {score.predicted:6d} {score.precision:7.3f} "
        f"{score.recall:6.3f} {score.speaker_accuracy:9.3f}"
    )


def news_pages() -> list[tuple[bytes, str]]:
    """The (body, URL) of every news page of the fixture sites."""
    pages = []
    for host in NEWS_HOSTS:
        for page in sorted((SITES / host).rglob("*")):
            if page.is_file() and page.suffix not in _NOT_PAGES:
                pages.append((page.read_bytes(), f"https://{host}/{page.relative_to(SITES / host)}"))
    return pages


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--labels",
        type=Path,
        default=LABELLED / "labels.yaml",
        help="The labels file; its texts are in texts/ next to it (default: the tune/holdout set).",
    )
    parser.add_argument("--part", choices=PARTS, help="Only this part of the labelled set.")
    parser.add_argument("--errors", action="store_true", help="List every quote missed, extra or misattributed.")
    parser.add_argument("--repeat", type=int, default=20, help="Timing repetitions per page (default 20).")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    speakers = speakers_for(Settings())
    documents = [d for d in load_labelled(args.labels.resolve().parent) if args.part in (None, d.part)]
    scores = evaluate(documents, speakers)
    print(f"{'part/language':<14} {'docs':>5} {'quotes':>6} {'found':>6} {'P':>7} {'R':>6} {'speakers':>9}")
    for part in PARTS:
        for language in (*LANGUAGES, "all"):
            if (part, language) in scores:
                print(_row(f"{part}/{language}", scores[(part, language)]))
    if args.errors:
        for part in PARTS:
            for miss in scores.get((part, "all"), Score()).misses:
                print(f"  {part}: {miss}")

    extracted = []
    extract_seconds = 0.0
    for body, url in news_pages():
        try:
            start = time.perf_counter()
            for _ in range(args.repeat):
                document = extract(body, url=url)
            extract_seconds += time.perf_counter() - start
        except ExtractionError:
            continue  # a feed or listing page
        extracted.append(document)
    quote_seconds = 0.0
    found = 0
    for document in extracted:
        start = time.perf_counter()
        for _ in range(args.repeat):
            quotes = extract_quotes(document.text, language=document.language, speakers=speakers)
        quote_seconds += time.perf_counter() - start
        found += len(quotes)
    runs = max(1, len(extracted) * args.repeat)
    print(
        f"\ncost on {len(extracted)} fixture news pages ({found} quotes): extraction "
        f"{1000 * extract_seconds / runs:.2f} ms/document, quotes {1000 * quote_seconds / runs:.3f} ms/document "
        f"= {100 * quote_seconds / extract_seconds if extract_seconds else 0.0:.1f} % of extraction"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
