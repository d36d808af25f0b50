"""Attribution in one sentence: who it says speaks ("Wang said", "said Foreign Ministry spokesperson Wang Wenbin",
"according to the ministry", "— заявила Захарова", "по словам дипломата", "汪文斌表示"), and what it reports
without quote marks ("Wang said the US side should ...", "..., Zakharova said.", "Захарова заявила, что ...",
"毛宁表示，..."; where such a clause begins and ends: :mod:`pipeline.enrich.quotes.reported`).

The sentence comes masked: its quoted passages are runs of :data:`~pipeline.enrich.quotes.marks.MASK`, so a
name inside a quote is never taken for a speaker and a reported clause that is a quote is seen as one.
The speaker is a noun phrase read outward from the speech verb: capitalised words and the role words of
news reports ("spokesperson", "ministry", "embassy", "официальный представитель"), as written. A participle
after a comma or a verb after "and"/"but" ("..., saying", "X gave no details, but stressed") speaks for the
subject opening the sentence. Chinese is read by :mod:`pipeline.enrich.quotes.chinese`.
"""

from __future__ import annotations

import re

from pipeline.enrich.quotes.chinese import chinese
from pipeline.enrich.quotes.lexicon import (
    BETWEEN,
    EN_GERUNDS,
    INNER_ONLY,
    NOT_NAMES,
    ROLE_WORDS,
    RU_GERUNDS,
    RU_MONTHS,
    RU_SPEECH_WITH_THAT,
    VERBS,
)
from pipeline.enrich.quotes.marks import MASK
from pipeline.enrich.quotes.model import Attribution
from pipeline.enrich.quotes.reported import (
    PREPOSITIONS,
    TOKEN,
    WEEKDAYS,
    count_words,
    ended_by_next,
    object_clause,
    reported_clause,
    trimmed_clause,
)

