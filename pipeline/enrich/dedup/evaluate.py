"""Scoring near-duplicate detection on the labelled set (tests/fixtures/coverage/duplicates): pair precision and
recall per part, for ``benchmarks/dedup_eval.py`` and the quality gate in tests/quality.

Each part file (``tune.yaml``, ``holdout.yaml``) lists ``stories`` (paragraph lists) and ``documents``, each
with a ``cluster`` label and either its ``text`` or a ``story`` with edits (``dateline``, ``lead``,
``replace``, ``drop_last``, ``append``). Each part's documents are stored in file order in a real SQLite
catalog (so the first-seen document of a cluster is the first in the file), and every pair of documents in
the part is scored: the same label means a duplicate, and the pair is found when the catalog put both in one
cluster (a copy of a copy counts: that is what folding shows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml

from pipeline.config import Source
from pipeline.enrich.dedup import fingerprint, similarity
from pipeline.enrich.enricher import Enrichment
from pipeline.models import ExtractedDocument, FetchedResponse
from pipeline.store.catalog import Catalog
from pipeline.urls import doc_id

PARTS = ("tune", "holdout")


@dataclass(frozen=True)
class LabelledText:
    """One document of the labelled set."""

    id: str
    part: str
    cluster: str
    title: str | None
    text: str


@dataclass
class PairScore:
    """Pair counts of one part at one threshold, with the pairs it got wrong."""

    pairs: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0


def _build(entry: dict[str, Any], stories: dict[str, list[str]], name: str) -> str:
    if "text" in entry:
        return " ".join(line.strip() for line in str(entry["text"]).splitlines() if line.strip())
    paragraphs = list(stories[entry["story"]])
    for number, replacement in (entry.get("replace") or {}).items():
        paragraphs[int(number)] = str(replacement)
    if "lead" in entry:
        paragraphs[0] = str(entry["lead"])
    if entry.get("drop_last"):
        paragraphs = paragraphs[: -int(entry["drop_last"])]
    paragraphs.extend(str(p) for p in entry.get("append") or [])
    if "dateline" in entry:
        paragraphs[0] = f"{entry['dateline']} {paragraphs[0]}"
    if not paragraphs:
        raise ValueError(f"labelled document {name} has no text")
    return "\n\n".join(paragraphs)


def load_labelled(directory: Path, parts: tuple[str, ...] = PARTS) -> list[LabelledText]:
    """The labelled documents of ``parts`` (each ``<part>.yaml`` in ``directory``), in file order."""
    documents: list[LabelledText] = []
    for part in parts:
        data = yaml.safe_load((directory / f"{part}.yaml").read_text("utf-8"))
        stories = {name: [str(p) for p in paragraphs] for name, paragraphs in (data.get("stories") or {}).items()}
        for name, entry in data["documents"].items():
            documents.append(
                LabelledText(
                    id=name,
                    part=part,
                    cluster=str(entry["cluster"]),
                    title=entry.get("title"),
                    text=_build(entry, stories, name),
                )
            )
    return documents


def news_source(source_id: str = "labelled") -> Source:
    """A news source to store labelled documents under."""
    return Source.model_validate(
        {
            "id": source_id,
            "name": "Labelled news",
            "kind": "news",
            "publisher": "Labelled",
            "country": "XX",
            "language": "en",
            "discovery": {"method": "feed", "urls": ["https://labelled.invalid/feed.xml"]},
        }
    )


def store_text(
    catalog: Catalog,
    source: Source,
    url: str,
    title: str | None,
    text: str,
    at: datetime,
    *,
    enrichment: Enrichment | None = None,
    language: str | None = None,
) -> str:
    """Store one text as a page of ``source`` fetched from ``url`` at ``at`` (published then too), with its
    ``enrichment`` when given; its document id."""
    response = FetchedResponse(url=url, final_url=url, status=200, headers=(), body=b"", fetched_at=at)
    extracted = ExtractedDocument(
        title=title,
        text=text,
        published_at=at,
        date_source="page",
        authors=(),
        language=language,
        encoding="utf-8",
        extractor_version="labelled",
    )
    catalog.store_document(
        source=source,
        item_url=url,
        response=response,
        extracted=extracted,
        archive=None,
        listed_updated_at=None,
        enrichment=enrichment,
    )
    return doc_id(url)


def clusters(documents: list[LabelledText], threshold: float, workdir: Path) -> dict[str, str]:
    """Each labelled document's ``cluster_id`` after storing them all, in order, in a new SQLite catalog in
    ``workdir`` with ``threshold``: exactly what ingest decides, first-seen being the file order."""
    catalog = Catalog.open(f"sqlite:///{workdir / f'dedup-{threshold:.3f}.db'}", duplicate_threshold=threshold)
    try:
        source = news_source()
        start = datetime(2026, 1, 1, tzinfo=UTC)
        ids: dict[str, str] = {}
        for number, document in enumerate(documents):
            url = f"https://labelled.invalid/{document.part}/{document.id}"
            ids[document.id] = store_text(
                catalog, source, url, document.title, document.text, start + timedelta(minutes=number)
            )
        stored = {d.doc_id: d.cluster_id for d in catalog.documents_by_ids(list(ids.values()))}
        return {name: stored[identifier] or identifier for name, identifier in ids.items()}
    finally:
        catalog.close()


def evaluate(documents: list[LabelledText], threshold: float, workdir: Path) -> dict[str, PairScore]:
    """Pair scores per part at ``threshold``: a pair is found when the catalog put both in one cluster. Each part
    is stored in a catalog of its own (``workdir``), so that parts never meet."""
    scores: dict[str, PairScore] = {}
    for part in dict.fromkeys(document.part for document in documents):
        in_part = [document for document in documents if document.part == part]
        found_clusters = clusters(in_part, threshold, workdir / part)
        prints = {document.id: fingerprint(document.text) for document in in_part}
        score = scores.setdefault(part, PairScore())
        for first, second in combinations(in_part, 2):
            score.pairs += 1
            expected = first.cluster == second.cluster
            found = found_clusters[first.id] == found_clusters[second.id]
            a, b = prints[first.id], prints[second.id]
            estimate = similarity(a.signature, b.signature) if a is not None and b is not None else 0.0
            if expected and found:
                score.true_positives += 1
            elif found:
                score.false_positives += 1
                score.misses.append(f"false duplicate {first.id} ~ {second.id} (similarity {estimate:.2f})")
            elif expected:
                score.false_negatives += 1
                score.misses.append(f"missed copy {first.id} ~ {second.id} (similarity {estimate:.2f})")
    return scores
