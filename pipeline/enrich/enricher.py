"""One call that enriches a document: language, topics, countries, key phrases, and the explanation."""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.enrich.countries import CountryTagger, Gazetteer, read_gazetteer
from pipeline.enrich.keyphrases import KeyPhraseExtractor
from pipeline.enrich.language import LanguageDetector, base_language
from pipeline.enrich.taxonomy import Taxonomy, read_taxonomy
from pipeline.enrich.text import Normaliser, TextView, default_normaliser, lead_end
from pipeline.enrich.topics import TopicTagger
from pipeline.errors import ConfigError

log = logging.getLogger(__name__)

#: Bumped when the enrichment code changes what it produces for the same rules and text.
ENRICHER_VERSION = "1"


@dataclass(frozen=True)
class Enrichment:
    """What enrichment found in one document."""

    language: str | None
    topics: list[str]
    topic_scores: dict[str, float]
    countries: list[str]
    key_phrases: list[str]
    #: The enricher version and rules digest that produced it (:attr:`Enricher.version`).
    rules: str = ""
    #: Why: {"language": {...}, "topics": {id: {...}}, "countries": {...}, "rules": version}.
    explanation: dict[str, Any] = field(default_factory=dict)

    def indexed(self, declared_language: str | None) -> tuple[Any, ...]:
        """What the search index will show of this enrichment (a change here needs a new revision): when
        detection found no language (no letters), the page's declared tag, reduced to its language, stands."""
        language = self.language or base_language(declared_language)
        return (language, sorted(self.topics), sorted(self.countries), list(self.key_phrases))


class Enricher:
    """Enriches documents with one taxonomy and one gazetteer (either may be absent: nothing is tagged)."""

    def __init__(
        self,
        taxonomy: Taxonomy | None = None,
        gazetteer: Gazetteer | None = None,
        *,
        normaliser: Normaliser | None = None,
        rules_digest: str = "",
        problems: list[ConfigError] | None = None,
    ) -> None:
        self.normaliser = normaliser or default_normaliser()
        self.taxonomy = taxonomy
        self.topics = TopicTagger(taxonomy, self.normaliser) if taxonomy and taxonomy.topics else None
        self.countries = CountryTagger(gazetteer, self.normaliser) if gazetteer and gazetteer.countries else None
        self.language = LanguageDetector()
        self.key_phrases = KeyPhraseExtractor(self.normaliser)
        #: Identifies the rules and code: stored with each document, so stale tags can be found.
        self.version = f"{ENRICHER_VERSION}-{rules_digest[:12]}" if rules_digest else ENRICHER_VERSION
        #: Problems found in the rules files (the broken entries were left out).
        self.problems = list(problems or [])

    def enrich(self, title: str | None, text: str, *, declared_language: str | None = None) -> Enrichment:
        """Enrich one document from its title and text; ``declared_language`` is the page's (a hint)."""
        guess = self.language.detect(f"{title or ''}\n{text}", declared_language)
        text_view = TextView(text, self.normaliser)
        title_view = TextView(title, self.normaliser) if title else None
        explanation: dict[str, Any] = {
            "rules": self.version,
            "language": {
                "detected": guess.code,
                "confidence": guess.confidence,
                "method": guess.method,
                "declared": guess.declared,
            },
        }
        topics: list[str] = []
        scores: dict[str, float] = {}
        if self.topics is not None:
            assert self.taxonomy is not None
            lead = lead_end(text_view.text, self.taxonomy.defaults.lead_sentences)
            result = self.topics.tag(title_view, text_view, lead)
            topics, scores = result.topics, result.scores
            explanation["topics"] = result.explanation
        countries: list[str] = []
        if self.countries is not None:
            views = [view for view in (title_view, text_view) if view is not None]
            found = self.countries.tag(views)
            countries = found.codes
            explanation["countries"] = found.explanation
        phrases = self.key_phrases.extract(text, guess.code)
        return Enrichment(guess.code, topics, scores, countries, phrases, self.version, explanation)


def _digest(*paths: Path | None) -> str:
    hasher = hashlib.sha256()
    for path in paths:
        hasher.update(path.read_bytes() if path is not None and path.is_file() else b"-")
    return hasher.hexdigest()


def missing_rules(settings: Settings) -> list[str]:
    """One sentence per tagging rules file that is configured but missing (what is then not tagged, and the two
    ways out). A file turned off on purpose (``READOUT_TOPICS=none``) is not missing."""
    problems: list[str] = []
    for kind, setting, path in (
        ("topics", "READOUT_TOPICS", settings.topics),
        ("countries", "READOUT_COUNTRIES", settings.countries),
    ):
        if path is not None and not path.is_file():
            problems.append(
                f"the {kind} file {path} does not exist ({setting}): documents get no {kind}; "
                f"set {setting} to the file, or to 'none' to turn {kind} tagging off"
            )
    return problems


def warn_missing_rules(settings: Settings, logger: logging.Logger = log) -> list[str]:
    """Log a warning for each missing rules file (see :func:`missing_rules`) at the start of every run that
    tags: without it a run would store untagged documents, exit 0 and say nothing."""
    problems = missing_rules(settings)
    for problem in problems:
        logger.warning("tagging: %s", problem)
    return problems


#: Enrichers already built, by rules files and their content: building one compiles thousands of terms.
_built: dict[tuple[str, str, str], Enricher] = {}
_built_lock = threading.Lock()


def load_enricher(settings: Settings) -> Enricher:
    """The enricher of the configured topics and countries files (built once per process and content).

    A missing file (reported by :func:`warn_missing_rules`) or one turned off means no topics (or no
    countries); a broken entry is logged and left out, so the
    rest still tags, and the problems are kept on :attr:`Enricher.problems` (``readout check`` refuses
    them). A file that cannot be read at all is logged the same way and tags nothing.
    """
    key = (
        str(settings.topics.resolve()) if settings.topics else "",
        str(settings.countries.resolve()) if settings.countries else "",
        _digest(settings.topics, settings.countries),
    )
    with _built_lock:
        enricher = _built.get(key)
        if enricher is None:
            enricher = _built[key] = _build(settings, key[2])
    return enricher


def _build(settings: Settings, digest: str) -> Enricher:
    problems: list[ConfigError] = []
    taxonomy: Taxonomy | None = None
    gazetteer: Gazetteer | None = None
    if settings.topics is not None and settings.topics.is_file():
        try:
            taxonomy, errors = read_taxonomy(settings.topics)
            problems.extend(errors)
        except ConfigError as exc:
            problems.append(exc)
    if settings.countries is not None and settings.countries.is_file():
        try:
            gazetteer, errors = read_gazetteer(settings.countries)
            problems.extend(errors)
        except ConfigError as exc:
            problems.append(exc)
    for problem in problems:
        log.error("tagging rules: %s (left out)", problem)
    return Enricher(taxonomy, gazetteer, rules_digest=digest, problems=problems)
