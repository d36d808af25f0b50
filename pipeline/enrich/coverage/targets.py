"""Which briefing a quote reports: the ministry and spokesperson it is attributed to, and the days.

A quote's speaker (:class:`~pipeline.enrich.quotes.Quote`) decides the ministry:

* a listed spokesperson (``speaker_id`` from ``config/speakers.yaml``) gives theirs;
* a surname or a role ("Wang", "the spokesman", "汪文斌", "дипломат") gives the ministry of the one listed
  spokesperson the report names in full elsewhere, when there is exactly one;
* a ministry named in the speaker phrase ("China's Foreign Ministry", "a Chinese foreign ministry
  spokeswoman", "外交部发言人", "МИД России", "the State Department") gives that ministry; "Foreign Ministry"
  with no country takes the country of the one ministry the report names (its spokesperson or adjective);
* a country or its capital as the whole speaker ("The United States", "Beijing", "Москва") gives its ministry.

A direct quote the text attributes to nobody, in a report about one ministry, gets that ministry's target, but
is cited only when an answer says it word for word. Anything else (the Kremlin, a minister at another event,
a senator, an analyst) is not a briefing quote and gets no target. The days come from
:mod:`pipeline.enrich.coverage.dates`, read around the quote but not inside it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from pipeline.enrich.coverage.dates import briefing_days, relative_to_story, resolve, window
from pipeline.enrich.quotes import Quote
from pipeline.enrich.quotes.marks import paragraphs
from pipeline.enrich.speakers import SpeakerDirectory, same_surname

#: The time zone each ministry holds its briefings in (its briefing sources' zone when configured; see
#: :func:`pipeline.store.citations.ministry_zones`).
MINISTRY_TIMEZONES: dict[str, str] = {
    "CN": "Asia/Shanghai",
    "RU": "Europe/Moscow",
    "US": "America/New_York",
    "GB": "Europe/London",
    "JP": "Asia/Tokyo",
    "IN": "Asia/Kolkata",
}

#: Ministry names and the country they belong to, in the languages news is read in. A name without a
#: country ("the Foreign Ministry", 外交部, МИД) maps to None: the report's other mentions decide.
_MINISTRY_PHRASES: tuple[tuple[re.Pattern[str], str | None], ...] = (
    # 美国国务院 is the State Department in Chinese news (国务院 alone is China's State Council).
    (
        re.compile(
            r"\b(?:State Department|Department of State|Secretary of State)\b|Госдеп\w*|美国?国务院|美国?国务卿", re.I
        ),
        "US",
    ),
    (re.compile(r"\b(?:Ministry of External Affairs|MEA)\b"), "IN"),
    # Japan's foreign ministry speaks through its press secretary (外務報道官); elsewhere a press secretary is a
    # head of government's, so only with Japan named right before it.
    (
        re.compile(
            r"\b(?:Japan|Japan's|Japanese)\s+(?:foreign ministry\s+|MOFA\s+)?press secretary\b"
            r"|пресс-секретар\w*\s+МИД\s+Японии|外務報道官|外务报道官",
            re.I,
        ),
        "JP",
    ),
    (re.compile(r"\b(?:Foreign,? Commonwealth (?:and|&) Development Office|FCDO|Foreign Office)\b", re.I), "GB"),
    # Britain's minister, but India has a Foreign Secretary too: the country words or the report decide.
    (re.compile(r"\bForeign Secretary\b", re.I), None),
    (re.compile(r"(?:МИД|Министерств\w* иностранных дел|внешнеполитическ\w* ведомств\w*)", re.I), None),
    (re.compile(r"外交部|外务省|外務省"), None),
    (
        re.compile(
            r"\b(?:(?:foreign|external affairs)[ -]ministry|ministry of foreign affairs|MFA|MOFA|foreign affairs"
            r" ministry|diplomatic service)\b",
            re.I,
        ),
        None,
    ),
)
#: Country words that make a ministry phrase one country's.
_COUNTRY_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    # In Chinese and Russian only the countries' names and adjectives: not 美方/日方 or a capital, which a ministry's
    # own answer names as the other party ("外交部发言人表示，美方应...", "МИД заявил, что Лондон ..."), nor
    # 印度尼西亚 (Indonesia), 印度洋 or 英国广播公司 (the BBC). 俄 alone is only in compounds ("中俄", "俄乌"): it
    # counts before a ministry or its people.
    (re.compile(r"\b(?:China|China's|Chinese|Beijing|Beijing's)\b|中国|中方|Кита\w*|китайск\w*|КНР", re.I), "CN"),
    (
        re.compile(
            r"\b(?:Russia|Russia's|Russian|Moscow|Moscow's)\b|России|российск\w*|Росси\w*|俄罗斯|俄(?=外交部|外长|常驻)",
            re.I,
        ),
        "RU",
    ),
    (re.compile(r"\b(?:Japan|Japan's|Japanese|Tokyo)\b|日本|Япони\w*|японск\w*", re.I), "JP"),
    (re.compile(r"\b(?:India|India's|Indian|New Delhi)\b|印度(?![尼洋])|Инди[ияю]|индийск\w*", re.I), "IN"),
    (
        re.compile(r"\b(?:British|Britain|UK|U\.K\.|United Kingdom)\b|英国(?!广播)|Великобритани\w*|британск\w*", re.I),
        "GB",
    ),
    (re.compile(r"\b(?:US|U\.S\.|United States|American|Washington)\b|美国|США|американск\w*", re.I), "US"),
)
#: The roles that speak for a ministry by themselves, given their country ("Beijing's spokespeople").
_SPOKESPERSON_ROLE = re.compile(
    r"\bspokes(?:man|woman|person|men|women|persons|people)\b|\bdiplomats?\b|дипломат\w*|发言人|發言人", re.I
)
#: Roles that refer back to a spokesperson named elsewhere in the report.
_ROLE = re.compile(
    r"\b(?:spokes(?:man|woman|person)|spokes(?:men|women|persons|people)|diplomat|ministry|minister|official)\b"
    r"|发言人|дипломат|официальн\w+ представител\w+|представитель",
    re.I,
)
#: A sentence, roughly: up to a full stop (or its Chinese form) and the space after it.
_SENTENCE = re.compile(r".+?(?:[.!?](?=\s)|[。！？]|$)", re.S)
#: What closes a quote as a whole clause: its own last character, or the mark and punctuation after it.
_CLOSED = re.compile(r"(?<=[.,;!?。，；！？])|[\"'»”’」』]?\s?[.,;!?。，；！？]")
#: Speakers that are never a foreign ministry's briefing, whatever else the phrase says.
_NOT_MINISTRY = re.compile(
    r"\b(?:Kremlin|Peskov|Putin|president|prime minister|premier|senator|congress\w*|analyst|expert|professor)\b"
    r"|Кремл\w*|Песков\w*|Путин\w*|президент\w*|премьер\w*|эксперт\w*|аналитик\w*|专家|学者|总统|总理|首相"
    # A head of government's spokesman: Japan's Chief Cabinet Secretary (官房長官), "the government spokesman".
    r"|\bchief cabinet secretary|\bgovernment(?:'s)? (?:top )?spokes\w+|кабинета министров|官房|政府发言人|政府發言人"
    # Another ministry or the armed forces: "国防部发言人" (defence), "商务部" (commerce), "the defence ministry".
    r"|\bdefen[cs]e (?:ministry|minister|department)|\bministry of defen[cs]e|министерств\w* обороны|минобороны"
    r"|国防部|商务部|军方|海关|台办"
    # A service abroad or another body: "the Chinese embassy spokesman", "Russia's UN mission", "中国常驻联合国代表团".
    r"|\b(?:embassy|consulate|mission|army|military|police|coast guard|navy)\b|посольств\w*|консульств\w*"
    r"|постпредств\w*|使馆|领事馆|代表团|海警",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Target:
    """The briefings a quote may come from: a ministry (ISO country code), the spokesperson when the report
    names one (speakers-file id), the candidate days (the ministry's local dates, newest first) and the date
    expression that gave them ("on Monday"; "" when the days are the window before publication)."""

    ministry: str
    spokesperson_id: str | None
    days: tuple[date, ...]
    expression: str
    #: Outlets the quote's sentence names ("answering a question from the Global Times"): an exchange they
    #: asked is preferred among equally good matches.
    outlets: tuple[str, ...] = ()
    #: The report presents the quote as a whole clause: a stop or a comma ends it, inside its marks or right
    #: after them (« ... », — said she; "...", he said). A clause of the answer that goes on was cut.
    closed: bool = False
    #: The last day the report can quote (its publication day, in the ministry's zone), when the briefing may
    #: fall after the candidate days (a day read from the sentences around the quote may be another event's);
    #: None when the quote's own sentence names its day.
    until: date | None = None


def ministry_zone(ministry: str, zones: dict[str, tzinfo] | None = None) -> tzinfo:
    """The time zone ``ministry`` holds briefings in: ``zones`` (from the configured sources) first, then
    :data:`MINISTRY_TIMEZONES`, else UTC."""
    if zones and ministry in zones:
        return zones[ministry]
    name = MINISTRY_TIMEZONES.get(ministry)
    return ZoneInfo(name) if name else ZoneInfo("UTC")


def targets(
    quotes: Sequence[Quote],
    text: str,
    *,
    published: datetime | None,
    local_zone: tzinfo,
    language: str | None,
    speakers: SpeakerDirectory,
) -> list[Target | None]:
    """For each of ``quotes`` (from ``text``), its :class:`Target`, or None when it quotes no ministry
    briefing. ``published`` (aware, None when unknown: no target) is read in ``local_zone``, the report's own
    time zone, for relative dates."""
    if published is None:
        return [None] * len(quotes)
    named = speakers.speakers_in(text, surnames=True)
    # A listed spokesperson the report gives only a surname but quotes ("..., — заявила Захарова", "По словам
    # Захаровой"): named too. A passing mention is not: only a quote's speaker.
    bare = {q.speaker for q in quotes if q.speaker and _person_like(q.speaker)}
    named += [
        s.id
        for s in speakers.speakers
        if bare
        and s.id not in named
        and s.role == "spokesperson"
        and any(_surname_alone(speakers, s.id, phrase) for phrase in bare)
    ]
    document_ministries = _document_ministries(text, speakers, named)
    spans = paragraphs(text)
    # The spokespersons each paragraph names, read once (none when the report names none).
    named_in = [speakers.speakers_in(text[a:b], surnames=True) for a, b in spans] if named else [[] for _ in spans]
    by_paragraph = (
        [{m for m in (speakers.ministry_of(s) for s in names) if m} for names in named_in]
        if len(document_ministries) > 1
        else []
    )
    local_day = published.astimezone(local_zone).date()
    lead = _lead(text, spans)
    found: list[Target | None] = []
    # What each sentence is about, read once for all quotes (only in a report about several ministries).
    about_sentence: dict[str, set[str]] = {}
    for quote in quotes:
        start, end = spans[quote.paragraph] if quote.paragraph < len(spans) else (0, len(text))
        sentence = _sentence_around(text, quote.start, quote.end, start, end)
        at = max(text.find(sentence, start), start)
        nearby = _nearby(document_ministries, by_paragraph, quote)
        owner = _owner(text, quote, at)
        if owner is not None:
            nearby = {owner}  # "India, which ..., struck a note: its spokesman said": India's, whoever is near
        ministry: str | None
        if quote.speaker is None:
            if quote.kind != "direct" or quote.short or len(nearby) != 1:
                found.append(None)
                continue
            # A quote the text attributes to nobody, in a report about one ministry: a candidate, cited only
            # when an answer says it word for word (see :func:`~pipeline.enrich.coverage.linker.shown`).
            ministry = next(iter(nearby))
            spokesperson = _only(named, speakers, ministry)
        else:
            ministry, spokesperson = _ministry(quote, named, nearby, speakers, text=text)
        if ministry is None:
            found.append(None)
            continue
        # A date inside a quote is what was said about ("22 ноября в Москве состоялись переговоры", "no
        # extension after May 18"), not when it was said: only the report's own words date the briefing.
        # Past the quote's paragraph, the sentences naming its spokesperson come before the lead: "Как
        # заявила в среду ... Захарова" dates her quotes below it, not the "1 апреля" of the lead's event.
        earlier = _naming_sentences(text, spans, named_in, quote.paragraph, spokesperson, speakers)
        # In the quote's paragraph, the sentences before it, nearest first, then the rest of the paragraph: a
        # date after the quote is more often another event's ("Выборы прошли 2 апреля.").
        preceding = [m.group(0) for m in _SENTENCE.finditer(text[start:at])][::-1]
        # A date written into the speaker phrase ("外交部发言人郭嘉昆昨日在例行记者会上表示") is when it was said:
        # it is read first.
        own = f"{quote.speaker} {sentence}" if quote.speaker else sentence
        around = (*preceding, *earlier, lead, text[start:end])
        if len(document_ministries) > 1:
            # In a report about several ministries, a sentence about another one's spokesperson dates that one's
            # words ("4月21日，美国国务院副发言人皮戈特称..." in a lead, above what Zakharova "此前" said).
            around = tuple(_about(part, ministry, speakers, quote.speaker, about_sentence) for part in around)
        contexts = [_without_quotes(part, quotes) for part in (own, *around)]
        reference = briefing_days(contexts, local_day, language)
        if reference is not None:
            reference = relative_to_story(reference, _without_quotes(text[:at], quotes), local_day, language)
        outlets = tuple(speakers.outlets_in(_masked(sentence, quote.text)))
        closed = quote.kind == "direct" and bool(_CLOSED.match(text, quote.end))
        ministry_day = published.astimezone(ministry_zone(ministry)).date()
        if reference is None:
            days = window(min(ministry_day, local_day))
            found.append(Target(ministry, spokesperson, days, "", outlets, closed, until=ministry_day))
        else:
            # A day the quote's own sentence (or its speaker phrase) names is the one it was said on; a day read
            # from the sentences around it may be another event's, and the briefing may fall after it.
            until = None if resolve(contexts[0], local_day, language) is not None else ministry_day
            found.append(
                Target(ministry, spokesperson, reference.days, reference.expression, outlets, closed, until=until)
            )
    return found


#: A role a possessive pronoun before it gives to the country the sentence is about ("its spokesman", "their
#: foreign ministry"): the role as the speaker phrase, then the pronoun in the text before it.
_ROLE_ONLY = re.compile(r"(?:(?:foreign|external affairs)\s+)?(?:spokes\w+|ministry|minister|diplomats?)", re.I)
_POSSESSIVE = re.compile(r"\b(?:its|their)\s+$", re.I)


def _owner(text: str, quote: Quote, at: int) -> str | None:
    """The country a possessive speaker ("its spokesman") belongs to: the first country word of the quote's
    sentence (starting at ``at``) before it; None for any other speaker, or when the sentence names no country
    before it."""
    if quote.speaker is None or not _ROLE_ONLY.fullmatch(quote.speaker.strip()):
        return None
    said = text.rfind(quote.speaker, at, quote.start)
    if said < 0 or not _POSSESSIVE.search(text, at, said):
        return None
    # The first country of the sentence, its subject ("China, angered by the Japanese decision, ...: its
    # spokesman"); "us" is the pronoun, not the country.
    found = [
        (m.start(), code) for word, code in _COUNTRY_WORDS for m in word.finditer(text, at, said) if m.group() != "us"
    ]
    return min(found)[1] if found else None


def _nearby(document_ministries: set[str], by_paragraph: list[set[str]], quote: Quote) -> set[str]:
    """The ministries a quote's unqualified speaker ("a Foreign Ministry spokesperson", "the ministry") may
    belong to: the report's one ministry, or, in a report about several, the one whose spokesperson it names
    nearest to the quote's paragraph (the same paragraph, else the nearest before or after), when one is."""
    if len(document_ministries) <= 1:
        return document_ministries
    for distance in range(len(by_paragraph)):
        around = {quote.paragraph - distance, quote.paragraph + distance}
        found = set().union(*(by_paragraph[p] for p in around if 0 <= p < len(by_paragraph)))
        if found:
            return found if len(found) == 1 else document_ministries
    return document_ministries


def _document_ministries(text: str, speakers: SpeakerDirectory, named: list[str]) -> set[str]:
    """The ministries the report is about: those of the spokespersons it names, else the countries named
    next to a ministry phrase."""
    ministries = {m for m in (speakers.ministry_of(s) for s in named) if m}
    if ministries:
        return ministries
    for pattern, country in _MINISTRY_PHRASES:
        for match in pattern.finditer(text):
            if country:
                ministries.add(country)
                continue
            ministries.update(_nearest_country(text, match.start(), match.end()))
    return ministries


def _about(
    part: str, ministry: str, speakers: SpeakerDirectory, speaker: str | None, known: dict[str, set[str]]
) -> str:
    """``part`` without the sentences that are about another ministry than ``ministry`` only (they name its
    spokesperson or the ministry itself, and not ``ministry``'s), unless they name the quote's ``speaker``
    ("针对美国国务院20日宣布的制裁，外交部发言人21日表示": the speaker answering the other ministry). ``known``:
    the ministries of the sentences read before, filled here (the same lead is read for every quote)."""
    kept = []
    for sentence in _SENTENCE.finditer(part):
        text = sentence.group(0)
        if text not in known:
            known[text] = _document_ministries(text, speakers, speakers.speakers_in(text))
        about = known[text]
        own = speaker is not None and speaker in text
        kept.append(text if not about or ministry in about or own else " " * len(text))
    return "".join(kept)


def _nearest_country(text: str, start: int, end: int) -> set[str]:
    """The country of a ministry phrase at ``start``..``end``: the country word nearest to it within a few
    words ("China's foreign ministry" in "... US export controls. China's foreign ministry said")."""
    lower, upper = max(0, start - 40), end + 20
    distances: dict[str, int] = {}
    for word, code in _COUNTRY_WORDS:
        for found in word.finditer(text, lower, upper):
            distance = start - found.end() if found.end() <= start else max(0, found.start() - end)
            distances[code] = min(distance, distances.get(code, distance))
    if not distances:
        return set()
    nearest = min(distances.values())
    return {code for code, distance in distances.items() if distance == nearest}


#: Fewer words than this make a paragraph a byline or a dateline ("By a staff writer, 18 November 2026"), whose
#: date is the report's own, not the briefing's.
_LEAD_MIN_WORDS = 8
_LEAD_WORD = re.compile(r"[^\W\d_]+|[\u4e00-\u9fff]{2}")


def _long_enough(paragraph: str) -> bool:
    return len(_LEAD_WORD.findall(paragraph)) >= _LEAD_MIN_WORDS


def _lead(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The report's lead: its first two paragraphs, past any byline or dateline of a few words."""
    body = list(itertools.islice(((a, b) for a, b in spans if _long_enough(text[a:b])), 2))
    if not body:
        return text[: spans[1][1]] if len(spans) > 1 else text
    return text[body[0][0] : body[1][1] if len(body) > 1 else body[0][1]]


def _ministry(
    quote: Quote,
    named: list[str],
    document_ministries: set[str],
    speakers: SpeakerDirectory,
    *,
    text: str = "",
) -> tuple[str | None, str | None]:
    """(ministry, spokesperson id) of a quote's speaker; (None, None) when it is not a ministry's (``text``: the
    report, where a bare surname's other titles are looked for)."""
    speaker = quote.speaker or ""
    if quote.speaker_id:
        if _NOT_MINISTRY.search(speaker):
            return None, None  # "Prime Minister Fumio Kishida", "英国前首相特拉斯": a listed name in another office
        return speakers.ministry_of(quote.speaker_id), quote.speaker_id
    country = country_speaker(speaker)
    if country is not None:
        # "The United States said", "Beijing would not rule out", "Japan, which ..., insists": the government,
        # whose words on foreign affairs are its foreign ministry's, in a report about that ministry or about
        # several countries' positions (an explainer's "Beijing says ..."). A quote no briefing of the ministry
        # says stays unmatched, without a link.
        return country, _only(named, speakers, country)
    if not named and _person_like(speaker) and not _titled_otherwise(text, speaker):
        # A report that only ever writes "Jaiswal": the one listed speaker of that name, when the report is about
        # that speaker's ministry (and gives the name no other title: "Chief Cabinet Secretary Hayashi").
        listed = _listed_with(speakers, speaker)
        if len(listed) == 1 and speakers.ministry_of(listed[0]) in document_ministries:
            return speakers.ministry_of(listed[0]), listed[0]
    alone = [s for s in named if _surname_alone(speakers, s, speaker)]
    if len(alone) == 1:
        # "По словам Захаровой": the surname alone (or inflected) of a spokesperson the report names, before any
        # test for another party (a bare capitalised word is one).
        return speakers.ministry_of(alone[0]), alone[0]
    surname = [s for s in named if _surname_of(speakers, s, speaker)]
    if _NOT_MINISTRY.search(speaker) or _someone_elses(speaker):
        return None, None
    if len(surname) == 1:
        return speakers.ministry_of(surname[0]), surname[0]
    for pattern, country in _MINISTRY_PHRASES:
        if pattern.search(speaker):
            if country:
                return country, None
            countries = countries_in(speaker)
            if len(countries) == 1:
                country = countries.pop()
                return country, _only(named, speakers, country)
            if len(document_ministries) == 1:
                ministry = next(iter(document_ministries))
                return ministry, _only(named, speakers, ministry)
            return None, None
    if _SPOKESPERSON_ROLE.search(speaker) and len(countries := countries_in(speaker)) == 1:
        # "Beijing's spokespeople", "the Indian spokesperson": a spokesperson of the one country the phrase names,
        # whoever else the report quotes (not "a US official", who may be anyone).
        country = countries.pop()
        return country, _only(named, speakers, country)
    if _ROLE.search(speaker) and len(document_ministries) == 1:
        ministry = next(iter(document_ministries))
        return ministry, _only(named, speakers, ministry)
    return None, None


#: Titles before a surname that leave it a surname alone.
_HONORIFIC_WORDS = frozenset({"mr", "ms", "mrs", "dr", "г-н", "г-жа"})
#: Where and when a clause's speech was given, after the quote it holds.
_OCCASION = re.compile(
    r"\s(?:at|during|in)\s+(?:a|an|the|its|his|her|their)?\s*(?:[\w-]+\s+){0,3}?"
    r"(?:briefing|press\s+conference|news\s+conference|conference|press-briefing)\b",
    re.IGNORECASE,
)
_BARE_NAME = re.compile(r"(?:(?:Mr|Ms|Mrs|Dr)\.?\s+)?[A-Z][\w'’-]+|[А-ЯЁ][а-яё-]+")
#: A name closing a spokesperson's phrase is read as at most this many words ("Peter Quill", "Иван Петров"): a
#: third before them is more often a party ("МИД Польши Павел Врона").
_NAME_WORDS = 2
#: The roles whose phrase a person's name closes ("... spokesman Peter Quill"), and the word of them a name
#: follows.
_SPOKESPERSON = re.compile(r"\bspokes(?:man|woman|person)\b|представител\w*|\bpress secretary\b", re.I)
_ROLE_WORD = re.compile(r"spokes(?:man|woman|person)|представител\w*|secretary", re.I)
#: Words of a speaker phrase that say nothing of whose ministry it is.
_NEUTRAL = re.compile(
    r"(?:The|A|An|Its|His|Her|Their|Foreign|Ministry|Affairs|External|Office|State|Department|Spokes\w+|Deputy|"
    r"Director|Chief|Head|Press|Secretary|General|Information|Mr|Ms|Mrs|Dr|Official\w*|Diplomat\w*|MFA|MOFA|MEA|"
    r"FCDO|МИД|Министерств\w*|Официальн\w*|Представител\w*|Директор\w*|Департамент\w*|Госдеп\w*|Замест\w*)$"
)


#: A country or its capital standing for its government, as the whole speaker phrase.
_COUNTRY_SPEAKERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?:the )?(?:China|Beijing|Chinese side)|中国|中方|北京|Пекин[еа]?|Китай", re.I), "CN"),
    (re.compile(r"(?:the )?(?:Russia|Moscow|Russian side)|Росси[яи]|Москв[аеы]|российская сторона", re.I), "RU"),
    (re.compile(r"(?:the )?(?:United States|US|U\.S\.|Washington|American side)|美国|美方|Вашингтон[еа]?", re.I), "US"),
    (re.compile(r"(?:the )?(?:United Kingdom|UK|U\.K\.|Britain|London)", re.I), "GB"),
    (re.compile(r"(?:the )?(?:Japan|Tokyo)|日本|日方", re.I), "JP"),
    (re.compile(r"(?:the )?(?:India|New Delhi)", re.I), "IN"),
)


