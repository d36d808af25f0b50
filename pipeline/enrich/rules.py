"""The tagging rules files (``topics.yaml``, ``countries.yaml``): whether they are there, and their compiled
form, read once and cached on disk by digest.

Reading the rules is most of what building an enricher costs: parsing tens of thousands of YAML lines,
validating every entry and reducing every term to its stems and lemmas (the Russian lemmatiser alone
takes a good part of a second to load). The result depends only on the files' bytes and on this code, so it
is pickled under ``<data dir>/cache/rules-<digest>.pickle`` and read back by the next process: a changed
file (or new code) has another digest and is compiled afresh; a damaged cache file is compiled afresh and
replaced, never fatal. The data folder is Readout's own (the catalog lives there too), which is what makes
reading a pickle from it acceptable.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import __version__
from pipeline.config import Settings
from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.enrich.countries import Gazetteer
    from pipeline.enrich.taxonomy import Taxonomy

log = logging.getLogger(__name__)

#: Bumped when the cache file's layout changes.
CACHE_FORMAT = "1"

#: The modules whose code decides what compiling the rules produces: a change to any of them is a new digest.
_COMPILING_MODULES = ("config.py", "enrich/taxonomy.py", "enrich/countries.py", "enrich/matcher.py", "enrich/text.py")
#: Libraries whose versions decide it too (pickled models, stems and lemmas).
_COMPILING_LIBRARIES = ("pydantic", "pyyaml", "snowballstemmer", "pystemmer", "pymorphy3", "pymorphy3-dicts-ru")
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


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


def rules_digest(settings: Settings) -> str:
    """SHA-256 of the configured rules files' bytes (a missing or disabled file counts as absent)."""
    hasher = hashlib.sha256()
    for path in (settings.topics, settings.countries):
        hasher.update(path.read_bytes() if path is not None and path.is_file() else b"-")
    return hasher.hexdigest()


@dataclass
class CompiledRules:
    """The rules as read and checked: what an :class:`~pipeline.enrich.Enricher` is built from."""

    taxonomy: Taxonomy | None
    gazetteer: Gazetteer | None
    #: Problems found in the files (the broken entries were left out).
    problems: list[ConfigError] = field(default_factory=list)
    #: Word → matching key (stem or lemma) of every word of every term: seeds the normaliser, so that
    #: building the taggers from a cached copy needs neither the stemmer's nor the lemmatiser's work.
    keys: dict[str, str] = field(default_factory=dict)
    folded: dict[str, str] = field(default_factory=dict)


def compile_rules(settings: Settings) -> CompiledRules:
    """Read and check the configured rules files (no cache). A file that cannot be read at all is a problem
    like a broken entry: it tags nothing, and the rest still does."""
    from pipeline.enrich.countries import read_gazetteer
    from pipeline.enrich.taxonomy import read_taxonomy
    from pipeline.enrich.text import Normaliser

    # A normaliser of its own, so that what is cached is exactly the rules' words, whatever this process
    # tagged before.
    normaliser = Normaliser()
    rules = CompiledRules(None, None)
    if settings.topics is not None and settings.topics.is_file():
        try:
            rules.taxonomy, errors = read_taxonomy(settings.topics, normaliser=normaliser)
            rules.problems.extend(errors)
        except ConfigError as exc:
            rules.problems.append(exc)
    if settings.countries is not None and settings.countries.is_file():
        try:
            rules.gazetteer, errors = read_gazetteer(settings.countries, normaliser=normaliser)
            rules.problems.extend(errors)
        except ConfigError as exc:
            rules.problems.append(exc)
    rules.keys, rules.folded = normaliser.keys, normaliser.folded
    return rules


def cache_key(settings: Settings, digest: str) -> str:
    """What the compiled rules depend on, hashed: the files (their paths, which errors name, and their
    ``digest``), the compiling code and the libraries it uses, and Python's pickle."""
    hasher = hashlib.sha256(f"{CACHE_FORMAT}\0{__version__}\0{sys.version}\0{digest}".encode())
    for path in (settings.topics, settings.countries):
        hasher.update(f"\0{path.resolve() if path is not None else '-'}".encode())
    for module in _COMPILING_MODULES:
        hasher.update((_PACKAGE_DIR / module).read_bytes())
    for library in _COMPILING_LIBRARIES:
        try:
            hasher.update(f"\0{library}={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            hasher.update(f"\0{library}=-".encode())
    return hasher.hexdigest()


def cache_file(settings: Settings, digest: str) -> Path:
    """Where the compiled rules of ``digest`` are cached."""
    return settings.data_dir / "cache" / f"rules-{cache_key(settings, digest)}.pickle"


def load_rules(settings: Settings, digest: str) -> CompiledRules:
    """The compiled rules: from the cache when it holds this digest, else compiled and cached for next time."""
    path = cache_file(settings, digest)
    rules = _read_cache(path)
    if rules is None:
        rules = compile_rules(settings)
        _write_cache(path, rules)
    from pipeline.enrich.text import default_normaliser

    normaliser = default_normaliser()
    for word, key in rules.keys.items():
        normaliser.keys.setdefault(word, key)
    for word, form in rules.folded.items():
        normaliser.folded.setdefault(word, form)
    return rules


def _read_cache(path: Path) -> CompiledRules | None:
    try:
        with path.open("rb") as file:
            rules = pickle.load(file)  # noqa: S301 - Readout's own file in its own data folder
    except FileNotFoundError:
        return None
    except Exception as exc:  # a torn or foreign file: whatever unpickling raises, compiling again repairs it
        log.warning("tagging rules cache %s is unreadable (%s); compiling the rules again", path, exc)
        return None
    if not isinstance(rules, CompiledRules):
        log.warning("tagging rules cache %s holds something else; compiling the rules again", path)
        return None
    return rules


def _write_cache(path: Path, rules: CompiledRules) -> None:
    """Write atomically (a reader sees the old file or the whole new one); a failure only costs the cache."""
    written: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".rules-", suffix=".tmp", delete=False) as file:
            written = Path(file.name)
            pickle.dump(rules, file, protocol=pickle.HIGHEST_PROTOCOL)
        written.chmod(0o644)  # like any file the process writes, not the temporary file's 0600
        written.replace(path)
    except Exception as exc:  # a read-only or full data folder: the rules were compiled all the same
        if written is not None:
            written.unlink(missing_ok=True)
        log.warning("cannot cache the compiled tagging rules in %s: %s", path.parent, exc)
        return
    for old in path.parent.glob("rules-*.pickle"):
        if old != path:
            try:
                old.unlink(missing_ok=True)  # rules or code since changed: nothing will read it again
            except OSError as exc:
                log.warning("cannot remove the outdated tagging rules cache %s: %s", old, exc)
