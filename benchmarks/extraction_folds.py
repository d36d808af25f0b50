"""The fold test: does each of ``extract()``'s choices beyond trafilatura's defaults generalise?

Every option or rule that Readout adds to a plain trafilatura pass is a *candidate*. For each one the
pipeline's text is compared with the text that differs only by that candidate (without it when
``extract()`` uses it, with it when it does not), fold by fold (folds: :mod:`aeb`). A candidate is kept
when it raises F1 on a majority of the tuning folds and does not lower it on the held-out fold (one that
changes no page at all is "neutral", and cost decides); the verdict is printed beside what ``extract()``
does today, so a disagreement shows.

The pipeline's text is rebuilt here from the same public pieces ``extract()`` uses
(:func:`~pipeline.extract.html.trafilatura_text` with :data:`~pipeline.extract.html.GENERIC_OPTIONS`, then
``drop_title`` and ``drop_widget_lines``), and checked against ``extract()``'s own output page by page:
the number of pages where they differ is reported, and should be 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from aeb import FOLDS, HELD_OUT_FOLD, TUNING_FOLDS, Page, PageScore, f1_of, score_page

from pipeline.extract import decode_html
from pipeline.extract.html import GENERIC_OPTIONS, parse_html, trafilatura_text
from pipeline.extract.text import drop_title, drop_widget_lines, join_paragraphs, split_paragraphs

#: The balanced fallback that ``extract()`` had until readout-extract/3 (a second pass when precision mode
#: keeps under this many characters and under half of what balanced mode keeps). It stays a candidate here
#: so that the fold test keeps saying why it went.
FALLBACK_SHORT = 1000
FALLBACK_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    what: str
    #: Whether ``extract()`` uses it today.
    in_pipeline: bool


CANDIDATES = (
    Candidate("favor_precision", "trafilatura favor_precision=True (default False)", True),
    Candidate(
        "no_comments",
        "trafilatura include_comments=False (default True); the body is the same either way, this is cheaper",
        True,
    ),
    Candidate("drop_title", "drop a first line that repeats the title", True),
    Candidate("drop_widget_lines", "drop lines that are only a widget label", True),
    Candidate("balanced_fallback", "2nd, balanced pass when precision output is short", False),
    Candidate("fast", "trafilatura fast=True: no readability/jusText comparison (default False)", False),
)


@dataclass(frozen=True, slots=True)
class PageVariants:
    """The pipeline's text of one page, and for each candidate the text that differs only by it."""

    pipeline: str
    variants: dict[str, str]


def page_variants(page: Page, title: str | None) -> PageVariants:
    """Three trafilatura passes (the pipeline's, with comments, balanced) and the line rules on top.

    ``title`` is the title ``extract()`` found (``drop_title`` compares with it).
    """
    decoded, _ = decode_html(page.body, "text/html")
    tree = parse_html(decoded)
    if tree is None:
        return PageVariants("", {candidate.name: "" for candidate in CANDIDATES})

    def text(options_text: str, *, title_rule: bool = True, widget_rule: bool = True) -> str:
        paragraphs = split_paragraphs(options_text)
        if title_rule:
            paragraphs = drop_title(paragraphs, title)
        if widget_rule:
            paragraphs = drop_widget_lines(paragraphs)
        return join_paragraphs(paragraphs)

    precise = trafilatura_text(tree, page.url, GENERIC_OPTIONS)
    balanced = trafilatura_text(tree, page.url, replace(GENERIC_OPTIONS, favor_precision=False))
    with_comments = trafilatura_text(tree, page.url, replace(GENERIC_OPTIONS, include_comments=True))
    fallback = len(precise) < FALLBACK_SHORT and len(precise) < FALLBACK_SHARE * len(balanced)
    variants = {
        "favor_precision": text(balanced),
        "no_comments": text(with_comments),
        "drop_title": text(precise, title_rule=False),
        "drop_widget_lines": text(precise, widget_rule=False),
        "balanced_fallback": text(balanced if fallback else precise),
        "fast": text(trafilatura_text(tree, page.url, replace(GENERIC_OPTIONS, fast=True))),
    }
    return PageVariants(text(precise), variants)


