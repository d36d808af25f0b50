"""Search requests and results, the same for both backends (and for ``readout search --json``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

#: Facets every backend counts, in this order.
FACETS = ("source", "kind", "language", "topics", "countries")
#: Facets of a turns search, in this order (labels: the speakers file's canonical ones where known).
TURN_FACETS = ("ministry", "spokesperson", "outlet", "topics", "countries", "language")


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Filters; each list matches any of its values. Dates are inclusive publication days (UTC)."""

    sources: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    include_removed: bool = False
    #: Turns only: each value matches a spokesperson's (outlet's) id or its label, exactly.
    spokespersons: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()
    #: Documents and turns whose worst citation verdict is one of these (divergent, unmatched, paraphrase,
    #: verbatim): a document's among its briefing quotes, a turn's among the news quotes of it.
    verdicts: tuple[str, ...] = ()
    #: Turns only: those at least one news document quotes (``coverage_count`` > 0).
    covered: bool = False
    #: Documents only: those a stored version changed in substance (``edited``).
    edited: bool = False
    #: Only what the site removed (documents, or the turns of removed briefings); shown even without
    #: ``include_removed``.
    removed: bool = False
    #: Turns only: those missing from their briefing's other-language twin (``missing_in_twin``).
    missing_in_twin: bool = False


@dataclass(frozen=True, slots=True)
class SearchHit:
    doc_id: str
    title: str | None
    url: str
    source: str
    kind: str
    language: str | None
    published_at: str | None
    score: float
    #: A short passage around the matches, the matched words wrapped in ``⟦`` and ``⟧``.
    snippet: str
    #: The near-duplicate cluster (its first-seen document; the document itself when it has no copies).
    cluster_id: str | None = None
    #: Folded searches: how many other matching documents of the cluster this hit stands for ...
    copies: int = 0
    #: ... and the first :data:`FOLDED_IDS` of them, by ``doc_id``.
    folded: tuple[str, ...] = ()
    #: A stored version changed its substance; the site removed the page (docs/history.md).
    edited: bool = False
    removed: bool = False


#: How many folded copies' ids a hit lists (``copies`` counts them all).
FOLDED_IDS = 10


@dataclass
class SearchResult:
    backend: str
    query: str
    #: Matching documents, copies included (folded or not).
    total: int
    hits: list[SearchHit] = field(default_factory=list)
    #: facet → value → number of matching documents (copies included, folded or not).
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Folded searches: the number of clusters ("stories") among the matches, one hit each; None unfolded.
    stories: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class TurnHit:
    """One exchange (or announcement) of a briefing; ``question`` and ``answer`` are snippets, marked like
    :attr:`SearchHit.snippet`."""

    turn_id: str
    doc_id: str
    date: str | None
    ministry: str
    source: str
    language: str | None
    kind: str
    position: int
    spokesperson: str | None
    spokesperson_id: str | None
    outlet: str | None
    outlet_id: str | None
    question: str
    answer: str
    score: float
    #: How many news documents quote it.
    coverage_count: int = 0
    #: Its briefing has an other-language twin that lacks it.
    missing_in_twin: bool = False


@dataclass
class TurnSearchResult:
    """A turns search (``readout search --turns``), the same for both backends."""

    backend: str
    query: str
    total: int
    hits: list[TurnHit] = field(default_factory=list)
    #: facet (:data:`TURN_FACETS`) → value → number of matching turns.
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Highlight markers in snippets: plain text, so that JSON and terminal output agree, and characters that
#: news text does not use (U+27E6/U+27E7), so that a document's own brackets are never taken for them.
MARK_START, MARK_END = "\u27e6", "\u27e7"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A document revision the index refused for good (mapping error, other 4xx): it goes to the dead letters."""

    doc_id: str
    revision: int
    status: int | None
    error_type: str | None
    reason: str


@dataclass
class BulkOutcome:
    """What an index did with a batch: every document lands in exactly one list."""

    #: (doc_id, revision) pairs the index acknowledged (created, updated, or already at that version).
    acked: list[tuple[str, int]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    #: (doc_id, revision, reason) left pending for a later run (429 after retries, 5xx, timeouts).
    retry_later: list[tuple[str, int, str]] = field(default_factory=list)

    def merge(self, other: BulkOutcome) -> None:
        self.acked.extend(other.acked)
        self.rejected.extend(other.rejected)
        self.retry_later.extend(other.retry_later)
