"""Tagging quality on the labelled set: precision, recall and F1 per topic and per country, micro-averaged.

    .venv/bin/python benchmarks/tagging_eval.py [--split dev|test] [--errors] [--countries]

Reads the labelled texts in ``tests/fixtures/tagging/`` and the rules in ``config/`` (or READOUT_TOPICS /
READOUT_COUNTRIES). Prints one table per kind of label (worst first), the micro averages per language and
per split, and with ``--errors`` every text the tagger got wrong, with what it missed and what it added.
The CI floors are in ``tests/fixtures/tagging/floors.yaml``.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from pipeline.config import Settings
from pipeline.enrich import load_enricher
from pipeline.enrich.evaluate import evaluate, format_table, load_examples

LABELLED_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "tagging"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), help="Only this split of the labelled set.")
    parser.add_argument("--errors", action="store_true", help="List every text the tagger got wrong.")
    parser.add_argument("--countries", action="store_true", help="Also print the per-country table.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    enricher = load_enricher(Settings())
    for problem in enricher.problems:
        print(f"rules problem: {problem}")
    examples = [e for e in load_examples(LABELLED_DIR) if args.split is None or e.split == args.split]
    evaluation = evaluate(enricher, examples)
    print(f"{len(examples)} labelled texts, rules {enricher.version}\n")
    print(format_table(evaluation.topics, "topic"))
    print()
    if args.countries:
        print(format_table(evaluation.countries, "country"))
        print()
    rows = []
    for language in sorted({e.language for e in examples}):
        rows.append((f"language {language}", [e for e in examples if e.language == language]))
    for split in ("dev", "test"):
        rows.append((f"split {split}", [e for e in examples if e.split == split]))
    print(f"{'subset':<16} {'texts':>6} {'topics P':>9} {'R':>6} {'F1':>6} {'countries P':>12} {'R':>6} {'F1':>6}")
    for label, subset in [*rows, ("all", examples)]:
        if not subset:
            continue
        part = evaluate(enricher, subset)
        topics, countries = part.topics_micro, part.countries_micro
        print(
            f"{label:<16} {len(subset):6d} {topics.precision:9.3f} {topics.recall:6.3f} {topics.f1:6.3f}"
            f" {countries.precision:12.3f} {countries.recall:6.3f} {countries.f1:6.3f}"
        )
    if args.errors:
        print("\nerrors (missing = labelled but not tagged, extra = tagged but not labelled):")
        for miss in evaluation.misses:
            print(f"  {miss.example:<8} {miss.kind:<9} missing {miss.missing or '-'}  extra {miss.extra or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
