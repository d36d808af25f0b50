"""Catalog rows for the turns tests: documents and their turns written with SQLAlchemy into a real catalog
(the turn store's own writer lands separately), and plain turn objects for the index-level tests."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, update

from pipeline.store.catalog import Catalog
from pipeline.store.schema import Document, Turn

WHEN = datetime(2021, 4, 26, 7, 0, tzinfo=UTC)


@dataclass
class TurnRow:
    """A turn as the projection reads it (``pipeline.store.schema.Turn``'s fields)."""

    doc_id: str
    number: int
    question: str
    answer: str
    outlet: str | None = "AFP"
    outlet_id: str | None = "afp"
    spokesperson: str | None = "Wang Wenbin"
    spokesperson_id: str | None = "wang-wenbin"
    kind: str = "exchange"
    position: int = -1
    source_id: str = "cn-mfa-en"
    ministry: str = "CN"
    briefing_date: datetime | None = WHEN
    language: str | None = "en"
    journalist: str | None = None
    topics: list[Any] = field(default_factory=list)
    countries: list[Any] = field(default_factory=list)
    question_countries: list[Any] = field(default_factory=list)
    answer_countries: list[Any] = field(default_factory=list)
    content_hash: str = ""
    version: int = 1

    def __post_init__(self) -> None:
        self.position = self.number if self.position < 0 else self.position
        self.content_hash = self.content_hash or hashlib.sha256(f"{self.question}|{self.answer}".encode()).hexdigest()

    @property
    def turn_id(self) -> str:
        return f"{self.doc_id}:{self.number}"


def add_document(catalog: Catalog, doc_id: str, text: str, *, revision: int = 1, **values: Any) -> None:
    """A briefing document in the catalog (the columns a document needs, and ``values``)."""
    row = Document(
        doc_id=doc_id,
        url=f"https://www.fmprc.gov.cn/eng/{doc_id}.html",
        canonical_url=f"https://www.fmprc.gov.cn/eng/{doc_id}.html",
        source_id="cn-mfa-en",
        source_kind="briefing",
        publisher="Ministry of Foreign Affairs of the People's Republic of China",
        source_country="CN",
        language="en",
        title=f"Regular press conference {doc_id}",
        text=text,
        published_at=WHEN,
        fetched_at=WHEN,
        first_seen_at=WHEN,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        version=1,
        revision=revision,
        extractor_version="test",
        **values,
    )
    with catalog.session() as session, session.begin():
        session.add(row)


def set_turns(catalog: Catalog, doc_id: str, turns: list[TurnRow], *, revision: int | None = None) -> None:
    """Replace a document's turns (and bump its revision to ``revision``, as the turn store does)."""
    with catalog.session() as session, session.begin():
        session.execute(delete(Turn).where(Turn.doc_id == doc_id))
        for turn in turns:
            session.add(
                Turn(
                    turn_id=turn.turn_id,
                    doc_id=turn.doc_id,
                    number=turn.number,
                    position=turn.position,
                    kind=turn.kind,
                    source_id=turn.source_id,
                    ministry=turn.ministry,
                    briefing_date=turn.briefing_date,
                    language=turn.language,
                    spokesperson_id=turn.spokesperson_id,
                    spokesperson=turn.spokesperson,
                    outlet_id=turn.outlet_id,
                    outlet=turn.outlet,
                    journalist=turn.journalist,
                    question=turn.question,
                    answer=turn.answer,
                    utterances=[],
                    topics=turn.topics,
                    countries=turn.countries,
                    question_countries=turn.question_countries,
                    answer_countries=turn.answer_countries,
                    content_hash=turn.content_hash,
                    version=turn.version,
                )
            )
        if revision is not None:
            session.execute(update(Document).where(Document.doc_id == doc_id).values(revision=revision))
