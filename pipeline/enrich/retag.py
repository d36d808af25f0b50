"""Re-tagging: the current rules applied again to stored documents, without fetching anything.

Run after editing ``config/topics.yaml`` or ``config/countries.yaml`` (``readout retag``, or the
backfill DAG in ``re-tag`` mode). Enrichment is deterministic, so a document whose tags come out the
same is left alone; one whose language, topics, countries or key phrases change, or (a briefing) whose
turns change, gets a new revision, which puts it back in the index outbox. Briefings are segmented again
on the way, so a re-tag is also how stored briefings get the current segmenter's turns. The counts say
which topics and countries were added or removed how many times: the footprint of the rule change.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from pipeline.enrich.enricher import Enricher
from pipeline.store.catalog import Catalog
from pipeline.store.enrichment import shown_tags

log = logging.getLogger(__name__)

#: Documents read from the catalog at a time.
BATCH = 200


@dataclass
class RetagCounts:
    """What re-tagging did (or, for a dry run, would do)."""

    examined: int = 0
    changed: int = 0
    failed: int = 0
    topics_added: Counter[str] = field(default_factory=Counter)
    topics_removed: Counter[str] = field(default_factory=Counter)
    countries_added: Counter[str] = field(default_factory=Counter)
    countries_removed: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, int]:
        return {"examined": self.examined, "updated": self.changed, "failed": self.failed}


def retag(
    catalog: Catalog,
    enricher: Enricher,
    *,
    source_ids: Sequence[str] = (),
    since: date | None = None,
    until: date | None = None,
    run_id: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    zones: Mapping[str, tzinfo] | None = None,
) -> RetagCounts:
    """Enrich the catalog's documents again (those published between ``since`` and ``until``, UTC days,
    inclusive; all sources unless ``source_ids``); ``progress(done, total)`` is called as it goes. ``zones``
    gives each source's time zone (source id → zone; UTC for the others), for news reports' relative dates."""
    start = datetime.combine(since, time.min, UTC) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, UTC) if until else None
    # Ids first, then documents a batch at a time: no read transaction stays open while writing.
    ids = catalog.document_ids(source_ids=source_ids, since=start, until=end)
    counts = RetagCounts()
    for offset in range(0, len(ids), BATCH):
        for document in catalog.documents_by_ids(ids[offset : offset + BATCH]):
            counts.examined += 1
            try:
                enrichment = enricher.enrich(
                    document.title,
                    document.text,
                    declared_language=document.declared_language or document.language,
                    source_kind=document.source_kind,
                    ministry=document.source_country,
                    published_at=document.published_at,
                    local_zone=(zones or {}).get(document.source_id),
                )
            except Exception:  # a bug in the tagger costs this document, never the whole re-tag
                log.exception("re-tagging %s failed; left as it was", document.doc_id)
                counts.failed += 1
                continue
            before_topics, before_countries = set(document.topics), set(document.countries)
            if dry_run:
                changed = enrichment.indexed(document.declared_language) != shown_tags(document) or (
                    enrichment.exchanges is not None
                    and catalog.turns_would_change(document.doc_id, enrichment.exchanges)
                )
            else:
                changed = catalog.apply_enrichment(document.doc_id, enrichment, run_id=run_id)
            if changed:
                counts.changed += 1
                counts.topics_added.update(set(enrichment.topics) - before_topics)
                counts.topics_removed.update(before_topics - set(enrichment.topics))
                counts.countries_added.update(set(enrichment.countries) - before_countries)
                counts.countries_removed.update(before_countries - set(enrichment.countries))
        if progress is not None:
            progress(min(offset + BATCH, len(ids)), len(ids))
    return counts
