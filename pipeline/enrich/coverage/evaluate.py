"""Scoring the coverage linker against a labelled attribution set (tests/fixtures/coverage/attribution/).

A set is invented briefings and news articles quoting them; each article lists every statement it quotes or
reports, with the briefing and answer it reproduces and the verdict an analyst gives (verbatim, paraphrase,
divergent, unmatched; ``none`` for a quote that is not a ministry briefing's). :func:`evaluate` runs the real
stages on it: each briefing is segmented into exchanges by the enricher, each article's quotes and targets
are found by :func:`~pipeline.enrich.coverage.wanted` and aligned by :func:`~pipeline.enrich.coverage.cite`
with the exchanges of the briefings its targets point to, exactly as the catalog does, only without storing.

* A predicted quote is the labelled one when their spans share at least half of the labelled one and a
  third of the predicted one.
* Links: a predicted citation with a turn is right when its labelled quote names that briefing and the
  labelled answer lies in that turn's answer. Precision over predicted links, recall over labelled links
  (quotes labelled verbatim, paraphrase or divergent).
* Verdicts: for each labelled quote of the four verdicts, right when the predicted verdict is the same and,
  for the three linked ones, the link is right; ``none`` quotes are right when no citation was made.
* Differences: for divergent quotes judged right, the share of labelled added and dropped words found in the
  predicted ones.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from pipeline.enrich.coverage.align import Aligner
from pipeline.enrich.coverage.linker import Citation, cite, wanted
from pipeline.enrich.coverage.meaning import Meaning
from pipeline.enrich.coverage.reading import Passage
from pipeline.enrich.enricher import Enricher
from pipeline.enrich.speakers import SpeakerDirectory
from pipeline.enrich.text import default_normaliser

_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
VERDICTS = ("verbatim", "paraphrase", "divergent", "unmatched", "none")
LINKED = ("verbatim", "paraphrase", "divergent")


@dataclass
class Score:
    """Counts for one part (or one language of it)."""

    articles: int = 0
    links_expected: int = 0
    links_predicted: int = 0
    links_right: int = 0
    verdict_total: Counter[str] = field(default_factory=Counter)
    verdict_right: Counter[str] = field(default_factory=Counter)
    words_expected: int = 0
    words_found: int = 0
    #: (article id, quoted, expected verdict, predicted verdict or "-", note) for every miss.
    errors: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    @property
    def link_precision(self) -> float:
        return self.links_right / self.links_predicted if self.links_predicted else 1.0

    @property
    def link_recall(self) -> float:
        return self.links_right / self.links_expected if self.links_expected else 1.0

    def accuracy(self, verdict: str | None = None) -> float:
        """Verdict accuracy for one class, or over the four verdicts (not ``none``) when None."""
        classes = [verdict] if verdict else ["verbatim", "paraphrase", "divergent", "unmatched"]
        total = sum(self.verdict_total[c] for c in classes)
        return sum(self.verdict_right[c] for c in classes) / total if total else 1.0

    @property
    def difference_recall(self) -> float:
        return self.words_found / self.words_expected if self.words_expected else 1.0

    def add(self, other: Score) -> None:
        self.articles += other.articles
        self.links_expected += other.links_expected
        self.links_predicted += other.links_predicted
        self.links_right += other.links_right
        self.verdict_total.update(other.verdict_total)
        self.verdict_right.update(other.verdict_right)
        self.words_expected += other.words_expected
        self.words_found += other.words_found
        self.errors.extend(other.errors)


def load_part(path: Path) -> dict[str, Any]:
    """One labelled part (``tune.yaml``, ``holdout.yaml``)."""
    with path.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=_SafeLoader)  # noqa: S506 (a safe loader, in C)
    return loaded


def briefing_passages(part: dict[str, Any], enricher: Enricher) -> list[Passage]:
    """Every exchange of the part's briefings as a passage, segmented by the enricher as ingest does."""
    passages: list[Passage] = []
    for briefing in part["briefings"]:
        result = enricher.enrich(
            briefing.get("title"),
            briefing["text"],
            declared_language=briefing["language"],
            source_kind="briefing",
            ministry=briefing["ministry"],
        )
        held = _day(briefing["date"])
        for number, tagged in enumerate(result.exchanges or ()):
            exchange = tagged.exchange
            if exchange.answer:
                passages.append(
                    Passage(
                        f"{briefing['id']}:{number}",
                        briefing["id"],
                        briefing["ministry"],
                        held,
                        exchange.spokesperson[1],
                        exchange.answer,
                        exchange.questioner[1],
                        exchange.question,
                    )
                )
    return passages