@dataclass(frozen=True, slots=True)
class Verdict:
    candidate: Candidate
    #: F1 with the candidate minus F1 without it, per fold (index = fold number), and over all pages.
    effect: tuple[float, ...]
    effect_all: float
    tuning_helped: int
    pages_changed: int
    pages_better: int
    pages_worse: int

    @property
    def verdict(self) -> str:
        """ "keep": helps on a majority of tuning folds and does not hurt the held-out fold; "neutral": changes
        no page (then cost decides); else "drop"."""
        if self.pages_changed == 0:
            return "neutral"
        helps = self.tuning_helped * 2 > len(TUNING_FOLDS) and self.effect[HELD_OUT_FOLD] >= 0
        return "keep" if helps else "drop"

    @property
    def agrees(self) -> bool:
        """Whether extract() does what the verdict says (a neutral candidate agrees either way)."""
        return self.verdict == "neutral" or (self.verdict == "keep") == self.candidate.in_pipeline


def fold_test(pages: Sequence[Page], variants: Sequence[PageVariants]) -> list[Verdict]:
    """One verdict per candidate (see module doc)."""
    pipeline = [v.pipeline for v in variants]
    verdicts = []
    for candidate in CANDIDATES:
        other = [v.variants[candidate.name] for v in variants]
        with_it, without = (pipeline, other) if candidate.in_pipeline else (other, pipeline)
        effect = tuple(f1_of(pages, with_it, (fold,)) - f1_of(pages, without, (fold,)) for fold in range(FOLDS))
        effect_all = f1_of(pages, with_it, range(FOLDS)) - f1_of(pages, without, range(FOLDS))
        better = worse = changed = 0
        for page, yes, no in zip(pages, with_it, without, strict=True):
            if yes == no:
                continue
            changed += 1
            delta = _page_f1(score_page(page.truth, yes)) - _page_f1(score_page(page.truth, no))
            better += delta > 0
            worse += delta < 0
        helped = sum(effect[fold] > 0 for fold in TUNING_FOLDS)
        verdicts.append(Verdict(candidate, effect, effect_all, helped, changed, better, worse))
    return verdicts


def _page_f1(score: PageScore) -> float:
    """One page's own F1 (tp / (tp + (fp + fn) / 2)), only to count pages a candidate improves or worsens."""
    total = score.tp + score.fp + score.fn
    return score.tp / (score.tp + (score.fp + score.fn) / 2) if total else 1.0


def print_fold_table(verdicts: Sequence[Verdict], mismatches: int, write: Callable[[str], None] = print) -> None:
    """The fold test as a table: F1 effect per fold (held-out marked), verdict, and what extract() does."""
    folds = "".join(f"{f'fold {fold}' + ('*' if fold == HELD_OUT_FOLD else ''):>10}" for fold in range(FOLDS))
    write(f"fold test (* = held-out fold {HELD_OUT_FOLD}, never used to decide; F1 with minus without, in points)")
    write(f"{'candidate':20}{folds}{'all':>9}  tuning+  pages +/-/changed  verdict  in extract()")
    for v in verdicts:
        cells = "".join(f"{100 * e:+10.2f}" for e in v.effect)
        used = "yes" if v.candidate.in_pipeline else "no"
        flag = "" if v.agrees else "  <-- DISAGREES"
        write(
            f"{v.candidate.name:20}{cells}{100 * v.effect_all:+9.2f}  {v.tuning_helped}/{len(TUNING_FOLDS)}"
            f"      {v.pages_better:>3}/{v.pages_worse:<3}/{v.pages_changed:<3}      {v.verdict:7}  {used}{flag}"
        )
    for v in verdicts:
        write(f"  {v.candidate.name}: {v.candidate.what}")
    write(f"pages where the rebuilt pipeline text differs from extract()'s: {mismatches} (should be 0)")
