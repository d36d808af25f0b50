"""What two versions of one exchange in different languages share without translating either: figures, dates
and names.

* figures: "1.5万" and "15,000", "160万标箱" and "1.6 million TEUs", "2000亿美元" and "200 billion", "7.2%" and
  "7.2 percent", "шесть детей" and "six", "22-й раз" and "22nd time" all give the same key (the value, printed
  with ``%g``);
* dates: "3月9日", "March 9", "9 марта" give ``d3-9``; a range "6-7 сентября" / "September 6-7" gives both days
  (a day's number is never also a figure: "9" alone says little);
* names: words in Latin script (English names, and the acronyms a Chinese text writes in Latin letters:
  "CGTN", "G20") and capitalised Cyrillic words transliterated to Latin, folded to their first four letters:
  "Джакарте" and "Jakarta" both give ``jaka``, "Калининградскую" and "Kaliningrad" ``kali``.

The keys are compared as sets (:mod:`pipeline.enrich.twins.alignment` weights each by how rare it is in the two
documents). Nothing here raises on any text.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.enrich.coverage.dates import EN_MONTHS

_RU_MONTHS = (
    "январ",
    "феврал",
    "март",
    "апрел",
    "ма[яй]",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
)
#: Number words: English from two (not "one": "one-China", "no one"), Russian stems of their cases.
_EN_WORDS = {
    word: value
    for value, word in enumerate(
        ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"), start=2
    )
}
_RU_WORDS = (
    (r"дв(?:а|е|ух|ум|умя)", 2),
    (r"тр(?:и|[её]х|[её]м|емя)", 3),
    (r"четыр(?:е|[её]х|[её]м|ьмя)", 4),
    (r"пят(?:ь|и|ью)", 5),
    (r"шест(?:ь|и|ью)", 6),
    (r"сем(?:ь|и|ью)", 7),
    (r"вос(?:емь|ьми|емью)", 8),
    (r"девят(?:ь|и|ью)", 9),
    (r"десят(?:ь|и|ью)", 10),
)
_ZH_DIGITS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_SCALES = {
    "万": 1e4,
    "亿": 1e8,
    "万亿": 1e12,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "тыс": 1e3,
    "млн": 1e6,
    "млрд": 1e9,
    "трлн": 1e12,
    "тысяч": 1e3,
    "миллион": 1e6,
    "миллиард": 1e9,
    "триллион": 1e12,
}

_EN_MONTH = "|".join(EN_MONTHS)
_RU_MONTH = "|".join(_RU_MONTHS)
_DATES = (
    # 3月9日, 3月14日至17日 (the second day keeps the month), 4月12日至14日.
    re.compile(r"(?P<month>\d{1,2})月(?P<day>\d{1,2})日(?:[至到—-](?:(?P<month2>\d{1,2})月)?(?P<day2>\d{1,2})日)?"),
    # March 9, September 6-7, March 14 to 17.
    re.compile(
        rf"\b(?P<name>{_EN_MONTH})\.? (?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:(?:-| to | and )(?P<day2>\d{{1,2}})\b)?",
        re.I,
    ),
    # 9 March, 6-7 сентября, с 4 по 9 сентября.
    re.compile(
        rf"(?<![0-9])(?P<day>\d{{1,2}})(?:(?:-|–| по | и | to | and )(?P<day2>\d{{1,2}}))? "
        rf"(?P<name>{_EN_MONTH}|{_RU_MONTH})[а-яa-z]*",
        re.I,
    ),
)
_NUMBER = re.compile(
    r"(?<![0-9A-Za-z.,])(?P<value>\d{1,3}(?:[,\u00a0 ]\d{3})+|\d+(?:[.,]\d+)?)"
    r"(?:\s*(?P<scale>万亿|万|亿|thousand|million|billion|trillion|тыс|млн|млрд|трлн|тысяч|миллион|миллиард|триллион))?",
    re.I,
)
_ZH_COUNT = re.compile(r"(?P<digit>[两二三四五六七八九十])(?=[个名艘人架次项家位天条国])")
_EN_WORD = re.compile(r"\b(" + "|".join(_EN_WORDS) + r")\b", re.I)
_RU_WORD = re.compile(r"(?<![а-яё])(" + "|".join(pattern for pattern, _ in _RU_WORDS) + r")(?![а-яё])", re.I)
_LATIN = re.compile(r"\b[A-Za-z][A-Za-z'’-]*[A-Za-z0-9]|\b[A-Z]\d+\b")
_CYRILLIC_NAME = re.compile(r"(?<![А-Яа-яЁё])[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?")
_TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "y",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
    }
)
#: English spellings of Russian sounds the letter-by-letter transliteration writes otherwise ("Джакарта").
_SPELLINGS = (("dzh", "j"), ("kh", "h"), ("iy", "y"))
#: Words capitalised for the sentence, the title or the role rather than for a name, and the spokesperson's
#: labels: in every exchange of a transcript, they would match any exchange with any other.
_COMMON = frozenset(
    [
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "of",
        "to",
        "for",
        "and",
        "but",
        "or",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "we",
        "our",
        "us",
        "you",
        "your",
        "he",
        "she",
        "they",
        "their",
        "what",
        "how",
        "why",
        "when",
        "is",
        "are",
        "was",
        "were",
        "will",
        "would",
        "can",
        "could",
        "does",
        "do",
        "did",
        "has",
        "have",
        "had",
        "as",
        "by",
        "with",
        "from",
        "not",
        "no",
        "answer",
        "question",
        "follow-up",
        "follow",
        "up",
        "also",
        "please",
        "there",
        "such",
        "some",
        "any",
        "all",
        "both",
        "foreign",
        "ministry",
        "minister",
        "spokesperson",
        "spokeswoman",
        "president",
        "prime",
        "government",
    ]
)
_RU_COMMON = frozenset(
    [
        "ответ",
        "вопрос",
        "мы",
        "в",
        "на",
        "по",
        "для",
        "это",
        "как",
        "что",
        "россия",
        "российская",
        "российской",
        "российский",
        "российские",
        "министр",
        "министра",
        "президент",
        "правительство",
    ]
)
_NAME_KEY = 4


def features(text: str) -> frozenset[str]:
    """The figure (``n``), date (``d``) and name (``w``) keys of ``text``."""
    keys: set[str] = set()
    rest = text
    for pattern in _DATES:
        rest = pattern.sub(lambda match: _date_keys(match, keys), rest)
    for match in _NUMBER.finditer(rest):
        value = _number(match.group("value"))
        if value is None:
            continue
        scale = (match.group("scale") or "").lower()
        keys.add(f"n{value * _SCALES.get(scale, 1.0):g}")
    for match in _ZH_COUNT.finditer(rest):
        keys.add(f"n{_ZH_DIGITS[match.group('digit')]:g}")
    for match in _EN_WORD.finditer(rest):
        keys.add(f"n{_EN_WORDS[match.group(1).lower()]:g}")
    for match in _RU_WORD.finditer(rest):
        word = match.group(1).lower()
        keys.update(f"n{value:g}" for pattern, value in _RU_WORDS if re.fullmatch(pattern, word))
    keys.update(f"w{key}" for key in names(rest))
    return frozenset(keys)


def names(text: str) -> set[str]:
    """Name keys: Latin-script words that are names or acronyms, and capitalised Cyrillic words transliterated."""
    found: set[str] = set()
    for match in _LATIN.finditer(text):
        word = match.group(0)
        if word[0].isupper() and word.lower() not in _COMMON:
            found.add(_fold(word.lower()))
    for match in _CYRILLIC_NAME.finditer(text):
        word = match.group(0).lower()
        if word not in _RU_COMMON:
            found.add(_fold(word.translate(_TRANSLIT)))
    return {key for key in found if len(key) >= 2}


def _fold(word: str) -> str:
    """A word's comparison key: accents stripped, Russian sounds spelled the English way, the first letters."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word) if c.isascii() and c.isalnum())
    for russian, english in _SPELLINGS:
        plain = plain.replace(russian, english)
    return plain[:_NAME_KEY]


