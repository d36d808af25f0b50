"""The sources file and settings: a bad file fails fast, naming the file, the entry and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.config import Settings, load_sources, validate_source_entries
from pipeline.errors import ConfigError

GOOD = {
    "id": "demo-feed",
    "name": "Demo",
    "kind": "news",
    "publisher": "Demo News",
    "country": "GB",
    "language": "en",
    "discovery": {"method": "feed", "urls": ["https://news.example/feed.xml"]},
}


def write(tmp_path: Path, entries: list[object] | None = None, *, text: str | None = None) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text if text is not None else yaml.safe_dump({"sources": entries}), "utf-8")
    return path


def test_a_good_entry_loads_with_defaults(tmp_path: Path) -> None:
    [source] = load_sources(write(tmp_path, [GOOD]))
    assert source.id == "demo-feed"
    assert source.timezone == "UTC"
    assert source.discovery.pages_per_run == 1
    assert source.extract.body_selector is None


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"kind": "blog"}, "kind", "briefing"),
        ({"country": "china"}, "country", "ISO 3166"),
        ({"language": "English"}, "language", "ISO 639"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
        ({"schedule": "every hour"}, "schedule", "cron"),
        ({"id": "Bad Id!"}, "id", "lower-case"),
        ({"colour": "red"}, "colour", "unknown key 'colour'"),
        ({"discovery": {"method": "carrier-pigeon", "urls": ["https://x.example/"]}}, "discovery.method", "feed"),
        ({"discovery": {"method": "feed", "urls": ["ftp://x.example/feed"]}}, "discovery.urls", "http(s) URL"),
        ({"discovery": {"method": "feed", "urls": []}}, "discovery.urls", "at least 1"),
        (
            {"discovery": {"method": "listing", "urls": ["https://x.example/"], "link_pattern": "t(\\d+"}},
            "discovery.link_pattern",
            "regular expression",
        ),
        (
            {"discovery": {"method": "listing", "urls": ["https://x.example/"], "link_selector": "a[[href"}},
            "discovery.link_selector",
            "CSS selector",
        ),
        (
            {"discovery": {"method": "listing", "urls": ["https://x.example/"], "date_from_url": "(\\d{8})"}},
            "discovery.date_from_url",
            "named groups",
        ),
        (
            {"discovery": {"method": "listing", "urls": ["https://x.example/"], "pagination": {"url_template": "/p"}}},
            "discovery.pagination",
            "{page}",
        ),
        ({"extract": {"drop_patterns": ["[unclosed"]}}, "extract.drop_patterns", "regular expression"),
    ],
)
def test_bad_entries_name_the_file_the_entry_and_the_field(
    tmp_path: Path, change: dict[str, object], field: str, words: str
) -> None:
    path = write(tmp_path, [GOOD, {**GOOD, "id": "second", **change}])
    with pytest.raises(ConfigError) as raised:
        load_sources(path)
    message = str(raised.value)
    assert str(path) in message
    assert f"entry '{change.get('id', 'second')}'" in message
    assert "line " in message
    assert raised.value.field is not None
    assert raised.value.field.startswith(field)
    assert words in message


DISCOVERY: dict[str, object] = dict(GOOD["discovery"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("entry", "field", "words"),
    [
        (
            {key: value for key, value in GOOD.items() if key != "discovery"} | {"discvery": DISCOVERY},
            "discvery",
            "unknown key 'discvery' (did you mean 'discovery'?)",
        ),
        (
            GOOD | {"discovery": DISCOVERY | {"pagnation": {"next_selector": "a.next"}}},
            "discovery.pagnation",
            "unknown key 'pagnation' in discovery (did you mean 'pagination'?)",
        ),
        (GOOD | {"extract": {"body_selectr": "div"}}, "extract.body_selectr", "(did you mean 'body_selector'?)"),
    ],
)
def test_a_misspelled_key_is_named_with_the_key_it_resembles(
    tmp_path: Path, entry: dict[str, object], field: str, words: str
) -> None:
    """The typo, not the real key it leaves missing ("discovery: Field required"), is what to report."""
    path = write(tmp_path, [GOOD, entry | {"id": "typo"}])
    with pytest.raises(ConfigError) as raised:
        load_sources(path)
    message = str(raised.value)
    assert f"{path}, entry 'typo' (line " in message
    assert raised.value.field == field
    assert words in message
    assert "required" not in message


def test_a_missing_required_field_is_named(tmp_path: Path) -> None:
    entry = dict(GOOD)
    del entry["publisher"]
    with pytest.raises(ConfigError, match="field 'publisher'"):
        load_sources(write(tmp_path, [entry]))


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="duplicate id"):
        load_sources(write(tmp_path, [GOOD, GOOD]))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("sources:\n  - id: a\n    name: [unclosed\n", "not valid YAML at line"),
        ("- just a list\n", "expected a mapping with a 'sources' list"),
        ("sources: {}\n", "expected a mapping with a 'sources' list"),
        ("sources: []\nextra: 1\n", "unknown top-level keys: extra"),
    ],
)
def test_broken_files_fail_fast(tmp_path: Path, text: str, words: str) -> None:
    path = write(tmp_path, text=text)
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")) as raised:
        load_sources(path)
    assert str(path) in str(raised.value)


def test_a_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="READOUT_SOURCES"):
        load_sources(tmp_path / "nope.yaml")


def test_entries_can_be_validated_one_by_one(tmp_path: Path) -> None:
    path = write(tmp_path, [GOOD, {**GOOD, "id": "broken", "kind": "blog"}, {**GOOD, "id": "third"}])
    good, errors = validate_source_entries(path)
    assert [s.id for s in good] == ["demo-feed", "third"]
    assert len(errors) == 1
    assert "'broken'" in str(errors[0])


def test_the_shipped_sources_file_is_valid() -> None:
    sources = load_sources(Path(__file__).resolve().parents[2] / "config" / "sources.yaml")
    kinds = {source.kind for source in sources}
    assert {"briefing", "news"} <= kinds
    assert len([s for s in sources if s.kind == "news"]) >= 8
    for ministry in ("cn-mfa-en", "ru-mid-en", "us-state-briefings", "uk-fcdo", "jp-mofa-en", "in-mea"):
        assert ministry in {s.id for s in sources}


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("READOUT_SOURCES", str(tmp_path / "s.yaml"))
    monkeypatch.setenv("READOUT_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("READOUT_ALLOW_PRIVATE_HOSTS", "127.0.0.1, fixtures.internal,10.0.0.0/8")
    monkeypatch.setenv("READOUT_MIN_DELAY", "2.5")
    settings = Settings()
    assert settings.sources == tmp_path / "s.yaml"
    assert settings.effective_catalog_url == f"sqlite:///{(tmp_path / 'd' / 'catalog.db').as_posix()}"
    assert settings.allow_private_hosts == ["127.0.0.1", "fixtures.internal", "10.0.0.0/8"]
    names, networks = settings.private_exemptions()
    assert names == {"fixtures.internal"}
    assert [str(n) for n in networks] == ["127.0.0.1/32", "10.0.0.0/8"]
    assert settings.min_delay == 2.5


def test_settings_defaults_follow_the_design() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.connect_timeout, settings.read_timeout, settings.request_deadline) == (10, 20, 60)
    assert settings.max_redirects == 5
    assert settings.feed_max_bytes == 5 * 1024 * 1024
    assert settings.page_max_bytes == 10 * 1024 * 1024
    assert settings.min_delay >= 5
    assert settings.max_crawl_delay == 30
    assert settings.robots_ttl == 6 * 3600
    assert settings.retries == 3
    assert settings.effective_user_agent.startswith("Readout/")


# --- the tagging rules files (issue 11, item 8) ----------------------------------------------------------


@pytest.mark.parametrize("off", ["none", "NONE", "off", " Off "])
def test_rules_files_can_be_turned_off_explicitly(off: str) -> None:
    settings = Settings(topics=off, countries=off, speakers=off)  # type: ignore[arg-type]
    assert settings.topics is None
    assert settings.countries is None
    assert settings.speakers is None


@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_rules_setting_means_the_default_not_off(empty: str) -> None:
    """`READOUT_TOPICS=` in a .env file or an unset ${VAR} in compose is an accident, not a choice to tag nothing."""
    settings = Settings(topics=empty, countries=empty, speakers=empty)  # type: ignore[arg-type]
    assert settings.topics is not None
    assert settings.countries is not None
    assert settings.speakers is not None
    assert (settings.topics.name, settings.countries.name) == ("topics.yaml", "countries.yaml")
    assert settings.speakers.name == "speakers.yaml"
    assert settings.topics.is_file()
    assert settings.countries.is_file()


def test_default_rules_do_not_depend_on_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("READOUT_TOPICS", raising=False)
    monkeypatch.delenv("READOUT_COUNTRIES", raising=False)
    monkeypatch.delenv("READOUT_SPEAKERS", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.topics is not None
    assert settings.countries is not None
    assert settings.speakers is not None
    assert settings.topics.is_absolute()
    assert settings.topics.is_file()
    assert settings.countries.is_file()
    assert settings.speakers.is_file()


def test_a_built_wheel_carries_the_default_rules_where_the_settings_look() -> None:
    """pyproject's force-include puts config/'s rules inside the package, at the path default_rules_file
    tries first (an installed wheel has no config/ beside it)."""
    import tomllib

    from pipeline.config import default_rules_file

    repo = Path(__file__).resolve().parents[2]
    wheel = tomllib.loads((repo / "pyproject.toml").read_text("utf-8"))["tool"]["hatch"]["build"]["targets"]["wheel"]
    included = wheel["force-include"]
    for name in ("topics.yaml", "countries.yaml", "speakers.yaml"):
        assert included[f"config/{name}"] == f"pipeline/default_rules/{name}"
        assert (repo / "config" / name).is_file()
        assert default_rules_file(name) == repo / "config" / name  # a checkout: no packaged copy
