"""The embedded index's analysis gives the tokens Lucene's analyzers give, where Python's defaults differ.

* English stemming is Lucene's ``PorterStemmer`` (Martin Porter's reference version: ``bli`` → ``ble``,
  ``logi`` → ``log``, any double consonant but l/s/z undoubled), not Snowball's ``porter`` (PyStemmer);
* lower case is Java's ``Character.toLowerCase`` per character (no final sigma);
* the CJK analyzer's stop words are its own ``stopwords.txt`` (no ``an``);
* the analysis identity the embedded index stores depends on the tokens, not on library versions.

Each is checked against known Lucene outputs and against the test-side evaluator (:mod:`tests.esquery`,
written apart from ``pipeline.index.analysis``).
"""

from __future__ import annotations

from importlib.metadata import version

import pytest
import Stemmer

from pipeline.index import porter
from pipeline.index.analysis import ANALYSIS_VERSION, analysis_id, analyze, lower, terms
from tests import esquery
from tests.esporter import porter_stem

#: Words and the stems Lucene's PorterStemmer gives them: the examples of Porter's paper (steps 1-5),
#: and the reference implementation's departures from it, each worked through its rules.
LUCENE_STEMS = [
    ("caresses", "caress"),
    ("ponies", "poni"),
    ("ties", "ti"),
    ("cats", "cat"),
    ("feed", "feed"),
    ("agreed", "agre"),
    ("plastered", "plaster"),
    ("motoring", "motor"),
    ("sing", "sing"),
    ("conflated", "conflat"),
    ("troubled", "troubl"),
    ("sized", "size"),
    ("hopping", "hop"),
    ("falling", "fall"),
    ("filing", "file"),
    ("happy", "happi"),
    ("sky", "sky"),
    ("relational", "relat"),
    ("conditional", "condit"),
    ("rational", "ration"),
    ("generalizations", "gener"),
    ("oscillators", "oscil"),
    ("us", "us"),  # two letters: left alone
    # possibly -> possibli (y -> i) -> possible (bli -> ble); -ible stays (m("poss") = 1), the final e
    # goes (m("possibl") = 2) -> possibl.
    ("possibly", "possibl"),
    ("possible", "possibl"),
    # responsibly -> responsibli -> responsible (bli) -> respons (-ible, m("respons")=2).
    ("responsibly", "respons"),
    ("responsible", "respons"),
    # ideology -> ideologi -> ideolog (logi); ideological -> ideologic (-ical) -> ideolog (-ic, m=3).
    ("ideology", "ideolog"),
    ("ideological", "ideolog"),
    # specced: -ed removed, "cc" undoubled (Snowball's porter keeps specc).
    ("specced", "spec"),
]


@pytest.mark.parametrize(("word", "expected"), LUCENE_STEMS)
def test_english_stems_are_lucenes_porter_stems(word: str, expected: str) -> None:
    assert porter.stem(word) == expected
    assert porter_stem(word) == expected, "the evaluator's own stemmer"
    assert terms(word, "english") == [expected]


def test_the_reference_stemmer_departs_from_snowballs_porter_only_where_lucene_does() -> None:
    # PyStemmer's "porter" (the paper's rules) is what the index used before: it differs on these.
    snowball = Stemmer.Stemmer("porter")
    assert snowball.stemWords(["possibly", "ideology", "responsibly", "specced"]) == [
        "possibli",
        "ideologi",
        "responsibli",
        "specc",
    ]
    # Elsewhere the three stemmers agree: a broad sample of English word endings.
    words = [
        f"{stem}{suffix}"
        for stem in ("nation", "form", "hope", "sens", "valu", "cry", "agre", "run", "fil", "trouble", "relat")
        for suffix in ("", "s", "ed", "ing", "ly", "ness", "ful", "ization", "ational", "ities", "ance", "ement", "ive")
    ]
    for word in words:
        assert porter.stem(word) == porter_stem(word) == snowball.stemWord(word), word


def test_greek_capital_sigma_lowers_to_sigma_everywhere_as_in_java() -> None:
    # Java's Character.toLowerCase has no final-sigma rule (str.lower() writes ς at a word's end).
    assert lower("ΟΔΟΣ") == "οδοσ"
    assert terms("ΟΔΟΣ Σωκράτης", "standard") == ["οδοσ", "σωκράτης"]
    assert terms("ΟΔΟΣ", "english") == ["οδοσ"]
    assert [t.term for t in analyze("ΟΔΟΣ", "standard")] == ["οδοσ"]
    assert terms("İstanbul ΟΔΟΣ", "standard") == ["istanbul", "οδοσ"]


def test_the_cjk_stop_words_are_the_cjk_analyzers_own() -> None:
    # Lucene's cjk/stopwords.txt: "an" is not in it; "s", "t" and "www" are.
    assert terms("an apple 中国", "cjk") == ["an", "apple", "中国"]
    assert [t.term for t in analyze("an apple", "cjk")] == ["an", "apple"]
    assert terms("a s t www the", "cjk") == []


#: Texts the embedded analysis and the evaluator must turn into the same terms, analyzer by analyzer.
PARITY_TEXTS = [
    "It is possibly the most ideological position, responsibly held; specced and possible.",
    "ΟΔΟΣ ΑΘΗΝΑΣ, Σωκράτης",
    "an 外交部 www s 制裁 the",
    "The U.S. and China's 1,000 firms: Lavrov’s 'unilateral' sanctions.",
    "Россия и Вьетнам: удобрений",
]


@pytest.mark.parametrize("text", PARITY_TEXTS)
@pytest.mark.parametrize("analyzer", ["standard", "english", "cjk", "russian"])
def test_the_embedded_analysis_and_the_evaluator_agree(text: str, analyzer: str) -> None:
    expected = [position.term for position in esquery.analyze(text, analyzer)]
    assert terms(text, analyzer) == expected
    assert [token.term for token in analyze(text, analyzer)] == expected


def test_the_analysis_id_names_the_tokens_not_the_library_versions() -> None:
    # A patch upgrade of regex or PyStemmer that changes no token must not empty the embedded index.
    identity = analysis_id()
    assert identity.startswith(f"{ANALYSIS_VERSION}:")
    assert version("regex") not in identity
    assert version("PyStemmer") not in identity