_WORD = re.compile(r"[^\W\d_][\w-]*")
#: Verbs that report a statement's content (not "called", whose object is a name for something).
_REPORTING = {
    "en": re.compile(
        r"(?!call|accus|describ|brand|dubb|label|term|dismiss|reject|denounc|condemn|hail)", re.IGNORECASE
    ),
    "ru": re.compile(r"(?!назва|спросил|обвинил)", re.IGNORECASE),
}
#: Group 1 is "citing" (a source named, no content); group 2 a possessive pronoun that is the speaker ("по её
#: словам").
_ACCORDING = {
    "en": re.compile(r"(?<![\w-])(?:according to|(citing))\s+()", re.IGNORECASE),
    "ru": re.compile(
        r"(?<![\w-])по ()(?:(?:словам|данным|мнению)\s+|(его|её|ее|их) (?:словам|мнению)(?![\w-]))", re.IGNORECASE
    ),
}
_ASKED_BY = {
    "en": re.compile(r"(?<![\w-])asked by\s+", re.IGNORECASE),
    "ru": re.compile(r"(?<![\w-])(?:на\s+)?вопрос(?:а|у|е|ом)?\s+", re.IGNORECASE),
}
_QUESTION_VERBS = ("ask", "спрос", "问")
#: "was asked": the verb before ends a passive.
_PASSIVE = re.compile(r"(?<![\w-])(?:was|were|been|being|is|are)\s+$", re.IGNORECASE)
#: "according to her": the object pronoun that names the speaker last named.
_OBJECT_PRONOUN = re.compile(r"(him|her|them)(?![\w-])", re.IGNORECASE)
_PRONOUNS = frozenset({"he", "she", "they", "it", "он", "она", "они"})
#: "Об этом заявила Захарова": a sentence that names the speaker of the sentence before it.
ABOUT_THIS = re.compile(
    r"(?:об этом|о том же|об этом же)(?:\s+(?:также|же|и))?"
    # "Об этом в среду сообщила ...", "Об этом накануне заявила ...": when, between the words and the verb.
    r"(?:\s+(?:во?\s+(?:понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)|накануне|вчера|сегодня|ранее))?",
    re.IGNORECASE,
)
#: A short form in brackets between a speaker and its verb: "the Ministry of External Affairs (MEA) said".
_SHORT_FORM = re.compile(r"\s*\([A-ZА-ЯЁ][\w.&-]{0,11}\)\s*$")
#: What stands between a subject and an infinitive speech verb: "went on to accuse", "was quick to stress".
_LEAD_IN = re.compile(
    r"(?<![\w-])(?:(?:(?:went|goes|go) on|(?:was|were|is|are) (?:quick|keen|careful|eager|at pains)|sought|took care)"
    r" to|(?:made|makes|make|making)(?: it)?)\s+$",
    re.IGNORECASE,
)
#: Verbs that speak only after a lead-in: "went on to demand that ...", "made (it) clear that ..." (alone they are
#: often nouns or adjectives: "China's demand", "a clear signal").
_AFTER_LEAD_IN = frozenset({"demand", "urge", "promise", "vow", "deny", "clear"})
_RU_THAT = re.compile(r",?\s*что(?![\w-])")
_COLON_QUOTE = re.compile(r"\s*:\s*" + MASK)
#: "дала понять, что ...": made it clear, two words for one speech verb.
_RU_MADE_CLEAR = re.compile(r"(?<![\w-])(?:дал|дала|дали|давал|давала|давали)\s+понять(?![\w-])", re.IGNORECASE)
#: "выступил за то, чтобы ...": called for, three words and a conjunction for one speech verb.
_RU_ADVOCATED = re.compile(
    r"(?<![\w-])(?:выступил|выступила|выступили|выступает|выступают)\s+за\s+то,?\s*чтобы(?![\w-])", re.IGNORECASE
)
#: A place or an institution speaking in the plural, Russian news' way of quoting a government without a name:
#: "В Москве считают, что ...", "В МИД России заявили: «...»" (group 1 the speaker, group 2 the verb).
_RU_PLACE_SPEAKS = re.compile(
    r"(?:^|(?<=[,;—:]\s))[Вв]о?\s+((?:МИДе?|Министерстве иностранных дел)"
    r"(?:\s+(?:России|РФ|КНР|Китая|США|Индии|Японии))?"
    r"|Москве|Пекине|Вашингтоне|Кремле|Лондоне|Токио|Нью-Дели|Белом доме|Госдепартаменте|Госдепе)"
    r"\s+(?:также\s+|уже\s+|вновь\s+|неоднократно\s+)?"
    r"(считают|заявили|заявляют|отметили|отмечают|подчеркнули|подчеркивают|подчёркивают|сообщили|уверены|полагают"
    r"|указали|напомнили|убеждены|констатировали|добавили|пояснили)(?![\w-])"
)
#: "... — так прокомментировала решение Захарова", "... — такой совет дала Лондону Захарова", "... — так в Москве
#: оценили ...": the writer's dash hands the clause before it to the speaker after "так" (group 1: a place
#: speaking in the plural; group 2: a name before the verb; group 3: the verb).
_RU_SO_SAID = re.compile(
    r"\s[—–]\s+так(?:ой|ую|ое|ие|им)?\s+(?:(?:совет|оценку|характеристику|мнение|ответ|вывод|прогноз)\s+)?"
    r"(?:во?\s+(Москве|МИДе?|Кремле|Пекине|Вашингтоне|Лондоне|Токио|Нью-Дели|Госдепартаменте|Госдепе)\s+)?"
    r"(?:([А-ЯЁ][а-яё-]+(?:\s+[А-ЯЁ][а-яё-]+)?)\s+)?([а-яё]+)(?![\w-])"
)
#: A word between such a verb and its speaker: an object ("ситуацию") or a capitalised dative ("Лондону").
_RU_OBJECT = re.compile(r"\s*[а-яё-]+(?=\s)")
#: A name in a case other than the nominative ("Захаровой", "Лондону"): whom it was said to or about, not who.
_RU_OBLIQUE = re.compile(r"[А-ЯЁ][а-яё-]+(?:ой|ому|ему|у|ю|е)")
_RU_DATIVE = re.compile(rf"\s*{_RU_OBLIQUE.pattern}(?=\s)")
#: What gives advice or an assessment in that construction ("такой совет дала", "такую оценку дали").
_RU_GAVE = frozenset({"дал", "дала", "дали", "дало", "высказал", "высказала", "высказали"})
#: "the minister was quoted as saying", "the statement quoted an Iraqi deputy minister as saying".
_QUOTED_AS = re.compile(r"(?<![\w-])(?:(?:was|were)\s+quoted|quoted\s+(.{1,80}?))\s+as\s+saying(?![\w-])")


