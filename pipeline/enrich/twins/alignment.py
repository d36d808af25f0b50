"""Aligning the exchanges of a briefing with those of its twin in another language, without translating.

Each pair of exchanges (one from each version, of the same kind: announcement or exchange) gets a score from
what survives translation:

* **outlet**: the asking outlet's id (config/speakers.yaml makes 法新社, AFP and Франс Пресс all ``afp``): the
  same id is strong evidence, two different ids strong evidence against;
* **figures, dates and names** (:mod:`pipeline.enrich.twins.features`), each weighted by how rare it is among
  the exchanges of the two versions ("China" or "2024" in every exchange says nothing);
* **length**: the answer's length against the one expected from the two versions' overall length ratio
  (a Chinese answer is about a third of the English one in characters, a Russian one about as long);
* **order**: the two exchanges' relative places in their versions (a ministry publishes the exchanges in the
  order they were asked; one may move, so order is evidence, not a rule);
* **follow-up**: an exchange continuing the previous outlet's questioning in one version and not the other.

Exchanges are paired in order first: a dynamic programme over the two sequences keeps the in-order pairs whose
scores above :data:`MATCH_THRESHOLD` sum highest, skipping an exchange of either version at no cost (a missing
exchange leaves no slot for itself). The exchanges left over on both sides may still pair when their evidence is
strong without the order (:data:`MOVED_THRESHOLD`; scipy's ``linear_sum_assignment`` over the leftovers): an
exchange published in another place. What is left is missing from the other version. On the ``tune`` part of
tests/fixtures/history/twins/labels.yaml (``benchmarks/twins_eval.py``) every threshold from -1.4 to 0.5 and every
moved threshold from -0.2 to 1.0 scores 1.0; the weights were set by hand before that sweep, the thresholds kept
at 0.45 (under the lowest true pair, 0.52) and 0.8.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from pipeline.enrich.twins.features import features

#: The weights of the evidence (see the module's docstring) and the score a pair needs.
OUTLET_WEIGHT = 0.6
FEATURE_WEIGHT = 0.6
LENGTH_WEIGHT = 0.25
ORDER_WEIGHT = 0.35
FOLLOW_UP_WEIGHT = 0.15
MATCH_THRESHOLD = 0.45
#: The score a pair of exchanges published in different places needs (no order to support it).
MOVED_THRESHOLD = 0.8
#: How far (natural log) an answer's length may stray from the expected one before the length evidence halves.
LENGTH_TOLERANCE = 0.35
#: The cost of a pair of different kinds (an announcement and an exchange): never chosen over leaving both out.
_FORBIDDEN = 1e6


@dataclass(frozen=True, slots=True)
class ExchangeView:
    """What the aligner reads of one exchange or announcement."""

    #: The caller's name for it (a turn id, a position).
    key: str
    #: "announcement" or "exchange".
    kind: str
    question: str
    answer: str
    #: The asking outlet's normalised id (for a follow-up, that of the question it follows); None when unknown.
    outlet_id: str | None = None
    #: A question that names no outlet of its own and continues the previous exchange's questioning.
    follow_up: bool = False


@dataclass(frozen=True, slots=True)
class Alignment:
    """The exchanges of two versions paired: ``pairs`` are (left index, right index, score) in left order."""

    pairs: tuple[tuple[int, int, float], ...]
    left_unmatched: tuple[int, ...]
    right_unmatched: tuple[int, ...]
    left_size: int
    right_size: int
    #: The score of each considered pair, for explaining a decision (``scores[i][j]``).
    scores: tuple[tuple[float, ...], ...] = field(default=(), repr=False)

    @property
    def agreement(self) -> float:
        """The share of all exchanges (both versions) that found their counterpart, 0 for two empty versions."""
        total = self.left_size + self.right_size
        return 2 * len(self.pairs) / total if total else 0.0

    @property
    def total(self) -> float:
        """The summed score of the accepted pairs (how two candidate twins are compared)."""
        return sum(score for _, _, score in self.pairs)


def align(left: Sequence[ExchangeView], right: Sequence[ExchangeView]) -> Alignment:
    """Pair the exchanges of two versions of one briefing (see the module's docstring)."""
    if not left or not right:
        return Alignment((), tuple(range(len(left))), tuple(range(len(right))), len(left), len(right))
    scores = score_matrix(left, right)
    chosen = _in_order(scores, MATCH_THRESHOLD)
    chosen += _moved(scores, chosen, MOVED_THRESHOLD)
    pairs = tuple(sorted((i, j, scores[i][j]) for i, j in chosen))
    left_paired = {i for i, _, _ in pairs}
    right_paired = {j for _, j, _ in pairs}
    return Alignment(
        pairs,
        tuple(i for i in range(len(left)) if i not in left_paired),
        tuple(j for j in range(len(right)) if j not in right_paired),
        len(left),
        len(right),
        tuple(tuple(row) for row in scores),
    )


def _in_order(scores: list[list[float]], threshold: float) -> list[tuple[int, int]]:
    """The pairs, in the same order in both versions, whose scores above ``threshold`` sum highest (a dynamic
    programme over the two sequences, skipping an exchange of either version at no cost)."""
    n, m = len(scores), len(scores[0])
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            gain = scores[i][j] - threshold
            take = best[i + 1][j + 1] + gain if gain >= 0 else -math.inf
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        gain = scores[i][j] - threshold
        if gain >= 0 and best[i][j] == best[i + 1][j + 1] + gain:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _moved(scores: list[list[float]], chosen: list[tuple[int, int]], threshold: float) -> list[tuple[int, int]]:
    """Among the exchanges left over, the pairs published in another place whose evidence is strong enough
    without the order (``threshold``): the assignment of the highest total (scipy's linear_sum_assignment)."""
    lefts = [i for i in range(len(scores)) if i not in {a for a, _ in chosen}]
    rights = [j for j in range(len(scores[0])) if j not in {b for _, b in chosen}]
    if not lefts or not rights:
        return []
    matrix = np.array([[scores[i][j] for j in rights] for i in lefts], dtype=float)
    rows, columns = linear_sum_assignment(np.where(np.isfinite(matrix), -matrix, _FORBIDDEN))
    return [
        (lefts[row], rights[column])
        for row, column in zip(rows, columns, strict=True)
        if math.isfinite(matrix[row, column]) and matrix[row, column] >= threshold
    ]


def score_matrix(left: Sequence[ExchangeView], right: Sequence[ExchangeView]) -> list[list[float]]:
    """The score of every (left, right) pair; ``-inf`` for two of different kinds."""
    left_keys = [features(f"{view.question}\n{view.answer}") for view in left]
    right_keys = [features(f"{view.question}\n{view.answer}") for view in right]
    weights = _rarity([*left_keys, *right_keys])
    ratio = _length_ratio(left, right)
    return [
        [
            _score(a, b, i, j, len(left), len(right), left_keys[i], right_keys[j], weights, ratio)
            for j, b in enumerate(right)
        ]
        for i, a in enumerate(left)
    ]


def _score(
    a: ExchangeView,
    b: ExchangeView,
    i: int,
    j: int,
    n: int,
    m: int,
    a_keys: frozenset[str],
    b_keys: frozenset[str],
    weights: dict[str, float],
    ratio: float,
) -> float:
    if a.kind != b.kind:
        return -math.inf
    outlet = 0.0
    if a.outlet_id and b.outlet_id:
        outlet = 1.0 if a.outlet_id == b.outlet_id else -1.0
    follow_up = 0.0 if a.follow_up == b.follow_up else -1.0
    order = 1.0 - abs(_place(i, n) - _place(j, m))
    return (
        OUTLET_WEIGHT * outlet
        + FEATURE_WEIGHT * _shared(a_keys, b_keys, weights)
        + LENGTH_WEIGHT * _length_fit(a, b, ratio)
        + ORDER_WEIGHT * (2 * order - 1)
        + FOLLOW_UP_WEIGHT * follow_up
    )


def _place(index: int, size: int) -> float:
    return index / (size - 1) if size > 1 else 0.5


def _rarity(keyed: Sequence[frozenset[str]]) -> dict[str, float]:
    """Each key's weight: high for a key few exchanges have (inverse document frequency over both versions)."""
    counts: Counter[str] = Counter(key for keys in keyed for key in keys)
    total = len(keyed)
    return {key: math.log(1.0 + total / count) for key, count in counts.items()}


def _shared(a: frozenset[str], b: frozenset[str], weights: dict[str, float]) -> float:
    """The weighted overlap of two key sets (a cosine over sets: 1 when they are the same)."""
    if not a or not b:
        return 0.0
    common = sum(weights[key] for key in a & b)
    return common / math.sqrt(sum(weights[key] for key in a) * sum(weights[key] for key in b))


def _size(text: str) -> int:
    return sum(1 for char in text if not char.isspace())


def _length_ratio(left: Sequence[ExchangeView], right: Sequence[ExchangeView]) -> float:
    """How much longer the right version's answers are than the left's, overall."""
    return (sum(_size(view.answer) for view in right) + 1) / (sum(_size(view.answer) for view in left) + 1)


def _length_fit(a: ExchangeView, b: ExchangeView, ratio: float) -> float:
    """1 when the right answer is as long as expected from the left one, falling towards 0 as it strays."""
    expected = (_size(a.answer) + 1) * ratio
    stray = abs(math.log((_size(b.answer) + 1) / expected))
    return float(0.5 ** (stray / LENGTH_TOLERANCE))
