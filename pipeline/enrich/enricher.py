"""One call that enriches a document: language, topics, countries, key phrases, the explanation, and (for a
briefing) its exchanges, tagged one by one (:mod:`pipeline.enrich.exchanges`)."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from pipeline.config import CITING_KIND, CLUSTERED_KINDS, Settings
from pipeline.enrich import coverage
from pipeline.enrich.countries import CountryTagger, Gazetteer
from pipeline.enrich.coverage import Target
from pipeline.enrich.exchanges import BRIEFING, ExchangeTagger, ExchangeTags
from pipeline.enrich.keyphrases import KeyPhraseExtractor
from pipeline.enrich.language import LanguageDetector, base_language
from pipeline.enrich.quotes import Quote
from pipeline.enrich.rules import load_rules, rules_digest
from pipeline.enrich.speakers import SpeakerDirectory, default_speakers, speakers_for
from pipeline.enrich.taxonomy import Taxonomy
from pipeline.enrich.text import Normaliser, TextView, default_normaliser, lead_end
from pipeline.enrich.topics import TopicTagger
from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.enrich.dedup import Fingerprint

log = logging.getLogger(__name__)

#: Bumped when the enrichment code changes what it produces for the same rules and text (3: news quotes).
ENRICHER_VERSION = "3"


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
    #: Why: {"language": {...}, "topics": {id: {...}}, "countries": {...}, "rules": version, and for a briefing
    #: "turns": {"layout", "exchanges", "announcements", "unknown_labels"} (or {"error"} when segmenting failed)}.
    explanation: dict[str, Any] = field(default_factory=dict)
    #: A briefing's exchanges in order, tagged; None when the document was not segmented (not a briefing, or
    #: segmenting failed): the catalog then leaves its turns as they are.
    exchanges: tuple[ExchangeTags, ...] | None = None
    #: The text's near-duplicate fingerprint, for a document the catalog clusters (news, statements): computed
    #: here, in the extraction workers, rather than in the run's one writing thread. None: the catalog does it.
    fingerprint: Fingerprint | None = None
    #: A news document's quotes attributed to a ministry's briefing, each with the ministry, spokesperson and
    #: days it points to (:func:`pipeline.enrich.coverage.wanted`, here in the workers); the catalog aligns
    #: them with the briefings it holds. None: not a news document (its citations are left as they are).
    quoted: tuple[tuple[Quote, Target], ...] | None = None

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
        speakers: Callable[[], SpeakerDirectory] | None = None,
    ) -> None:
        self.normaliser = normaliser or default_normaliser()
        self.taxonomy = taxonomy
        self.topics = TopicTagger(taxonomy, self.normaliser) if taxonomy and taxonomy.topics else None
        self.countries = CountryTagger(gazetteer, self.normaliser) if gazetteer and gazetteer.countries else None
        self.language = LanguageDetector()
        self.key_phrases = KeyPhraseExtractor(self.normaliser)
        self.exchange_tagger = ExchangeTagger(
            self.normaliser,
            self.topics,
            self.countries,
            lead_sentences=taxonomy.defaults.lead_sentences if taxonomy else 2,
            speakers=speakers,
        )
        #: Identifies the rules and code: stored with each document, so stale tags can be found.
        self.version = f"{ENRICHER_VERSION}-{rules_digest[:12]}" if rules_digest else ENRICHER_VERSION
        #: Problems found in the rules files (the broken entries were left out).
        self.problems = list(problems or [])

    def enrich(
        self,
        title: str | None,
        text: str,
        *,
        declared_language: str | None = None,
        source_kind: str | None = None,
        ministry: str | None = None,
        published_at: datetime | None = None,
        local_zone: tzinfo | None = None,
    ) -> Enrichment:
        """Enrich one document from its title and text; ``declared_language`` is the page's (a hint).

        A document of a ``briefing`` source (``source_kind``) is also cut into exchanges, each tagged
        (:attr:`Enrichment.exchanges`); ``ministry`` is its source's country code, which tells the
        segmenter whose layouts to expect. A segmenter that fails costs the exchanges only (logged, and
        said in the explanation): the document's own tags stand.

        A ``news`` document's briefing quotes are found too (:attr:`Enrichment.quoted`); relative dates in
        it ("on Monday") are read from ``published_at`` in ``local_zone``, its source's time zone."""
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
        exchanges = None
        if source_kind == BRIEFING:
            try:
                segmented = self.exchange_tagger.tag(
                    title, text, language=guess.code or base_language(declared_language), ministry=ministry
                )
            except Exception as exc:  # a bug in the segmenter must not cost the document its tags
                log.exception("segmenting a briefing (%s) failed; its turns are left as they were", title)
                explanation["turns"] = {"error": f"{type(exc).__name__}: {exc}"}
            else:
                exchanges = segmented.exchanges
                explanation["turns"] = segmented.explanation()
        fingerprint = None
        if source_kind in CLUSTERED_KINDS:
            from pipeline.enrich import dedup  # datasketch and numpy: for news only

            fingerprint = dedup.fingerprint(text)
        quoted = None
        if source_kind == CITING_KIND:
            try:
                quoted = coverage.wanted(
                    text,
                    language=guess.code or base_language(declared_language),
                    published=published_at,
                    local_zone=local_zone or UTC,
                    speakers=self.exchange_tagger.speakers() if self.exchange_tagger.speakers else default_speakers(),
                )
            except Exception as exc:  # a bug in the quote finder must not cost the document its tags
                log.exception("finding the briefing quotes of %s failed; its citations are left as they were", title)
                explanation["quotes"] = {"error": f"{type(exc).__name__}: {exc}"}
        return Enrichment(
            guess.code, topics, scores, countries, phrases, self.version, explanation, exchanges, fingerprint, quoted
        )


