"""Coverage quality: links from news quotes to briefing exchanges and the verdicts on them (precision,
recall, accuracy per verdict class), per part and language of the labelled attribution set; then the
near-duplicate pair precision and recall of the duplicates set.

    .venv/bin/python benchmarks/coverage_eval.py [--part tune|...|tune11|holdout|...|holdout10] [--errors]
        [--meaning both|on|off]

Reads tests/fixtures/coverage/attribution/<part>.yaml (invented briefings and articles; how they are scored:
pipeline/enrich/coverage/evaluate.py) and the shipped rules and speakers file. Every part was written by
someone who never read the rules; ``tune`` to ``tune11`` are tuned on, ``holdout`` to ``holdout10`` were never
used to tune them: ``--errors`` lists the misses of the tune parts only (a holdout's are never printed). The CI
floors are in tests/fixtures/coverage/floors.yaml. Each part is scored twice by default: by the word rules alone
and with the model that matches by meaning (pipeline/enrich/coverage/meaning.py), as ingest runs.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from pipeline.config import DEFAULT_DUPLICATE_THRESHOLD, Settings
from pipeline.enrich.coverage.evaluate import VERDICTS, Score, evaluate, load_part
from pipeline.enrich.coverage.meaning import Meaning
from pipeline.enrich.dedup.evaluate import evaluate as dedup_evaluate
from pipeline.enrich.dedup.evaluate import load_labelled
from pipeline.enrich.enricher import build_enricher
from pipeline.enrich.speakers import speakers_for

REPO = Path(__file__).resolve().parents[1]
LABELLED = REPO / "tests" / "fixtures" / "coverage" / "attribution"
DUPLICATES = REPO / "tests" / "fixtures" / "coverage" / "duplicates"
PARTS = (
    "tune",
    "tune2",
    "tune3",
    "tune4",
    "tune5",
    "tune6",
    "tune7",
    "tune8",
    "tune9",
    "tune10",
    "tune11",
    "holdout",
    "holdout2",
    "holdout3",
    "holdout4",
    "holdout5",
    "holdout6",
    "holdout7",
    "holdout8",
    "holdout9",
    "holdout10",
)


def _row(name: str, score: Score) -> str:
    verdicts = " ".join(f"{score.accuracy(v) if score.verdict_total[v] else float('nan'):6.3f}" for v in VERDICTS)
    return (
        f"{name:<12} {score.articles:4d} {score.links_expected:5d} {score.links_predicted:5d} "
        f"{score.link_precision:6.3f} {score.link_recall:6.3f} {score.accuracy():6.3f} {verdicts} "
        f"{score.difference_recall:6.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=PARTS, action="append", help="Only this part (repeatable).")
    parser.add_argument("--errors", action="store_true", help="List every miss of the tune parts.")
    parser.add_argument(
        "--meaning",
        choices=("both", "on", "off"),
        default="both",
        help="Score with the model that matches by meaning, without it (the word rules alone), or both (default).",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    config = REPO / "config"
    settings = Settings(
        sources=config / "sources.yaml", topics=config / "topics.yaml", countries=config / "countries.yaml"
    )
    enricher = build_enricher(settings)
    speakers = speakers_for(settings)
    header = (
        f"{'part/lang':<12} {'arts':>4} {'links':>5} {'pred':>5} {'P':>6} {'R':>6} {'acc':>6} "
        + " ".join(f"{v[:6]:>6}" for v in VERDICTS)
        + f" {'diffs':>6}"
    )
    meaning = Meaning()
    models: list[Meaning | None] = (
        [None, meaning] if args.meaning == "both" else [meaning if args.meaning == "on" else None]
    )
    for part in args.part or PARTS:
        labelled = load_part(LABELLED / f"{part}.yaml")
        for model in models:
            scores = evaluate(labelled, enricher, speakers, model)
            print(f"== {part} ({'rules and meaning' if model else 'word rules alone'})")
            print(header)
            for name in sorted(scores, key=lambda n: (n == "all", n)):
                print(_row(name if name != "all" else "all", scores[name]))
            if args.errors and not part.startswith("holdout"):
                for error in scores["all"].errors:
                    print("  ", " | ".join(map(str, error)))
    # The near-duplicate pairs of the same issue (`make eval-dedup` has the threshold sweep and the cost).
    with tempfile.TemporaryDirectory() as tmp:
        pairs = dedup_evaluate(load_labelled(DUPLICATES), DEFAULT_DUPLICATE_THRESHOLD, Path(tmp))
    print(f"== near-duplicate pairs at threshold {DEFAULT_DUPLICATE_THRESHOLD}")
    for part, score in pairs.items():
        print(f"{part:<12} pairs {score.pairs:5d}  precision {score.precision:6.3f}  recall {score.recall:6.3f}")


if __name__ == "__main__":
    main()
