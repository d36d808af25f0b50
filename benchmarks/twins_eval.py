"""Twin briefings: how well briefings are paired with their other-language twin, their exchanges aligned and
the exchanges one language left out flagged, per part of the labelled set.

    .venv/bin/python benchmarks/twins_eval.py [--part tune|holdout] [--errors]

Reads tests/fixtures/history/twins/labels.yaml (invented Chinese/English and Russian/English twins and trap pairs;
how they are scored: pipeline/enrich/twins/evaluate.py) and the shipped speakers file. The ``holdout`` part was
written by another author and never used to tune the rules. The CI floors are in
tests/fixtures/history/twins/floors.yaml.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.enrich.speakers import default_speakers
from pipeline.enrich.twins.evaluate import PARTS, Score, evaluate, load_pairs

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "tests" / "fixtures" / "history" / "twins" / "labels.yaml"


def _row(part: str, score: Score) -> str:
    return (
        f"{part:<8} {score.pairs_labelled:5d} {score.traps:5d} {score.pair_precision:6.3f} {score.pair_recall:6.3f} "
        f"{score.pair_accuracy:6.3f} {score.exchanges_labelled:5d} {score.exchange_precision:6.3f} "
        f"{score.exchange_recall:6.3f} {score.missing_labelled:5d} {score.missing_precision:6.3f} "
        f"{score.missing_recall:6.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=PARTS, action="append", help="Only this part (repeatable).")
    parser.add_argument("--errors", action="store_true", help="List every miss.")
    args = parser.parse_args()
    pairs = load_pairs(LABELS)
    speakers = default_speakers()
    print(
        f"{'part':<8} {'twins':>5} {'traps':>5} {'pairP':>6} {'pairR':>6} {'pairOK':>6} {'exch':>5} {'exchP':>6} "
        f"{'exchR':>6} {'miss':>5} {'missP':>6} {'missR':>6}"
    )
    for part in args.part or PARTS:
        score = evaluate([pair for pair in pairs if pair.part == part], speakers)
        print(_row(part, score))
        if args.errors:
            for miss in score.misses:
                print(f"    {miss}")


if __name__ == "__main__":
    main()
