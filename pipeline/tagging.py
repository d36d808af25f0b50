"""Topic tags from a transparent term list (``config/topics.yaml``), and re-tagging the catalog.

This is the first cut the full tagger will replace: a topic is tagged when one of its terms occurs in
the title or text, matched case-insensitively on word boundaries (Chinese and Japanese terms as plain
substrings, since those scripts have no spaces). Re-tagging never fetches anything: it reads the
catalog, and documents whose tags change get a new revision, so the index step re-sends them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import ConfigError
from pipeline.store.catalog import Catalog

#: Scripts written without spaces: their terms match anywhere.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


class Topic(BaseModel):
    """One topic: its id, a label, and terms per language."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    label: str
    terms: dict[str, list[str]] = Field(min_length=1, description="Language code → terms and phrases.")


class Taxonomy(BaseModel):
    """The topics file."""

    model_config = ConfigDict(extra="forbid")

    topics: list[Topic]


@dataclass
class Tagger:
    """Matches a taxonomy's terms in a document."""

    patterns: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy) -> Tagger:
        patterns = []
        for topic in taxonomy.topics:
            alternatives = []
            for term in sorted({t.strip() for terms in topic.terms.values() for t in terms if t.strip()}):
                escaped = re.escape(term)
                alternatives.append(escaped if _UNSPACED.search(term) else rf"\b{escaped}\b")
            if alternatives:
                patterns.append((topic.id, re.compile("|".join(alternatives), re.IGNORECASE)))
        return cls(patterns)

    def tag(self, title: str | None, text: str) -> dict[str, float]:
        """Topic id → number of matches, for the topics that matched."""
        content = f"{title or ''}\n{text}"
        scores: dict[str, float] = {}
        for topic_id, pattern in self.patterns:
            hits = len(pattern.findall(content))
            if hits:
                scores[topic_id] = float(hits)
        return scores


def load_tagger(path: Path) -> Tagger:
    """The tagger of the topics file at ``path``; no file means no topics (nothing is tagged)."""
    if not path.exists():
        return Tagger()
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
        taxonomy = Taxonomy.model_validate(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", file=str(path)) from None
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise ConfigError(error["msg"], file=str(path), field=where) from None
    ids = [topic.id for topic in taxonomy.topics]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"duplicate topic id(s): {', '.join(duplicates)}", file=str(path))
    return Tagger.from_taxonomy(taxonomy)


@dataclass
class RetagCounts:
    """What re-tagging did."""

    examined: int = 0
    changed: int = 0


def retag(
    catalog: Catalog,
    tagger: Tagger,
    *,
    source_ids: Sequence[str] = (),
    since: date | None = None,
    until: date | None = None,
    run_id: str | None = None,
    dry_run: bool = False,
) -> RetagCounts:
    """Re-apply ``tagger`` to the catalog's documents (published between ``since`` and ``until``, UTC days,
    inclusive); documents whose topics change get a new revision and go back to the index."""
    start = datetime.combine(since, time.min, UTC) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, UTC) if until else None
    # Read first, then write: no read transaction stays open while documents are updated.
    rows = [
        (document.doc_id, document.title, document.text, list(document.topics), list(document.countries))
        for document in catalog.documents(source_ids=source_ids, since=start, until=end)
    ]
    counts = RetagCounts()
    for doc_id, title, text, topics, countries in rows:
        counts.examined += 1
        scores = tagger.tag(title, text)
        if dry_run:
            counts.changed += sorted(scores) != sorted(topics)
            continue
        counts.changed += catalog.set_tags(
            doc_id, topics=sorted(scores), topic_scores=scores, countries=countries, run_id=run_id
        )
    return counts
