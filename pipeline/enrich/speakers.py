"""Spokespersons and outlets (``config/speakers.yaml``): one id per person or outlet across spellings, scripts
and titles, for the turn segmenter (:mod:`pipeline.enrich.turns`).

The file is meant to be extended by analysts, so it validates like the tagging rules: every problem names the
file, the entry (by id and line) and the field, and a broken entry is reported and left out while the others
load (:func:`read_speakers`); :func:`load_speakers` refuses the file on its first problem (for tests and tools).

Matching (:meth:`SpeakerDirectory.speaker`, :meth:`SpeakerDirectory.outlet`) ignores case, accents, spacing and
punctuation, and strips honorifics and role words ("Mr", "MS", "Shri", "Official Spokesperson", the "记者" of
"路透社记者"), so "MR PRICE", "Ned Price" and "Mr. Price" are one speaker.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.config import default_rules_file, read_yaml_entries
from pipeline.enrich.text import simplified
from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.config import Settings

log = logging.getLogger(__name__)

_SETTING = "READOUT_SPEAKERS"
_ID = r"^[a-z0-9][a-z0-9-]{0,63}$"

# Honorifics and role words that say nothing about who speaks: dropped from labels and names before matching.
_HONORIFICS = frozenset(
    {
        *("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "shri", "smt", "sri", "h.e.", "he", "hon", "sir", "madam"),
        *("mme", "m.", "г-н", "г-жа", "господин", "госпожа"),
    }
)
_ROLE_WORDS = frozenset(
    {
        *("official", "spokesperson", "spokeswoman", "spokesman", "department", "deputy", "principal", "assistant"),
        *("acting", "ministry", "представитель", "официальный", "официального", "представителя"),
    }
)
# Chinese and Japanese label affixes: "路透社记者", "外交部发言人汪文斌", "NHK 北川記者".
_CJK_SUFFIXES = ("记者", "記者")
_CJK_PREFIXES = ("外交部发言人", "外交部發言人", "发言人", "發言人")
_PUNCTUATION = re.compile(r"[\s.,:;!?'\"’‘“”«»()\[\]{}【】（）《》〈〉「」『』、，。：；·・/\\|_-]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


_CYRILLIC_WORD = re.compile(r"[а-яё-]+")


def same_surname(word: str, name_word: str) -> bool:
    """Whether ``word`` (folded) is the listed ``name_word`` (folded), or a Russian case ending on a Cyrillic one of
    four letters or more ("Лаврова", "Захаровой" for "Лавров", "Захарова"): not any word sharing its first letters."""
    if word == name_word:
        return True
    if len(name_word) >= 4 and _CYRILLIC_WORD.fullmatch(name_word):
        stem = name_word[:-1] if name_word[-1] in "аяоеиыуюь" else name_word
        return word.startswith(stem) and len(word) - len(stem) <= 3
    return False


@lru_cache(maxsize=8192)
def label_key(label: str) -> str:
    """``label`` reduced to what matching compares: NFKC, accents removed, case-folded, traditional Chinese
    characters as simplified ones (小林麻紀 in a Hong Kong paper is 小林麻纪 in another), punctuation and spacing
    collapsed to single spaces."""
    decomposed = unicodedata.normalize("NFKD", simplified(label))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _PUNCTUATION.sub(" ", unicodedata.normalize("NFKC", bare).casefold()).strip()


def _strip_titles(key: str) -> str:
    words = [w for w in key.split() if w not in _HONORIFICS and w not in _ROLE_WORDS]
    stripped = " ".join(words)
    for suffix in _CJK_SUFFIXES:
        if stripped.endswith(suffix) and len(stripped) > len(suffix):
            stripped = stripped[: -len(suffix)].strip()
    for prefix in _CJK_PREFIXES:
        if stripped.startswith(prefix) and len(stripped) > len(prefix):
            stripped = stripped[len(prefix) :].strip()
    return stripped


@lru_cache(maxsize=8192)
def match_keys(label: str) -> tuple[str, ...]:
    """The keys a label is looked up by, most specific first: as written, without titles, and each part of a
    comma- or space-separated "name, role" / "outlet name记者" label."""
    key = label_key(label)
    keys = [key, _strip_titles(key)]
    parts = [part for part in re.split(r"[,，、]", label) if part.strip()]
    if len(parts) == 1 and _CJK.search(label):
        parts = label.split()
    if len(parts) > 1:
        keys += [_strip_titles(label_key(part)) for part in parts]
    return tuple(k for i, k in enumerate(keys) if k and k not in keys[:i])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _names(names: list[str]) -> list[str]:
    for name in names:
        if not label_key(name):
            raise ValueError(f"the name {name!r} has no letters to match")
    return names


class SpeakerEntry(_Strict):
    """A spokesperson (or a minister who gives briefings): the ministry they speak for and their names."""

    id: str = Field(pattern=_ID)
    ministry: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code of the ministry's country.")
    names: list[str] = Field(min_length=1)
    role: str | None = Field(default=None, min_length=1)
    #: "female" or "male": which of "she" and "he" (她 and 他, она and он) in a news report may refer to them.
    gender: Literal["female", "male"] | None = None

    _names = field_validator("names")(_names)


class OutletEntry(_Strict):
    """A news outlet whose journalists ask questions, with its names in every language transcripts use."""

    id: str = Field(pattern=_ID)
    names: list[str] = Field(min_length=1)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")

    _names = field_validator("names")(_names)


@dataclass
class SpeakerDirectory:
    """The validated speakers file, indexed for matching."""

    speakers: tuple[SpeakerEntry, ...] = ()
    outlets: tuple[OutletEntry, ...] = ()
    _speaker_keys: dict[str, list[SpeakerEntry]] = field(default_factory=dict, init=False, repr=False)
    _outlet_keys: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _title_patterns: dict[tuple[str | None, bool], tuple[re.Pattern[str] | None, dict[str, str]]] = field(
        default_factory=dict, init=False, repr=False
    )
    _outlet_pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        for speaker in self.speakers:
            for name in speaker.names:
                for key in {label_key(name), _strip_titles(label_key(name))} - {""}:
                    entries = self._speaker_keys.setdefault(key, [])
                    if speaker not in entries:
                        entries.append(speaker)
        for outlet in self.outlets:
            for name in outlet.names:
                for key in {label_key(name), _strip_titles(label_key(name))} - {""}:
                    self._outlet_keys.setdefault(key, outlet.id)

    def speaker(self, label: str, *, ministry: str | None = None) -> str | None:
        """The id of the spokesperson ``label`` names, or None. A name shared across ministries (a surname) is
        resolved by ``ministry``; without it only an unambiguous name matches."""
        for key in match_keys(label):
            entries = self._speaker_keys.get(key)
            if not entries:
                continue
            same = [e for e in entries if e.ministry == ministry] if ministry else entries
            if len(same) == 1:
                return same[0].id
            if not same and len(entries) == 1:
                return entries[0].id
        return None

    def outlet(self, label: str) -> str | None:
        """The id of the outlet ``label`` names ("AFP", "Agence France-Presse", "法新社记者"), or None."""
        for key in match_keys(label):
            if key in self._outlet_keys:
                return self._outlet_keys[key]
        return None

    def gender_of(self, speaker_id: str | None) -> str | None:
        """The gender the speakers file gives a spokesperson, if any."""
        return next((s.gender for s in self.speakers if s.id == speaker_id), None)

    def ministry_of(self, speaker_id: str) -> str | None:
        """The ministry a spokesperson speaks for."""
        return next((s.ministry for s in self.speakers if s.id == speaker_id), None)

    def speaker_in(self, text: str, *, ministry: str | None = None, surnames: bool = False) -> str | None:
        """The spokesperson named anywhere in ``text`` (a briefing's title: "Foreign Ministry Spokesperson Wang
        Wenbin's Regular Press Conference", "2024年4月15日外交部发言人汪文斌主持例行记者会"); the longest name wins.
        ``surnames``: a surname the file lists alone in ordinary case ("Захарова") names its speaker too, as in
        news (not in a transcript, whose labels and titles give the full name)."""
        pattern, ids = self._title_pattern(ministry, surnames=surnames)
        if pattern is None:
            return None
        found = [m.group(0) for m in pattern.finditer(label_key(text))]
        return ids[max(found, key=len)] if found else None

    def speakers_in(self, text: str, *, surnames: bool = False) -> list[str]:
        """Every listed spokesperson named in full in ``text`` (a news report), in order of first mention
        (``surnames``: as in :meth:`speaker_in`)."""
        pattern, ids = self._title_pattern(None, surnames=surnames)
        if pattern is None:
            return []
        seen: list[str] = []
        for match in pattern.finditer(label_key(text)):
            identifier = ids.get(match.group(0))
            if identifier is not None and identifier not in seen:
                seen.append(identifier)
        return seen

    def outlets_in(self, text: str) -> list[str]:
        """Every listed outlet named in ``text`` ("answering a question from the Global Times"), in order."""
        if self._outlet_pattern is None:
            names = sorted((k for k in self._outlet_keys if len(k) > 2), key=len, reverse=True)
            self._outlet_pattern = re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, names))})(?!\w)") if names else None
        if self._outlet_pattern is None:
            return []
        seen: list[str] = []
        for match in self._outlet_pattern.finditer(label_key(text)):
            identifier = self._outlet_keys[match.group(0)]
            if identifier not in seen:
                seen.append(identifier)
        return seen

    def _title_pattern(
        self, ministry: str | None, *, surnames: bool = False
    ) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        key = (ministry, surnames)
        if key not in self._title_patterns:
            ids: dict[str, str] = {}
            for speaker in self.speakers:
                if ministry is None or speaker.ministry == ministry:
                    for name in speaker.names:
                        # A surname alone names a speaker only in news, and only as the file writes it in
                        # ordinary case ("Захарова"): in capitals ("PRICE") it is a transcript's label.
                        alone = surnames and not name.isupper()
                        if len(label_key(name).split()) > 1 or _CJK.search(name) or "." in name or alone:
                            ids.setdefault(label_key(name), speaker.id)
            words = sorted((k for k in ids if not _CJK.search(k)), key=len, reverse=True)
            cjk = sorted((k for k in ids if _CJK.search(k)), key=len, reverse=True)
            alternatives = [rf"(?<!\w)(?:{'|'.join(map(re.escape, words))})(?!\w)"] if words else []
            alternatives += [f"(?:{'|'.join(map(re.escape, cjk))})"] if cjk else []
            compiled = re.compile("|".join(alternatives)) if alternatives else None
            self._title_patterns[key] = (compiled, ids)
        return self._title_patterns[key]


def read_speakers(path: Path | str, *, text: str | None = None) -> tuple[SpeakerDirectory, list[ConfigError]]:
    """Validate each entry on its own: the directory of the good entries, and one error per bad one (unknown or
    missing field, bad id, duplicate id, a name with nothing to match). Problems with the file as a whole
    (missing, not YAML, no ``speakers`` list) raise :class:`ConfigError`."""
    path = Path(path)
    document, speaker_entries = read_yaml_entries(
        path, "speakers", text=text, setting=_SETTING, other_keys=("outlets",)
    )
    errors: list[ConfigError] = []
    speakers = _validate(path, "speaker", speaker_entries, SpeakerEntry, errors)
    outlet_entries: list[tuple[object, int]] = []
    if document.get("outlets") is not None:
        _, outlet_entries = read_yaml_entries(path, "outlets", text=text, setting=_SETTING, other_keys=("speakers",))
    outlets = _validate(path, "outlet", outlet_entries, OutletEntry, errors)
    return SpeakerDirectory(tuple(speakers), tuple(outlets)), errors


Entry = TypeVar("Entry", SpeakerEntry, OutletEntry)


def _validate(
    path: Path, kind: str, entries: Sequence[tuple[object, int]], model: type[Entry], errors: list[ConfigError]
) -> list[Entry]:
    good: list[Entry] = []
    seen: dict[str, str] = {}
    for index, (raw, line) in enumerate(entries):
        ident = raw.get("id") if isinstance(raw, dict) else None
        label = f"{kind} {f'{ident!r}' if ident else f'#{index + 1}'}" + (f" (line {line})" if line else "")
        try:
            entry = model.model_validate(raw)
        except ValidationError as exc:
            errors.append(_error(exc, path, label, model))
            continue
        if entry.id in seen:
            errors.append(
                ConfigError(f"duplicate id (first used by {seen[entry.id]})", file=str(path), entry=label, field="id")
            )
            continue
        seen[entry.id] = label
        good.append(entry)
    return good


def _error(exc: ValidationError, path: Path, entry: str, model: type[BaseModel]) -> ConfigError:
    errors = exc.errors()
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    field_name = ".".join(str(part) for part in error["loc"]) or None
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field (allowed: " + ", ".join(model.model_fields) + ")"
    elif error["type"] == "model_type":
        message = "expected a mapping with " + ", ".join(model.model_fields)
    return ConfigError(message, file=str(path), entry=entry, field=field_name)


def load_speakers(path: Path | str, *, text: str | None = None) -> SpeakerDirectory:
    """The directory in ``path``; raises :class:`ConfigError` on the first problem."""
    directory, errors = read_speakers(path, text=text)
    if errors:
        raise errors[0]
    return directory


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int, size: int) -> tuple[SpeakerDirectory, tuple[ConfigError, ...]]:
    try:
        directory, errors = read_speakers(path)
    except ConfigError as exc:
        return SpeakerDirectory(), (exc,)
    return directory, tuple(errors)


def speakers_problems(path: Path | None) -> list[ConfigError]:
    """The problems of the speakers file at ``path`` (none when it is turned off); for ``readout check``."""
    return list(_read_cached(path)[1]) if path is not None else []


def _read_cached(path: Path) -> tuple[SpeakerDirectory, tuple[ConfigError, ...]]:
    try:
        stat = path.stat()
    except OSError:
        return SpeakerDirectory(), (ConfigError(f"file not found (set {_SETTING} to the file)", file=str(path)),)
    return _cached(str(path), stat.st_mtime_ns, stat.st_size)


def speakers_for(settings: Settings) -> SpeakerDirectory:
    """The directory of the configured speakers file (``READOUT_SPEAKERS``), read once per process and file
    version. Broken entries are logged and left out; a missing or unreadable file is logged and gives an empty
    directory (labels are then kept as written): segmenting never fails on the speakers file."""
    if settings.speakers is None:
        return SpeakerDirectory()
    directory, problems = _read_cached(settings.speakers)
    for problem in problems:
        _warn_once(str(problem))
    return directory


@lru_cache(maxsize=64)
def _warn_once(problem: str) -> None:
    log.warning("speakers: %s", problem)


def default_speakers() -> SpeakerDirectory:
    """The shipped ``config/speakers.yaml`` (what :func:`pipeline.enrich.turns.segment` uses when given none)."""
    return _read_cached(default_rules_file("speakers.yaml"))[0]