#: Enrichers already built, by rules files and their content: building one compiles thousands of terms.
_built: dict[tuple[str, str, str, str], Enricher] = {}
_built_lock = threading.Lock()


def load_enricher(settings: Settings) -> Enricher:
    """The enricher of the configured topics and countries files, built on first use: cheap to call.

    Nothing is read until a document is enriched or the rules are looked at (:attr:`Enricher.problems`),
    so a run that finds nothing new never reads the rules. It can be sent to another process (it travels as
    its settings and builds there). See :func:`build_enricher` for what building means.
    """
    return LazyEnricher(settings)


def build_enricher(settings: Settings) -> Enricher:
    """The enricher of the configured topics and countries files, built now (once per process and content;
    the compiled rules come from the data folder's cache when it has them, see :mod:`pipeline.enrich.rules`).

    A missing file (reported by :func:`warn_missing_rules`) or one turned off means no topics (or no
    countries); a broken entry is logged and left out, so the
    rest still tags, and the problems are kept on :attr:`Enricher.problems` (``readout check`` refuses
    them). A file that cannot be read at all is logged the same way and tags nothing.
    """
    digest = rules_digest(settings)
    key = (
        str(settings.topics.resolve()) if settings.topics else "",
        str(settings.countries.resolve()) if settings.countries else "",
        # The enricher reads its speakers file through these settings: another file is another enricher.
        str(settings.speakers.resolve()) if settings.speakers else "",
        digest,
    )
    with _built_lock:
        enricher = _built.get(key)
        if enricher is None:
            rules = load_rules(settings, digest)
            for problem in rules.problems:
                log.error("tagging rules: %s (left out)", problem)
            enricher = _built[key] = Enricher(
                rules.taxonomy,
                rules.gazetteer,
                rules_digest=digest,
                problems=rules.problems,
                # Read at each use (cached by the file's mtime): an edited speakers file needs no new enricher.
                speakers=functools.partial(speakers_for, settings),
            )
    return enricher


class LazyEnricher(Enricher):
    """An :class:`Enricher` that builds itself (:func:`build_enricher`) the first time it is used.

    It stands wherever an enricher is expected: :meth:`enrich` and every attribute are the built one's.
    """

    def __init__(self, settings: Settings) -> None:  # no Enricher.__init__: building is what is put off
        self._settings = settings
        self._enricher: Enricher | None = None
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        """Whether the enricher has been built (the rules read)."""
        return self._enricher is not None

    def get(self) -> Enricher:
        """The built enricher (built now if it was not yet)."""
        if self._enricher is None:
            with self._lock:
                if self._enricher is None:
                    self._enricher = build_enricher(self._settings)
        return self._enricher

    def enrich(
        self,
        title: str | None,
        text: str,
        *,
        declared_language: str | None = None,
        source_kind: str | None = None,
        ministry: str | None = None,
        published_at: datetime | None = None,
        local_zone: tzinfo | None = None,
    ) -> Enrichment:
        """See :meth:`Enricher.enrich`."""
        return self.get().enrich(
            title,
            text,
            declared_language=declared_language,
            source_kind=source_kind,
            ministry=ministry,
            published_at=published_at,
            local_zone=local_zone,
        )

    def __getattr__(self, name: str) -> Any:
        # Only for what this object lacks: the built enricher's attributes (never dunders, which copy and
        # pickle probe for, nor this object's own, while it is being unpickled).
        if name.startswith("__") or name in ("_settings", "_enricher", "_lock"):
            raise AttributeError(name)
        return getattr(self.get(), name)

    def __reduce__(self) -> tuple[type[LazyEnricher], tuple[Settings]]:
        # Its settings, not what it built: the tagger holds objects that do not pickle, and is rebuilt anyway.
        return (LazyEnricher, (self._settings,))