def country_speaker(phrase: str) -> str | None:
    """The ministry whose country ``phrase`` names as a whole ("The United States", "Beijing", "Москва")."""
    return next((code for pattern, code in _COUNTRY_SPEAKERS if pattern.fullmatch(phrase.strip())), None)


def countries_in(phrase: str) -> set[str]:
    """The countries whose names or adjectives ``phrase`` holds (:data:`_COUNTRY_WORDS`)."""
    return {code for word, code in _COUNTRY_WORDS if word.search(phrase)}


def _someone_elses(phrase: str) -> bool:
    """Whether a speaker phrase names a party that is none of the ministries' countries ("Poland's foreign
    ministry", "МИД Польши", "a spokesperson for Ostland's government"): a capitalised word that is neither a
    word of ministries and roles nor a country the ministries belong to. The name closing a spokesperson's
    phrase is the person's, not a party's ("State Department deputy spokesman Peter Quill", "Официальный
    представитель Госдепартамента США Тэмми Брюс"): a spokesperson the speakers file does not list yet."""
    words = [m for m in re.finditer(r"[^\W\d_][\w'’-]*", phrase) if m.group(0)[0].isupper()]
    parties = [m for m in words if not _neutral(m.group(0))]
    # The name: the last capitalised words (at most two, next to each other) that are no role and no country...
    name = list(itertools.takewhile(lambda m: not _neutral(m.group(0)), reversed(words)))[:_NAME_WORDS]
    if len(name) == _NAME_WORDS and phrase[name[1].end() : name[0].start()].strip():
        name = name[:1]
    if name and phrase[name[0].end() :].strip():
        name = []  # the phrase goes on after them: no name closes it
    # ...right after the title they close: a role or a country ("spokesman Peter Quill", "США Тэмми Брюс"), not
    # the ministry a party follows ("МИД Польши Врона": Польши is no name).
    while name:
        before = phrase[: name[-1].start()]
        title = re.findall(r"[^\W\d_][\w'’-]*", before)
        closes = bool(title) and (_ROLE_WORD.fullmatch(title[-1]) is not None or _country(title[-1]))
        if closes and _SPOKESPERSON.search(before):
            parties = parties[: -len(name)]
            break
        name = name[:-1]
    return bool(parties)


