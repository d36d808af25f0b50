"""Planning: which of the discovered items to fetch in this run, and which wait for the next."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from pipeline.config import Source
from pipeline.ingest.discover import local_day
from pipeline.models import DiscoveredItem
from pipeline.store.frontier import KnownItem
from pipeline.store.rechecks import DueRecheck
from pipeline.urls import canonical_url

log = logging.getLogger(__name__)


@dataclass
class Plan:
    """What to do with a source's items in this run."""

    #: Items to fetch now, newest first, with what the catalog knows of them.
    fetch: list[tuple[DiscoveredItem, KnownItem | None]] = field(default_factory=list)
    #: Items wanted but over this run's limit: they wait in the frontier for the next run.
    deferred: list[DiscoveredItem] = field(default_factory=list)
    #: Items known and unchanged, given up on, or outside the backfill's range.
    skipped: int = 0
    #: Canonical URLs of the planned fetches that are re-checks → the page's removal evidence kind before
    #: (None: it was there).
    rechecking: dict[str, str | None] = field(default_factory=dict)
    #: Re-checks due but over this run's limit: they stay due (in the catalog) for the next run.
    rechecks_later: int = 0


def plan_items(
    items: Sequence[DiscoveredItem],
    *,
    source: Source,
    known: dict[str, KnownItem],
    given_up: set[str],
    since: date | None = None,
    until: date | None = None,
    limit: int | None = None,
    requeued: frozenset[str] = frozenset(),
    due: Sequence[DueRecheck] = (),
) -> Plan:
    """Choose what to fetch: new items, known ones the listing says were updated, and known ones the
    frontier still holds (``requeued``, canonical URLs: a run that died between storing and settling, a
    document whose raw record must be fetched again); those are asked conditionally when we can. Then, in
    what the ``limit`` leaves, the re-checks ``due`` (longest overdue first), conditional GETs too: new
    transcripts come before old ones' re-checks, and a re-check left out stays due for the next run.

    ``since``/``until`` (inclusive) compare with the item's publication day in the source's time zone.
    """
    plan = Plan()
    due_at = {canonical_url(recheck.item.url): recheck for recheck in due}
    due_keys = frozenset(due_at)
    wanted: list[tuple[DiscoveredItem, KnownItem | None]] = []
    #: (when due, the item as listed or as stored, what the catalog knows of it)
    rechecks: list[tuple[datetime, DiscoveredItem, KnownItem]] = []
    for item in items:
        key = canonical_url(item.url)
        if item.published_at is not None:
            day = local_day(item.published_at, source)
            if (since and day < since) or (until and day > until):
                plan.skipped += 1
                continue
        seen = known.get(key)
        if seen is None:
            if key in given_up:
                plan.skipped += 1
            else:
                wanted.append((item, None))
        elif key in requeued or (
            item.updated_at and (seen.listed_updated_at is None or item.updated_at > seen.listed_updated_at)
        ):
            wanted.append((item, seen))
        elif key in due_at:
            # Listed as known: its re-check fetches it with what the listing says of it.
            recheck = due_at.pop(key)
            rechecks.append((recheck.due_at, item, recheck.known))
        else:
            plan.skipped += 1
    listed = {canonical_url(item.url) for item in items}
    rechecks += [(r.due_at, r.item, r.known) for key, r in due_at.items() if key not in listed]
    rechecks.sort(key=lambda entry: entry[0])
    wanted.sort(key=lambda pair: pair[0].published_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    cut = len(wanted) if limit is None else limit
    plan.fetch, plan.deferred = wanted[:cut], [item for item, _ in wanted[cut:]]
    room = len(rechecks) if limit is None else max(0, limit - len(plan.fetch))
    plan.fetch += [(item, seen) for _, item, seen in rechecks[:room]]
    plan.rechecks_later = len(rechecks[room:])
    for item, seen in plan.fetch:
        key = canonical_url(item.url)
        if key in due_keys:
            plan.rechecking[key] = seen.removal_kind if seen is not None and seen.removed else None
    return plan
