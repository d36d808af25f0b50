"""Building what tagging needs only when it is needed: the enricher is built on first use, the compiled rules
are cached in the data folder by the files' digest, a changed file is compiled afresh and a damaged cache
file is replaced, never fatal."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.enrich import build_enricher, load_enricher
from pipeline.enrich.rules import CompiledRules, cache_file, load_rules, rules_digest

#: One topic; the tests change its term to see which rules tagged a text.
TOPICS = """\
topics:
  - id: trade
    label: Trade
    description: Trade disputes.
    threshold: 1
    terms:
      en: [{term}]
      zh: [贸易]
      ru: [торговля]
"""
TEXT = "The ministry announced an embargo on the export of rare earths."


def settings_with(tmp_path: Path, term: str) -> Settings:
    topics = tmp_path / "topics.yaml"
    topics.write_text(TOPICS.format(term=term), "utf-8")
    return Settings(topics=topics, countries=None, data_dir=tmp_path / "data")


def cached_files(settings: Settings) -> list[Path]:
    return sorted((settings.data_dir / "cache").glob("rules-*.pickle"))


def test_a_changed_topics_file_is_compiled_afresh_not_read_from_the_cache(tmp_path: Path) -> None:
    before = settings_with(tmp_path, "tariff")
    assert build_enricher(before).enrich(None, TEXT).topics == []
    [first] = cached_files(before)
    after = settings_with(tmp_path, "embargo")  # the same file, another term
    assert build_enricher(after).enrich(None, TEXT).topics == ["trade"]
    # One cache file, for the rules as they are now: the old one can never be read again.
    [second] = cached_files(after)
    assert second != first
    assert second == cache_file(after, rules_digest(after))


def test_the_cached_rules_are_the_rules_compiled_from_the_files(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, "embargo")
    compiled = load_rules(settings, rules_digest(settings))
    [path] = cached_files(settings)
    cached = pickle.loads(path.read_bytes())
    assert isinstance(cached, CompiledRules)
    assert cached.taxonomy == compiled.taxonomy
    assert cached.keys["embargo"] == compiled.keys["embargo"]  # the terms' stems travel with them
    assert load_rules(settings, rules_digest(settings)).taxonomy == compiled.taxonomy


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="torn"),
        pytest.param(lambda data: b"not a pickle at all", id="garbage"),
        pytest.param(lambda data: pickle.dumps({"something": "else"}), id="foreign"),
        pytest.param(lambda data: b"", id="empty"),
    ],
)
def test_a_damaged_cache_file_is_compiled_again_and_replaced(
    tmp_path: Path, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_with(tmp_path, "embargo")
    digest = rules_digest(settings)
    expected = load_rules(settings, digest).taxonomy
    path = cache_file(settings, digest)
    assert callable(damage)
    path.write_bytes(damage(path.read_bytes()))
    with caplog.at_level(logging.WARNING, logger="pipeline.enrich.rules"):
        again = load_rules(settings, digest)
    assert again.taxonomy == expected
    assert str(path) in caplog.text
    assert isinstance(pickle.loads(path.read_bytes()), CompiledRules)  # repaired for the next process


def test_a_data_folder_that_cannot_hold_the_cache_costs_only_the_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_with(tmp_path, "embargo")
    settings.data_dir.mkdir()
    (settings.data_dir / "cache").write_text("a file where the cache folder would go", "utf-8")
    with caplog.at_level(logging.WARNING, logger="pipeline.enrich.rules"):
        assert build_enricher(settings).enrich(None, TEXT).topics == ["trade"]
    assert "cannot cache the compiled tagging rules" in caplog.text


def test_load_enricher_reads_no_rules_until_a_document_is_enriched(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_with(tmp_path, "embargo")
    assert settings.topics is not None
    settings.topics.write_text(TOPICS.format(term="embargo") + "  - id: broken\n    wieght: 2\n", "utf-8")
    with caplog.at_level(logging.ERROR, logger="pipeline.enrich.enricher"):
        enricher = load_enricher(settings)
        assert "broken" not in caplog.text  # nothing read: a broken entry is not even seen
        assert not cached_files(settings)
        assert enricher.enrich(None, TEXT).topics == ["trade"]
    assert "broken" in caplog.text  # read now, and the broken entry reported as ever
    assert [problem.entry for problem in enricher.problems] == ["'broken' (line 10)"]


def test_a_lazy_enricher_travels_to_another_process_as_its_settings(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, "embargo")
    enricher = load_enricher(settings)
    enricher.enrich(None, TEXT)  # built here; the copy builds its own
    copy = pickle.loads(pickle.dumps(enricher))
    assert copy.enrich(None, TEXT).topics == ["trade"]
    assert copy.version == enricher.version


def test_an_enricher_built_for_another_speakers_file_reads_that_file(tmp_path: Path) -> None:
    # The enrichers are cached per process: one built with a smaller speakers file (`readout check` with
    # READOUT_SPEAKERS) must not be handed to a run configured with the shipped file.
    small = tmp_path / "speakers.yaml"
    small.write_text("speakers: []\noutlets:\n  - {id: afp, names: [AFP]}\n", "utf-8")
    transcript = "Global Times: What is your comment?\n\nWang Wenbin: We oppose it."
    outlets = []
    for speakers in (small, None):
        settings = Settings(data_dir=tmp_path) if speakers is None else Settings(data_dir=tmp_path, speakers=speakers)
        enrichment = build_enricher(settings).enrich(
            "Press Conference", transcript, source_kind="briefing", ministry="CN", declared_language="en"
        )
        assert enrichment.exchanges
        outlets.append(enrichment.exchanges[-1].exchange.questioner[1])
    assert outlets == [None, "global-times"]