def _speaker_after_object(sentence: str, position: int) -> tuple[int, int, bool] | None:
    """The speaker phrase after a Russian verb that may first name what or whom it is about: "прокомментировала
    ситуацию Захарова", "дала Лондону официальный представитель ..." (up to two such words: the object or
    the addressee is not who spoke)."""
    for _ in range(3):
        found = phrase_after(sentence, position)
        dative = _RU_DATIVE.match(sentence, position)
        if found is not None and dative is None:
            return found
        skipped = dative or _RU_OBJECT.match(sentence, position)
        if skipped is None:
            return None
        position = skipped.end()
    return None


def _object_pronoun(sentence: str, position: int) -> tuple[int, int, bool] | None:
    """ "according to her": the pronoun right at ``position``, as a speaker that refers back."""
    found = _OBJECT_PRONOUN.match(sentence, position)
    return (found.start(1), found.end(1), True) if found is not None else None


def _blank(gap: str) -> bool:
    return not gap or gap.isspace()


def _capitalised(token: str) -> bool:
    return token[:1].isupper()


def _phrase_tokens(tokens: list[re.Match[str]], sentence: str) -> list[re.Match[str]]:
    """Trim a run of candidate tokens (in text order) to a speaker phrase, or nothing."""
    while tokens and (tokens[0].group().casefold() in NOT_NAMES or tokens[0].group().casefold() in INNER_ONLY):
        tokens = tokens[1:]
    while tokens and tokens[-1].group().casefold() in (INNER_ONLY | {"the", "a", "an"}):
        tokens = tokens[:-1]
    if not tokens or not any(
        _capitalised(t.group()) or t.group().casefold() in ROLE_WORDS - {"the", "a", "an", *INNER_ONLY} for t in tokens
    ):
        return []
    return tokens


def _joined(left: re.Match[str], right: re.Match[str], sentence: str) -> bool:
    """Whether two neighbouring tokens belong to one phrase: only spaces between, or the full stop of an
    abbreviation ("U.S. State Department", "Mr. Wang")."""
    gap = sentence[left.end() : right.start()]
    return gap.isspace() or (gap.strip() == "." and len(left.group()) <= 3 and _capitalised(left.group()))


def role_word(word: str) -> bool:
    """Whether ``word`` is one of the role, organisation and function words of speaker phrases ("spokesperson",
    "Ministry", "of", "представитель"), or a capitalised word that opens sentences without naming anyone."""
    folded = word.casefold()
    return folded in ROLE_WORDS or folded in NOT_NAMES or folded in BETWEEN


def _phrase_word(token: str) -> bool:
    return _capitalised(token) or token.casefold() in ROLE_WORDS