def _neutral(word: str) -> bool:
    """A capitalised word of ministries and roles, or of a country the ministries belong to."""
    return bool(_NEUTRAL.match(re.sub(r"['’]s$", "", word))) or _country(word)


def _country(word: str) -> bool:
    """A word naming a country the ministries belong to ("Chinese", "США", "России")."""
    return any(pattern.search(word) for pattern, _ in _COUNTRY_WORDS)


def _surname_of(speakers: SpeakerDirectory, speaker_id: str, phrase: str) -> bool:
    """Whether ``phrase`` ("Wang", "Захарова", "汪文斌") names the listed ``speaker_id`` by one of its words."""
    entry = next((s for s in speakers.speakers if s.id == speaker_id), None)
    if entry is None:
        return False
    words = {w.casefold() for w in re.findall(r"\w+", phrase)}
    for name in entry.names:
        parts = [p.casefold() for p in re.findall(r"\w+", name)]
        if len(parts) > 1 and parts[-1] in words:
            return True
        if len(parts) > 1 and any(len(w) > 3 and w.startswith(parts[-1][:-1]) for w in words):
            return True  # Russian inflection: "Захаровой", "Лаврова"
        if len(parts) == 1 and len(parts[0]) > 1 and parts[0] in phrase.casefold():
            return True
    return False


