"""Article-extraction quality and speed: Readout's ``extract`` against bare trafilatura, side by side.

Runs both on the Zyte/Scrapinghub article-extraction benchmark (181 news and blog pages, see
``../shared/data/README.md`` and :mod:`aeb` for the data, the folds and the benchmark's scoring) and prints:

* quality of both (F1, precision, recall, accuracy) on all pages, on the tuning folds and on the held-out
  fold (never used to decide anything);
* the time ratio ours/bare, measured in the same run on the same pages: for each page the two are run
  one right after the other, in an order that alternates from page to page and from round to round,
  ``--repeat`` rounds, and each page's fastest time of each is kept, so a burst of load on
  the shared machine hits both alike. Ratios of the sums and the median of the per-page ratios;
* the fold test of every option and rule beyond trafilatura's defaults (:mod:`extraction_folds`).

    .venv/bin/python benchmarks/extraction.py [--data PATH] [--repeat 3] [--json] [--check]

"ours" is the whole ``extract()`` from bytes (decoding, parsing, the trafilatura pass, metadata, dates);
"bare" is ``trafilatura.extract(html_string)`` with default settings on the string our decoder produced
(its decoding is not timed, which favours bare). One process, one core.

Without the data the script says "skipped" and exits 0. ``--check`` exits 1 when our F1 on all pages,
or on the held-out fold, falls more than ``TOLERANCE`` below ``benchmarks/extraction_baseline.json``
(a quality gate like trafilatura's eval_gate.py); ``--write-baseline`` records the current numbers there.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import trafilatura
from aeb import (
    ENV_VAR,
    FOLDS,
    HELD_OUT_FOLD,
    TUNING_FOLDS,
    Page,
    PageScore,
    has_data,
    load_pages,
    resolve_data,
    score_page,
    summarize,
)
from extraction_folds import fold_test, page_variants, print_fold_table

from pipeline.errors import ExtractionError
from pipeline.extract import EXTRACTOR_VERSION, decode_html, extract

__all__ = ["load_pages", "resolve_data"]  # also used by tagging_speed.py

BASELINE = Path(__file__).resolve().with_name("extraction_baseline.json")
#: How far F1 may fall below the pinned baseline before ``--check`` fails.
TOLERANCE = 0.005
PARTS = (("all", tuple(range(FOLDS))), ("tuning", TUNING_FOLDS), ("held-out", (HELD_OUT_FOLD,)))


@dataclass(slots=True)
class Run:
    """One extractor's results over the benchmark: text, title and fastest time per page."""

    name: str
    texts: list[str] = field(default_factory=list)
    titles: list[str | None] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def scores(self, pages: Sequence[Page], folds: Sequence[int]) -> list[PageScore]:
        return [score_page(p.truth, t) for p, t in zip(pages, self.texts, strict=True) if p.fold in folds]


def _ours(page: Page) -> tuple[str, str | None, str | None]:
    """(text, title, failure) of our extract()."""
    try:
        document = extract(page.body, url=page.url, content_type="text/html")
    except ExtractionError as exc:
        return "", None, f"{page.page_id[:12]} {page.url}: {exc}"
    return document.text, document.title, None


def run_side_by_side(pages: Sequence[Page], repeat: int) -> tuple[Run, Run]:
    """Ours and bare on each page in turn, alternating which goes first; each page's fastest time of each."""
    decoded = [decode_html(page.body, "text/html")[0] for page in pages]  # bare's input, not timed
    ours, bare = Run("ours"), Run("bare trafilatura")
    ours.seconds = [float("inf")] * len(pages)
    bare.seconds = [float("inf")] * len(pages)
    for round_number in range(repeat):
        for i, page in enumerate(pages):
            ours_first = (i + round_number) % 2 == 0
            for which in ("ours", "bare") if ours_first else ("bare", "ours"):
                start = time.perf_counter()
                if which == "ours":
                    text, title, failure = _ours(page)
                else:
                    text = trafilatura.extract(decoded[i]) or ""
                elapsed = time.perf_counter() - start
                run = ours if which == "ours" else bare
                run.seconds[i] = min(run.seconds[i], elapsed)
                if round_number == 0:
                    run.texts.append(text)
                    if which == "ours":
                        ours.titles.append(title)
                        if failure:
                            ours.failures.append(failure)
    return ours, bare


def report(pages: Sequence[Page], ours: Run, bare: Run, data: Path, repeat: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "data": str(data),
        "extractor_version": EXTRACTOR_VERSION,
        "trafilatura": trafilatura.__version__,
        "pages": len(pages),
        "held_out_fold": HELD_OUT_FOLD,
        "folds": FOLDS,
        "repeat": repeat,
    }
    for run, key in ((ours, "ours"), (bare, "bare")):
        result[key] = {part: asdict(summarize(run.scores(pages, folds))) for part, folds in PARTS}
        result[key]["median_ms"] = statistics.median(run.seconds) * 1000
        result[key]["total_s"] = sum(run.seconds)
        result[key]["failures"] = run.failures if run is ours else []
    ratios = [o / b for o, b in zip(ours.seconds, bare.seconds, strict=True) if b > 0]
    result["time_ratio_total"] = result["ours"]["total_s"] / result["bare"]["total_s"]
    result["time_ratio_median_page"] = statistics.median(ratios)
    return result


