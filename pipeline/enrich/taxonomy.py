"""The topic taxonomy (``config/topics.yaml``): validated models and loading with clear errors.

The file is meant to be edited by analysts, so every problem is reported with the file, the topic
(by id and line) and the field: unknown fields, duplicate ids, missing languages, empty term lists,
terms that cannot match anything. One broken topic does not hide the others: :func:`read_taxonomy`
returns the good topics and one error per bad one; :func:`load_taxonomy` refuses the file outright.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.config import read_yaml_entries
from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.enrich.text import Normaliser

#: Every topic needs terms in these languages (the languages of the sources we follow first).
REQUIRED_LANGUAGES = ("en", "zh", "ru")

LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WeightedTerm(_Strict):
    """A term with a weight other than 1: 2 for phrases that alone mean the topic, 0.5 for weak hints."""

    term: str = Field(min_length=1)
    weight: float = Field(gt=0, le=10)


TermSpec = str | WeightedTerm
TermLists = dict[LanguageCode, list[TermSpec]]


def _non_empty(lists: dict[str, list[Any]]) -> dict[str, list[Any]]:
    for language, terms in lists.items():
        if not terms:
            raise ValueError(f"the term list for {language!r} is empty")
        for term in terms:
            text = term.term if isinstance(term, WeightedTerm) else term
            if not text.strip():
                raise ValueError(f"an empty term in the {language!r} list")
    return lists


class Topic(_Strict):
    """One topic: what it is, the terms that signal it per language, and its rules."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=48)
    label: str = Field(min_length=1)
    description: str = Field(min_length=1)
    iptc: str | None = Field(default=None, pattern=r"^medtop:\d{8}$", description="IPTC Media Topic code.")
    threshold: float | None = Field(default=None, gt=0)
    terms: TermLists
    exclude: TermLists = Field(default_factory=dict, description="Any of these in a document vetoes the topic.")
    requires: TermLists = Field(default_factory=dict, description="At least one of these must occur too.")

    @field_validator("terms")
    @classmethod
    def _all_languages(cls, terms: dict[str, list[Any]]) -> dict[str, list[Any]]:
        missing = [language for language in REQUIRED_LANGUAGES if language not in terms]
        if missing:
            raise ValueError(f"terms are missing for {', '.join(missing)} (every topic needs en, zh and ru)")
        return _non_empty(terms)

    @field_validator("exclude", "requires")
    @classmethod
    def _lists(cls, lists: dict[str, list[Any]]) -> dict[str, list[Any]]:
        return _non_empty(lists)

    def weighted(self, field: str = "terms") -> list[tuple[str, str, float]]:
        """(language, term, weight) for every term of ``field`` ("terms", "exclude" or "requires")."""
        lists: TermLists = getattr(self, field)
        return [
            (language, term.term, term.weight) if isinstance(term, WeightedTerm) else (language, term, 1.0)
            for language, terms in lists.items()
            for term in terms
        ]


class Scoring(_Strict):
    """How matches become a score: place factors, a cap on repeats, the default threshold."""

    threshold: float = Field(default=2.0, gt=0, description="A topic is tagged when its score reaches this.")
    title: float = Field(default=3.0, ge=0, description="Factor for a match in the title.")
    lead: float = Field(default=1.5, ge=0, description="Factor for a match in the lead.")
    body: float = Field(default=1.0, ge=0, description="Factor for a match in the rest of the text.")
    lead_sentences: int = Field(default=2, ge=0, description="Sentences that make the lead.")
    max_repeats: int = Field(default=3, ge=1, description="Occurrences of one term that count.")


class Taxonomy(_Strict):
    """A validated topics file."""

    defaults: Scoring = Field(default_factory=Scoring)
    topics: list[Topic]

    def threshold(self, topic: Topic) -> float:
        return topic.threshold if topic.threshold is not None else self.defaults.threshold


def read_taxonomy(
    path: Path | str, *, text: str | None = None, normaliser: Normaliser | None = None
) -> tuple[Taxonomy, list[ConfigError]]:
    """Validate each topic on its own: the taxonomy of the good topics, and one error per bad topic. The terms
    are checked through ``normaliser`` (default: the process-wide one), which keeps their stems.

    Problems with the file as a whole (missing, not YAML, bad ``defaults``) raise :class:`ConfigError`.
    """
    from pipeline.enrich.matcher import TermError, compile_term
    from pipeline.enrich.text import default_normaliser

    path = Path(path)
    document, entries = read_yaml_entries(path, "topics", text=text, setting="READOUT_TOPICS", other_keys=("defaults",))
    try:
        defaults = Scoring.model_validate(document.get("defaults") or {})
    except ValidationError as exc:
        raise _error(exc, path, entry="defaults", model=Scoring) from None
    normaliser = normaliser or default_normaliser()
    topics: list[Topic] = []
    errors: list[ConfigError] = []
    seen: dict[str, str] = {}
    for index, (raw, line) in enumerate(entries):
        ident = raw.get("id") if isinstance(raw, dict) else None
        label = f"{f'{ident!r}' if ident else f'#{index + 1}'}" + (f" (line {line})" if line else "")
        try:
            topic = Topic.model_validate(raw)
        except ValidationError as exc:
            errors.append(_error(exc, path, entry=label))
            continue
        if topic.id in seen:
            errors.append(
                ConfigError(
                    f"duplicate id (first used by topic {seen[topic.id]})", file=str(path), entry=label, field="id"
                )
            )
            continue
        problem = None
        for field in ("terms", "exclude", "requires"):
            for language, term, _ in topic.weighted(field):
                try:
                    compile_term(term, normaliser)
                except TermError as exc:
                    problem = ConfigError(str(exc), file=str(path), entry=label, field=f"{field}.{language}")
                    break
            if problem:
                break
        if problem:
            errors.append(problem)
            continue
        seen[topic.id] = label
        topics.append(topic)
    return Taxonomy(defaults=defaults, topics=topics), errors


def load_taxonomy(path: Path | str, *, text: str | None = None) -> Taxonomy:
    """The taxonomy in ``path``; raises :class:`ConfigError` on the first problem (for ``readout check``)."""
    taxonomy, errors = read_taxonomy(path, text=text)
    if errors:
        raise errors[0]
    return taxonomy


def _error(exc: ValidationError, path: Path, *, entry: str, model: type[BaseModel] = Topic) -> ConfigError:
    errors = exc.errors()
    # A term is a string or a {term, weight} mapping: report the branch the input was meant for.
    # An unknown field explains a missing one ("wieght" for "weight"), so it goes first.
    meant = [e for e in errors if "str" not in e["loc"]] or errors
    error = next((e for e in meant if e["type"] == "extra_forbidden"), meant[0])
    raw_loc = error["loc"]
    loc = tuple(part for part in raw_loc if part not in ("str", "WeightedTerm"))
    field = ".".join(str(part) for part in loc) or None
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        allowed = WeightedTerm if "WeightedTerm" in raw_loc else model
        message = "unknown field (allowed: " + ", ".join(allowed.model_fields) + ")"
    return ConfigError(message.removeprefix("Value error, "), file=str(path), entry=entry, field=field)