def _surname_alone(speakers: SpeakerDirectory, speaker_id: str, phrase: str) -> bool:
    """Whether ``phrase`` is only the surname of the listed ``speaker_id`` ("Zakharova", "Захаровой", "Mr Wang"):
    the word itself, or a Russian case ending on a Cyrillic one (not any word sharing its first letters)."""
    words = [w.casefold() for w in re.findall(r"[^\W\d_][\w'’-]*", phrase) if w.casefold() not in _HONORIFIC_WORDS]
    entry = next((s for s in speakers.speakers if s.id == speaker_id), None)
    if entry is None or len(words) != 1 or not _person_like(phrase):
        return False
    for name in entry.names:
        parts = [p.casefold() for p in re.findall(r"[^\W\d_][\w'’-]*", name)]
        # A surname needs a full name to be the surname of; capitals are a transcript's label.
        if len(parts) > 1 and not name.isupper() and same_surname(words[0], parts[-1]):
            return True
    return False


def _listed_with(speakers: SpeakerDirectory, phrase: str) -> list[str]:
    """The listed speakers (of any ministry) whose name ``phrase`` uses."""
    return [s.id for s in speakers.speakers if _surname_of(speakers, s.id, phrase)]


def _titled_otherwise(text: str, name: str) -> bool:
    """Whether the report gives the person ``name`` (a surname) a title that is not a ministry's role anywhere
    ("Chief Cabinet Secretary Hayashi", "Senator Price")."""
    surname = name.split()[-1]
    for found in re.finditer(rf"((?:[A-Z][\w'’.-]*\s+){{1,4}}){re.escape(surname)}\b", text):
        if _NOT_MINISTRY.search(found.group(1)) or _someone_elses(found.group(1)):
            return True
    return False


