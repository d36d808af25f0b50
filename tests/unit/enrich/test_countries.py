"""Countries: names, adjectives and capitals as metonyms; ambiguous names need confirmation; blockers
and the longest match keep country words in other names out."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.enrich import Enricher
from pipeline.enrich.countries import load_gazetteer, read_gazetteer
from pipeline.errors import ConfigError

from .conftest import COUNTRIES

REPO = Path(__file__).resolve().parents[3]


def countries(enricher: Enricher, text: str, title: str | None = None) -> list[str]:
    return enricher.enrich(title, text).countries


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Beijing said on Monday it would respond.", ["CN"]),
        ("Chinese officials met their American counterparts.", ["CN", "US"]),
        ("Пекин и Вашингтон обменялись заявлениями; китайская сторона недовольна.", ["CN", "US"]),
        ("中美双方举行会谈。", ["CN", "US"]),
        ("Taipei and the People's Republic of China.", ["CN", "TW"]),
        ("Chinese Taipei won a medal.", ["TW"]),
    ],
)
def test_names_adjectives_and_capitals_mention_a_country(enricher: Enricher, text: str, expected: list[str]) -> None:
    assert countries(enricher, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Voters in Georgia and Arizona went to the polls.", []),
        ("Georgia's government in Tbilisi protested.", ["GE"]),
        ("Georgia, in the Caucasus, protested.", ["GE"]),
        ("Michael Jordan retired again.", []),
        ("Jordan's king met the Hashemite court.", ["JO"]),
        ("Jordan and Amman were mentioned.", ["JO"]),
        ("China Daily reported the news.", []),
        ("中国日报报道了这一消息。", []),
        ("Ships sailed in the South China Sea.", []),
        ("Trade with Latin America grew.", []),
        ("Washington Irving wrote stories.", []),
        ("Washington said so, the White House added.", ["US"]),
        ("Guinea-Bissau held talks with Guinea.", ["GN", "GW"]),
        ("Guinea-Bissau held talks.", ["GW"]),
    ],
)
def test_ambiguous_words_and_other_names_are_handled(enricher: Enricher, text: str, expected: list[str]) -> None:
    assert countries(enricher, text) == expected


def test_the_explanation_names_forms_kinds_and_what_was_left_out(enricher: Enricher) -> None:
    result = enricher.enrich("China Daily: Beijing and Washington", "Chinese envoys went to Georgia.")
    explained = result.explanation["countries"]
    assert result.countries == ["CN"]
    assert explained["mentions"]["CN"] == [
        {"form": "Beijing", "kind": "capital", "count": 1},
        {"form": "Chinese", "kind": "adjective", "count": 1},
    ]
    assert explained["unconfirmed"] == {"GE": {"Georgia": 1}, "US": {"Washington": 1}}
    assert explained["blocked"] == {"China Daily": 1}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("code: JO", "code: CN"), "field 'code': duplicate code (first used by entry 'CN'"),
        (("code: JO", "code: jo"), "field 'code': String should match pattern"),
        (("ambiguous: {en: [Jordan]}", "ambiguous: {en: [Jordon]}"), "['Jordon'] are not among the country's names"),
        (
            ("status: territory", "status: colony"),
            "field 'status': Input should be 'member', 'observer' or 'territory'",
        ),
        (("capitals: {en: [Amman]", "capital: {en: [Amman]"), "unknown field (allowed: code, name, status"),
    ],
)
def test_a_broken_entry_is_reported_and_the_others_load(change: tuple[str, str], expected: str) -> None:
    text = COUNTRIES.replace(*change, 1)
    gazetteer, errors = read_gazetteer("countries.yaml", text=text)
    assert len(errors) == 1
    assert expected in str(errors[0])
    assert str(errors[0]).startswith("countries.yaml, entry ")
    assert len(gazetteer.countries) == 6
    with pytest.raises(ConfigError):
        load_gazetteer("countries.yaml", text=text)


# Every UN member state (193), by ISO 3166-1 alpha-2 code.
UN_MEMBERS = [
    "AF",
    "AL",
    "DZ",
    "AD",
    "AO",
    "AG",
    "AR",
    "AM",
    "AU",
    "AT",
    "AZ",
    "BS",
    "BH",
    "BD",
    "BB",
    "BY",
    "BE",
    "BZ",
    "BJ",
    "BT",
    "BO",
    "BA",
    "BW",
    "BR",
    "BN",
    "BG",
    "BF",
    "BI",
    "CV",
    "KH",
    "CM",
    "CA",
    "CF",
    "TD",
    "CL",
    "CN",
    "CO",
    "KM",
    "CG",
    "CR",
    "CI",
    "HR",
    "CU",
    "CY",
    "CZ",
    "KP",
    "CD",
    "DK",
    "DJ",
    "DM",
    "DO",
    "EC",
    "EG",
    "SV",
    "GQ",
    "ER",
    "EE",
    "SZ",
    "ET",
    "FJ",
    "FI",
    "FR",
    "GA",
    "GM",
    "GE",
    "DE",
    "GH",
    "GR",
    "GD",
    "GT",
    "GN",
    "GW",
    "GY",
    "HT",
    "HN",
    "HU",
    "IS",
    "IN",
    "ID",
    "IR",
    "IQ",
    "IE",
    "IL",
    "IT",
    "JM",
    "JP",
    "JO",
    "KZ",
    "KE",
    "KI",
    "KW",
    "KG",
    "LA",
    "LV",
    "LB",
    "LS",
    "LR",
    "LY",
    "LI",
    "LT",
    "LU",
    "MG",
    "MW",
    "MY",
    "MV",
    "ML",
    "MT",
    "MH",
    "MR",
    "MU",
    "MX",
    "FM",
    "MC",
    "MN",
    "ME",
    "MA",
    "MZ",
    "MM",
    "NA",
    "NR",
    "NP",
    "NL",
    "NZ",
    "NI",
    "NE",
    "NG",
    "MK",
    "NO",
    "OM",
    "PK",
    "PW",
    "PA",
    "PG",
    "PY",
    "PE",
    "PH",
    "PL",
    "PT",
    "QA",
    "KR",
    "MD",
    "RO",
    "RU",
    "RW",
    "KN",
    "LC",
    "VC",
    "WS",
    "SM",
    "ST",
    "SA",
    "SN",
    "RS",
    "SC",
    "SL",
    "SG",
    "SK",
    "SI",
    "SB",
    "SO",
    "ZA",
    "SS",
    "ES",
    "LK",
    "SD",
    "SR",
    "SE",
    "CH",
    "SY",
    "TJ",
    "TH",
    "TL",
    "TG",
    "TO",
    "TT",
    "TN",
    "TR",
    "TM",
    "TV",
    "UG",
    "UA",
    "AE",
    "GB",
    "TZ",
    "US",
    "UY",
    "UZ",
    "VU",
    "VE",
    "VN",
    "YE",
    "ZM",
    "ZW",
]


def test_the_shipped_gazetteer_covers_every_un_member_in_three_languages() -> None:
    assert len(set(UN_MEMBERS)) == 193
    gazetteer, errors = read_gazetteer(REPO / "config" / "countries.yaml")
    assert [str(error) for error in errors] == []
    by_code = {country.code: country for country in gazetteer.countries}
    assert sorted(set(UN_MEMBERS) - set(by_code)) == []
    assert {"TW", "HK", "MO", "PS", "VA", "XK"} <= set(by_code)
    for country in gazetteer.countries:
        for language in ("en", "zh", "ru"):
            assert country.names.get(language), (country.code, language)


def test_a_proper_noun_must_be_capitalised_in_the_text() -> None:
    from pipeline.enrich.countries import load_gazetteer as load

    text = COUNTRIES.replace("names: {en: [Guinea]", "names: {en: [Guinea, Turkey]", 1)
    tagger = Enricher(None, load("countries.yaml", text=text))
    assert tagger.enrich(None, "The president pardoned a turkey and ate china.").countries == []
    assert tagger.enrich(None, "TURKEY AND CHINA SIGN A DEAL").countries == ["CN", "GN"]


def test_a_compound_loses_to_a_one_country_name_of_the_same_length(enricher: Enricher) -> None:
    assert countries(enricher, "会谈中美国代表表示反对。") == ["US"]
    assert countries(enricher, "中美关系保持稳定。") == ["CN", "US"]


def test_blockers_and_context_words_are_validated_too() -> None:
    with pytest.raises(ConfigError, match=r"entry blockers, field 'en': term '—' has no letters"):
        read_gazetteer("countries.yaml", text=COUNTRIES.replace("en: [China Daily,", "en: ['—', China Daily,", 1))
    _, errors = read_gazetteer(
        "countries.yaml", text=COUNTRIES.replace("context: {en: [Hashemite]}", "context: {en: ['-']}", 1)
    )
    assert len(errors) == 1
    assert "entry 'JO'" in str(errors[0])


def test_a_text_without_words_is_enriched_without_failing(enricher: Enricher) -> None:
    result = enricher.enrich("!!!", "... — ...", declared_language="en-GB")
    assert (result.language, result.topics, result.countries, result.key_phrases) == ("en", [], [], [])
