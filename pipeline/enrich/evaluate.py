"""Measuring the tagger on a labelled set: precision, recall and F1 per topic and micro-averaged.

The set lives in ``tests/fixtures/tagging/<lang>.yaml``: short texts written for the purpose, each with
the topics and countries a careful reader would give it (see the README there). The CI gate
(``tests/quality/test_tagging_quality.py``) and the benchmark (``benchmarks/tagging_eval.py``) both use
:func:`evaluate`; the floors the gate holds are in ``tests/fixtures/tagging/floors.yaml``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.enrich.enricher import Enricher
from pipeline.errors import ConfigError


class Example(BaseModel):
    """One labelled text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z]{2}-\d{3,}$")
    kind: Literal["briefing", "news"]
    title: str | None = None
    text: str = Field(min_length=1)
    topics: list[str]
    countries: list[str]
    split: Literal["dev", "test"]
    note: str | None = None

    @property
    def language(self) -> str:
        return self.id.split("-")[0]


def load_examples(folder: Path) -> list[Example]:
    """Every example in ``folder``'s ``*.yaml`` files except ``floors.yaml``; raises on a bad entry."""
    examples: list[Example] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "floors.yaml":
            continue
        entries = yaml.safe_load(path.read_text("utf-8")) or []
        for number, raw in enumerate(entries, start=1):
            try:
                example = Example.model_validate(raw)
            except ValidationError as exc:
                raise ConfigError(str(exc.errors()[0]["msg"]), file=str(path), entry=f"#{number}") from None
            if example.id in seen:
                raise ConfigError("duplicate id", file=str(path), entry=example.id)
            seen.add(example.id)
            examples.append(example)
    return examples


@dataclass
class Counts:
    """True positives, false positives and false negatives, and what follows from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass
class Miss:
    """One example the tagger got wrong, for reading the errors."""

    example: str
    kind: Literal["topics", "countries"]
    missing: list[str]
    extra: list[str]


@dataclass
class Evaluation:
    """Scores over a set of examples."""

    examples: int = 0
    topics: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    countries: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    misses: list[Miss] = field(default_factory=list)

    @staticmethod
    def micro(per_label: dict[str, Counts]) -> Counts:
        total = Counts()
        for counts in per_label.values():
            total.tp += counts.tp
            total.fp += counts.fp
            total.fn += counts.fn
        return total

    @property
    def topics_micro(self) -> Counts:
        return self.micro(self.topics)

    @property
    def countries_micro(self) -> Counts:
        return self.micro(self.countries)


def _score(per_label: dict[str, Counts], expected: Iterable[str], got: Iterable[str]) -> tuple[list[str], list[str]]:
    want, have = set(expected), set(got)
    for label in want & have:
        per_label[label].tp += 1
    for label in have - want:
        per_label[label].fp += 1
    for label in want - have:
        per_label[label].fn += 1
    return sorted(want - have), sorted(have - want)


def evaluate(enricher: Enricher, examples: Sequence[Example]) -> Evaluation:
    """Tag every example with ``enricher`` and compare with its labels."""
    evaluation = Evaluation()
    for example in examples:
        evaluation.examples += 1
        result = enricher.enrich(example.title, example.text, declared_language=example.language)
        for kind, per_label, expected, got in (
            ("topics", evaluation.topics, example.topics, result.topics),
            ("countries", evaluation.countries, example.countries, result.countries),
        ):
            missing, extra = _score(per_label, expected, got)
            if missing or extra:
                evaluation.misses.append(Miss(example.id, kind, missing, extra))  # type: ignore[arg-type]
    return evaluation


def format_table(per_label: dict[str, Counts], title: str) -> str:
    """A plain-text table of P/R/F1 per label, with the micro average last."""
    lines = [f"{title:<24} {'P':>6} {'R':>6} {'F1':>6} {'support':>8} {'tp':>4} {'fp':>4} {'fn':>4}"]
    rows = sorted(per_label.items(), key=lambda item: (item[1].f1, item[0]))
    for label, counts in [*rows, ("micro", Evaluation.micro(per_label))]:
        if label == "micro":
            lines.append("-" * len(lines[0]))
        lines.append(
            f"{label:<24} {counts.precision:6.3f} {counts.recall:6.3f} {counts.f1:6.3f} {counts.support:8d}"
            f" {counts.tp:4d} {counts.fp:4d} {counts.fn:4d}"
        )
    return "\n".join(lines)
