"""What a speech verb reports (the clause of :func:`~pipeline.enrich.quotes.speech.attributions`): where the
reported clause begins (after "that", right after the verb, or before ", X said") and where it ends (where
another report begins, at the writer's own participle clause, or where the sentence names who said it: ", as X
put it", ", press secretary X told reporters").

Offsets are within one masked sentence (quotes replaced by :data:`~pipeline.enrich.quotes.marks.MASK`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.enrich.quotes.lexicon import BETWEEN, EN_GERUNDS, RU_GERUNDS, VERBS
from pipeline.enrich.quotes.marks import MASK
from pipeline.enrich.quotes.model import Attribution

#: A word, with its apostrophes and hyphens.
TOKEN = re.compile(r"[^\W_][\w’'\-]*")
WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
#: Where or when a speech verb spoke ("on Monday", "at a regular briefing", "in a statement emailed to ...").
_WHERE = re.compile(
    r"^on the sidelines of [^,.;]*|^(?:on|last|this|late|early)\s+\w+|"
    r"^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight)"
    r"(?:\s+(?:morning|afternoon|evening|night))?(?![\w'’])|"
    r"^(?:at|during|in)\s+(?:a|an|the|his|her|its)\s+[\w\s-]*?"
    r"(?:briefing|conference|statement|interview|speech|meeting|call)"
    r"(?:\s+(?:emailed|sent|posted|published|issued|released|given)\b[^,.;]*)?",
    re.IGNORECASE,
)
#: A clause reported without "that": a pronoun subject and its verb ("it would", "they were", "he had").
#: A colon before a quote: what follows is a direct quote, not the end of the reported clause.
_COLON_THEN_QUOTE = re.compile(r"\s*:\s*" + MASK)
_CLAUSE_OPENING = re.compile(
    # A pronoun or a capitalised name (up to four words), an adverb, then an auxiliary or a verb in the past
    # tense: "it would ...", "it firmly opposed ...", "Beijing had lodged ...", "China strongly condemned ...".
    r"(?:(?i:it|he|she|they|we|there)|(?:[A-Z][\w'’.-]*\s+){0,3}[A-Z][\w'’.-]*)\s+(?:(?i:\w+ly)\s+)?"
    r"(?i:would|will|was|were|is|are|had|has|have|could|can|should|may|might|did|does|do|must|\w+ed"
    r"|said|told|saw|made|took|gave|held|sent|felt|knew|thought|found|kept|meant|stood|went|came|won|lost"
    r"|sought|brought|fought|led|left|spoke|wrote|rose|began|chose|drew|grew|threw|understood|withdrew)\b"
    # ...or "the" and a name, then a verb in the present, in lower case: "said the U.S. fully stands by ...", "said
    # the EU remains ..." (not the capitals of a name: "told the Global Times that", "warned the United States").
    r"|(?:the\s+)?(?:[A-Z][\w'’.-]*\s+){0,3}[A-Z][\w'’.-]*\s+(?:(?i:\w+ly)\s+)?"
    r"(?!(?:its|his|this|thus|plus|us|as|always|perhaps|unless|across|towards|news)\b)[a-z]+[^s\W]s\b",
)
#: Where a reported clause ends because another report begins: ", adding ...", ", and that ...".
_NEXT_SPEECH = re.compile(
    # The comma may be inside the quote marks before it: '... was "a typical act," adding that ...'.
    r"[,\ue000]\s+(and\s+that|а\s+также\s+что|" + "|".join(sorted(EN_GERUNDS | RU_GERUNDS)) + r")(?![\w-])",
    re.IGNORECASE,
)
#: A participle clause after a comma ("..., escalating a row over ..."), the writer's words unless it is one of
#: :data:`_PREPOSITION_LIKE` ("..., including on health") or a speech participle (:data:`_NEXT_SPEECH`).
_WRITERS_PARTICIPLE = re.compile(r",\s+([a-z]+ing)(?![\w-])")
_MODAL = re.compile(r"\b(?:would|will|could|can|should|shall|may|might|must)\b", re.IGNORECASE)
#: A writer's transition opening a sentence whose speaker comes after what was said.
_LINKING = re.compile(
    r"(?:Meanwhile|However|Separately|Also|Moreover|Furthermore|In addition|Elsewhere|Still|Instead|Besides),\s+"
)
#: ", after X did ...", ", days after X ...": the event the writer says it answered, a clause of its own (a
#: capitalised subject then a past tense).
_WRITERS_SEQUEL = re.compile(
    r",\s+(?:(?:a\s+day|days|hours|weeks|shortly|just|soon)\s+)?after\s+(?:the\s+)?"
    r"(?:[A-Z][\w'’.-]*\s+){1,4}(?:\w+ed|had|has|was|were|said|made|took|gave|held|sent|began|won|lost)\b"
)
_PREPOSITION_LIKE = frozenset(
    {"including", "according", "regarding", "concerning", "excluding", "following", "during", "pending"}
    | {"notwithstanding", "considering", "involving", "covering", "starting", "beginning", "ending", "nothing"}
    | {"something", "anything", "everything", "bring", "sing", "thing", "spring", "king", "string", "ring"}
)
#: Participles after a comma that do not open the writer's comment.
_NOT_COMMENT = _PREPOSITION_LIKE | EN_GERUNDS
#: Participles that name what was said rather than report more of it.
_NAMING = frozenset({"calling", "describing", "branding", "accusing", "назвав"})
#: A quote of more than a term: its masked run is longer than two words and their marks.
_LONG_QUOTE = re.compile(MASK + "{25,}")
#: Words that open a circumstance rather than a statement ("in Beijing", "after the meeting").
PREPOSITIONS = frozenset(
    {"in", "at", "on", "after", "before", "during", "following", "to", "from", "with", "by", "of", "near", "upon"}
)
#: Words that open a reported clause after the verb or its object.
_THAT = re.compile(r"(?<![\w-])(?:that|что|if|whether|why|how|what|when)(?![\w-])", re.IGNORECASE)
#: ", as X put it / said / noted", ", according to X", and an outlet's credit (", TASS reported", ", the X news
#: agency reported", ", сообщает ТАСС", ", передает РИА Новости"): the report's source named after what was said.
_AS_PUT = re.compile(
    r",\s+(?:as\s+(?:[\w’'.-]+\s+){1,8}?(?:put\s+it|said|says|noted|stressed|told|added)|according\s+to|citing"
    r"|(?:the\s+)?(?:[A-Z][\w’'.-]*\s+){1,4}(?:news\s+agency\s+|agency\s+|newspaper\s+|daily\s+)?(?:reported|reports|wrote)"
    # Russian credits are in the present, or the neuter past of an agency ("передало РИА Новости"): not "передала
    # ему ноту", a speaker's own act.
    r"|(?:сообща(?:ет|ют|ло)|переда(?:[её]т|ют|ло)|пиш(?:ет|ут))(?=\s+[А-ЯЁA-Z«]))(?![\w-])"
)
#: A contrast after "X said": what was said is before it ("..., Mao said, but the summons was a show").
_CONTRAST = re.compile(r"(?:but|while|whereas|although|though)(?![\w-])", re.IGNORECASE)
#: Speech verbs whose object comes before "that": "told reporters that", "urged Washington to".
_TAKES_OBJECT = ("told", "tell", "ask", "urg", "warn", "assur", "remind", "inform", "спрос")
#: "... and" / "... but" just before a "that": it opens a second clause, not the first ("said X and that Y").
_CONJOINED = re.compile(r"\s(?:and|but)\s*$")
#: Verbs of a call: their addressee and what they ask of it are reported ("urged both sides to stay calm"; "called"
#: and "appealed" only before "on"/"to": "called it a showcase" names, "appealed the ruling" contests).
CALL_VERBS = {"en": ("urg", "advis", "press", "encourag", "call", "appeal"), "ru": ("призва", "призыва")}
#: An English call: its addressee (a few words without a preposition, a comma or a quote) and "to" before a verb
#: in lower case ("urged Washington to “stop harassing”" is left to its quote).
_EN_CALL = re.compile(r"\s+((?:(?!to\s)[\w'’.-]+\s+){1,6}?)to\s+(?:not\s+)?[a-z]")
#: A Russian call: up to four words of addressee, then an infinitive or "к" and what is called for ("призвала
#: Вашингтон отказаться от ...", "призвал стороны к сдержанности").
_RU_CALL = re.compile(
    # An infinitive, not a noun in -сть ("часть", "безопасность"); "к" and a noun, not a pronoun ("к этому").
    r"\s+((?:[^\W\d_][\w-]*\s+){0,4}?)(?:(?:не\s+)?(?![а-яё]*сть(?![\w-]))[а-яё]+(?:ть|ться|ти|тись|чь)"
    r"|к\s+(?!(?:этому|тому|нему|ним|ней|чему)(?![\w-]))[а-яё]+)(?![\w-])"
)
#: A judgement put on something without quote marks: "described [Serravia's exercises as lawful]", "accused
#: [Britain of ignoring the facts]" (with quote marks the quoted words carry it: "described ... as “...”").
_EN_JUDGED = {
    ("describ", "brand", "term", "label"): re.compile(r"\s+((?:(?!as\s)[\w'’.-]+\s+){1,8}?)as\s+(?=[\w$])"),
    ("accus",): re.compile(r"\s+((?:(?!of\s)[\w'’.-]+\s+){1,4}?)of\s+(?=[a-z])"),
}
#: A judged object that only points back ("described it as a big step": what it is, the sentence before says)
#: or is the speaker ("described herself as ...").
_OBJECT_PRONOUNS = frozenset(
    {"it", "them", "this", "that", "these", "those", "him", "her", "itself", "herself", "himself", "themselves"}
)
#: Words an object does not hold: a preposition or a conjunction means the verb did not take one ("and" may join
#: names: "urged Tokyo and Seoul to ...").
_NOT_ADDRESSEE = PREPOSITIONS | {"but", "or", "that", "ahead", "forward", "for", "up", "out", "home"}
#: "... and stressed" just before a "that": a second speech verb, whose "that" it is.
_CONJOINED_SPEECH = re.compile(r"\s(?:and|but)\s+(?:\w+\s+)?[a-z]+\s*$")
#: "that" pointing at a time ("that morning"), not opening a clause.
_THAT_TIME = re.compile(r"that\s+(?:morning|afternoon|evening|night|day|week|month|year|time)(?![\w-])", re.IGNORECASE)
#: Who was told: "told reporters", "told a regular briefing", "told Reuters".
_TOLD_OBJECT = re.compile(
    r"^(?:reporters|journalists|the media|the press|a\s[\w\s-]{0,40}?(?:briefing|conference)|[A-Z][\w-]+)(?![\w-])"
)


def count_words(text: str) -> int:
    """The number of words in ``text``."""
    return len(TOKEN.findall(text))


def trimmed_clause(sentence: str, start: int, end: int) -> tuple[int, int] | None:
    """A reported clause trimmed of spaces and its closing punctuation, if it says anything unquoted."""
    while start < end and (sentence[start].isspace() or sentence[start] in ",:"):
        start += 1
    while end > start and (sentence[end - 1].isspace() or sentence[end - 1] in ".!?;,。！？；，"):
        end -= 1
    linking = _LINKING.match(sentence, start, end)
    if linking is not None:
        start = linking.end()  # "Meanwhile, the two sides ..., Jaiswal said": the writer's transition
    clause = sentence[start:end]
    joined = _NEXT_SPEECH.search(clause)
    word = joined.group(1).casefold() if joined is not None else ""
    if (
        joined is not None
        and joined.start() > 0
        and (word not in _NAMING or _LONG_QUOTE.search(clause, joined.end()))
        # "..., and that ...": a second clause of the same report, cut off only when it holds a quote
        and (word in EN_GERUNDS or word in RU_GERUNDS or MASK in clause[joined.end() :])
    ):
        # "..., and that he was “...”", "...as planned, describing relations as “a comprehensive strategic
        # partnership”": the clause ends where the next report begins (a naming participle with a term in
        # quotes, "..., calling them “economic coercion”", stays part of it).
        return trimmed_clause(sentence, start, start + joined.start())
    colon = _COLON_THEN_QUOTE.search(clause)
    if colon is not None and count_words(clause[: colon.start()]) >= 3:
        # "told reporters that the ban was an example of how the West's rules work: “...”": the quote after the
        # colon is a statement of its own, not a part of this one.
        return trimmed_clause(sentence, start, start + colon.start())
    as_put = _AS_PUT.search(clause)
    if as_put is not None and count_words(clause[: as_put.start()]) >= 3:
        # "the shoal is Chinese territory, as spokeswoman Mao Ning put it in September": who said it, and when.
        return trimmed_clause(sentence, start, start + as_put.start())
    since = _WRITERS_SEQUEL.search(clause)
    if since is not None and count_words(clause[: since.start()]) >= 3 and not _MODAL.search(clause[: since.start()]):
        # Not after a modal: "China would resume imports, after Japan addressed its concerns" is a condition.
        # "it opposed sanctions ..., after Calderia blacklisted four firms": when it was said, in the writer's
        # words.
        return trimmed_clause(sentence, start, start + since.start())
    comment = next((m for m in _WRITERS_PARTICIPLE.finditer(clause) if m.group(1).casefold() not in _NOT_COMMENT), None)
    if comment is not None and count_words(clause[: comment.start()]) >= 3:
        # "it would recall its ambassador, escalating a row over ...": the writer's comment on what was said.
        return trimmed_clause(sentence, start, start + comment.start())
    if end - start <= 0 or count_words(clause.replace(MASK, " ")) < 3 or clause.startswith(MASK):
        return None
    first = TOKEN.match(clause)
    if first is not None and first.group().casefold() in PREPOSITIONS:
        return None  # "told reporters in Beijing on Monday", "after the meeting": circumstances, not speech
    return start, end


def ended_by_next(sentence: str, found: list[Attribution]) -> list[Attribution]:
    """Each reported content cut where another attribution of the sentence begins: "Tokyo has insisted that
    the law must govern the sea, press secretary Kobayashi told reporters in March" reports "the law must
    govern the sea"; what follows the comma names who said it and when. A content inside another is read
    with the outer one only."""
    verbs = [a.verb for a in found if not a.question]
    speakers = {a.verb: a.speaker for a in found}
    ended = []
    for attribution in found:
        if attribution.content is not None:
            start, end = attribution.content
            inside = [verb for verb in verbs if start < verb < end]
            # The comma before the next speaker's phrase, which may hold commas of its own ("its spokesman,
            # Randhir Jaiswal, said").
            phrase = sentence.rfind(speakers[inside[0]], start, inside[0]) if inside else -1
            comma = sentence.rfind(",", start, phrase if phrase > start else inside[0]) if inside else -1
            named = sentence[comma : inside[0]] if comma > start else MASK
            if MASK not in named and 1 <= count_words(named) <= 6:
                attribution = replace(attribution, content=trimmed_clause(sentence, start, comma))
            elif (
                joined := _next_report(sentence, attribution, [a for a in found if start < a.verb < end])
            ) is not None:
                attribution = replace(attribution, content=trimmed_clause(sentence, start, joined))
        ended.append(attribution)
    contents = [a.content for a in ended if a.content is not None]
    return [
        # "China expressed dissatisfaction with X, Lin Jian said": the report is Lin Jian's, read once.
        replace(a, content=None)
        if a.content is not None
        and any(o != a.content and o[0] <= a.content[0] < a.content[1] <= o[1] for o in contents)
        else a
        for a in ended
    ]


#: Auxiliaries among :data:`BETWEEN`: after "and", the verb they go with is the reported clause's own.
_AUXILIARIES = frozenset({"has", "had", "have", "was", "is", "will", "would"})
#: A "that" (or "что") right before a report's content: the verb reports a clause of its own.
_THAT_BEFORE = re.compile(r"(?<![\w-])(?:that|что)[\s,]*$", re.IGNORECASE)
#: The words that join a second report to the first: "... and described ...", "..., while India ... reiterated".
_JOINS_NEXT = re.compile(r"(?:\s*[,;—–-])?\s+(?:and|but|while|whereas)\s*$", re.IGNORECASE)


def _next_report(sentence: str, outer: Attribution, inside: list[Attribution]) -> int | None:
    """Where the content of ``outer`` ends because a second report of its own content begins in it: a new
    speaker after "while" or "and" ("..., while India, a big buyer of potash, reiterated that ..."), or a verb
    of the same speaker right after "and"/"but", when the first clause is closed by a quote ("said the US backed
    freedom of navigation “as we do everywhere” and described the exercises as lawful") or the verb reports a
    "that" clause ("said the talks were useful and stressed that ..."); None when nothing joins one. Otherwise
    "and" may join the clause's own verbs, of its own subject ("said protesters had burned flags and accused
    the embassy of ..."; "said Blinken had spoken with Lavrov and warned that ...": not Lavrov's)."""
    assert outer.content is not None
    start = outer.content[0]
    following = next((a for a in inside if not a.question), None)
    if following is None or following.content is None or following.content[0] < following.verb:
        return None  # not a report of what follows it
    if MASK in sentence[following.content[0] : following.content[1]]:
        # "said the ambassador had met X and conveyed that India expects ... “at the earliest”": the quote is
        # the claim, and the whole clause its context (whose subject the second verb may well have).
        return None
    lead = sentence[start : following.verb]
    tokens = list(TOKEN.finditer(lead))
    edge = len(lead)
    while tokens and tokens[-1].group().casefold() in BETWEEN and not lead[tokens[-1].end() : edge].strip():
        if tokens[-1].group().casefold() in _AUXILIARIES:
            return None  # "said Japan had raised ... and was urging citizens to ...": the clause's own verb
        edge = tokens.pop().start()  # "and on Thursday reiterated", "and also described"
    joined = _JOINS_NEXT.search(lead, 0, edge)
    if joined is not None and not joined.group().strip(" ,;—–-").casefold().startswith(("while", "whereas")):
        # A verb right after "and"/"but": the outer speaker's only as a coordinated verb (no phrase of its own
        # before it), and only past a quote that closes the first clause or before a "that" of its own.
        closed = lead[: joined.start()].rstrip(" .,;—–-").endswith(MASK)
        that = _THAT_BEFORE.search(sentence, following.verb, following.content[0]) is not None
        if following.speaker != outer.speaker or not (closed or that):
            return None
    if joined is None and not following.pronoun and following.speaker and following.speaker in lead:
        # A new subject: its phrase, perhaps with an aside after it, then the verb.
        named = lead.rfind(following.speaker)
        between = lead[named:edge]
        if MASK not in between and count_words(between) <= 12:
            joined = _JOINS_NEXT.search(lead, 0, named)
    if joined is None or count_words(lead[: joined.start()]) < 3:
        return None
    return start + joined.start()


def _subject_and_verb(words: str) -> bool:
    """Whether ``words`` (between a speech verb and a "that") open a clause: a capitalised subject that is no
    day, then a lower-case word that is no preposition ("China firmly opposed any provocation")."""
    tokens = [t.group() for t in TOKEN.finditer(words)]
    return (
        len(tokens) >= 2
        and tokens[0][0].isupper()
        and tokens[0].casefold() not in BETWEEN
        and tokens[0].casefold() not in WEEKDAYS
        and any(t.islower() and t not in BETWEEN and t not in PREPOSITIONS for t in tokens[1:])
    )


#: The writer's remark after ", X added," on what was not said ("..., he added, without giving figures"): the
#: speech is before the verb.
_WRITERS_AFTER = re.compile(r"(?:without|declining|refusing|giving no|offering no)(?![\w-])(?!.*,\s*that\b)", re.I)


def _circumstance(tail: str) -> bool:
    """Whether what follows a speech verb only says where or when ("said.", "said in a statement", "said at a
    regular press conference in Beijing on Monday", "said on Tuesday, a day after ..."), so that the speech is
    before it: "..., Wang said ..."."""
    if not tail or _WHERE.fullmatch(tail) or _CONTRAST.match(tail):
        return True
    head, comma, after = tail.partition(",")
    if comma and (after.lstrip()[:1] == MASK or _THAT.match(after.lstrip())):
        return False  # "said on Monday, “...”": the speech follows
    where = _WHERE.match(head.strip())
    if where and _CLAUSE_OPENING.match(head.strip()[where.end() :].lstrip()):
        return False  # "said on Monday it would ...": a clause without "that" follows the time
    first = TOKEN.match(head)
    # "said on Tuesday, a day after ...": what follows the comma is about something else.
    return bool(_WHERE.fullmatch(head.strip())) or (
        first is not None and first.group().casefold() in PREPOSITIONS and not _THAT.search(head) and MASK not in head
    )


#: The writer's links that may come before "как X заявила, ..." (not a subject: "Вашингтон, как утверждает X,
#: готовит ..." keeps its subject in the clause it opens).
_WRITERS_LINKS = frozenset(
    {
        *("при этом", "кроме того", "вместе с тем", "в то же время", "однако", "впрочем", "тем не менее"),
        *("также", "между тем", "при этом же", "however", "moreover", "meanwhile", "at the same time"),
        *("in addition", "still", "yet"),
    }
)


def _as_opening(head: str) -> bool:
    """Whether the words before an inverted speech verb are "Как"/"As" opening the sentence, perhaps after a
    short link of the writer's ("При этом, как утверждает Захарова, ...", "Кроме того, как отметила ...")."""
    head = head.strip().casefold()
    if head in ("как", "as"):
        return True
    link, _, last = head.rpartition(",")
    return last.strip() in ("как", "as") and link.strip() in _WRITERS_LINKS


def object_clause(sentence: str, verb: re.Match[str], language: str) -> tuple[int, int] | None:
    """What a verb that takes an object reports with it: a call of :data:`CALL_VERBS`, with whom it calls on
    ("urged [both sides to stay calm]", "called on [Washington to lift the ban]", "призвала [Вашингтон отказаться
    от ...]"), or a judgement without quote marks ("described [the exercises as lawful]", "accused [Britain of
    ignoring the facts]"); None when the verb takes no such object here."""
    word = verb.group().casefold()
    if language == "en":
        for stems, pattern in _EN_JUDGED.items():
            if word.startswith(stems):
                return _object_and_rest(sentence, verb.end(), pattern, judged=True)
    if not word.startswith(CALL_VERBS.get(language, ())):
        return None
    start = verb.end()
    if language == "ru":
        found = _RU_CALL.match(sentence, start)
        if found is None or MASK in found.group():
            return None
        return trimmed_clause(sentence, start, len(sentence))
    if word.startswith(("call", "appeal")):
        # "called on X to ...", "appealed to X to ...": the preposition first.
        joined = re.match(r"\s+(?:on|upon)(?=\s)" if word.startswith("call") else r"\s+to(?=\s)", sentence[start:])
        if joined is None:
            return None
        start += joined.end()
    return _object_and_rest(sentence, start, _EN_CALL)


def _object_and_rest(
    sentence: str, start: int, pattern: re.Pattern[str], *, judged: bool = False
) -> tuple[int, int] | None:
    """The clause from ``start`` when ``pattern`` finds there an object (group 1: a few words, none a preposition
    or a conjunction) and the word that joins what is said of it; no quote in either. ``judged``: the object of
    a judgement, which a lone pronoun is not worth reporting ("described it as ...")."""
    found = pattern.match(sentence, start)
    if found is None or MASK in found.group() or MASK in sentence[found.end() : found.end() + 2]:
        return None
    written = TOKEN.findall(found.group(1))
    words = [w.casefold() for w in written]
    if "and" in words and not all(w[:1].isupper() or w in ("and", "the", "both") for w in written):
        return None  # "urged calm and promised to ...": "and" joins names only ("Tokyo and Seoul")
    if not words or any(w in _NOT_ADDRESSEE for w in words):
        return None
    if judged and len(words) == 1 and words[0] in _OBJECT_PRONOUNS:
        return None
    return trimmed_clause(sentence, start, len(sentence))


def reported_clause(
    sentence: str, verb: re.Match[str], phrase: tuple[int, int, bool], inverted: bool, language: str
) -> tuple[int, int] | None:
    """The content a speech verb reports: after "that" / "что" / the verb, or before ", X said"; a call's
    addressee and what it calls for, or a judgement without quote marks, are read by :func:`object_clause`."""
    end_of_clause = verb.end() if not inverted else phrase[1]
    rest = sentence[end_of_clause:]
    tail = rest.strip(" .!?,;")
    circumstance = _circumstance(tail) or (rest.lstrip().startswith(",") and _WRITERS_AFTER.match(tail) is not None)
    if inverted or circumstance:
        # "..., X said (on Monday)." / "..., — заявила Захарова." / "Как подчеркнул дипломат, ..."
        opening = sentence[: min(verb.start(), phrase[0])]
        if inverted and _as_opening(sentence[: verb.start()]):
            return trimmed_clause(sentence, end_of_clause, len(sentence)) if rest.lstrip().startswith(",") else None
        comma = max(opening.rfind(","), opening.rfind("—"))
        if comma > 0:
            return trimmed_clause(sentence, 0, comma)
        return None
    that = _THAT.search(rest[:80])
    opening = rest.lstrip()
    where = _WHERE.match(opening)
    if that is not None and (
        _CLAUSE_OPENING.match(opening) or (where and _CLAUSE_OPENING.match(opening[where.end() :].lstrip()))
    ):
        # "revealed he had raised it ... that ...", "said on Monday it opposed sanctions that had ...": the
        # clause begins right after the verb (or the day after it); the "that" is the clause's own.
        that = None
    elif that is not None and _THAT_TIME.match(rest, that.start()):
        that = _THAT.search(rest, that.end(), 80)  # "said that morning that ...": "that" names a time
    # The "that" of this verb's clause: no comma before it but Russian's ", что" ("заявила в среду, что").
    between = rest[: that.start()] if that else ""
    if that and that.group().casefold() == "что":
        between = between.rstrip().removesuffix(",")
    if that and that.group().casefold() not in ("that", "что") and len(between.split()) > 2:
        that = None  # "if", "whether", "what" open the reported clause right after the verb or its object
    elif that and _subject_and_verb(between) and not verb.group().casefold().startswith(_TAKES_OBJECT):
        that = None  # "saying China opposed any provocation that ...": the clause began; "that" is its own
    elif that and _CONJOINED.search(between):
        that = None  # "said 22 fishermen had been freed and that ...": the first clause began after the verb
    elif that and _CONJOINED_SPEECH.search(between) and between.split()[-1].casefold() in VERBS.get(language, ()):
        that = None  # "said the talks were useful and stressed that ...": the "that" is the second verb's
    if that and not any(mark in between for mark in (MASK, ":", ",")):
        word = that.group().casefold()
        start = end_of_clause + (that.end() if word in ("that", "что") else that.start())
        return trimmed_clause(sentence, start, len(sentence))
    if verb.group().casefold().startswith(("ask", "спрос", "urg", "order", "demand", "advis")):
        # A question reported without "whether": the object is who was asked; "urged restraint": a call with no
        # addressee and no clause (those with one are read by object_clause).
        return None
    if language == "ru":
        return None  # Russian reports content after ", что"
    skipped = end_of_clause
    if verb.group().casefold().startswith(("told", "tell")):
        told = _TOLD_OBJECT.match(sentence[skipped:].lstrip())
        if told is None:
            return None
        skipped += len(sentence[skipped:]) - len(sentence[skipped:].lstrip()) + told.end()
    for _ in range(2):
        where = _WHERE.match(sentence[skipped:].lstrip())
        if where:
            skipped += len(sentence[skipped:]) - len(sentence[skipped:].lstrip()) + where.end()
    following = sentence[skipped:].lstrip()
    if following[:1] == "," and _CLAUSE_OPENING.match(following[1:].lstrip()):
        # "On the contrary, she said, Moscow was among the first to ...": said in the middle, the clause after.
        return trimmed_clause(sentence, len(sentence) - len(following) + 1, len(sentence))
    if following[:1] in (":", MASK, ","):
        return None  # a direct quote follows
    return trimmed_clause(sentence, skipped, len(sentence))
