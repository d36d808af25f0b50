"""Outcomes of each stage and of whole runs, and the observer a run reports its progress to."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pipeline.errors import (
    ReadoutError,
)
from pipeline.models import ArchiveRef, DiscoveredItem, ExtractedDocument, FetchedResponse, ItemStatus

if TYPE_CHECKING:
    from pipeline.enrich import Enrichment

log = logging.getLogger(__name__)


Mode = Literal["incremental", "backfill"]


@dataclass
class Counts:
    """Every outcome of a source in one run. ``fetched`` counts full downloads (2xx bodies),
    ``not_modified`` conditional GETs answered 304; both include feeds, listings and sitemaps.
    ``warnings`` counts what discovery read only in part or dropped (a truncated feed, a ``file:`` link)."""

    discovered: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    fetched: int = 0
    not_modified: int = 0
    extracted: int = 0
    removed: int = 0
    skipped: int = 0
    failed: int = 0
    warnings: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class Rechecks:
    """What the re-checks of a source found in one run (``readout run``'s "re-checked N, changed M, removed K").

    ``removed`` counts pages newly found removed, by a re-check or by their listing; ``back`` pages that had
    been removed and answer (or are listed) again. ``run_sources`` has no columns for them: they are in the
    run's summary, its log and the Airflow task's result."""

    checked: int = 0
    changed: int = 0
    #: New versions that changed only the formatting (whitespace, a counter): not edits.
    reformatted: int = 0
    removed: int = 0
    back: int = 0

    def add(self, other: Rechecks) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)

    def __str__(self) -> str:
        text = f"re-checked {self.checked}, changed {self.changed}, removed {self.removed}"
        if self.reformatted:
            text += f", reformatted only {self.reformatted}"
        return f"{text}, back {self.back}" if self.back else text


@dataclass
class SourceReport:
    """How one source fared in a run."""

    source_id: str
    counts: Counts = field(default_factory=Counts)
    errors: list[str] = field(default_factory=list)
    #: What discovery read only in part or dropped: recorded, shown, but not a failure.
    warnings: list[str] = field(default_factory=list)
    reached: bool = False
    #: The source answered, but every discovery endpoint that answered was unreadable (malformed, empty).
    broken: bool = False
    seconds: float = 0.0
    rechecks: Rechecks = field(default_factory=Rechecks)
    #: Canonical URLs of this run's planned re-checks → the page's removal evidence kind before (None: there).
    rechecking: dict[str, str | None] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``failed`` when nothing could be read from the source (unreachable, or every endpoint broken),
        ``partial`` when something failed; warnings leave an ``ok`` source ``ok``."""
        if not self.reached or self.broken:
            return "failed"
        return "partial" if self.errors else "ok"


@dataclass
class RunReport:
    """The outcome of a whole run."""

    run_id: str
    mode: Mode
    started_at: datetime
    finished_at: datetime | None = None
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def status(self) -> str:
        statuses = {report.status for report in self.sources}
        if not self.sources or statuses == {"ok"}:
            return "ok"
        return "failed" if statuses == {"failed"} else "partial"

    @property
    def nothing_reached(self) -> bool:
        """True when not a single source could be read: the one case the CLI exits non-zero."""
        return bool(self.sources) and not any(report.reached for report in self.sources)

    def rechecks(self) -> Rechecks:
        """The re-checks of every source, added up."""
        total = Rechecks()
        for report in self.sources:
            total.add(report.rechecks)
        return total

    def totals(self) -> Counts:
        total = Counts()
        for report in self.sources:
            for key, value in report.counts.as_dict().items():
                setattr(total, key, getattr(total, key) + value)
        return total


@dataclass(frozen=True, slots=True)
class EndpointProblem:
    """A failure or warning of one discovery endpoint (a feed, listing page or sitemap URL).

    ``stage`` is ``discover`` (fetching or reading it) or ``archive`` (writing its response to the WARC
    file); ``url`` is the endpoint as requested, so that a later clean read of it resolves the failure."""

    url: str
    stage: str
    message: str
    error: ReadoutError | None = None

    def __str__(self) -> str:
        return self.message if self.url in self.message else f"{self.message} ({self.url})"


@dataclass
class DiscoveryOutcome:
    """What discovery found for one source."""

    items: list[DiscoveredItem] = field(default_factory=list)
    responses: list[FetchedResponse] = field(default_factory=list)
    failures: list[EndpointProblem] = field(default_factory=list)
    warnings: list[EndpointProblem] = field(default_factory=list)
    #: Endpoints that answered and could be read (parsed, or answered 304), as requested.
    read: list[str] = field(default_factory=list)
    #: Endpoints whose response was written to the archive.
    archived: list[str] = field(default_factory=list)
    #: Child sitemap URL → the sitemap index that listed it.
    parents: dict[str, str] = field(default_factory=dict)
    #: Listing page URL (as requested) → the canonical URLs of its items, in the page's order: what the
    #: listing shows now, compared with what it showed last time (:mod:`pipeline.ingest.listings`).
    pages: dict[str, list[str]] = field(default_factory=dict)

    @property
    def errors(self) -> list[ReadoutError]:
        """The errors of :attr:`failures`."""
        return [failure.error for failure in self.failures if failure.error is not None]

    @property
    def reached(self) -> bool:
        """Whether any endpoint answered at all."""
        return bool(self.responses)

    @property
    def broken(self) -> bool:
        """Whether endpoints answered but none could be read: the source is up and yields nothing."""
        return self.reached and not self.read


@dataclass
class ItemResult:
    """The outcome of fetching and extracting one item."""

    item: DiscoveredItem
    status: ItemStatus
    response: FetchedResponse | None = None
    archive: ArchiveRef | None = None
    document: ExtractedDocument | None = None
    error: ReadoutError | None = None
    stage: str = "fetch"
    #: The document's enrichment when it was computed with the extraction (in a worker process).
    enrichment: Enrichment | None = None
    #: Why a ``removed`` page counts as removed (:func:`pipeline.recheck.evidence`, without its time).
    evidence: dict[str, Any] | None = None


class RunObserver(Protocol):
    """Receives progress from :func:`run_cycle` (on the calling thread)."""

    def source_planned(self, source_id: str, items: int) -> None: ...

    def item_done(self, source_id: str, status: ItemStatus) -> None: ...

    def source_finished(self, report: SourceReport) -> None: ...