def evaluate(
    part: dict[str, Any], enricher: Enricher, speakers: SpeakerDirectory, meaning: Meaning | None = None
) -> dict[str, Score]:
    """Scores by article language, and "all" (``meaning``: the model that matches by meaning, None for the
    word rules alone)."""
    passages = briefing_passages(part, enricher)
    texts = {b["id"]: b["text"] for b in part["briefings"]}
    aligner = Aligner(default_normaliser(), meaning)

    def candidates(ministry: str, first: date, last: date) -> list[Passage]:
        return [p for p in passages if p.ministry == ministry and first <= p.day <= last]

    scores: dict[str, Score] = {"all": Score()}
    for article in part["articles"]:
        score = Score(articles=1)
        published = datetime.fromisoformat(str(article["published"]))
        assert published.tzinfo is not None, f"{article['id']}: published needs an offset"
        quoted = wanted(
            article["text"],
            language=article["language"],
            published=published,
            local_zone=published.tzinfo,
            speakers=speakers,
        )
        citations = cite(quoted, candidates, aligner, language=article["language"])
        _score_article(article, citations, texts, passages, score)
        scores.setdefault(article["language"], Score()).add(score)
        scores["all"].add(score)
    return scores


def _score_article(
    article: dict[str, Any],
    citations: Sequence[Citation],
    briefing_texts: dict[str, str],
    passages: Sequence[Passage],
    score: Score,
) -> None:
    text: str = article["text"]
    labels: list[dict[str, Any]] = article.get("quotes") or []
    spans = [(text.find(label["quoted"]), text.find(label["quoted"]) + len(label["quoted"])) for label in labels]
    claimed: dict[int, Citation] = {}
    unclaimed: list[Citation] = []
    for citation in citations:
        index = _labelled(citation, spans)
        if index is None or index in claimed:
            unclaimed.append(citation)
        else:
            claimed[index] = citation
    turn_answers = {p.turn_id: p.text for p in passages}
    for index, label in enumerate(labels):
        verdict = label["verdict"]
        found = claimed.get(index)
        linked_right = False
        if verdict in LINKED:
            score.links_expected += 1
        if found is not None and found.alignment is not None:
            score.links_predicted += 1
            passage = found.alignment.passage
            answer = label.get("answer") or ""
            linked_right = (
                label.get("briefing") == passage.doc_id
                and bool(answer)
                and _contains(turn_answers.get(passage.turn_id, ""), answer)
            )
            score.links_right += int(linked_right and verdict in LINKED)
        predicted = found.verdict if found is not None else "none"
        right = predicted == verdict and (verdict not in LINKED or linked_right)
        score.verdict_total[verdict] += 1
        score.verdict_right[verdict] += int(right)
        if right and verdict == "divergent" and found is not None and found.alignment is not None:
            wanted_words = _words(" ".join(label.get("added") or []) + " " + " ".join(label.get("dropped") or []))
            got = _words(" ".join(found.alignment.added) + " " + " ".join(found.alignment.dropped))
            score.words_expected += len(wanted_words)
            score.words_found += len(wanted_words & got)
        if not right:
            note = ""
            if found is not None and found.alignment is not None:
                note = (
                    f"linked {found.alignment.passage.turn_id} sim={found.alignment.similarity} "
                    f"+{list(found.alignment.added)} -{list(found.alignment.dropped)}"
                )
            elif found is not None:
                note = f"target {found.target.ministry} {found.target.days[-1]}..{found.target.days[0]}"
            score.errors.append((article["id"], label["quoted"][:70], verdict, predicted, note))
    for citation in unclaimed:
        if citation.alignment is not None:
            score.links_predicted += 1
        score.errors.append(
            (article["id"], citation.quote.text[:70], "(not labelled)", citation.verdict, citation.quote.speaker or "")
        )


def _labelled(citation: Citation, spans: Sequence[tuple[int, int]]) -> int | None:
    start, end = citation.quote.start, citation.quote.end
    best: tuple[float, int] | None = None
    for index, (lo, hi) in enumerate(spans):
        if lo < 0:
            continue
        overlap = min(end, hi) - max(start, lo)
        if overlap <= 0:
            continue
        share = overlap / (hi - lo)
        if share >= 0.5 and overlap / max(1, end - start) >= 0.3 and (best is None or share > best[0]):
            best = (share, index)
    return best[1] if best else None


def _contains(haystack: str, needle: str) -> bool:
    """Whether the labelled answer is in the turn's answer (whitespace aside)."""
    return re.sub(r"\s+", " ", needle).strip() in re.sub(r"\s+", " ", haystack)


def _words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"\w+", text)}


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
