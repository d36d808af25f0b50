"""Tagging end to end: an ingest run tags what it stores; `readout retag` applies a rule change to the
catalog, changes exactly the documents the change implies, and queues them for the index."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.devsite import SiteFarm

from .test_run_e2e import World, fresh_world

# Among the longest modules: started first, so that both workers of `make test` finish together.
pytestmark = pytest.mark.slow

TOPICS = """\
topics:
  - id: sanctions
    label: Sanctions
    description: Sanctions and export controls.
    terms:
      en: [sanction, {term: unilateral sanctions, weight: 2}]
      zh: [制裁]
      ru: [санкция]
"""
#: The rule change: a new topic whose one term tags any document that says it once.
SPOKESPERSON = """\
  - id: spokesperson
    label: Spokesperson
    description: Anything a spokesperson said.
    threshold: 1
    terms:
      en: [spokesperson]
      zh: [发言人]
      ru: [официальный представитель]
"""
SAYS_SPOKESPERSON = re.compile(r"\bspokespersons?\b|发言人|официальн\w* представител", re.IGNORECASE)


@pytest.fixture(scope="module")
def tagged(farm: SiteFarm, tmp_path_factory: pytest.TempPathFactory) -> World:
    """One run over every fixture source with the real rules in config/ (the defaults)."""
    world = fresh_world(farm, tmp_path_factory.mktemp("tagged"))
    result = world.cli("run")
    assert result.exit_code == 0, result.output
    return world


def test_an_ingest_run_tags_language_topics_countries_and_key_phrases(tagged: World) -> None:
    documents = tagged.documents()
    for document in documents.values():
        assert document.tagged_with, document.url
        assert document.tag_explanation["language"]["detected"] == document.language
        assert document.key_phrases, document.url
    islam_times = documents[
        "https://www.islamtimes.com/en/news/930825/china-slams-us-over-willful-use-of-unilateral-sanctions"
    ]
    assert "sanctions" in islam_times.topics
    assert {"CN", "US"} <= set(islam_times.countries)
    assert islam_times.topic_scores["sanctions"] >= 2.0
    matched = {m["term"] for m in islam_times.tag_explanation["topics"]["sanctions"]["matches"]}
    assert matched, "the explanation names the terms that matched"


def test_show_explains_a_document(tagged: World) -> None:
    document = next(d for d in tagged.documents().values() if d.topics)
    result = tagged.cli("show", document.doc_id[:16], "--explain")
    assert result.exit_code == 0, result.output
    assert f"topics: {', '.join(document.topics)}" in result.output
    assert "Topics (tagged and near misses)" in result.output
    assert document.topics[0] in result.output


def retag_world(farm: SiteFarm, tmp_path: Path) -> tuple[World, Path]:
    topics = tmp_path / "topics.yaml"
    topics.write_text(TOPICS, "utf-8")
    world = fresh_world(farm, tmp_path)
    result = world.cli("run", READOUT_TOPICS=str(topics))
    assert result.exit_code == 0, result.output
    return world, topics


def test_retag_changes_exactly_what_the_rule_change_implies(farm: SiteFarm, tmp_path: Path) -> None:
    world, topics = retag_world(farm, tmp_path)
    before = world.documents()
    assert not any("spokesperson" in d.topics for d in before.values())
    topics.write_text(TOPICS + SPOKESPERSON, "utf-8")
    expected = {url for url, d in before.items() if SAYS_SPOKESPERSON.search(f"{d.title}\n{d.text}")}
    assert expected, "some fixture pages mention a spokesperson"
    assert len(expected) < len(before), "and some do not"

    dry = world.cli("retag", "--dry-run", READOUT_TOPICS=str(topics))
    assert dry.exit_code == 0, dry.output
    assert f"Re-tagged {len(before)} document(s)" in dry.output
    assert f"{len(expected)} would change" in dry.output
    after_dry = world.documents()
    assert all(after_dry[url].revision == d.revision for url, d in before.items()), "a dry run stores nothing"

    result = world.cli("retag", READOUT_TOPICS=str(topics))
    assert result.exit_code == 0, result.output
    assert f"{len(expected)} changed" in result.output
    assert re.search(rf"topic spokesperson\s+{len(expected)}\s+0", result.output)
    after = world.documents()
    changed = {url for url in before if after[url].revision != before[url].revision}
    assert changed == expected
    for url in expected:
        assert after[url].topics == sorted([*before[url].topics, "spokesperson"])
    for url in set(before) - expected:
        assert after[url].topics == before[url].topics
        assert after[url].countries == before[url].countries

    # The index step ran: the new topic is searchable.
    found = world.cli("search", "--topic", "spokesperson", "--limit", "100", READOUT_TOPICS=str(topics))
    assert found.exit_code == 0, found.output
    assert f"{len(expected)} match(es)" in found.output

    again = world.cli("retag", READOUT_TOPICS=str(topics))
    assert "0 changed" in again.output, "re-tagging with the same rules changes nothing"


def test_retag_keeps_to_the_sources_and_dates_asked_for(farm: SiteFarm, tmp_path: Path) -> None:
    world, topics = retag_world(farm, tmp_path)
    before = world.documents()
    topics.write_text(TOPICS + SPOKESPERSON, "utf-8")
    result = world.cli("retag", "--source", "cn-mfa-en", "--no-index", READOUT_TOPICS=str(topics))
    assert result.exit_code == 0, result.output
    after = world.documents()
    changed = {url for url in before if after[url].revision != before[url].revision}
    assert changed
    assert {after[url].source_id for url in changed} == {"cn-mfa-en"}

    late = world.cli("retag", "--since", "2100-01-01", READOUT_TOPICS=str(topics))
    assert "Re-tagged 0 document(s)" in late.output


def test_retag_refuses_rules_with_a_broken_entry(farm: SiteFarm, tmp_path: Path) -> None:
    world, topics = retag_world(farm, tmp_path)
    before = world.documents()
    topics.write_text(TOPICS + SPOKESPERSON.replace("label:", "lable:"), "utf-8")
    result = world.cli("retag", READOUT_TOPICS=str(topics))
    assert result.exit_code == 2
    assert "entry 'spokesperson'" in result.output
    assert "fix the tagging rules first" in result.output
    assert {url: d.revision for url, d in world.documents().items()} == {url: d.revision for url, d in before.items()}