def print_table(result: dict[str, Any]) -> None:
    print(f"article-extraction benchmark: {result['pages']} pages from {result['data']}")
    print(f"extractor: {result['extractor_version']}")
    print()
    print(f"{'':18}{'part':10}{'pages':>6}{'F1':>8}{'precision':>11}{'recall':>8}{'accuracy':>10}")
    for label, key in (("ours (extract)", "ours"), ("bare trafilatura", "bare")):
        for part, _ in PARTS:
            row = result[key][part]
            print(
                f"{label:18}{part:10}{row['pages']:>6}{row['f1']:8.4f}{row['precision']:11.4f}"
                f"{row['recall']:8.4f}{row['accuracy']:10.4f}"
            )
    print(f"(held-out = fold {result['held_out_fold']} of {result['folds']}; tuning = the other folds)")
    print()
    ours, bare = result["ours"], result["bare"]
    print(
        f"time, side by side, fastest of {result['repeat']} per page: ours {ours['total_s']:.2f} s"
        f" (median {ours['median_ms']:.1f} ms/page), bare {bare['total_s']:.2f} s"
        f" (median {bare['median_ms']:.1f} ms/page)"
    )
    print(
        f"time ratio ours/bare: {result['time_ratio_total']:.2f} (sums), "
        f"{result['time_ratio_median_page']:.2f} (median of per-page ratios)"
    )
    print(f"pages where ours raised: {len(ours['failures'])}")
    for failure in ours["failures"]:
        print(f"  {failure}")


def check(result: dict[str, Any], baseline_path: Path) -> bool:
    """Whether F1 (all pages and held-out fold) is within ``TOLERANCE`` of the pinned baseline (prints it)."""
    baseline = json.loads(baseline_path.read_text(encoding="utf-8"))
    ok = True
    for part, key in (("all", "f1"), ("held-out", "held_out_f1")):
        if key not in baseline:
            continue
        floor = float(baseline[key]) - TOLERANCE
        f1 = float(result["ours"][part]["f1"])
        verdict = "OK" if f1 >= floor else "FAIL"
        print(f"check: F1 {part} {f1:.4f} vs baseline {float(baseline[key]):.4f} (floor {floor:.4f}): {verdict}")
        ok = ok and f1 >= floor
    return ok


def write_baseline(result: dict[str, Any], baseline_path: Path) -> None:
    ours = result["ours"]["all"]
    baseline = {
        "f1": round(ours["f1"], 4),
        "precision": round(ours["precision"], 4),
        "recall": round(ours["recall"], 4),
        "accuracy": round(ours["accuracy"], 4),
        "held_out_f1": round(result["ours"]["held-out"]["f1"], 4),
        "tuning_f1": round(result["ours"]["tuning"]["f1"], 4),
        "pages": result["pages"],
        "extractor_version": result["extractor_version"],
    }
    baseline_path.write_text(json.dumps(baseline, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", help=f"benchmark folder (default: ${ENV_VAR} or ../shared/data/...)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if F1 < baseline - {TOLERANCE}")
    parser.add_argument("--baseline", type=Path, default=BASELINE, help="pinned baseline file")
    parser.add_argument("--write-baseline", action="store_true", help="record the current numbers as baseline")
    parser.add_argument("--repeat", type=int, default=3, help="timing rounds; each page's fastest is kept")
    parser.add_argument("--no-folds", action="store_true", help="skip the fold test (3 more passes a page)")
    parser.add_argument("--limit", type=int, help="only the first N pages (quick runs; not for --check)")
    args = parser.parse_args(argv)
    if args.limit is not None and (args.check or args.write_baseline):
        parser.error("--limit cannot be combined with --check or --write-baseline (the baseline is all pages)")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    data = resolve_data(args.data)
    if not has_data(data):
        print(f"skipped: data not found at {data} (set --data or {ENV_VAR})")
        return 0
    # trafilatura logs a warning for every page it gives up on; the table reports what matters.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    logging.getLogger("htmldate").setLevel(logging.ERROR)

    pages = load_pages(data, args.limit)
    # Warm-up outside the timings: first calls load trafilatura's stop lists, charset tables, etc.
    run_side_by_side(pages[:2], 1)
    ours, bare = run_side_by_side(pages, args.repeat)
    result = report(pages, ours, bare, data, args.repeat)
    lines: list[str] = []
    if not args.no_folds:
        variants = [page_variants(page, title) for page, title in zip(pages, ours.titles, strict=True)]
        verdicts = fold_test(pages, variants)
        mismatches = sum(v.pipeline != text for v, text in zip(variants, ours.texts, strict=True))
        print_fold_table(verdicts, mismatches, lines.append)
        result["fold_test"] = {
            "mismatches": mismatches,
            "verdicts": [
                {
                    **asdict(v),
                    "candidate": v.candidate.name,
                    "in_pipeline": v.candidate.in_pipeline,
                    "verdict": v.verdict,
                    "agrees": v.agrees,
                }
                for v in verdicts
            ],
        }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
        print()
        print("\n".join(lines))
    # Check against the pinned numbers before any new ones are written over them.
    passed = check(result, args.baseline) if args.check else True
    if args.write_baseline:
        write_baseline(result, args.baseline)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