def _person_like(phrase: str) -> bool:
    """Whether a speaker phrase is a person's name as news writes it alone: a capitalised word or two, perhaps
    after "Mr"/"Ms" ("Jaiswal", "Mr Jaiswal"), not a role or an institution."""
    return bool(_BARE_NAME.fullmatch(phrase.strip()))


def _only(named: list[str], speakers: SpeakerDirectory, ministry: str) -> str | None:
    """The spokesperson of ``ministry`` the report names, when it names exactly one."""
    same = [s for s in named if speakers.ministry_of(s) == ministry]
    return same[0] if len(same) == 1 else None


def _without_quotes(part: str, quotes: Sequence[Quote]) -> str:
    """``part`` without any quote's words, nor those of the reported clause a quote stands in."""
    for quote in quotes:  # the clauses first: each holds its quote's words as written
        if quote.context is not None:
            # ...but not the occasion the clause runs on to ("“...” at a regular press briefing on Monday"):
            # that is when it was said.
            occasion = _OCCASION.search(quote.context, quote.context.find(quote.text) + len(quote.text))
            part = _masked(part, quote.context[: occasion.start()] if occasion else quote.context)
    for quote in quotes:
        part = _masked(part, quote.text)
    return part


def _naming_sentences(
    text: str,
    spans: Sequence[tuple[int, int]],
    named_in: Sequence[Sequence[str]],
    paragraph: int,
    spokesperson: str | None,
    speakers: SpeakerDirectory,
) -> list[str]:
    """The sentences of the paragraphs before ``paragraph`` that name its ``spokesperson``, nearest first
    (``named_in``: who each paragraph names)."""
    if spokesperson is None:
        return []
    found: list[str] = []
    for number in range(min(paragraph, len(spans)) - 1, -1, -1):
        if spokesperson not in named_in[number]:
            continue
        start, end = spans[number]
        sentences = [m.group(0) for m in _SENTENCE.finditer(text[start:end])]
        found.extend(
            sentence
            for sentence in reversed(sentences)
            if spokesperson in speakers.speakers_in(sentence, surnames=True)
        )
    return found


def _masked(sentence: str, quoted: str) -> str:
    """The sentence without the quote itself: an outlet named inside the quote did not ask the question."""
    return sentence.replace(quoted, " ")


def _sentence_around(text: str, start: int, end: int, lower: int, upper: int) -> str:
    """The sentence holding ``text[start:end]``, within the paragraph ``lower``..``upper``."""
    left = max(text.rfind(mark, lower, start) for mark in (". ", "。", "! ", "? "))
    right_candidates = [i for i in (text.find(mark, end, upper) for mark in (". ", "。", "! ", "? ")) if i != -1]
    right = min(right_candidates) if right_candidates else upper
    return text[(left + 1 if left >= lower else lower) : right + 1]