def phrase_before(sentence: str, position: int) -> tuple[int, int, bool] | None:
    """The speaker phrase ending just before ``position`` (a verb): (start, end, is a pronoun)."""
    lead_in = _LEAD_IN.search(sentence, max(0, position - 40), position)
    if lead_in is not None:
        position = lead_in.start()  # "Zakharova went on to accuse": the speaker is before "went on to"
    short_form = _SHORT_FORM.search(sentence, max(0, position - 40), position)
    if short_form is not None:
        position = short_form.start()  # "the Ministry of External Affairs (MEA) said": the name before it
    tokens = list(TOKEN.finditer(sentence, max(0, position - 300), position))
    index = len(tokens) - 1
    edge = position
    # Skip "on Monday", "has repeatedly", "ещё 13 июня" between the speaker and the verb.
    while (
        index >= 0
        and (tokens[index].group().casefold() in BETWEEN or _day_number(tokens, index))
        and _blank(sentence[tokens[index].end() : edge])
    ):
        edge = tokens[index].start()
        index -= 1
    if index < 0 or not _blank(sentence[tokens[index].end() : edge]):
        return _behind_aside(sentence, tokens, index, edge)
    if tokens[index].group().casefold() in _PRONOUNS:
        return tokens[index].start(), tokens[index].end(), True
    run: list[re.Match[str]] = []
    while index >= 0 and _phrase_word(tokens[index].group()) and (not run or _joined(tokens[index], run[0], sentence)):
        run.insert(0, tokens[index])
        index -= 1
    phrase = _phrase_tokens(run, sentence)
    return (phrase[0].start(), phrase[-1].end(), False) if phrase else None


def _day_number(tokens: list[re.Match[str]], index: int) -> bool:
    """Whether token ``index`` is the day of a Russian date ("13 июня")."""
    day = tokens[index].group()
    following = tokens[index + 1].group().casefold() if index + 1 < len(tokens) else ""
    return day.isdigit() and len(day) <= 2 and following in RU_MONTHS


#: The most words of an aside between a speaker and the verb: a relative clause ("Japan, which has sent $3
#: million in emergency aid to Dravenia, insists ...") as well as a title.
_ASIDE_WORDS = 12


#: The words of a person's name set off by commas after a role ("her deputy, Tommy Pigott, said"), and the
#: capitalised words of an aside that is no name: a participle ("Citing Xinhua Reports"), "New York-based".
_NAME_WORDS = (2, 4)
_NOT_NAME_WORDS = frozenset({"citing", "asked", "speaking", "according", "quoted", "writing", *EN_GERUNDS})


def _behind_aside(sentence: str, tokens: list[re.Match[str]], index: int, edge: int) -> tuple[int, int, bool] | None:
    """ "A department official, speaking on condition of anonymity, said": the phrase before a short aside; with
    the aside when that is the name of the role before it ("her deputy, Tommy Pigott, conceded")."""
    if index < 0 or sentence[tokens[index].end() : edge].strip() != ",":
        return None
    comma = sentence.rfind(",", 0, tokens[index].end())
    if comma < 0 or MASK in sentence[comma:edge] or count_words(sentence[comma:edge]) > _ASIDE_WORDS:
        return None
    found = phrase_before(sentence, comma)
    if found is None or found[2]:
        return None
    aside = [t.group() for t in TOKEN.finditer(sentence, comma + 1, tokens[index].end())]
    before = TOKEN.findall(sentence, found[0], found[1])
    named = _NAME_WORDS[0] <= len(aside) <= _NAME_WORDS[1] and bool(before) and before[-1].casefold() in ROLE_WORDS
    if named and all(
        _capitalised(w) and not role_word(w) and w.casefold() not in _NOT_NAME_WORDS and not w.endswith("-based")
        for w in aside
    ):
        # "her deputy, Tommy Pigott, conceded": a name after the role it holds, part of the speaker phrase (not
        # "The ministry, Citing Xinhua Reports, said", nor "The spokesman, New York-based, said").
        return found[0], tokens[index].end(), False
    return found


def phrase_after(sentence: str, position: int) -> tuple[int, int, bool] | None:
    """The speaker phrase starting just after ``position`` ("said Wang Wenbin", "заявила Захарова", "заявила
    накануне Захарова")."""
    run: list[re.Match[str]] = []
    for token in TOKEN.finditer(sentence, position):
        gap = sentence[run[-1].end() if run else position : token.start()]
        if not (_blank(gap) or (run and _joined(run[-1], token, sentence))):
            break
        if not run and token.group().casefold() in BETWEEN and not _capitalised(token.group()):
            position = token.end()
            continue
        if not run and token.group().casefold() in _PRONOUNS:
            return token.start(), token.end(), True
        if not _phrase_word(token.group()):
            break
        run.append(token)
    phrase = _phrase_tokens(run, sentence)
    return (phrase[0].start(), phrase[-1].end(), False) if phrase else None


