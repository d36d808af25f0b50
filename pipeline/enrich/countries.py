"""Countries mentioned: a gazetteer of names, adjectives and capitals (``config/countries.yaml``).

Every UN member state, the observers and major territories, with their ISO 3166-1 alpha-2 codes, in
English, Chinese and Russian at least. A country is mentioned when one of its forms occurs: a name
("the US", "КНДР", "中方"), an adjective or demonym ("Chinese", "российский"), or its capital standing
for its government ("Beijing said").

Ambiguity is handled three ways, all visible in the explanation:
- the longest match wins across the whole gazetteer, and **blockers** are phrases that contain a
  country's word without meaning the country ("China Daily", "New Mexico", "the Korean peninsula");
- **ambiguous** forms ("Georgia", "Jordan") count only when the document also mentions the country
  unambiguously or one of its **context** words ("Tbilisi", "Amman");
- a compound that names two countries ("中美") is listed under both, and loses to a one-country name of
  the same length it overlaps ("其中美国" is the United States, not China and the United States);
- a Latin-script form written with a capital initial in the gazetteer is a proper noun and must be
  capitalised in the text too: "Turkey" is Türkiye, "turkey" the bird; "China", not "china".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.config import read_yaml_entries
from pipeline.enrich.matcher import Hit, PhraseMatcher, TermError, compile_term, leftmost_longest
from pipeline.enrich.taxonomy import LanguageCode
from pipeline.enrich.text import Normaliser, TextView, default_normaliser, is_unspaced
from pipeline.errors import ConfigError

Forms = dict[LanguageCode, list[str]]
FormKind = Literal["name", "adjective", "capital"]


class Country(BaseModel):
    """One country or territory and the forms that mention it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 (XK for Kosovo).")
    name: str = Field(min_length=1)
    status: Literal["member", "observer", "territory"]
    names: Forms
    adjectives: Forms = Field(default_factory=dict)
    capitals: Forms = Field(default_factory=dict)
    ambiguous: Forms = Field(default_factory=dict, description="Forms that need confirmation.")
    context: Forms = Field(default_factory=dict, description="Words that confirm an ambiguous form.")

    @model_validator(mode="after")
    def _check(self) -> Country:
        if not self.names.get("en"):
            raise ValueError("names need at least one English form")
        for field_name in ("names", "adjectives", "capitals", "ambiguous", "context"):
            for language, forms in getattr(self, field_name).items():
                if any(not form.strip() for form in forms):
                    raise ValueError(f"an empty form in {field_name}.{language}")
        listed = {form for _, _, form in self.forms()}
        for language, forms in self.ambiguous.items():
            strays = [form for form in forms if form not in listed]
            if strays:
                raise ValueError(
                    f"ambiguous.{language}: {strays} are not among the country's names, adjectives or capitals"
                )
        return self

    def forms(self) -> list[tuple[FormKind, str, str]]:
        """(kind, language, form) for every name, adjective and capital."""
        kinds: tuple[tuple[FormKind, Forms], ...] = (
            ("name", self.names),
            ("adjective", self.adjectives),
            ("capital", self.capitals),
        )
        return [(kind, language, form) for kind, lists in kinds for language, forms in lists.items() for form in forms]


@dataclass(frozen=True)
class Gazetteer:
    """A validated countries file."""

    countries: list[Country]
    blockers: dict[str, list[str]] = field(default_factory=dict)


def read_gazetteer(
    path: Path | str, *, text: str | None = None, normaliser: Normaliser | None = None
) -> tuple[Gazetteer, list[ConfigError]]:
    """Validate each entry on its own: the good countries (and the blockers), one error per bad entry. The
    forms are checked through ``normaliser`` (default: the process-wide one), which keeps their stems."""
    path = Path(path)
    document, entries = read_yaml_entries(
        path, "countries", text=text, setting="READOUT_COUNTRIES", other_keys=("blockers",)
    )
    blockers = document.get("blockers") or {}
    if not isinstance(blockers, dict) or not all(
        isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value)
        for value in blockers.values()
    ):
        raise ConfigError("expected a mapping of language → list of phrases", file=str(path), entry="blockers")
    normaliser = normaliser or default_normaliser()
    for language, phrases in blockers.items():
        for phrase in phrases:
            try:
                compile_term(phrase, normaliser)
            except TermError as exc:
                raise ConfigError(str(exc), file=str(path), entry="blockers", field=str(language)) from None
    countries: list[Country] = []
    errors: list[ConfigError] = []
    seen: dict[str, str] = {}
    for index, (raw, line) in enumerate(entries):
        code = raw.get("code") if isinstance(raw, dict) else None
        label = f"{f'{code!r}' if code else f'#{index + 1}'}" + (f" (line {line})" if line else "")
        try:
            country = Country.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"]) or None
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown field (allowed: " + ", ".join(Country.model_fields) + ")"
            errors.append(ConfigError(message, file=str(path), entry=label, field=where))
            continue
        if country.code in seen:
            errors.append(
                ConfigError(
                    f"duplicate code (first used by entry {seen[country.code]})",
                    file=str(path),
                    entry=label,
                    field="code",
                )
            )
            continue
        try:
            for form in [form for _, _, form in country.forms()] + [
                f for forms in country.context.values() for f in forms
            ]:
                compile_term(form, normaliser)
        except TermError as exc:
            errors.append(ConfigError(str(exc), file=str(path), entry=label))
            continue
        seen[country.code] = label
        countries.append(country)
    return Gazetteer(countries, {str(key): list(value) for key, value in blockers.items()}), errors


