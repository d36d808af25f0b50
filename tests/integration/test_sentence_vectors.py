"""Answer sentences the sentence model embeds are kept in the catalog (``sentence_vectors``, Alembic 0014): a
later process reads them instead of embedding them again, and scores the same. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from sqlalchemy import func, select

from pipeline.config import Settings, Source
from pipeline.enrich.coverage.meaning import DIMENSIONS, Embed, Meaning, bundled_model, bundled_name, digest, kept_in
from pipeline.enrich.dedup.evaluate import store_text
from pipeline.enrich.enricher import Enricher, build_enricher
from pipeline.store.catalog import Catalog
from pipeline.store.citations import Linker
from pipeline.store.schema import SentenceVector
from pipeline.store.vectors import SessionVectors
from pipeline.urls import doc_id

REPO = Path(__file__).resolve().parents[2]
MFA = Source.model_validate(
    {
        "id": "mfa",
        "name": "mfa",
        "kind": "briefing",
        "publisher": "MFA",
        "country": "CN",
        "language": "en",
        "timezone": "Asia/Shanghai",
        "discovery": {"method": "feed", "urls": ["https://mfa.example/feed.xml"]},
    }
)
WIRE = MFA.model_copy(update={"id": "wire", "name": "wire", "kind": "news", "publisher": "Wire"})
BRIEFING = (
    "Wang Wenbin: The foreign minister will visit Ostland next week.\n\n"
    "AFP: The US has threatened new sanctions. What is China's comment?\n\n"
    "Wang Wenbin: China's position is consistent. We oppose the willful use of unilateral sanctions or the "
    "threat of sanctions. The US should stop its wrong practice.\n\n"
    "Reuters: Will China send vaccines to Ostland?\n\n"
    "Wang Wenbin: China has supplied vaccines to more than 80 countries and will continue to do so."
)
REWORDED = (
    "China has condemned new US sanctions threats.\n\n"
    "Foreign Ministry spokesman Wang Wenbin told a regular press conference on Monday that Beijing was against "
    "the arbitrary imposition of one-sided sanctions and threats to impose them.\n\nAnalysts expect more."
)
HELD = datetime(2021, 4, 26, 7, 30, tzinfo=UTC)
WRITTEN = datetime(2021, 4, 26, 13, 0, tzinfo=UTC)


class Counted:
    """The bundled model, counting the texts it is given (what a process pays for)."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts: list[str]) -> NDArray[np.float32]:
        self.texts += texts
        return _bundled()(texts)


@cache
def _bundled() -> Embed:
    return bundled_model()


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    config = REPO / "config"
    return build_enricher(
        Settings(sources=config / "sources.yaml", topics=config / "topics.yaml", countries=config / "countries.yaml")
    )


def _store(catalog: Catalog, enricher: Enricher, source: Source, url: str, body: str, at: datetime) -> None:
    enrichment = enricher.enrich(
        "Press conference" if source.kind == "briefing" else "China slams sanctions",
        body,
        declared_language="en",
        source_kind=source.kind,
        ministry="CN",
        published_at=at,
        local_zone=source.tz,
    )
    store_text(catalog, source, url, "t", body, at, enrichment=enrichment, language="en")


def _stored(catalog: Catalog) -> int:
    with catalog.session() as session:
        return session.scalar(select(func.count()).select_from(SentenceVector)) or 0


def test_a_later_process_reads_the_answers_vectors_and_embeds_only_its_quote(
    catalog: Catalog, enricher: Enricher
) -> None:
    first = Counted()
    catalog.linker = Linker(meaning=Meaning(first, model=bundled_name()))
    _store(catalog, enricher, MFA, "https://mfa.example/t20210426.html", BRIEFING, HELD)
    _store(catalog, enricher, WIRE, "https://wire.example/a", REWORDED, WRITTEN)
    (cited,) = catalog.citations_of(doc_id("https://wire.example/a"))
    assert cited.matched_by == "meaning"
    quote = cited.quoted
    answers = [t for t in first.texts if t != quote]
    assert answers
    assert quote in first.texts
    assert _stored(catalog) == len(answers)  # the answers' sentences, not the quote

    later = Counted()  # a new process: nothing in memory
    catalog.linker = Linker(meaning=Meaning(later, model=bundled_name()))
    _store(catalog, enricher, WIRE, "https://wire.example/b", REWORDED, WRITTEN)
    (again,) = catalog.citations_of(doc_id("https://wire.example/b"))
    assert later.texts == [quote]
    assert (again.turn_id, again.verdict, again.similarity) == (cited.turn_id, cited.verdict, cited.similarity)
    assert _stored(catalog) == len(answers)