def _title_case(sentence: str) -> bool:
    words = _WORD.findall(sentence)
    return len(words) > 1 and sum(w[0].isupper() for w in words) > 0.7 * len(words)


def _inverted_position(sentence: str, verb: int) -> bool:
    before = sentence[:verb].rstrip()
    return (
        not before
        or before[-1] in ",—–-:" + MASK
        or before.casefold().endswith(("как", "as"))
        or ABOUT_THIS.fullmatch(before) is not None
    )


def attributions(sentence: str, language: str) -> list[Attribution]:
    """The attributions of one masked sentence, in order (English and Russian; Chinese: :func:`chinese`)."""
    if language == "zh":
        return chinese(sentence)
    verbs = VERBS.get(language)
    if verbs is None:
        return []
    found: list[Attribution] = []
    folded = sentence.casefold()
    according = any(cue in folded for cue in ("according to", "citing", "словам", "по данным", "мнению"))
    for match in _ACCORDING[language].finditer(sentence) if according else ():
        phrase = phrase_after(sentence, match.end()) or _object_pronoun(sentence, match.end())
        if match.group(2):
            phrase = match.start(2), match.end(2), True  # "по её словам"
        elif phrase is None or (phrase[2] and sentence[phrase[0] : phrase[1]].casefold() == "it"):
            continue
        if match.group(1):
            found.append(Attribution(sentence[phrase[0] : phrase[1]], phrase[2], match.start(), None))
            continue  # "..., citing the foreign ministry, said ...": whose words they are, not what they say
        end = phrase[1] if not match.group(2) else match.end()
        after = sentence[end:].strip()
        comma = sentence.rfind(",", 0, match.start())
        content = None
        if after.startswith(","):
            content = trimmed_clause(sentence, end, len(sentence))  # "According to X, ..."
        elif not after.strip(".!?") and comma > 0:
            content = trimmed_clause(sentence, 0, comma)  # "..., according to X."
        found.append(Attribution(sentence[phrase[0] : phrase[1]], phrase[2], match.start(), content))
    for match in _ASKED_BY[language].finditer(sentence) if "asked by" in folded or "вопрос" in folded else ():
        phrase = phrase_after(sentence, match.end())
        if phrase is not None and not phrase[2]:
            found.append(Attribution(sentence[phrase[0] : phrase[1]], False, match.start(), None, question=True))
    for match in _QUOTED_AS.finditer(sentence) if "as saying" in folded else ():
        phrase = phrase_after(sentence, match.start(1)) if match.group(1) else phrase_before(sentence, match.start())
        if phrase is not None:
            found.append(Attribution(sentence[phrase[0] : phrase[1]], phrase[2], match.start(), None))
    for match in _RU_MADE_CLEAR.finditer(sentence) if language == "ru" and "понять" in folded else ():
        phrase = phrase_before(sentence, match.start())
        that = _RU_THAT.match(sentence, match.end())
        if phrase is not None:
            content = trimmed_clause(sentence, that.end(), len(sentence)) if that else None
            found.append(Attribution(sentence[phrase[0] : phrase[1]], phrase[2], match.start(), content))
    for match in _RU_ADVOCATED.finditer(sentence) if language == "ru" and "чтобы" in folded else ():
        phrase = phrase_before(sentence, match.start())
        if phrase is not None:
            content = trimmed_clause(sentence, match.end(), len(sentence))
            found.append(Attribution(sentence[phrase[0] : phrase[1]], phrase[2], match.start(), content))
    for match in _RU_PLACE_SPEAKS.finditer(sentence) if language == "ru" else ():
        that = _RU_THAT.match(sentence, match.end())
        content = trimmed_clause(sentence, that.end(), len(sentence)) if that else None
        found.append(Attribution(match.group(1), False, match.start(2), content))
    for match in _RU_SO_SAID.finditer(sentence) if language == "ru" and "так" in folded else ():
        if match.group(3).casefold() not in verbs and match.group(3).casefold() not in _RU_GAVE:
            continue
        content = trimmed_clause(sentence, 0, match.start())
        if match.group(1):
            found.append(Attribution(match.group(1), False, match.start(3), content))
        elif match.group(2) and not _RU_OBLIQUE.fullmatch(match.group(2).split()[-1]):
            found.append(Attribution(match.group(2), False, match.start(3), content))
        elif (named := _speaker_after_object(sentence, match.end(3))) is not None:
            found.append(Attribution(sentence[named[0] : named[1]], named[2], match.start(3), content))
    read = {a.verb for a in found}
    for match in _WORD.finditer(sentence):
        verb = match.group().casefold()
        if verb not in verbs and not (language == "en" and _speaks_here(sentence, match)):
            continue
        if match.start() in read:
            continue  # read above ("В МИД России заявили")
        if verb in RU_SPEECH_WITH_THAT and _RU_THAT.match(sentence, match.end()) is None:
            continue  # "..., сообщает ТАСС", "Решение напоминает «...»": a credit, a likeness
        if match.group()[0].isupper() and match.start() > 0 and not _title_case(sentence):
            continue  # "the United States", "Said" as a name; a headline's "Kremlin Says" is a verb
        if sentence[match.end() :].startswith(" by ") or _not_speech(sentence, match):
            continue  # "asked by a reporter": read above
        reporting = _REPORTING[language].match(verb) is not None
        participle = verb in EN_GERUNDS or verb in RU_GERUNDS
        after_comma = sentence[: match.start()].rstrip().endswith(",")
        phrase = None if participle and after_comma else phrase_before(sentence, match.start())
        inverted = False
        speaker = None
        coordinated = phrase is None and _coordinated(sentence, match.start())
        if phrase is None and (participle or coordinated):
            # "..., adding that ...", "X described it as ... and told ...": the speaker of the speech verb before
            # it ("Indians were advised ..., Jaiswal told the briefing, adding that ..."); else, and for "X gave
            # no details, but stressed that ...", the subject of the sentence.
            spoken = [a for a in found if not a.question]
            if coordinated and not (participle and after_comma):
                # Only a verb before it, outside a relative clause: not "..., who Reuters said ..., and stressed",
                # nor an "according to X" after it.
                spoken = [
                    a
                    for a in spoken
                    if a.verb < match.start() and not _RELATIVE.search(sentence, max(0, a.verb - 40), a.verb)
                ]
            if ((participle and after_comma) or coordinated) and spoken:
                last = max(spoken, key=lambda a: a.verb)
                phrase, speaker = (match.start(), match.start(), last.pronoun), last.speaker
            else:
                phrase = sentence_subject(sentence, match.start())
        elif phrase is None and _inverted_position(sentence, match.start()):
            phrase = phrase_after(sentence, match.end())
            if phrase is not None and sentence[phrase[1] :].lstrip()[:1] == MASK:
                phrase = None  # "..., said Beijing “...”": the phrase is the quote's subject, not a speaker
            inverted = phrase is not None
        if phrase is None or _conditional(sentence, phrase[0]):
            continue
        if speaker is None:
            speaker = sentence[phrase[0] : phrase[1]]
        content = None
        question = verb.startswith(_QUESTION_VERBS)
        if question and _PASSIVE.search(sentence, 0, match.start()):
            question = False  # "X was asked whether ...": X answers, the question is someone else's
        else:
            # A verb's object read once: a call's addressee and what it asks, a judgement put without quote marks;
            # "called" and "appealed" report nothing else ("called it “...”" names, "appealed the ruling").
            taken = object_clause(sentence, match, language) if not inverted else None
            if taken is not None:
                content = taken
            elif reporting and not verb.startswith(("call", "appeal")):
                content = reported_clause(sentence, match, phrase, inverted, language)
        found.append(Attribution(speaker, phrase[2], match.start(), content, question))
    opening = _OPENING_PARTICIPLE.match(sentence) if language == "en" else None
    main = next((a for a in found if opening and not a.question and a.verb > opening.end()), None)
    if opening is not None and main is not None:
        # "Noting that the two are good neighbours, spokesperson Zhao told a briefing that ...": what the opening
        # participle reports, up to the comma before the main clause, is the main clause's speaker's too.
        comma = sentence.rfind(",", opening.end(), main.verb)
        content = trimmed_clause(sentence, opening.end(), comma) if comma > 0 else None
        if content is not None:
            found.append(Attribution(main.speaker, main.pronoun, 0, content))
    return ended_by_next(sentence, sorted(found, key=lambda a: a.verb))


