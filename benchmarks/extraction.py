"""Article-extraction quality and speed: Readout's ``extract`` against bare trafilatura.

Runs both on the Zyte/Scrapinghub article-extraction benchmark (181 news and blog pages, see
``../shared/data/README.md``) and scores them the way the benchmark defines it: ``\\w+`` Unicode tokens,
4-token shingles counted as multisets, per-page tp/fp/fn normalised by their sum, precision and recall
averaged over pages, F1 of the two means, and "accuracy" = share of pages whose token lists are
identical.

    .venv/bin/python benchmarks/extraction.py [--data PATH] [--json] [--check]

The data is read in place (never copied into the repository): ``--data``, else the environment variable
``READOUT_EXTRACTION_BENCHMARK``, else ``../shared/data/article-extraction-benchmark`` beside the
repository. Without it the script says "skipped" and exits 0. ``--check`` exits 1 when our F1 falls more
than ``TOLERANCE`` below ``benchmarks/extraction_baseline.json`` (a quality gate like trafilatura's
eval_gate.py); ``--write-baseline`` records the current numbers there.

Timing: "ours" is the whole ``extract()`` from bytes (decoding, two trafilatura passes at most,
metadata, dates); "bare" is ``trafilatura.extract(html_string)`` with default settings on the string
our decoder produced (decoding is not timed for bare). One process, one core, pages in a fixed order.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import trafilatura

from pipeline.errors import ExtractionError
from pipeline.extract import EXTRACTOR_VERSION, decode_html, extract

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "article-extraction-benchmark"
ENV_VAR = "READOUT_EXTRACTION_BENCHMARK"
BASELINE = Path(__file__).resolve().with_name("extraction_baseline.json")
#: How far F1 may fall below the pinned baseline before ``--check`` fails.
TOLERANCE = 0.005
SHINGLE_SIZE = 4

_TOKEN = re.compile(r"\w+")


# --- scoring (the benchmark's method) -----------------------------------------------------------------


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def shingles(tokens: Sequence[str], n: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Multiset of n-token shingles; a text shorter than n tokens is one shingle; no tokens, none."""
    if not tokens:
        return Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))


@dataclass(frozen=True, slots=True)
class PageScore:
    """Normalised tp/fp/fn of one page (they sum to 1 unless both texts are empty) and exact match."""

    tp: float
    fp: float
    fn: float
    exact: bool


def score_page(truth: str, prediction: str) -> PageScore:
    truth_tokens, predicted_tokens = tokenize(truth), tokenize(prediction)
    expected, got = shingles(truth_tokens), shingles(predicted_tokens)
    tp = sum((expected & got).values())
    fp = sum((got - expected).values())
    fn = sum((expected - got).values())
    total = tp + fp + fn
    if total:
        return PageScore(tp / total, fp / total, fn / total, truth_tokens == predicted_tokens)
    return PageScore(0.0, 0.0, 0.0, truth_tokens == predicted_tokens)


@dataclass(frozen=True, slots=True)
class Summary:
    f1: float
    precision: float
    recall: float
    accuracy: float
    pages: int


def summarize(scores: Sequence[PageScore]) -> Summary:
    """Mean precision and recall over pages, F1 of the means, accuracy.

    Precision (recall) is 1.0 on a page with fp = fn = 0; a page with tp + fp = 0 (tp + fn = 0) has no
    defined precision (recall) and is left out of that mean.
    """
    precisions: list[float] = []
    recalls: list[float] = []
    for s in scores:
        if s.fp == 0 and s.fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if s.tp + s.fp > 0:
            precisions.append(s.tp / (s.tp + s.fp))
        if s.tp + s.fn > 0:
            recalls.append(s.tp / (s.tp + s.fn))
    precision = statistics.fmean(precisions) if precisions else 0.0
    recall = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(s.exact for s in scores) / len(scores) if scores else 0.0
    return Summary(f1, precision, recall, accuracy, len(scores))


# --- running -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    page_id: str
    url: str
    truth: str
    body: bytes


def load_pages(data: Path, limit: int | None = None) -> list[Page]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth)[:limit]:
        body = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append(Page(page_id, truth[page_id]["url"], truth[page_id]["articleBody"], body))
    return pages


@dataclass(slots=True)
class Run:
    """One extractor's results over the benchmark."""

    name: str
    scores: list[PageScore] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def timing(self) -> dict[str, float]:
        ordered = sorted(self.seconds)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0
        return {
            "median_ms": statistics.median(ordered) * 1000 if ordered else 0.0,
            "p95_ms": p95 * 1000,
            "total_s": sum(ordered),
        }