def test_vectors_of_another_model_are_not_read(catalog: Catalog, enricher: Enricher) -> None:
    catalog.linker = Linker(meaning=Meaning(Counted(), model=bundled_name()))
    _store(catalog, enricher, MFA, "https://mfa.example/t20210426.html", BRIEFING, HELD)
    _store(catalog, enricher, WIRE, "https://wire.example/a", REWORDED, WRITTEN)
    stored = _stored(catalog)
    other = Counted()
    catalog.linker = Linker(meaning=Meaning(other, model="another-model"))
    _store(catalog, enricher, WIRE, "https://wire.example/b", REWORDED, WRITTEN)
    assert len(other.texts) == stored + 1  # every answer sentence embedded again, and the quote
    assert _stored(catalog) == 2 * stored


def test_a_vector_stored_twice_is_kept_once_and_a_damaged_one_is_replaced(catalog: Catalog) -> None:
    vector = np.ones(DIMENSIONS, dtype=np.float32).tobytes()
    for _ in range(2):  # two workers embedding the same sentence: the second insert does nothing
        with catalog.session() as session, session.begin():
            SessionVectors(session).save("m", {digest("said"): vector})
    with catalog.session() as session, session.begin():
        assert SessionVectors(session).load("m", [digest("said"), digest("unsaid")]) == {digest("said"): vector}
        SessionVectors(session).save("m", {digest("short"): b"\0" * 12})
    embedded: list[str] = []

    def embed(texts: list[str]) -> NDArray[np.float32]:
        embedded.extend(texts)
        return np.full((len(texts), DIMENSIONS), 0.5, dtype=np.float32)

    meaning = Meaning(embed, model="m")
    with catalog.session() as session, session.begin(), kept_in(SessionVectors(session)):
        rows = meaning.vectors(["said", "short"], keep=True)
    assert embedded == ["short"]
    assert rows[0].tolist() == [1.0] * DIMENSIONS
    assert rows[1].tolist() == [0.5] * DIMENSIONS
    with catalog.session() as session, session.begin():  # the damaged row was replaced by the new vector
        assert len(SessionVectors(session).load("m", [digest("short")])[digest("short")]) == DIMENSIONS * 4


def test_a_model_without_a_name_keeps_nothing(catalog: Catalog) -> None:
    def embed(texts: list[str]) -> NDArray[np.float32]:
        return np.full((len(texts), DIMENSIONS), 0.5, dtype=np.float32)

    with catalog.session() as session, session.begin(), kept_in(SessionVectors(session)):
        Meaning(embed).vectors(["said"], keep=True)
    assert _stored(catalog) == 0


def test_linking_goes_on_when_the_vectors_cannot_be_kept(catalog: Catalog, enricher: Enricher) -> None:
    with catalog.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE sentence_vectors")
    catalog.linker = Linker(meaning=Meaning(Counted(), model=bundled_name()))
    _store(catalog, enricher, MFA, "https://mfa.example/t20210426.html", BRIEFING, HELD)
    _store(catalog, enricher, WIRE, "https://wire.example/a", REWORDED, WRITTEN)
    (cited,) = catalog.citations_of(doc_id("https://wire.example/a"))
    assert cited.matched_by == "meaning"


def test_on_postgresql_vectors_are_seen_by_other_workers_before_the_document_commits(catalog: Catalog) -> None:
    if catalog.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the vectors are written in the document's transaction")
    postgres_catalog = catalog
    vector = np.ones(DIMENSIONS, dtype=np.float32).tobytes()
    keys = {digest("first"): vector, digest("second"): vector}
    with postgres_catalog.session() as writer, writer.begin():
        SessionVectors(writer).save("m", keys)  # the document's transaction is still open
        with postgres_catalog.session() as other, other.begin():
            assert SessionVectors(other).load("m", sorted(keys)) == keys
            SessionVectors(other).save("m", dict(reversed(list(keys.items()))))  # no wait, no deadlock