#: Words after "add" that make it adding something, not speech: "if Washington adds more companies".
_ADDED_OBJECTS = frozenset(
    {"more", "new", "another", "extra", "further", "fuel", "weight", "pressure", "to", "up", "its", "their", "his"}
)
_CONJUNCTIONS = frozenset({"and", "but", "yet", "и", "но", "а"})
_CONDITIONS = frozenset({"if", "unless", "если"})
#: Counts opening a circumstance: "Two days later, ...", "Hours after the vote, ...".
_COUNTS = frozenset(
    {"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "hours", "days", "minutes", "weeks"}
)
#: A relative clause opening just before a verb: "..., who Reuters said ...".
_RELATIVE = re.compile(r",\s+(?:who|whom|whose|which|where)\s[^,]*$", re.IGNORECASE)
#: A speech participle opening a sentence: "Noting that ..., X said ...".
_OPENING_PARTICIPLE = re.compile(
    r"(?:Noting|Stressing|Saying|Insisting|Arguing|Reiterating|Emphasi[sz]ing|Warning|Acknowledging|Recalling)"
    r"\s+that\s+"
)
#: A day opening a sentence without a comma after it: "On Wednesday", "Last Friday", "Yesterday".
_OPENING_DAY = re.compile(
    r"(?:on|last)\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+|yesterday\s+", re.IGNORECASE
)
#: Russian adverbial participles that open a sentence: "Говоря о ...", "Комментируя ...", "Отвечая на ...".
_RU_OPENING_PARTICIPLE = re.compile(r"[а-яё]+(?:ая|яя|уя|юя|ря|ясь|ив|ав|ув)", re.IGNORECASE)


#: Verbs that speak only as a call, with an addressee and "to" ("pressed both sides to agree to ...").
_CALLS_ONLY = frozenset({"pressed", "pressing", "presses", "appealed", "appealing", "encouraged", "encouraging"})


def _speaks_here(sentence: str, word: re.Match[str]) -> bool:
    """A word that is a speech verb only where it stands: "pointed out", a call ("pressed X to ..."), a verb after
    a lead-in ("went on to demand", "made it clear"), or any past tense right before a colon and a quote ("he
    dodged: “...”")."""
    after = sentence[word.end() : word.end() + 8]
    if word.group() in _CALLS_ONLY:
        return object_clause(sentence, word, "en") is not None
    if word.group() in _AFTER_LEAD_IN:
        return _LEAD_IN.search(sentence, max(0, word.start() - 40), word.start()) is not None
    if word.group() == "pointed":
        return re.match(r" out(?![\w-])", after) is not None
    if word.group() == "went":
        # "“...,” she went on.": went on speaking; not "went on to ..." (a lead-in) nor "went on a tour".
        return re.match(r" on(?=\s*(?:[,.;:!?]|$))", after) is not None
    before = sentence[max(0, word.start() - 8) : word.start()].casefold()
    if re.search(r"(?<![\w-])(?:is|was|were|are|be|been|being|what|which)\s+$", before):
        return False  # "is concerned: “...”", "What China needed: “...”": not a verb of speech
    return word.group().islower() and word.group().endswith("ed") and _COLON_QUOTE.match(after) is not None


def _not_speech(sentence: str, verb: re.Match[str]) -> bool:
    """A speech verb used otherwise: "adds more companies" (an object, not a report), "quoted as saying" (read
    with "quoted")."""
    word = verb.group().casefold()
    following = TOKEN.match(sentence, verb.end() + 1) if sentence[verb.end() : verb.end() + 1] == " " else None
    if word.startswith("add") and following is not None:
        token = following.group().casefold()
        if token in _ADDED_OBJECTS or token[:1].isdigit():
            return True
    return word == "saying" and sentence[: verb.start()].rstrip().casefold().endswith(" as")


def _previous_token(sentence: str, position: int) -> re.Match[str] | None:
    """The word before ``position`` past the words of BETWEEN ("also", "on Monday"), when only spaces part
    them."""
    tokens = list(TOKEN.finditer(sentence, max(0, position - 120), position))
    edge = position
    while tokens:
        token = tokens.pop()
        if not _blank(sentence[token.end() : edge]):
            return None
        if token.group().casefold() not in BETWEEN:
            return token
        edge = token.start()
    return None


def _coordinated(sentence: str, position: int) -> bool:
    """Whether the verb at ``position`` follows "and" / "but" / "но": its subject is the clause's before."""
    token = _previous_token(sentence, position)
    return token is not None and token.group().casefold() in _CONJUNCTIONS


def _conditional(sentence: str, position: int) -> bool:
    """Whether the speaker phrase at ``position`` is the subject of a condition ("if Washington adds ...")."""
    token = _previous_token(sentence, position) if position > 0 else None
    return token is not None and token.group().casefold() in _CONDITIONS


def colon_subject(sentence: str, quote: int) -> tuple[int, int, bool] | None:
    """The subject of a sentence that introduces the quote at ``quote`` with a colon and no speech verb ("the
    Foreign Secretary was blunt: “...”", "Cooper left little doubt where London stands: “...”"): the phrase
    opening it (past an opening circumstance), when one does; None when no colon stands right before the
    quote."""
    before = sentence[:quote].rstrip()
    if not before.endswith((":", "：")):
        return None
    return sentence_subject(sentence, len(before) - 1)


def sentence_subject(sentence: str, limit: int) -> tuple[int, int, bool] | None:
    """The subject opening the sentence (past an opening circumstance: "On Monday, ", "Two days later in Moscow,
    ", "Говоря о ..., "), when a verb follows it before ``limit``: who speaks in "X gave no details, but
    stressed" or "X ..., saying". When the opening is no subject followed by a verb, the clauses after its
    commas are tried in turn ("A day later, Zakharova went further, saying")."""
    start = 0
    first = TOKEN.match(sentence)
    day = _OPENING_DAY.match(sentence)
    if day is not None and (found := _clause_subject(sentence, day.end(), limit)) is not None:
        return found  # "On Wednesday it went further, announcing ...": a day opening the sentence, no comma
    comma = sentence.find(",", 0, limit)
    if first is not None and comma > 0:
        word = first.group().casefold()
        if (
            word in PREPOSITIONS
            or word in NOT_NAMES
            or word in WEEKDAYS
            or word in _COUNTS
            or (word.endswith("ing") and word.isascii())
            or _RU_OPENING_PARTICIPLE.fullmatch(word)
        ):
            start = comma + 1
    while 0 <= start < limit:
        found = _clause_subject(sentence, start, limit)
        if found is not None:
            return found
        comma = sentence.find(",", start, limit)
        start = comma + 1 if comma >= 0 and MASK not in sentence[start:comma] else -1
    return None


def _clause_subject(sentence: str, start: int, limit: int) -> tuple[int, int, bool] | None:
    """The phrase opening the clause at ``start`` when a lower-case word (its verb) follows it before
    ``limit``."""
    phrase = phrase_after(sentence, start)
    if phrase is None or phrase[1] >= limit or MASK in sentence[start : phrase[0]]:
        return None
    following = TOKEN.search(sentence, phrase[1], limit)
    if following is None or not following.group()[0].islower() or not _blank(sentence[phrase[1] : following.start()]):
        return None
    return phrase
