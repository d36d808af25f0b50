"""Matching edge cases: word boundaries, plurals, case and acronyms, Chinese without spaces, Russian
inflection, prefixes, and overlaps."""

from __future__ import annotations

import pytest

from pipeline.enrich.matcher import PhraseMatcher, TermError, leftmost_longest
from pipeline.enrich.text import TextView, default_normaliser


def found(terms: list[str], text: str) -> list[tuple[str, str]]:
    """(term, text seen) for every hit of ``terms`` in ``text``."""
    matcher: PhraseMatcher[str] = PhraseMatcher(default_normaliser())
    for term in terms:
        matcher.add(term, term)
    return sorted((hit.payload, hit.seen) for hit in matcher.scan(TextView(text, default_normaliser())))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("New sanctions were announced.", [("sanction", "sanctions")]),
        ("The EU sanctioned three firms.", [("sanction", "sanctioned")]),
        ("A SANCTION, plainly.", [("sanction", "SANCTION")]),
        ("Sanctionsbusting is not a word we match.", []),
        ("The unsanctioned rally went ahead.", []),
    ],
)
def test_words_match_on_boundaries_and_inflections(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(["sanction"], text) == expected


def test_a_phrase_matches_across_inflection_and_punctuation_but_not_across_words() -> None:
    assert found(["export control"], "It tightened export controls; export-control lists grew.") == [
        ("export control", "export controls"),
        ("export control", "export-control"),
    ]
    assert found(["export control"], "exports of control units") == []
    assert found(["export control"], "It will export. Control is lost.") == []
    assert found(["China Daily"], "Talks with China, daily, went on.") == []


def test_a_term_with_punctuation_needs_the_same_punctuation() -> None:
    assert found(["U.S."], "The U.S. side and the US side.") == [("U.S.", "U.S")]


def test_acronyms_match_their_capitals_only() -> None:
    assert found(["WHO", "US"], "The WHO said who knows; the US told us.") == [("US", "US"), ("WHO", "WHO")]


def test_chinese_terms_match_inside_text_without_spaces() -> None:
    assert found(["制裁", "台独"], "美方对中国企业实施单边制裁，支持台独势力。") == [("制裁", "制裁"), ("台独", "台独")]


def test_russian_terms_match_their_case_forms_by_lemma() -> None:
    text = "Москва ответит на санкции. Санкциями Запада не запугать Китая и Южно-Китайском море."
    hits = found(["санкция", "Китай", "Южно-Китайское море"], text)
    assert hits == [
        ("Китай", "Китая"),
        ("Южно-Китайское море", "Южно-Китайском море"),
        ("санкция", "Санкциями"),
        ("санкция", "санкции"),
    ]


def test_a_lemma_keeps_unrelated_words_apart() -> None:
    # "груз" (cargo) must not read as "Грузия" (Georgia), as a crude stemmer would have it.
    assert found(["Грузия"], "Гуманитарный груз прибыл в Грузию.") == [("Грузия", "Грузию")]


def test_diacritics_and_full_width_forms_are_folded() -> None:
    assert found(["Cote d'Ivoire"], "Côte d’Ivoire and ＣＯＴＥ D'IVOIRE") == [
        ("Cote d'Ivoire", "COTE D'IVOIRE"),
        ("Cote d'Ivoire", "Côte d’Ivoire"),
    ]


def test_a_prefix_term_matches_longer_words() -> None:
    assert found(["denuclear*"], "complete denuclearisation and denuclearization, not nuclear") == [
        ("denuclear*", "denuclearisation"),
        ("denuclear*", "denuclearization"),
    ]


def test_the_longest_overlapping_hit_wins_and_same_span_payloads_all_stay() -> None:
    matcher: PhraseMatcher[str] = PhraseMatcher(default_normaliser())
    for term, payload in (("Guinea", "GN"), ("Guinea-Bissau", "GW"), ("中美", "CN"), ("中美", "US"), ("美", "x")):
        matcher.add(term, payload)
    hits = leftmost_longest(matcher.scan(TextView("Guinea-Bissau and Guinea. 中美关系", default_normaliser())))
    assert [(hit.payload, hit.seen) for hit in hits] == [
        ("GW", "Guinea-Bissau"),
        ("GN", "Guinea"),
        ("CN", "中美"),
        ("US", "中美"),
    ]


@pytest.mark.parametrize("term", ["", "   ", "*", "—", "!!"])
def test_a_term_with_nothing_to_match_is_refused(term: str) -> None:
    matcher: PhraseMatcher[str] = PhraseMatcher(default_normaliser())
    with pytest.raises(TermError):
        matcher.add(term, "x")
