"""The query language reaches Elasticsearch as typed, and both backends analyse it like Elasticsearch.

Request bodies: each term's text goes to the analysed fields un-tokenised (Elasticsearch's analyzers
split it), with the query type whose documented semantics we want (``multi_match`` ``phrase`` /
``bool_prefix``, see ``pipeline.index.elastic.term_query``). The bodies are also run through
:mod:`tests.esquery` (the documented semantics) over small documents. Analysis: the tokens Lucene's
standard tokenizer and the language analyzers produce, as documented (analysis-standard-tokenizer:
"The 2 QUICK Brown-Foxes jumped over the lazy dog's bone.").
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from pipeline.index import analysis
from pipeline.index.analysis import analyze, terms, words
from pipeline.index.es_search import EXACT_FIELDS, build_search_body, search_fields
from pipeline.index.query import Term, parse
from pipeline.index.search import SearchFilters
from tests.esquery import Evaluator

ALL_FIELDS = search_fields()


def groups(text: str) -> list[dict[str, Any]]:
    body = build_search_body(parse(text), SearchFilters(include_removed=True), 10)
    return [group["bool"] for group in body["query"]["bool"]["should"]]


def word(text: str) -> dict[str, Any]:
    return {"multi_match": {"query": text, "fields": ALL_FIELDS, "type": "phrase"}}


@pytest.mark.parametrize("typed", ["China's", "U.S.", "1,000", "Lavrov’s", "U.S.-China", "制裁措施"])
def test_a_word_goes_to_every_analysed_field_as_typed(typed: str) -> None:
    # Not "china s", "u s", "1 000", "lavrov s": the standard tokenizer keeps each of these whole.
    assert groups(typed) == [{"must": [word(typed)]}]


def test_a_quoted_phrase_goes_as_typed_to_the_standard_fields() -> None:
    (group,) = groups('"Unilateral Sanctions"')
    assert group == {
        "must": [{"multi_match": {"query": "Unilateral Sanctions", "fields": EXACT_FIELDS, "type": "phrase"}}]
    }
    (chinese,) = groups('"单边制裁"')
    assert chinese["must"] == [{"multi_match": {"query": "单边制裁", "fields": EXACT_FIELDS, "type": "phrase"}}]


def test_a_prefix_is_a_bool_prefix_on_the_standard_fields() -> None:
    (group,) = groups("Sanction*")
    assert group == {
        "must": [
            {"multi_match": {"query": "Sanction", "fields": EXACT_FIELDS, "type": "bool_prefix", "operator": "and"}}
        ]
    }


def test_an_exclusion_is_the_same_clause_under_must_not() -> None:
    (group,) = groups("sanctions -Lavrov’s NOT U.S.")
    assert group == {"must": [word("sanctions")], "must_not": [word("Lavrov’s"), word("U.S.")]}


def test_terms_without_letters_or_digits_are_left_out() -> None:
    assert parse("sanctions - _ *").groups[0].must == (Term("word", "sanctions"),)


DOCS = [
    {
        "doc_id": "possessive",
        "title": "Briefing",
        "text": "China's position is clear.",
        "text_en": "China's position is clear.",
    },
    {"doc_id": "china", "title": "Briefing", "text": "China and Russia met.", "text_en": "China and Russia met."},
    {"doc_id": "us", "title": "Briefing", "text": "The U.S. imposed them.", "text_en": "The U.S. imposed them."},
    {"doc_id": "us-spaced", "title": "Briefing", "text": "U S is not a word.", "text_en": "U S is not a word."},
    {"doc_id": "thousand", "title": "Briefing", "text": "About 1,000 people.", "text_en": "About 1,000 people."},
    {"doc_id": "thousand-spaced", "title": "Briefing", "text": "About 1 000 people.", "text_en": "About 1 000 people."},
    {
        "doc_id": "lavrov",
        "title": "Briefing",
        "text": "Sergey Lavrov's remarks.",
        "text_en": "Sergey Lavrov's remarks.",
    },
    {
        "doc_id": "zh",
        "title": "中方反对单边制裁",
        "text": "中方坚决反对美方滥用单边制裁措施。",
        "text_zh": "中方坚决反对美方滥用单边制裁措施。",
    },
    {
        "doc_id": "sanctions",
        "title": "Sanctions",
        "text": "Unilateral sanctions again.",
        "text_en": "Unilateral sanctions again.",
    },
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("China's", ["china", "possessive"]),  # english field: possessive removed, so "China" matches too
        ('"China\'s"', ["possessive"]),  # quoted: the exact token on the standard field
        ("U.S.", ["us"]),
        ("1,000", ["thousand"]),
        ("Lavrov’s", ["lavrov"]),  # ’s and 's are both possessives for the english analyzer
        ("单边制裁", ["zh"]),
        ("边制", ["zh"]),
        ("制措", []),
        ('"unilateral sanctions"', ["sanctions"]),
        ("sanction*", ["sanctions"]),
        ("briefing -china", ["lavrov", "thousand", "thousand-spaced", "us", "us-spaced"]),
    ],
)
def test_the_bodies_mean_what_elasticsearch_documents(query: str, expected: list[str]) -> None:
    body = build_search_body(parse(query), SearchFilters(include_removed=True), 10)
    assert sorted(Evaluator(DOCS).search(body)) == expected


def test_the_standard_tokenizer_as_documented() -> None:
    text = "The 2 QUICK Brown-Foxes jumped over the lazy dog's bone."
    assert terms(text, "standard") == [
        "the",
        "2",
        "quick",
        "brown",
        "foxes",
        "jumped",
        "over",
        "the",
        "lazy",
        "dog's",
        "bone",
    ]
    assert terms("U.S. 1,000 Lavrov’s foo_bar e.g.", "standard") == ["u.s", "1,000", "lavrov’s", "foo_bar", "e.g"]
    # A quote before a word is not part of it (UAX #29 breaks there), on either road.
    assert terms("'unilateral' 9'é 中 'sanctions'", "standard") == ["unilateral", "9", "é", "中", "sanctions"]
    assert terms("中方ひらがなカタカナ한국어", "standard") == ["中", "方", "ひ", "ら", "が", "な", "カタカナ", "한국어"]


def test_the_language_analyzers() -> None:
    assert terms("The Foxes' China's Lavrov’s sanctioned us", "english") == ["fox", "china", "lavrov", "sanction", "us"]
    assert terms("санкции санкций", "russian") == ["санкц", "санкц"]
    assert terms("单边制裁 a Ｕｓ 制", "cjk") == ["单边", "边制", "制裁", "us", "制"]
    assert terms("l'Europe", "french") == ["europ"]


@pytest.mark.parametrize(
    "text",
    [
        "中方坚决反对美方滥用单边制裁措施。 The U.S. said ＵＳ a 制 ひらがなカタカナー한국어 2021年 中，方",
        "外交部发言人汪文斌表示 www 中国 and s 制裁",
        "",
        "no CJK at all, China's",
    ],
)
def test_the_cjk_analyzer_indexes_what_it_analyses(text: str) -> None:
    # Indexing takes a faster road (runs of CJK characters) than analysis with offsets (snippets).
    assert terms(text, "cjk") == [token.term for token in analyze(text, "cjk")]


def test_the_fast_tokenizer_agrees_with_the_full_word_boundary_rules() -> None:
    # Latin/Cyrillic text takes a faster road than the regex module's UAX #29 rules: on random strings of
    # letters, digits, every kind of joining punctuation, underscores, narrow no-break spaces and breakers,
    # both roads must cut the same words.
    def by(segments: Any, text: str) -> list[str]:
        return [s for s in segments.findall(text) if s[0].isalpha() or s[0].isdecimal() or analysis._WORDY.search(s)]

    def full(text: str) -> list[str]:
        found = (m.group(1) for m in analysis._SEGMENT.finditer(text))
        return [s for s in found if s[0].isalpha() or s[0].isdecimal() or analysis._WORDY.search(s)]

    rng = random.Random(11)
    simple = "aBéдЖzß09" + ".'’‘:·,;" + "_\u202f" + ' -"(!\n—“\u00a0'
    for _ in range(5000):
        text = "".join(rng.choice(simple) for _ in range(rng.randint(1, 14)))
        assert not analysis._NOT_SIMPLE.search(text)
        assert by(analysis._FAST_TOKEN, text) == full(text), repr(text)
    # Other characters take the full rules, only in the words around them (cut at whitespace).
    mixed = simple + "中ひカ\u0301\u00ad"
    for _ in range(5000):
        text = "".join(rng.choice(mixed) for _ in range(rng.randint(1, 14)))
        assert words(text) == full(text), repr(text)