def _date_keys(match: re.Match[str], keys: set[str]) -> str:
    """Add the match's day keys; the date is replaced by a space so that its numbers are not figures too."""
    groups = match.groupdict()
    month = _month(groups.get("name"), groups.get("month"))
    if month is None:
        return match.group(0)
    day = int(groups["day"])
    keys.add(f"d{month}-{day}")
    if groups.get("day2"):
        second_month = int(groups["month2"]) if groups.get("month2") else month
        keys.add(f"d{second_month}-{int(groups['day2'])}")
    return " "


def _month(name: str | None, number: str | None) -> int | None:
    if number is not None:
        month = int(number)
        return month if 1 <= month <= 12 else None
    if name is None:
        return None
    lowered = name.lower()
    for index, english in enumerate(EN_MONTHS, start=1):
        if lowered == english:
            return index
    for index, stem in enumerate(_RU_MONTHS, start=1):
        if re.match(stem, lowered):
            return index
    return None


def _number(text: str) -> float | None:
    """ "15,000" and "15 000" are fifteen thousand; "1,5" (Russian) and "1.5" are one and a half."""
    cleaned = text.replace("\u00a0", " ")
    if re.fullmatch(r"\d{1,3}(?:[, ]\d{3})+", cleaned):
        cleaned = cleaned.replace(",", "").replace(" ", "")
    try:
        return float(cleaned.replace(",", "."))
    except ValueError:
        return None
