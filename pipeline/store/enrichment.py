"""A document's enrichment written onto its catalog row, with what follows from it in the same transaction: a
briefing's turns (:mod:`pipeline.store.turns`), the citations that may report it and its twin
(:mod:`pipeline.store.citations`, :mod:`pipeline.store.twins`), or a news document's citations."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pipeline.config import CITING_KIND
from pipeline.enrich import Enrichment
from pipeline.store.citations import Linker, link_document, relink_for_briefing
from pipeline.store.schema import Document
from pipeline.store.turns import replace_turns
from pipeline.store.twins import TwinSources, relink_twins


def shown_tags(document: Document) -> tuple[Any, ...]:
    """The enrichment fields of ``document`` the search index shows, as :meth:`Enrichment.indexed` gives them."""
    return (document.language, sorted(document.topics), sorted(document.countries), list(document.key_phrases))


def set_enrichment(document: Document, enrichment: Enrichment) -> bool:
    """Copy ``enrichment`` onto ``document``; True when a field the search index shows changed."""
    before = shown_tags(document)
    after = enrichment.indexed(document.declared_language)
    document.language = after[0]
    document.topics = sorted(enrichment.topics)
    document.topic_scores = dict(enrichment.topic_scores)
    document.countries = sorted(enrichment.countries)
    document.key_phrases = list(enrichment.key_phrases)
    document.tag_explanation = dict(enrichment.explanation)
    document.tagged_with = enrichment.rules
    return before != after


def write_enrichment(
    session: Session, document: Document, enrichment: Enrichment, linker: Linker, twins: TwinSources
) -> bool:
    """Copy ``enrichment`` onto ``document``, replace its turns when it carries exchanges (after the tags:
    the turns copy the document's language) and its citations when it carries quotes; True when the search
    index must see the document again."""
    changed = set_enrichment(document, enrichment)
    return link_enrichment(session, document, enrichment, linker, twins) or changed


def link_enrichment(
    session: Session,
    document: Document,
    enrichment: Enrichment,
    linker: Linker,
    twins: TwinSources,
    *,
    turns_changed: bool = False,
) -> bool:
    """A briefing's turns replaced (and the citations that may report it and its twin aligned again when they
    changed, or when a paired source's briefing has no twin yet), or a news document's citations replaced
    (:mod:`pipeline.store.citations`, :mod:`pipeline.store.twins`); True when any of them changed."""
    changed = False
    if enrichment.exchanges is not None:
        changed = replace_turns(session, document, enrichment.exchanges)
        if changed or turns_changed:
            relink_for_briefing(session, document, linker)
        if changed or turns_changed or document.twin_doc_id is None:
            changed = relink_twins(session, document, twins) or changed
    if enrichment.quoted is not None and document.source_kind == CITING_KIND:
        changed = link_document(session, document, enrichment.quoted, linker) or changed
    return changed
