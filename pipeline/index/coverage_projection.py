"""Coverage in the search indices: which exchanges a news document quotes, and who reported each exchange.

The catalog links a news document's briefing quotes to the turns they report (``citations``,
:mod:`pipeline.store.citations`). The indices carry the summary analysts filter and count on:

* a **document** with citations: ``citation_count`` (its briefing quotes), ``cited_turns`` (the turn ids
  they were matched to, in text order, once each) and ``worst_verdict`` (the least faithful verdict among
  its quotes: divergent > unmatched > paraphrase > verbatim); a document without citations has none of
  the three;
* a **turn**: ``coverage_count`` (how many news documents quote it; 0 when none), and when reported
  ``covered_by`` (the reporting outlets as their publisher names), ``covered_by_source`` (their source
  ids) and ``worst_verdict`` (the least faithful of the quotes of it).

The indexer reads one batch's citations and coverage with two catalog queries (:func:`coverage_lookup`),
never one per document. A change in either side bumps the revisions of the news document and of the
briefings whose coverage changed (the catalog does it), so both are indexed again.

Pure, and light to import: the search side imports the projections without the catalog or the aligner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

if TYPE_CHECKING:
    # Annotations only: the projections import this module.
    from pipeline.index.turn_projection import TurnsByDocument

#: Verdicts from the most faithful to the least (``pipeline.enrich.coverage.VERDICT_SEVERITY``, which a
#: test keeps in step: importing the aligner here would slow every search down).
VERDICTS: tuple[str, ...] = ("verbatim", "paraphrase", "unmatched", "divergent")
_RANK = {verdict: rank for rank, verdict in enumerate(VERDICTS)}


class CitationLike(Protocol):
    """What the projection reads of a citation (``pipeline.store.schema.CitationRow``)."""

    @property
    def turn_id(self) -> str | None: ...
    @property
    def verdict(self) -> str: ...


class CoverageLike(Protocol):
    """What the projection reads of a news document reporting a turn (``pipeline.store.citations.CoverageEntry``)."""

    @property
    def doc_id(self) -> str: ...
    @property
    def source_id(self) -> str: ...
    @property
    def publisher(self) -> str | None: ...
    @property
    def verdict(self) -> str: ...


class CoverageSource(Protocol):
    """The catalog reads :func:`coverage_lookup` needs (``pipeline.store.catalog.Catalog``)."""

    def citations_for_documents(self, doc_ids: Sequence[str]) -> Mapping[str, Sequence[CitationLike]]: ...
    def coverage(self, turn_ids: Sequence[str]) -> Mapping[str, Sequence[CoverageLike]]: ...


def worst(verdicts: Iterable[str]) -> str | None:
    """The least faithful of ``verdicts`` (None for none); an unknown verdict counts as the most faithful."""
    ranked = sorted(verdicts, key=lambda verdict: _RANK.get(verdict, -1))
    return ranked[-1] if ranked else None


def document_coverage_fields(citations: Sequence[CitationLike]) -> dict[str, Any]:
    """A document's citation fields (none without citations)."""
    if not citations:
        return {}
    cited = list(dict.fromkeys(row.turn_id for row in citations if row.turn_id))
    return {
        "citation_count": len(citations),
        "cited_turns": cited,
        "worst_verdict": worst(row.verdict for row in citations),
    }


def turn_coverage_fields(entries: Sequence[CoverageLike]) -> dict[str, Any]:
    """A turn's coverage fields: the count always, who reported it and how faithfully when someone did."""
    documents = {entry.doc_id for entry in entries}
    fields: dict[str, Any] = {"coverage_count": len(documents)}
    if entries:
        fields["covered_by"] = sorted({entry.publisher or entry.source_id for entry in entries})
        fields["covered_by_source"] = sorted({entry.source_id for entry in entries})
        fields["worst_verdict"] = worst(entry.verdict for entry in entries)
    return fields


@dataclass(frozen=True)
class BatchCoverage:
    """A batch's citations (doc_id → its rows) and its turns' coverage (turn_id → the reports of it);
    documents and turns absent from them have none."""

    citations: Mapping[str, Sequence[CitationLike]] = field(default_factory=dict)
    reports: Mapping[str, Sequence[CoverageLike]] = field(default_factory=dict)

    def document_fields(self, doc_id: str) -> dict[str, Any]:
        """The citation fields of document ``doc_id``."""
        return document_coverage_fields(self.citations.get(doc_id, ()))

    def turn_fields(self, turn_id: str) -> dict[str, Any]:
        """The coverage fields of turn ``turn_id``."""
        return turn_coverage_fields(self.reports.get(turn_id, ()))


#: Looks up a batch's citations and coverage (its doc_ids and its turns → :class:`BatchCoverage`).
CoverageLookup: TypeAlias = "Callable[[Sequence[str], TurnsByDocument], BatchCoverage]"


def coverage_lookup(catalog: CoverageSource) -> CoverageLookup:
    """The lookup over ``catalog``: two queries per batch (the documents' citations, the turns' coverage)."""

    def lookup(doc_ids: Sequence[str], turns: TurnsByDocument) -> BatchCoverage:
        turn_ids = [turn.turn_id for doc_id in doc_ids for turn in turns.get(doc_id, ())]
        return BatchCoverage(
            catalog.citations_for_documents(list(doc_ids)),
            catalog.coverage(turn_ids) if turn_ids else {},
        )

    return lookup
