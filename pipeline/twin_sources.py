"""Twin sources: two briefing sources of one ministry publishing the same briefings in two languages (the MFA's
Chinese and English press conferences, mid.ru's Russian and English briefings), declared in the sources file
with ``twin: <the other source's id>`` on either entry or on both.

:func:`check_twins` refuses, naming the entry and the field, a pair whose other end is missing, is not a briefing
source, is of another country or of the same language, or is paired with a third source. The catalog pairs
their briefings (:mod:`pipeline.store.twins`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.config import Source


def check_twins(
    sources: Sequence[Source], errors: list[ConfigError], path: Path, labels: Mapping[str, str]
) -> tuple[list[Source], list[ConfigError]]:
    """The sources without those whose ``twin`` is wrong, and ``errors`` with one error for each of those."""
    bad: dict[str, str] = {}
    while True:  # a refused source leaves the one naming it as its twin without a twin: refused in turn
        by_id = {source.id: source for source in sources if source.id not in bad}
        found = {
            source.id: problem
            for source in by_id.values()
            if source.twin is not None and (problem := _problem(source, by_id.get(source.twin), by_id)) is not None
        }
        if not found:
            break
        bad.update(found)
    errors = errors + [
        ConfigError(problem, file=str(path), entry=labels.get(source_id, source_id), field="twin")
        for source_id, problem in bad.items()
    ]
    return [source for source in sources if source.id not in bad], errors


def _problem(source: Source, other: Source | None, by_id: Mapping[str, Source]) -> str | None:
    if other is None:
        return f"the twin source {source.twin!r} is not in the file (or its entry is broken)"
    if other.id == source.id:
        return "a source cannot be its own twin"
    if source.kind != "briefing" or other.kind != "briefing":
        return f"twins are briefing sources; {source.id!r} is {source.kind!r} and {other.id!r} is {other.kind!r}"
    if source.country != other.country:
        return f"twins are of one ministry; {other.id!r} is of {other.country}, not {source.country}"
    if source.language == other.language:
        return f"twins publish in two languages; {other.id!r} is in {other.language!r} too"
    if other.twin is not None and other.twin != source.id:
        return f"{other.id!r} names another twin ({other.twin!r})"
    third = [s.id for s in by_id.values() if s.twin == other.id and s.id != source.id]
    if third:
        return f"{other.id!r} is already the twin of {third[0]!r}"
    return None


def twin_pairs(sources: Sequence[Source]) -> dict[str, str]:
    """Each paired source's id and its twin's id (both ways), from valid sources."""
    pairs: dict[str, str] = {}
    for source in sources:
        if source.twin is not None:
            pairs[source.id] = source.twin
            pairs[source.twin] = source.id
    return pairs
