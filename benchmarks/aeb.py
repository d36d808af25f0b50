"""The article-extraction benchmark (Zyte/Scrapinghub, 181 pages): loading, folds and the benchmark's scoring.

The data is third-party and is read in place, never copied into the repository (see
``../shared/data/README.md``): ``--data``, else ``$READOUT_EXTRACTION_BENCHMARK``, else
``../shared/data/article-extraction-benchmark`` beside the repository.

Folds: every page belongs to one of ``FOLDS`` folds by a stable hash of its id (the SHA-256 of its URL),
``sha256("readout-fold:" + id) mod FOLDS``: the same page is always in the same fold, whatever the
order, subset or machine. Fold ``HELD_OUT_FOLD`` is the held-out part: it is never used to decide an
option or rule (decisions are taken on the other, "tuning", folds) and its numbers are reported apart.

Scoring, as the benchmark defines it: ``\\w+`` Unicode tokens, 4-token shingles counted as multisets,
per-page tp/fp/fn normalised by their sum, precision and recall averaged over pages, F1 of the two
means, and "accuracy" = share of pages whose token lists are identical.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "article-extraction-benchmark"
ENV_VAR = "READOUT_EXTRACTION_BENCHMARK"
SHINGLE_SIZE = 4
#: Number of folds, and the one held out (see module doc). Fixed before any rule was judged by them.
FOLDS = 5
HELD_OUT_FOLD = 0
TUNING_FOLDS = tuple(fold for fold in range(FOLDS) if fold != HELD_OUT_FOLD)

_TOKEN = re.compile(r"\w+")


# --- data ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    page_id: str
    url: str
    truth: str
    body: bytes

    @property
    def fold(self) -> int:
        return fold_of(self.page_id)


def fold_of(page_id: str) -> int:
    """The page's fold: a stable hash of its id (see module doc)."""
    digest = hashlib.sha256(f"readout-fold:{page_id}".encode()).hexdigest()
    return int(digest, 16) % FOLDS


def load_pages(data: Path, limit: int | None = None) -> list[Page]:
    """The benchmark's pages in id order (the first ``limit`` of them)."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth)[:limit]:
        body = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append(Page(page_id, truth[page_id]["url"], truth[page_id]["articleBody"], body))
    return pages


def resolve_data(arg: str | None) -> Path:
    """``--data``, else the environment variable, else the default place beside the repository."""
    if arg:
        return Path(arg)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_DATA


def has_data(data: Path) -> bool:
    return (data / "ground-truth.json").is_file() and (data / "html").is_dir()


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


def f1_of(pages: Sequence[Page], texts: Sequence[str], folds: Sequence[int]) -> float:
    """F1 of ``texts`` (one per page) over the pages in ``folds``."""
    return summarize([score_page(p.truth, t) for p, t in zip(pages, texts, strict=True) if p.fold in folds]).f1