def load_gazetteer(path: Path | str, *, text: str | None = None) -> Gazetteer:
    """The gazetteer in ``path``; raises :class:`ConfigError` on the first problem."""
    gazetteer, errors = read_gazetteer(path, text=text)
    if errors:
        raise errors[0]
    return gazetteer


@dataclass(frozen=True, slots=True)
class CountryForm:
    """What a matched form stands for: a country's form, a confirming context word, or a blocker."""

    code: str | None
    role: Literal["form", "context", "blocker"]
    kind: FormKind | None = None
    ambiguous: bool = False
    #: A proper noun in a cased script: the text must show it capitalised.
    proper: bool = False


@dataclass
class CountryResult:
    """The countries a document mentions, and why."""

    codes: list[str] = field(default_factory=list)
    #: {"mentions": {code: [{form, kind, count}]}, "unconfirmed": {code: {seen: count}}, "blocked": {seen: count}}
    explanation: dict[str, Any] = field(default_factory=dict)


class CountryTagger:
    """Finds the countries a document mentions."""

    def __init__(self, gazetteer: Gazetteer, normaliser: Normaliser) -> None:
        self.gazetteer = gazetteer
        self.matcher: PhraseMatcher[CountryForm] = PhraseMatcher(normaliser)
        self.context: PhraseMatcher[CountryForm] = PhraseMatcher(normaliser)
        for country in gazetteer.countries:
            unclear = {form for forms in country.ambiguous.values() for form in forms}
            for kind, _, form in country.forms():
                proper = form[:1].isupper() and not is_unspaced(form)
                self.matcher.add(form, CountryForm(country.code, "form", kind, form in unclear, proper))
            for forms in country.context.values():
                for form in forms:
                    self.context.add(form, CountryForm(country.code, "context"))
        for phrases in gazetteer.blockers.values():
            for phrase in phrases:
                self.matcher.add(phrase, CountryForm(None, "blocker"))

    def tag(self, views: list[TextView]) -> CountryResult:
        """The countries mentioned in ``views`` (title and text)."""
        found: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
        unconfirmed: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        blocked: dict[str, int] = defaultdict(int)
        confirmed: set[str] = set()
        pending: list[Hit[CountryForm]] = []
        for view in views:
            hits = [hit for hit in self.matcher.scan(view) if not hit.payload.proper or hit.seen[:1].isupper()]
            for hit in leftmost_longest(_without_shadowed_compounds(hits)):
                form = hit.payload
                if form.role == "blocker":
                    blocked[hit.seen] += 1
                elif form.ambiguous:
                    pending.append(hit)
                else:
                    assert form.code is not None
                    assert form.kind is not None
                    found[form.code][(hit.term.written, form.kind)] += 1
                    confirmed.add(form.code)
            confirmed.update(hit.payload.code for hit in self.context.scan(view) if hit.payload.code)
        for hit in pending:
            form = hit.payload
            assert form.code is not None
            assert form.kind is not None
            if form.code in confirmed:
                found[form.code][(hit.term.written, form.kind)] += 1
            else:
                unconfirmed[form.code][hit.seen] += 1
        result = CountryResult(codes=sorted(found))
        result.explanation = {
            "mentions": {
                code: [
                    {"form": written, "kind": kind, "count": count} for (written, kind), count in sorted(forms.items())
                ]
                for code, forms in sorted(found.items())
            }
        }
        if unconfirmed:
            result.explanation["unconfirmed"] = {code: dict(forms) for code, forms in sorted(unconfirmed.items())}
        if blocked:
            result.explanation["blocked"] = dict(sorted(blocked.items()))
        return result


def _without_shadowed_compounds(hits: list[Hit[CountryForm]]) -> list[Hit[CountryForm]]:
    """Drop two-country compounds that overlap a one-country form at least as long: in "其中美国" the
    compound "中美" and the name "美国" tie on length, and the name is what the writer meant."""
    codes: dict[tuple[int, int], set[str | None]] = defaultdict(set)
    for hit in hits:
        if hit.payload.role == "form":
            codes[(hit.start, hit.end)].add(hit.payload.code)
    compounds = [span for span, found in codes.items() if len(found) > 1]
    if not compounds:
        return hits
    singles = [span for span, found in codes.items() if len(found) == 1]
    shadowed = {
        compound
        for compound in compounds
        for start, end in singles
        if start < compound[1] and compound[0] < end and end - start >= compound[1] - compound[0]
    }
    return [hit for hit in hits if (hit.start, hit.end) not in shadowed]
