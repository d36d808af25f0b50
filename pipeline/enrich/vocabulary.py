"""The labels the tagging rules can give (topic ids, country codes), for checking a search's filters: a filter on a
label no rule gives finds nothing, and the user should hear that it does not exist rather than see 0 hits.

Only the ids are read (C-accelerated YAML when available), not the rules: a search builds no tagger.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from pipeline.config import Settings

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def unknown_labels(settings: Settings, *, topics: tuple[str, ...], countries: tuple[str, ...]) -> list[str]:
    """One sentence per topic id or country code that the configured rules do not have, with the closest
    known ones. A rules file that is off or unreadable checks nothing (``readout check`` reports it)."""
    problems: list[str] = []
    known_topics = _entries(settings.topics, "topics", "id") if topics else None
    for topic in topics:
        if known_topics is not None and topic not in known_topics:
            close = difflib.get_close_matches(topic, list(known_topics), n=5, cutoff=0.5) or sorted(known_topics)
            problems.append(
                f"no topic {topic!r} in {settings.topics}; "
                f"{'did you mean' if len(close) < len(known_topics) else 'the topics are'}: {', '.join(close)}"
            )
    known_countries = _entries(settings.countries, "countries", "code") if countries else None
    for code in countries:
        if known_countries is not None and code not in known_countries:
            named = [
                known
                for known, name in known_countries.items()
                if str(name).casefold() == code.casefold() or known.casefold() == code.casefold()
            ]
            hint = f"; did you mean {named[0]}?" if named else " (use an ISO 3166-1 alpha-2 code such as CN)"
            problems.append(f"no country {code!r} in {settings.countries}{hint}")
    return problems


def _entries(path: Path | None, list_key: str, id_key: str) -> dict[str, Any] | None:
    """``id → name`` of the entries of a rules file, or None when there is no readable file."""
    if path is None:
        return None
    try:
        document = yaml.load(path.read_text("utf-8"), Loader=_Loader)  # noqa: S506 - a safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    entries = document.get(list_key) if isinstance(document, dict) else None
    if not isinstance(entries, list):
        return None
    return {str(e[id_key]): e.get("name") or e.get("label") for e in entries if isinstance(e, dict) and id_key in e}
