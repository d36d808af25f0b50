"""Quotes of one news document: its quoted passages and reported speech, each with its speaker.

Reading order: paragraphs (blank-line separated), the quoted passages of the whole text
(:func:`~pipeline.enrich.quotes.marks.quoted_spans`, a quote may run over paragraphs), then each paragraph's
sentences with their quotes masked, and in each sentence its attributions
(:func:`~pipeline.enrich.quotes.speech.attributions`). A quote takes the attribution of its sentence nearest to
it; failing that, the one of a sentence it continues (a second quote after "…,” he added.", a paragraph that is
only a quote after one attributed in the paragraph before, a paragraph opened by a quote whose attribution is
the next short sentence, or a sentence ending with a colon just before). A pronoun ("he", "она", "他") names
the speaker last named in the sentences before, in the same paragraph or the two before.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.enrich.quotes.document import Document, Named, role_reference, title_gender
from pipeline.enrich.quotes.marks import MASK, Span, paragraphs, quoted_spans, sentences
from pipeline.enrich.quotes.model import PARAGRAPH_BREAK, Attribution, Quote
from pipeline.enrich.quotes.reported import TOKEN
from pipeline.enrich.quotes.speech import ABOUT_THIS, attributions, colon_subject, role_word, sentence_subject
from pipeline.enrich.speakers import SpeakerDirectory, default_speakers
from pipeline.enrich.text import simplified

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff]")
_ROLE_NAME = re.compile(
    r"(?:spokesperson|spokeswoman|spokesman|minister|ambassador|secretary|envoy)\s+"
    r"((?:[A-Z][\w’'-]+)(?:\s[A-Z][\w’'-]+){1,2})"
)
_SPACE = re.compile(r"\s")
_CLAUSE_PUNCTUATION = re.compile(r"[，。！？、；：,.!?]")
_CYRILLIC_LETTER = re.compile(r"[а-яё]", re.IGNORECASE)
#: A sentence's subject, past a short opening circumstance ("At the same briefing, Zakharova also ...").
_SUBJECT = re.compile(r"(?:[^,\n]{1,60},\s+)?([A-ZА-ЯЁ][\w-]+)\s+(?:was|has|had|is|also|said|был|была|также)\b")
#: The name ending a sentence's opening run of capitalised words (two words, or one that is a surname), before
#: a comma or a lower-case verb.
_PERSON_SUBJECT = re.compile(
    r"^(?:[A-ZА-ЯЁ][\w’'-]*\.?\s+)*?([A-ZА-ЯЁ][a-zа-яё][\w’'-]*(?:\s+[A-ZА-ЯЁ][a-zа-яё][\w’'-]*)?)(?=,|\s+[a-zа-яё])"
)
_NOT_SUBJECTS = frozenset({"the", "a", "an", "this", "that", "it", "he", "she", "they", "we", "i", "but", "and"})
#: A possessive opening a speaker phrase before the name: "Beijing's Mao Ning", "China's Lin Jian".
_POSSESSIVE_OPENING = re.compile(r"^[A-ZА-ЯЁ][\w-]*['’]s\s+(?=\S)")
#: A text named before a colon: what follows is quoted from it ("read out the text of the resolution:").
_QUOTED_TEXT = re.compile(
    r"\b(?:text|letter|resolution|statement|document|report|declaration|treaty|agreement|communiqu[eé]|article"
    r"|passage|clause|law|order|decree|note|message|post|tweet|sign|banner|slogan)s?\b",
    re.IGNORECASE,
)
#: Sentences longer than this are not read for attribution: no news sentence is, and garbage stays linear.
_LONGEST = 3000
_HEADLINE_SPEAKER = re.compile(r"^([^\W\d_][\w-]*(?: [^\W\d_][\w-]*){0,2}|[^\s:：，。]{1,8})\s*[:：]\s*(?=\S)")
_NOT_HEADLINE_SPEAKERS = frozenset(
    {"q", "a", "question", "answer", "вопрос", "ответ", "问", "答", "headline", "update"}
)

#: An agency's name in quotes and a dash opening a sentence, a dateline's credit ("«Вектор» — ...").
_CREDIT = re.compile(r"\s*" + MASK + r"+\s*[—–-]\s+")
#: Words a name or title may hold in lower case ("Belt and Road", "Ministry of Foreign Affairs").
_RUN_INTO_DIGITS = re.compile(r"[^\W\d_]\d|\d(?!(?:st|nd|rd|th|s)\b)[^\W\d_]")
_SHORT_NAME = 12
_NAME_JOINERS = frozenset({"and", "of", "the", "for", "on", "in", "de", "и", "по", "для"})


def is_short(quoted: str) -> bool:
    """One or two words (four characters or fewer in Chinese and Japanese): a scare quote, a name or a term,
    not a statement."""
    if _CJK.search(quoted):
        return len(_SPACE.sub("", quoted)) <= 4 and not _CLAUSE_PUNCTUATION.search(quoted)
    return len(quoted.split()) <= 2


#: What joins two clauses of one report: "..., and that ...", "... but that ...", "..., а также что ...",
#: "..., и что ...".
_AND_THAT = re.compile(r",\s+(?:(?:and|but)\s+that|а\s+также\s+что|и\s+что|но\s+что)\s+", re.IGNORECASE)
#: A sentence that is the writer's background, not more of what was said: a source (据悉, 据报道, 另据), another
#: actor (a ministry, a government, a president), or a time of its own (上周, 此前, 12日, 去年).
_ZH_SOURCE = re.compile(r"\s*(?:据|另据|此外|与此同时|记者)")
_ZH_BACKGROUND = re.compile(
    r"(?:部|局|政府|议会|总统|总理|国务卿|大使馆)(?:[^，。]{0,6})(?:宣布|决定|表示|称)"
    r"|上周|上月|此前|日前|去年|今年|昨天|昨日|前天|\d+日|\d+月"
)
#: A subordinate clause opening a sentence, whose subject a pronoun after it may refer to.
_OPENING_CLAUSE = re.compile(r"(?:When|As|After|While|Before|Once|Since|Although|Though)\s+[A-Z]")
#: A wire report's dateline before its first sentence: the place in capitals, its date, the agency in brackets
#: or slashes, then a dash or colon ("BEIJING, May 21 (Reuters) -- ", "WASHINGTON (AP) — ", "NEW DELHI: ",
#: "МОСКВА, 5 апреля. /ТАСС/. "), or the place, the date and the agency as sentences of their own ("Москва. 30
#: апреля. INTERFAX.RU - ").
_DATELINE = re.compile(
    r"[A-ZА-ЯЁ]{3}[A-ZА-ЯЁ.' -]{0,40}(?:,\s*[\w .]{1,25}?)?"
    r"(?:\s*\([^()]{1,40}\)\s*(?:[-–—]{1,2}|:)|\.?\s*/[^/]{1,40}/\.?|\s*(?:[-–—]{1,2}|:))\s+"
    r"|[A-ZА-ЯЁ][a-zа-яё-]+\.\s*\d{1,2}\s+[a-zа-яё]+\.\s*[\w.]{2,30}(?:\s[\w.]{2,30}){0,2}\s*[-–—]{1,2}\s+"
)


def _script_language(text: str) -> str:
    """A guess for a document whose language is unknown (extraction may leave it unset): Chinese when it has
    Chinese characters, Russian when Cyrillic, else English; only attribution depends on it."""
    sample = text[:2000]
    if len(_CJK.findall(sample)) > 20:
        return "zh"
    if len(_CYRILLIC_LETTER.findall(sample)) > 50:
        return "ru"
    return "en"


#: Verbs that judge something with quoted words: "dismissed the “debt trap” label as “fabricated”".
_JUDGING = re.compile(r"(?:dismiss|reject|denounc|condemn|hail)\w*\s", re.IGNORECASE)
#: Verbs whose quoted object is what someone else said: "rejected the “debt trap” narrative".
_REJECTING = re.compile(r"(?:dismiss|reject)\w*\s", re.IGNORECASE)
#: Up to three words between such a verb and its quoted object ("the", "claims of a", "Washington's"), and
#: whose they are ("claims by Washington that “...”").
_OBJECT_BEFORE = re.compile(r"(?:[\w'’-]+\s+){0,3}(?:(?:by|from)\s+[\w'’-]+\s+)?(?:that\s+)?")
#: After the judged quote: the rest of its noun phrase (a few words, no comma, no "and" or "to") and the verb's
#: "as".
_OBJECT_THEN_AS = re.compile(
    MASK + r"*(?:\s+(?!and\b|but\b|or\b|to\b)[\w'’-]+){0,6}\s+as\s+(?!soon\b|well\b|much\b|long\b|far\b|a\s+result\b)"
)


def _judged(sentence: str, verb: int, quote: int) -> bool:
    """Whether the quote at ``quote`` is what a judging verb at ``verb`` judges: its object, right before the
    verb's "as" and the speaker's own words ("dismissed the “debt trap” label as ..."), not what the speaker
    said ("condemned “...” and urged Beijing to withdraw as soon as possible")."""
    judging = _JUDGING.match(sentence, verb)
    if quote < verb or judging is None or " as " in sentence[verb:quote]:
        return False
    if _REJECTING.match(sentence, verb) and _OBJECT_BEFORE.fullmatch(sentence, judging.end(), quote):
        return True  # "rejected the “debt trap” narrative": the other side's words, which the speaker rejects
    after = _OBJECT_THEN_AS.match(sentence, sentence.find(MASK, quote) + 1 if MASK in sentence[quote:] else quote)
    return after is not None


def extract_quotes(text: str, *, language: str | None, speakers: SpeakerDirectory | None = None) -> list[Quote]:
    """The quoted passages and reported speech of a news document's ``text`` (paragraphs separated by a blank
    line), in text order, each with its speaker when the text names one.

    ``language`` ("en", "ru", "zh"; a region suffix is ignored) selects the attribution rules; in another
    language quotes are found but not attributed; None guesses it from the script. ``speakers`` resolves
    speakers to ids (default: the shipped ``config/speakers.yaml``). Pure and total: any string gives a list.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    original, text = text, simplified(text)  # traditional characters read as simplified; offsets hold
    lang = (language or _script_language(text)).split("-")[0].split("_")[0].casefold()
    document = Document(text, lang, speakers if speakers is not None else default_speakers())
    paragraph_spans = paragraphs(text)
    spans = quoted_spans(text, paragraph_spans)
    for start, end in paragraph_spans:
        mentioned = document.directory.speaker_in(text[start:end], surnames=True)
        document.paragraph_mentions.append(mentioned)
        if mentioned is not None:
            document.mentioned.add(mentioned)
    # The quotes of each paragraph: a quote's n-th piece is in the n-th paragraph from the one it starts in.
    by_paragraph: dict[int, list[tuple[Span, int]]] = {}
    for span in spans:
        for number in range(len(span.outer)):
            by_paragraph.setdefault(span.paragraph + number, []).append((span, number))
    quotes: list[Quote] = []
    previous_paragraph_speaker: tuple[str | None, str | None] | None = None
    for index, (start, end) in enumerate(paragraph_spans):
        previous_paragraph_speaker = _paragraph(
            document, index, start, end, by_paragraph.get(index, []), quotes, previous_paragraph_speaker
        )
    quotes.sort(key=lambda q: (q.start, q.kind))
    if text != original:
        quotes = [_as_written(quote, text, original) for quote in quotes]
    return quotes