def run_ours(pages: Sequence[Page]) -> Run:
    run = Run("ours")
    for page in pages:
        start = time.perf_counter()
        try:
            text = extract(page.body, url=page.url, content_type="text/html").text
        except ExtractionError as exc:
            text = ""
            run.failures.append(f"{page.page_id[:12]} {page.url}: {exc}")
        run.seconds.append(time.perf_counter() - start)
        run.scores.append(score_page(page.truth, text))
    return run


def run_bare(pages: Sequence[Page]) -> Run:
    run = Run("bare trafilatura")
    for page in pages:
        html_string, _ = decode_html(page.body, "text/html")
        start = time.perf_counter()
        text = trafilatura.extract(html_string) or ""
        run.seconds.append(time.perf_counter() - start)
        run.scores.append(score_page(page.truth, text))
    return run


def report(ours: Run, bare: Run, data: Path) -> dict[str, Any]:
    result: dict[str, Any] = {
        "data": str(data),
        "extractor_version": EXTRACTOR_VERSION,
        "trafilatura": trafilatura.__version__,
        "pages": len(ours.scores),
    }
    for run, key in ((ours, "ours"), (bare, "bare")):
        result[key] = {**asdict(summarize(run.scores)), **run.timing(), "failures": run.failures}
    result["time_ratio"] = result["ours"]["median_ms"] / result["bare"]["median_ms"] if bare.seconds else None
    return result


def print_table(result: dict[str, Any]) -> None:
    ours, bare = result["ours"], result["bare"]
    print(f"article-extraction benchmark: {result['pages']} pages from {result['data']}")
    print(f"extractor: {result['extractor_version']}")
    print()
    print(f"{'':18}{'F1':>8}{'precision':>11}{'recall':>8}{'accuracy':>10}{'median ms':>11}{'p95 ms':>9}")
    for label, row in (("ours (extract)", ours), ("bare trafilatura", bare)):
        print(
            f"{label:18}{row['f1']:8.4f}{row['precision']:11.4f}{row['recall']:8.4f}{row['accuracy']:10.4f}"
            f"{row['median_ms']:11.1f}{row['p95_ms']:9.1f}"
        )
    print()
    print(f"time ratio ours/bare (median): {result['time_ratio']:.2f}")
    print(f"pages where ours raised: {len(ours['failures'])}")
    for failure in ours["failures"]:
        print(f"  {failure}")


def check(result: dict[str, Any], baseline_path: Path) -> bool:
    """Whether F1 is within ``TOLERANCE`` of the pinned baseline (prints the verdict)."""
    baseline = json.loads(baseline_path.read_text(encoding="utf-8"))
    floor = float(baseline["f1"]) - TOLERANCE
    f1 = float(result["ours"]["f1"])
    verdict = "OK" if f1 >= floor else "FAIL"
    print(f"check: F1 {f1:.4f} vs baseline {floor + TOLERANCE:.4f} (floor {floor:.4f}): {verdict}", file=sys.stderr)
    return f1 >= floor


def write_baseline(result: dict[str, Any], baseline_path: Path) -> None:
    ours = result["ours"]
    baseline = {
        "f1": round(ours["f1"], 4),
        "precision": round(ours["precision"], 4),
        "recall": round(ours["recall"], 4),
        "accuracy": round(ours["accuracy"], 4),
        "pages": result["pages"],
        "extractor_version": result["extractor_version"],
    }
    baseline_path.write_text(json.dumps(baseline, indent=2) + "\n", encoding="utf-8")


def resolve_data(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_DATA


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help=f"benchmark folder (default: ${ENV_VAR} or {DEFAULT_DATA})")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if F1 < baseline - {TOLERANCE}")
    parser.add_argument("--baseline", type=Path, default=BASELINE, help="pinned baseline file")
    parser.add_argument("--write-baseline", action="store_true", help="record the current numbers as baseline")
    parser.add_argument("--limit", type=int, help="only the first N pages (quick runs; not for --check)")
    args = parser.parse_args(argv)
    if args.limit is not None and (args.check or args.write_baseline):
        parser.error("--limit cannot be combined with --check or --write-baseline (the baseline is all pages)")

    data = resolve_data(args.data)
    if not (data / "ground-truth.json").is_file() or not (data / "html").is_dir():
        print(f"skipped: data not found at {data} (set --data or {ENV_VAR})")
        return 0
    # trafilatura logs a warning for every page it gives up on; the table reports what matters.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    logging.getLogger("htmldate").setLevel(logging.ERROR)

    pages = load_pages(data, args.limit)
    # Warm-up outside the timings: first calls load trafilatura's stop lists, charset tables, etc.
    run_ours(pages[:1])
    run_bare(pages[:1])
    ours = run_ours(pages)
    bare = run_bare(pages)
    result = report(ours, bare, data)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    if args.write_baseline:
        write_baseline(result, args.baseline)
    if args.check and not check(result, args.baseline):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
