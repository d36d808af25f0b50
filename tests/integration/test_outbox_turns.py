"""The outbox with turns, end to end over a real SQLite catalog, on both backends: a briefing's turns reach
the index with it, a new revision of its turns replaces them (vanished ones deleted), nothing is pending
once acknowledged, and a reindex rebuilds documents and turns together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.index import service
from pipeline.index.search import SearchFilters
from pipeline.store.catalog import Catalog
from tests.conftest import make_settings
from tests.esstub import EsStub, running_stub
from tests.integration.test_elastic import es_settings
from tests.turnrows import TurnRow, add_document, set_turns

OPENING = TurnRow("b1", 0, "", "I have two announcements to make.", kind="announcement", outlet=None, outlet_id=None)
SANCTIONS = TurnRow("b1", 1, "What about the sanctions on Russia?", "China opposes unilateral sanctions.")
VACCINES = TurnRow("b1", 2, "Vaccines for Brazil?", "We will help.", outlet="Global Times", outlet_id="global-times")


@contextmanager
def backend(kind: str, tmp_path: Path) -> Iterator[tuple[Settings, EsStub | None]]:
    if kind == "embedded":
        yield make_settings(tmp_path / "data"), None
        return
    with running_stub() as stub:
        yield es_settings(tmp_path, stub.url), stub


def found(settings: Settings, stub: EsStub | None, text: str) -> list[str]:
    if stub is not None:
        for index in stub.indices.values():
            index.visible = set(index.docs)  # Elasticsearch's refresh, within a second
    result = service.search_turns(settings, text, SearchFilters(include_removed=True), limit=50)
    return sorted(hit.turn_id for hit in result.hits)


@pytest.mark.parametrize("kind", ["embedded", "elasticsearch"])
def test_the_outbox_keeps_the_turns_in_step(kind: str, tmp_path: Path) -> None:
    catalog = Catalog.open(f"sqlite:///{tmp_path / 'catalog.db'}")
    try:
        with backend(kind, tmp_path) as (settings, stub):
            add_document(catalog, "b1", "Transcript.")
            add_document(catalog, "b2", "A statement with no exchanges.")
            set_turns(catalog, "b1", [OPENING, SANCTIONS, VACCINES])
            report = service.index_pending(settings, catalog)
            assert (report.error, report.acked, report.pending_after) == (None, 2, 0)
            assert found(settings, stub, "") == ["b1:0", "b1:1", "b1:2"]
            if stub is not None:
                # Acknowledged for the pair of physical indices.
                assert report.index is not None
                assert "readout-documents-v1:" in report.index
                assert "+readout-turns-v1:" in report.index

            # The turn store replaces the turns and bumps the revision: the next pass follows.
            set_turns(catalog, "b1", [OPENING, SANCTIONS], revision=2)
            again = service.index_pending(settings, catalog)
            assert (again.sent, again.acked) == (1, 1)
            assert found(settings, stub, "") == ["b1:0", "b1:1"]
            assert found(settings, stub, "vaccines") == []
            assert service.index_pending(settings, catalog).sent == 0, "nothing pending once acknowledged"

            rebuilt = service.reindex(settings, catalog)
            assert (rebuilt.documents, rebuilt.turns) == (2, 2)
            assert found(settings, stub, "sanctions") == ["b1:1"]
            assert service.index_pending(settings, catalog).sent == 0
            if stub is not None:
                assert rebuilt.turns_index == "readout-turns-v2"
                assert stub.aliases["readout-turns"] == {"readout-turns-v2": {"is_write_index": True}}
    finally:
        catalog.close()