def _zh_continued(
    masked: str,
    spans: list[tuple[int, int]],
    found: list[list[Attribution]],
    number: int,
    end: int,
) -> int:
    """Where a Chinese reported clause that ends its sentence ends in the paragraph: "林剑说，A。B。" reports A and
    B, up to a sentence with a speech verb or a quote of its own, or one that reads as the writer's background
    (:data:`_ZH_BACKGROUND`) (``end`` and the result: offsets in ``masked``, the paragraph)."""
    if masked[end : spans[number][1]].strip("。！？；，,. "):
        return end  # the clause stops before its sentence does
    for following in range(number + 1, len(spans)):
        s_start, s_end = spans[following]
        sentence = masked[s_start:s_end]
        if found[following] or MASK in sentence or _ZH_SOURCE.match(sentence) or _ZH_BACKGROUND.search(sentence):
            break
        end = s_end
        while end > s_start and masked[end - 1] in "。！？；，,. ":
            end -= 1
    return end


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A reported content as the clauses it joins with ", and that" ("said the talks were useful, and that China
    was ready to continue"): each is a statement of its own, cited on its own."""
    joined = _AND_THAT.search(text, start, end)
    if joined is None or len(text[start : joined.start()].split()) < 3 or len(text[joined.end() : end].split()) < 3:
        return [(start, end)]
    return [(start, joined.start()), *_clauses(text, joined.end(), end)]


def _as_written(quote: Quote, read: str, original: str) -> Quote:
    """``quote`` (found in ``read``, the simplified text) with its words as ``original`` writes them."""
    pieces = []
    position = quote.start
    for piece in quote.text.split(PARAGRAPH_BREAK):
        at = read.find(piece, position)
        if at < 0:
            return quote
        pieces.append(original[at : at + len(piece)])
        position = at + len(piece)
    context, begins = quote.context, quote.context_start
    if context is not None and begins is not None:
        context = original[begins : begins + len(context)]  # the clause a quote stands in, as written too
    return replace(quote, text=PARAGRAPH_BREAK.join(pieces), context=context)


def _paragraph(
    document: Document,
    index: int,
    start: int,
    end: int,
    spans: list[tuple[Span, int]],
    quotes: list[Quote],
    carried: tuple[str | None, str | None] | None,
) -> tuple[str | None, str | None] | None:
    """Attribute the quotes and reported speech of one paragraph; returns the speaker a following paragraph
    made only of a quote continues (the last direct quote's, or a closing colon's)."""
    text = document.text
    masked = list(text[start:end])
    quote_ends: dict[int, str] = {}
    # Each quote's part in this paragraph: (span, local start, local end) of its outer marks.
    parts: list[tuple[Span, int, int]] = []
    for span, number in spans:
        outer_start, outer_end = span.outer[number]
        local_start, local_end = outer_start - start, min(outer_end, end) - start
        masked[local_start:local_end] = MASK * (local_end - local_start)
        parts.append((span, local_start, local_end))
        if number == len(span.outer) - 1:
            quote_ends[local_end] = text[span.pieces[-1][0] : span.pieces[-1][1]]
    parts.sort(key=lambda part: part[1])
    masked_text = "".join(masked)
    sentence_spans = sentences(masked_text, quote_ends)
    dateline = _DATELINE.match(masked_text, sentence_spans[0][0]) if index == 0 and sentence_spans else None
    if dateline is not None:
        # The wire's dateline opening the story is neither a speaker nor what was said: the first sentence
        # begins after it ("BEIJING, Sept 25 (Reuters) - China on Monday defended ..., saying ..."); one written
        # as sentences ("Москва. 30 апреля. ...") takes them with it.
        inside = [i for i, (first, last) in enumerate(sentence_spans) if dateline.end() < last]
        if inside:
            sentence_spans[: inside[0] + 1] = [(dateline.end(), sentence_spans[inside[0]][1])]
    per_sentence = [
        attributions(masked_text[s:e], document.language) if document.language and e - s <= _LONGEST else []
        for s, e in sentence_spans
    ]
    next_part = 0
    last_speaker: tuple[str | None, str | None] | None = None
    ends_with_colon = False
    paragraph_speaker = carried
    for number, (s_start, s_end) in enumerate(sentence_spans):
        sentence = masked_text[s_start:s_end]
        found = per_sentence[number]
        if any(a.pronoun for a in found) and _OPENING_CLAUSE.match(sentence.lstrip()):
            # "When David Lammy stood beside ..., he announced ...": a pronoun may refer to the person an opening
            # subordinate clause names (not to one an opening phrase only mentions: "Responding to Matthew
            # Miller's comments, he said" is the spokesperson).
            _note_mentions(document, index, text[start + s_start : start + s_start + max(a.verb for a in found)])
        elif any(a.pronoun for a in found):
            _note_subject(document, index, sentence, min(a.verb for a in found if a.pronoun))
        resolved: list[tuple[str | None, str | None] | None] = []
        for attribution in found:
            speaker = _resolve(document, index, attribution)
            resolved.append(speaker)
            if speaker is not None and speaker[0] is not None and not attribution.pronoun:
                # "林剑说，...；至于...，他表示": a pronoun refers to the speaker named earlier in its sentence.
                document.note(Named(index, speaker[0], speaker[1]))
        first_part = next_part
        while next_part < len(parts) and parts[next_part][1] < s_end:
            next_part += 1
        in_sentence = parts[first_part:next_part]
        bare = not sentence.replace(MASK, "").strip(" ,.;:!?—–-\"'。，！？：；")
        for span, local_start, _ in in_sentence:
            if span.outer[0][0] != local_start + start:
                continue  # the continuation of a quote that began in an earlier paragraph
            speaker = None
            quoted = (
                text[span.start : span.end]
                if len(span.pieces) == 1
                else PARAGRAPH_BREAK.join(text[a:b] for a, b in span.pieces)
            )
            if found:
                # A quoted question is the asker's; anything else is not.
                asks = quoted.rstrip().endswith(("?", "？"))
                fitting = [i for i in range(len(found)) if found[i].question == asks] or list(range(len(found)))
                nearest = min(fitting, key=lambda i: abs(found[i].verb - (local_start - s_start)))
                speaker = None if _judged(sentence, found[nearest].verb, local_start - s_start) else resolved[nearest]
            elif bare and last_speaker is not None:
                speaker = last_speaker
            elif bare and number == 0 and paragraph_speaker is not None:
                speaker = paragraph_speaker
            elif ends_with_colon and last_speaker is not None:
                speaker = last_speaker
            elif (introduced := _introduced_by(document, index, sentence, local_start - s_start)) is not None:
                speaker = introduced
            elif number == 0 and number + 1 < len(sentence_spans):
                speaker = _next_sentence_speaker(document, index, masked_text, sentence_spans[number + 1])
            if speaker is None and number == 0 and index == 0:
                speaker = _headline_speaker(document, sentence)
            who, who_id = speaker if speaker is not None else (None, None)
            quotes.append(Quote(quoted, "direct", who, who_id, span.paragraph, span.start, span.end, is_short(quoted)))
            if speaker is not None and not is_short(quoted):
                last_speaker = speaker
        for attribution, speaker in zip(found, resolved, strict=True):
            if attribution.content is None:
                continue
            c_start, c_end = attribution.content
            absolute = start + s_start
            if document.language == "zh" and attribution is found[-1]:
                c_end = _zh_continued(masked_text, sentence_spans, per_sentence, number, s_start + c_end) - s_start
            who, who_id = speaker if speaker is not None else (None, None)
            for c_from, c_to in _clauses(text, absolute + c_start, absolute + c_end):
                piece = masked_text[c_from - start : c_to - start]
                # "Tokyo was “seriously concerned”": a clause that is little but its quote.
                little = MASK in piece and document.language != "zh" and len(piece.replace(MASK, " ").split()) < 3
                if MASK in piece and not little:
                    _in_clause(quotes, text, c_from, c_to, [s for s, a, _ in in_sentence if c_from <= start + a < c_to])
                if little or any(
                    c_from <= start + a < c_to
                    and not is_short(text[span.start : span.end])
                    and not _is_name(text[span.start : span.end])
                    for span, a, _ in in_sentence
                ):
                    continue  # the clause is itself a quote, which carries the attribution
                quotes.append(Quote(text[c_from:c_to], "reported", who, who_id, index, c_from, c_to, False))
            if speaker is not None:
                last_speaker = speaker
        if number > 0 and found and found[0].content is None and ABOUT_THIS.match(sentence.lstrip()):
            _about_this(
                document,
                index,
                start,
                masked_text,
                sentence_spans[number - 1],
                per_sentence[number - 1],
                resolved[0],
                quotes,
            )
        for speaker in resolved:
            # A resolved pronoun counts as a mention too, so that "she ... По её словам" chains on.
            if speaker is not None and speaker[0] is not None:
                document.note(Named(index, speaker[0], speaker[1]))
        _note_mentions(document, index, text[start + s_start : start + s_end])
        ends_with_colon = sentence.rstrip().endswith((":", "："))
        if ends_with_colon and found:
            last_speaker = resolved[-1]
    return last_speaker


def _in_clause(quotes: list[Quote], text: str, start: int, end: int, spans: list[Span]) -> None:
    """The direct quotes of ``spans`` stand in the reported clause ``text[start:end]``, which says more than they
    do (`Britain would “never recognise” the referendum`): it is their context."""
    starts = {span.start for span in spans if len(span.pieces) == 1}
    for number in range(len(quotes) - 1, -1, -1):
        quote = quotes[number]
        if quote.kind == "direct" and quote.start in starts and not _is_name(quote.text):
            quotes[number] = replace(quote, context=text[start:end], context_start=start)


def _is_name(quoted: str) -> bool:
    """Whether quoted words are a name or title ("Belt and Road", «Коммерсант»), not words someone said: each
    word capitalised, function words aside, or a short quote of one word run into digits (a ship, “浙海渔7716”;
    a model, "A320"; not "20th", "1990s" or “2025年底前完成撤侨工作”)."""
    if len(quoted) <= _SHORT_NAME and " " not in quoted.strip() and _RUN_INTO_DIGITS.search(quoted):
        return True
    words = [w for w in TOKEN.findall(quoted) if w.casefold() not in _NAME_JOINERS]
    return bool(words) and all(w[:1].isupper() for w in words)


def _about_this(
    document: Document,
    paragraph: int,
    start: int,
    masked: str,
    span: tuple[int, int],
    found: list[Attribution],
    speaker: tuple[str | None, str | None] | None,
    quotes: list[Quote],
) -> None:
    """ "<statement>. Об этом заявила Захарова.": the sentence before, unattributed, is the speaker's: its
    quotes ("Вступление в НАТО — «...». Об этом заявила ..."), else the sentence itself as reported speech."""
    s_start, s_end = span
    sentence = masked[s_start:s_end]
    if found:
        return
    inside = [n for n, quote in enumerate(quotes) if start + s_start <= quote.start < start + s_end]
    if any(not _is_name(quotes[n].text) for n in inside):
        who, who_id = speaker if speaker is not None else (None, None)
        for number in inside:
            if quotes[number].speaker is None:
                quotes[number] = replace(quotes[number], speaker=who, speaker_id=who_id)
        return
    # No quote but names ("моряки танкера «Аурелиан Доун» освобождены"): the sentence is reported speech, after
    # an agency's credit opening it ("«Вектор» — ...").
    credit = _CREDIT.match(sentence)
    if credit is not None:
        s_start += credit.end()
        sentence = masked[s_start:s_end]
    if len(sentence.split()) < 4:
        return
    while s_start < s_end and masked[s_start].isspace():
        s_start += 1
    while s_end > s_start and (masked[s_end - 1].isspace() or masked[s_end - 1] in ".!?;"):
        s_end -= 1
    who, who_id = speaker if speaker is not None else (None, None)
    text = document.text[start + s_start : start + s_end]
    quotes.append(Quote(text, "reported", who, who_id, paragraph, start + s_start, start + s_end, False))


def _listed(document: Document, phrase: str) -> str | None:
    """The listed speaker a whole phrase names, past a country's possessive ("Beijing's Mao Ning"): not one it only
    mentions ("Critics of Matthew Miller", "Mao Ning's remarks")."""
    return document.directory.speaker(_POSSESSIVE_OPENING.sub("", phrase))


def _note_subject(document: Document, paragraph: int, sentence: str, verb: int) -> None:
    """ "Beijing's Mao Ning went further last week: vaccines, she said, “...”": a listed speaker who is the
    sentence's subject, before its pronoun, is whom the pronoun refers to."""
    phrase = sentence_subject(sentence, verb)
    if phrase is None or phrase[2]:
        return
    name = sentence[phrase[0] : phrase[1]]
    found = _listed(document, name)
    if found is not None:
        document.note(Named(paragraph, name, found, title_gender(name)))


def _introduced_by(
    document: Document, paragraph: int, sentence: str, quote: int
) -> tuple[str | None, str | None] | None:
    """The speaker of a quote a colon introduces with no speech verb ("the Foreign Secretary was blunt: “...”"):
    the sentence's subject, when it is a listed speaker or a role that refers back to one."""
    phrase = colon_subject(sentence, quote)
    if phrase is None or phrase[2] or _QUOTED_TEXT.search(sentence, phrase[1], quote):
        return None  # "Miller read out the text of the resolution: “...”": a document's words, not his
    name = sentence[phrase[0] : phrase[1]]
    if (found := _listed(document, name)) is not None:
        return name, found
    named = document.resolve_pronoun(paragraph, title_gender(name)) if role_reference(name) else None
    return (name, named.speaker_id) if named is not None and named.speaker_id is not None else None


def _resolve(document: Document, paragraph: int, attribution: Attribution) -> tuple[str | None, str | None] | None:
    if attribution.pronoun:
        named = document.resolve_pronoun(paragraph, title_gender(attribution.speaker))
        return (named.name, named.speaker_id) if named is not None else None
    found = document.speaker_id(attribution.speaker)
    if found is None and role_reference(attribution.speaker):
        # "the spokesman said", "подчеркнула дипломат": the listed person just named, kept as written.
        named = document.resolve_pronoun(paragraph, title_gender(attribution.speaker))
        found = named.speaker_id if named is not None else None
    return attribution.speaker, found


def _next_sentence_speaker(
    document: Document, paragraph: int, masked: str, span: tuple[int, int]
) -> tuple[str | None, str | None] | None:
    """The speaker of a short attribution sentence right after a paragraph-opening quote ("... Wang said.")."""
    sentence = masked[span[0] : span[1]]
    if MASK in sentence or len(sentence.split()) > 8:
        return None
    found = attributions(sentence, document.language)
    if not found or found[0].content is not None or sentence[: found[0].verb].count(" ") > 5:
        return None
    return _resolve(document, paragraph, found[0])


def _headline_speaker(document: Document, sentence: str) -> tuple[str | None, str | None] | None:
    """ "Лавров: Запад «...»", "外交部：美方应...“...”": a headline's speaker before a colon."""
    match = _HEADLINE_SPEAKER.match(sentence)
    if match is None or MASK in match.group(1) or match.group(1).casefold() in _NOT_HEADLINE_SPEAKERS:
        return None
    name = match.group(1)
    if name.isupper() and not _CJK.search(name):
        return None  # a dateline: "MOSCOW:"
    return name, document.speaker_id(name)


def _note_mentions(document: Document, paragraph: int, raw: str) -> None:
    """Remember the people a sentence names without quoting them ("spokeswoman Maria Zakharova struck a harsher
    tone", "Wang was responding to a question"), for the pronouns of the sentences after it."""
    mentioned = document.directory.speaker_in(raw, surnames=True) if document.paragraph_mentions[paragraph] else None
    if mentioned is not None:
        entry = next(s for s in document.directory.speakers if s.id == mentioned)
        # The name as the sentence writes it, else one in the document's script.
        cjk = document.language in ("zh", "ja")
        cyrillic = document.language == "ru"
        name = next(
            (n for n in entry.names if n in raw),
            next(
                (
                    n
                    for n in entry.names
                    if bool(_CJK.search(n)) == cjk and bool(_CYRILLIC_LETTER.search(n)) == cyrillic
                ),
                entry.names[0],
            ),
        )
        document.note(Named(paragraph, name, mentioned))
        return
    role = _ROLE_NAME.search(raw)
    if role is not None:
        found = document.speaker_id(role.group(1))
        document.note(Named(paragraph, role.group(1), found, title_gender(role.group(0))))
        return
    # A sentence whose subject is the surname of a person the document names in full.
    subject = _SUBJECT.match(raw)
    if subject is not None and document.mentioned:
        found = document.speaker_id(subject.group(1))
        if found is not None:
            document.note(Named(paragraph, subject.group(1), found))
            return
    person = _person_subject(document, raw)
    if person is not None:
        # "Mr Piet Marsman disagreed": the title before the name tells whom "he" may refer to.
        name, end = person
        document.note(Named(paragraph, name, document.speaker_id(name), title_gender(raw[:end])))


def _person_subject(document: Document, raw: str) -> tuple[str, int] | None:
    """A person the speakers file does not list, as the subject of a sentence ("Representative Michael Dorn, a
    Republican, called ...", "Marsman, speaking to reporters, struck a warm tone" when the text names Piet
    Marsman): whom a "he" or "she" after it refers to, rather than the spokesperson named before; with where
    the name ends."""
    subject = _PERSON_SUBJECT.match(raw) if raw[:1].isupper() else None
    if subject is None:
        return None
    words = subject.group(1).split()
    if any(role_word(word) or word.casefold() in _NOT_SUBJECTS for word in words):
        return None
    if len(words) == 1 and words[0] not in document.surnames():
        return None  # a single word is a surname only when the text names the person in full
    return subject.group(1), subject.end(1)
