"""The topics file validates with errors that name the file, the topic (and its line) and the field;
one broken topic never hides the others. The shipped taxonomy is valid and complete."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.enrich.taxonomy import REQUIRED_LANGUAGES, load_taxonomy, read_taxonomy
from pipeline.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]

GOOD = """\
topics:
  - id: sanctions
    label: Sanctions
    description: Sanctions and export controls.
    terms:
      en: [sanction, {term: unilateral sanctions, weight: 2}]
      zh: [制裁]
      ru: [санкция]
"""


def topic(**overrides: str) -> str:
    """One more topic entry, as YAML, with ``overrides`` replacing whole lines by key."""
    lines = {
        "id": "    id: taiwan",
        "label": "    label: Taiwan",
        "description": "    description: The Taiwan question.",
        "terms": "    terms: {en: [Taiwan], zh: [台湾], ru: [Тайвань]}",
    }
    lines.update(overrides)
    body = "\n".join(line for line in lines.values() if line)
    return "  - " + body.lstrip() + "\n"


def errors_of(text: str) -> list[str]:
    _, errors = read_taxonomy("topics.yaml", text=text)
    return [str(error) for error in errors]


def test_a_good_file_loads() -> None:
    taxonomy = load_taxonomy("topics.yaml", text=GOOD + topic())
    assert [t.id for t in taxonomy.topics] == ["sanctions", "taiwan"]
    assert taxonomy.threshold(taxonomy.topics[0]) == 2.0
    assert ("en", "unilateral sanctions", 2.0) in taxonomy.topics[0].weighted()


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            topic(colour="    colour: red"),
            "topics.yaml, entry 'taiwan' (line 9), field 'colour': unknown field (allowed: id, ",
        ),
        (
            topic(id="    id: sanctions"),
            "entry 'sanctions' (line 9), field 'id': duplicate id (first used by topic 'sanctions' (line 2))",
        ),
        (
            topic(terms="    terms: {en: [], zh: [台湾], ru: [Тайвань]}"),
            "field 'terms': the term list for 'en' is empty",
        ),
        (topic(terms="    terms: {en: [Taiwan], ru: [Тайвань]}"), "field 'terms': terms are missing for zh"),
        (topic(terms="    terms: {en: ['  '], zh: [台湾], ru: [Тайвань]}"), "an empty term in the 'en' list"),
        (
            topic(terms="    terms: {en: ['!!'], zh: [台湾], ru: [Тайвань]}"),
            "field 'terms.en': term '!!' has no letters or digits",
        ),
        (
            topic(terms="    terms: {en: [{term: x, wieght: 2}], zh: [台湾], ru: [Тайвань]}"),
            "unknown field (allowed: term, weight)",
        ),
        (topic(id="    id: Taiwan Question"), "field 'id': String should match pattern"),
        (topic(description=""), "field 'description': Field required"),
        (topic(iptc="    iptc: '20000621'"), "field 'iptc': String should match pattern '^medtop:"),
    ],
)
def test_a_broken_topic_is_reported_and_the_others_still_load(entry: str, expected: str) -> None:
    taxonomy, errors = read_taxonomy("topics.yaml", text=GOOD + entry)
    assert len(errors) == 1
    assert expected in str(errors[0])
    assert [t.id for t in taxonomy.topics] == ["sanctions"]
    with pytest.raises(ConfigError, match=r"topics\.yaml"):
        load_taxonomy("topics.yaml", text=GOOD + entry)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("topics: [\n  - id: x\n", "not valid YAML at line"),
        ("topic: []\n", "expected a mapping with a 'topics' list"),
        (GOOD + "colour: red\n", "unknown top-level keys: colour"),
        ("defaults: {threshold: 0}\n" + GOOD, "entry defaults, field 'threshold': Input should be greater than 0"),
        ("defaults: {tresh: 1}\n" + GOOD, "unknown field (allowed: threshold, title, lead, body"),
    ],
)
def test_problems_with_the_whole_file_refuse_it(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_taxonomy("topics.yaml", text=text)
    assert expected in str(caught.value)


def test_a_missing_file_says_which_setting_points_at_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found \\(set READOUT_TOPICS"):
        read_taxonomy(tmp_path / "nope.yaml")


def test_the_shipped_taxonomy_is_valid_and_covers_the_three_languages() -> None:
    taxonomy, errors = read_taxonomy(REPO / "config" / "topics.yaml")
    assert [str(error) for error in errors] == []
    assert len(taxonomy.topics) >= 30
    for entry in taxonomy.topics:
        assert all(entry.terms.get(language) for language in REQUIRED_LANGUAGES), entry.id
        assert entry.description.strip(), entry.id
