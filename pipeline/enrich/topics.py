"""Topics: the taxonomy's terms found in a document, scored by where they occur, with an explanation.

A term adds ``weight × place factor`` for each occurrence (title, lead, rest of the text; a term counts
at most ``max_repeats`` times). A topic is tagged when its score reaches its threshold, none of its
``exclude`` terms occurs, and (when it has ``requires`` terms) one of them occurs. Within one topic,
overlapping terms do not both count: the longest match wins ("unilateral sanctions" over "sanctions").
The explanation lists, per topic that matched at all, the terms, where, how often, and the verdict.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from pipeline.enrich.matcher import Hit, PhraseMatcher, leftmost_longest
from pipeline.enrich.taxonomy import Taxonomy
from pipeline.enrich.text import Normaliser, TextView

Place = Literal["title", "lead", "body"]
Role = Literal["term", "exclude", "requires"]


@dataclass(frozen=True, slots=True)
class TopicTerm:
    """What a matched term stands for."""

    topic: str
    role: Role
    weight: float
    language: str


@dataclass
class TopicResult:
    """The topics of one document, their scores, and why."""

    topics: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    #: Topic id → {score, threshold, tagged, matches: [{term, place, count, points, seen}], excluded_by?, ...}
    explanation: dict[str, dict[str, Any]] = field(default_factory=dict)


class TopicTagger:
    """Tags documents with a taxonomy's topics."""

    def __init__(self, taxonomy: Taxonomy, normaliser: Normaliser) -> None:
        self.taxonomy = taxonomy
        self.matcher: PhraseMatcher[TopicTerm] = PhraseMatcher(normaliser)
        self.thresholds = {topic.id: taxonomy.threshold(topic) for topic in taxonomy.topics}
        self.needs_support = {topic.id for topic in taxonomy.topics if topic.requires}
        for topic in taxonomy.topics:
            for role in ("terms", "exclude", "requires"):
                for language, term, weight in topic.weighted(role):
                    kind: Role = "term" if role == "terms" else role  # type: ignore[assignment]
                    self.matcher.add(term, TopicTerm(topic.id, kind, weight, language))

    def tag(self, title: TextView | None, text: TextView, lead_end: int) -> TopicResult:
        """Score every topic on ``title`` and ``text`` (whose first ``lead_end`` characters are the lead)."""
        scoring = self.taxonomy.defaults
        factors: dict[Place, float] = {"title": scoring.title, "lead": scoring.lead, "body": scoring.body}
        by_topic: dict[str, list[tuple[Place, Hit[TopicTerm]]]] = defaultdict(list)
        for view, is_title in ((title, True), (text, False)):
            if view is None:
                continue
            for hit in self.matcher.scan(view):
                place: Place = "title" if is_title else ("lead" if hit.start < lead_end else "body")
                by_topic[hit.payload.topic].append((place, hit))
        result = TopicResult()
        for topic_id, placed in by_topic.items():
            explained = self._score(topic_id, placed, factors, scoring.max_repeats)
            result.explanation[topic_id] = explained
            if explained["tagged"]:
                result.topics.append(topic_id)
                result.scores[topic_id] = explained["score"]
        result.topics.sort()
        return result

    def _score(
        self,
        topic_id: str,
        placed: list[tuple[Place, Hit[TopicTerm]]],
        factors: dict[Place, float],
        max_repeats: int,
    ) -> dict[str, Any]:
        terms = [(place, hit) for place, hit in placed if hit.payload.role == "term"]
        # Overlaps compete within one field only: a title hit never hides a text hit.
        kept: list[tuple[Place, Hit[TopicTerm]]] = []
        for in_title in (True, False):
            hits = [hit for place, hit in terms if (place == "title") == in_title]
            places = {id(hit): place for place, hit in terms}
            kept.extend((places[id(hit)], hit) for hit in leftmost_longest(hits))
        # Count occurrences per (term, place), then spend each term's repeat allowance on its best places.
        counts: dict[tuple[str, Place], list[Any]] = {}
        for place, hit in kept:
            entry = counts.setdefault((hit.term.written, place), [0, hit.payload.weight, hit.seen])
            entry[0] += 1
        budget: dict[str, int] = defaultdict(lambda: max_repeats)
        matches = []
        score = 0.0
        for (term, place), (count, weight, seen) in sorted(counts.items(), key=lambda item: -factors[item[0][1]]):
            counted = min(count, budget[term])
            budget[term] -= counted
            points = round(counted * weight * factors[place], 3)
            score += points
            matches.append({"term": term, "place": place, "count": count, "points": points, "seen": seen})
        score = round(score, 3)
        threshold = self.thresholds[topic_id]
        explained: dict[str, Any] = {"score": score, "threshold": threshold, "matches": matches}
        vetoes = sorted({hit.term.written for _, hit in placed if hit.payload.role == "exclude"})
        support = sorted({hit.term.written for _, hit in placed if hit.payload.role == "requires"})
        tagged = score >= threshold
        if vetoes:
            explained["excluded_by"] = vetoes
            tagged = False
        if topic_id in self.needs_support:
            explained["required_seen"] = support
            tagged = tagged and bool(support)
        explained["tagged"] = tagged
        return explained
