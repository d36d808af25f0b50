"""The segmenter: a briefing's paragraphs read in order, each one a label, a continuation, a heading or noise.

One pass, the same for every ministry; what differs between layouts is in the labels (:mod:`.labels`) and in
what the title says:

* a labelled paragraph starts an utterance: a question ("Q:", "AFP:", "路透社记者：", "Rishabh:"), or an
  official's words ("A:", "Wang Wenbin:", "MR PRICE:"): an announcement until the first question, an answer
  after it; moderator and operator lines are procedural and start none (the outlet they announce goes to the
  next question);
* an unlabelled paragraph continues the current utterance, except a numbered one ("I.", "二、") before the
  first question, which is a new announcement, and a short line without a full stop, which is a section
  heading (MID topics, MOFA question topics) and ends the utterance; an unlabelled paragraph after a heading
  before any question is an announcement (MID's monologue sections);
* bracketed notes, section markers ("Answers to media questions", "質疑応答"), header lines before the first
  turn, closing lines and the spokesperson's closing thanks start nothing;
* unlabelled announcements and "A:" answers are the title's spokesperson's ("Spokesperson Geng Shuang's
  Regular Press Conference").

A document with fewer than two labels and no spokesperson in its title is not a transcript this reads: the
generic fallback makes each paragraph an announcement. Nothing here raises on any text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from pipeline.enrich.speakers import SpeakerDirectory, default_speakers, label_key
from pipeline.enrich.turns.labels import Label, outlet_in_question, outlet_named_by_host, parse_label
from pipeline.enrich.turns.model import Exchange, ExchangeKind, Segmentation, Utterance, UtteranceKind
from pipeline.extract.text import PARAGRAPH_SEPARATOR

_CLOSING = re.compile(
    r"^(?:\[print\]\s*\[close\]|【打印】\s*【关闭】"
    r"|\(the (?:briefing|press conference|call) (?:was concluded|ended|concluded)[^)]*\)"
    r"|the press conference is adjourned\.?|this concludes today's (?:briefing|press conference)\.?"
    r"|(?:今天的)?记者会(?:到此)?结束[。！]?|分享到.*)$",
    re.I,
)
# A paragraph entirely in brackets, with at most one bracket inside: "(Provisional translation)",
# "（令和6年5月21日（火曜日）11時05分　於：本省会見室）".
_NOTE = re.compile(r"^(?:\((?:[^()]|\([^()]*\))*\)|\[[^\[\]]*\]|（(?:[^（）]|（[^（）]*）)*）|〔[^〔〕]*〕)$")
# Notes on the text itself at the top of a page: MOFA's translation note, GOV.UK's delivery note.
_HEADER_NOTE = re.compile(
    r"^(?:this is an? (?:provisional|unofficial|tentative) translation|(?:provisional|unofficial|tentative) "
    r"translation\b|transcript of the (?:speech|remarks|statement)|check against delivery|仮訳|（仮訳）)",
    re.I,
)
# A host's line that hands over the floor and says nothing ("MR MILLER: Go ahead.", "Yes, in the back.").
_HOST_LINE = re.compile(
    r"^(?:(?:yes|okay|ok|sure|please|all right|right)[,.]?\s+)*(?:(?:[A-Z][\w'-]+,?\s+)?(?:please\s+)?go ahead"
    r"|next question|(?:the )?next one|in the (?:back|front|middle)|(?:over )?here)[.!]?$",
    re.I,
)
_MARKER = re.compile(
    r"^(?:contents|table of contents|back to contents|содержание|к содержанию|answers to (?:media )?questions"
    r"(?: from the media)?|из ответов на вопросы(?: сми)?|ответы на вопросы(?: сми)?|opening remarks|opening statement"
    r"|questions and answers|q\s*&\s*a|冒頭発言|質疑応答|答记者问)\s*[:：.]?$",
    re.I,
)
_NUMBERED = re.compile(r"^(?:[IVX]{1,5}\.|\d{1,2}[.)]|\(\d{1,2}\)|（\d{1,2}）|[一二三四五六七八九十]{1,3}、)\s*")
_DATELINE = re.compile(
    r"\b\d{1,2}:\d{2}\s*[ap]\.?m\b|\d{4}年\d{1,2}月\d{1,2}日|^[（(]?(?:令和|平成)\s*(?:元|\d{1,2})年|^(?:monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday)\b|^\w+ \d{1,2}, \d{4}$|^\d{1,2} \w+,? \d{4}$",
    re.I,
)
_LEADING_NOTE = re.compile(
    r"^(?:\([^()]{0,80}(?:hindi|translat|interpret|english|russian|chinese|korean|japanese)[^()]{0,80}\)|"
    r"（[^（）]{0,40}(?:翻译|译文|同传)[^（）]{0,40}）)\s*",
    re.I,
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A name after an official's title (and portfolio: "Minister for Development") in a briefing's title: two or three
# capitalised words (the last two after a portfolio), then the end, a comma,
# a possessive or a preposition; the Russian initials form ("А.А.Зайцева"); Chinese "发言人X主持".
_TITLE_NAMES = (
    re.compile(
        r"\b(?i:spokesperson|spokesman|spokeswoman|director|minister|secretary|department|ambassador|envoy|"
        r"representative|counsell?or|chief)(?:\s+(?:for|of)\s+(?:the\s+)?[A-Z][\w-]*(?:\s+(?:and\s+)?[A-Z][\w-]*)*)*"
        r"\s+(?P<name>[A-Z](?:[A-Za-z-]|['’](?!s\b))+(?:\s+(?:[A-Z]\.|[A-Z](?:[A-Za-z-]|['’](?!s\b))+)){1,2})"
        r"(?=\s*(?:$|[,:;(–—]|['’]s\b|-\s)|\s+(?i:at|on|in|to|for|with|during|speech|statement|remarks|address)\b)"
    ),
    re.compile(r"(?P<name>\b[А-ЯЁ]\.\s?[А-ЯЁ]\.\s?[А-ЯЁ][а-яё]+)"),
    re.compile(r"发言人(?P<name>[\u4e00-\u9fff]{2,4}?)(?:主持|答)"),
)
# A title that announces one official's speech or statement: its text is theirs even without labels.
_SPEECH_TITLE = re.compile(r"\b(?:speech|remarks|statement|address|lecture)\b", re.I)
# An official's paragraph that only hosts a briefing where another official speaks: introducing the guest and
# asking them to begin, opening the floor, closing the briefing (the MEA's special briefings).
_HANDOVER = re.compile(
    r"\bmay I (?:now )?(?:request|invite)\b|\bI (?:would )?(?:now )?(?:request|invite) (?:\w+ ){0,6}to (?:make|give|"
    r"share|deliver|say)\b|\bwe (?:will|shall|can) now (?:take|open the floor (?:for|to))(?: a few| some| your)? "
    r"questions\b|\bthe floor is (?:now )?open\b|\b(?:with this|this brings us|that brings us),? (?:we )?"
    r"(?:come )?to the (?:end|close)\b",
    re.I,
)
# Capitalised words after a title that are no name ("Department Press Briefing", "Minister of Foreign Affairs").
_NOT_NAMES = _words(
    "press briefing briefings conference regular remarks statement speech speeches foreign ministry affairs "
    "department information office general deputy spokesperson minister secretary state special online media "
    "weekly daily transcript interview of the and for on"
)
_THANKS = re.compile(r"thank|спасибо|благодарю|谢谢|感谢|ありがとう", re.I)
_FOLLOW_UP = re.compile(r"follow[- ]?up|追问|ещё один вопрос|補足", re.I)
_TERMINAL = tuple(".?!。？！…:;：；\"”»'’)）")
_LATIN_OR_CYRILLIC = re.compile(r"[A-Za-zА-Яа-яЁё]")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LAYOUTS = {"CN": "cn-mfa", "RU": "ru-mid", "US": "us-state", "GB": "uk-gov", "JP": "jp-mofa", "IN": "in-mea"}


@dataclass
class _Turn:
    """An utterance being built."""

    kind: UtteranceKind
    paragraph: int
    parts: list[str]
    speaker: str | None = None
    speaker_id: str | None = None
    outlet: str | None = None
    outlet_id: str | None = None
    journalist: str | None = None
    heading: str | None = None

    def utterance(self) -> Utterance:
        return Utterance(
            self.kind,
            PARAGRAPH_SEPARATOR.join(self.parts),
            self.paragraph,
            speaker=self.speaker,
            speaker_id=self.speaker_id,
            outlet=self.outlet,
            outlet_id=self.outlet_id,
            journalist=self.journalist,
            heading=self.heading,
        )


@dataclass
class _Reader:
    """The state of one pass over a document."""

    directory: SpeakerDirectory
    ministry: str | None
    title_speaker: str | None
    #: The name the title gives when it is not in the speakers file ("... Department Alexey Zaitsev, Moscow"): the
    #: speaker, as written, of unlabelled announcements and generic answers.
    title_name: str | None = None
    #: The title's key: the title repeated at the top of the text (an embassy's mirror) is a header line.
    title_key: str | None = None
    #: Two officials or more speak (a spokesperson hosting a guest): an official's one-paragraph handover is no turn.
    hosted: bool = False
    turns: list[_Turn] = field(default_factory=list)
    current: _Turn | None = None
    asked: bool = False
    heading: str | None = None
    heading_at: int = -1
    pending_outlet: tuple[str, str | None] | None = None
    #: The last official's label and id: an unlabelled numbered announcement is theirs.
    official: tuple[str | None, str | None] = (None, None)
    #: Officials' labels as keys, with their ids: "Foreign Secretary" after "Foreign Secretary Yvette Cooper".
    officials: dict[str, str] = field(default_factory=dict)
    #: Journalists' outlets, for their follow-ups without one.
    journalists: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    unknown: dict[str, None] = field(default_factory=dict)

    def start(self, turn: _Turn) -> None:
        if self.heading is not None and self.heading_at == turn.paragraph - 1:
            turn.heading = self.heading
        self.turns.append(turn)
        self.current = turn

    def labelled(self, index: int, label: Label, *, alone: bool = False) -> None:
        """A labelled paragraph; ``alone``: the next paragraph with text starts with a label (the utterance is this
        one paragraph)."""
        text = _LEADING_NOTE.sub("", label.rest).strip() or label.rest
        if label.role == "procedural":
            self.pending_outlet = outlet_named_by_host(label.rest, self.directory) or self.pending_outlet
            self.current = None
            return
        if label.role == "question":
            self.asked = True
            self.start(self.question(index, label, text))
            return
        if self.hosted and alone and len(text.split()) <= 80 and _HANDOVER.search(text):
            self.current = None  # the host of a special briefing introducing the guest, opening or closing
            return
        if _HOST_LINE.match(text) and not (self.turns and self.turns[-1].kind == "question"):
            # The official handing over the floor; right after a question ("Can I follow up?") it answers it.
            self.current = None
            return
        self.pending_outlet = None
        speaker = (self.title_name if self.title_speaker is None else None) if label.generic else label.written
        speaker_id = label.speaker_id or (self.title_speaker if label.generic else self.inherited(label.written))
        if speaker is not None and speaker_id is not None:
            self.officials[label_key(speaker)] = speaker_id
        elif speaker is not None:
            self.unknown[speaker] = None
        self.official = (speaker, speaker_id)
        self.start(_Turn("answer" if self.asked else "announcement", index, [text], speaker, speaker_id))

    def question(self, index: int, label: Label, text: str) -> _Turn:
        outlet, outlet_id, journalist = label.outlet, label.outlet_id, label.journalist
        if outlet is None and label.generic:
            introduced = outlet_in_question(text, self.directory)
            if introduced is not None:
                outlet, outlet_id = introduced
        if outlet is None and journalist is not None and journalist in self.journalists:
            outlet, outlet_id = self.journalists[journalist]
        if outlet is None and self.pending_outlet is not None:
            outlet, outlet_id = self.pending_outlet
        self.pending_outlet = None
        if journalist is not None and outlet is not None:
            self.journalists.setdefault(journalist, (outlet, outlet_id))
        if outlet is not None and outlet_id is None:
            self.unknown[outlet] = None
        return _Turn("question", index, [text], outlet=outlet, outlet_id=outlet_id, journalist=journalist)

    def inherited(self, written: str) -> str | None:
        """The id of an earlier official label this short one is part of ("Foreign Secretary"), if exactly one."""
        key = label_key(written)
        ids = {sid for known, sid in self.officials.items() if key in known or known in key}
        return ids.pop() if len(ids) == 1 else None

    def plain(self, index: int, paragraph: str, *, before_label: bool) -> None:
        """An unlabelled paragraph; ``before_label``: the next paragraph with text starts with a label (or is a
        section marker), so that after the first question a short line is a heading only before a new turn and
        otherwise part of the answer (a list item)."""
        numbered = _NUMBERED.match(paragraph) is not None
        if _heading_shaped(paragraph) and (before_label or not self.asked):
            self.heading, self.heading_at = paragraph, index
            self.current = None
            return
        if numbered and not self.asked:
            default = (self.title_name if self.title_speaker is None else None, self.title_speaker)
            speaker, speaker_id = self.official if self.official != (None, None) else default
            self.start(_Turn("announcement", index, [paragraph], speaker, speaker_id))
            return
        if self.current is not None:
            self.current.parts.append(paragraph)
            return
        if not self.turns and (
            _short(paragraph)
            or _DATELINE.search(paragraph)
            or _HEADER_NOTE.match(paragraph)
            or label_key(paragraph) == self.title_key
        ):
            return  # a header line: "Washington, D.C.", "Ned Price, Department Spokesperson", a translation note
        if not self.asked:
            speaker = self.title_name if self.title_speaker is None else None
            self.start(_Turn("announcement", index, [paragraph], speaker, self.title_speaker))
        elif self.turns:
            self.turns[-1].parts.append(paragraph)
            self.current = self.turns[-1]


def _short(paragraph: str) -> bool:
    """A line of at most eight words (in Chinese or Japanese, written without spaces: 25 characters that do not
    end a sentence)."""
    if _CJK.search(paragraph) or _KANA.search(paragraph):
        return len(paragraph) <= 25 and not paragraph.endswith(("。", "！", "？"))
    return len(paragraph.split()) <= 8


def _heading_shaped(paragraph: str) -> bool:
    """A section heading: a short line that is not a sentence ("The situation in Sudan", "（1）G7外相会合について")."""
    if len(paragraph) > 120 or paragraph.endswith(_TERMINAL) or _DATELINE.search(paragraph):
        return False
    if _LATIN_OR_CYRILLIC.search(paragraph[:1]) and not paragraph[0].isupper():
        return False
    if _CJK.search(paragraph) or _KANA.search(paragraph):
        return len(paragraph) <= 40
    return len(paragraph.split()) <= 14


def segment(
    text: str,
    *,
    title: str | None = None,
    language: str | None = None,
    ministry: str | None = None,
    speakers: SpeakerDirectory | None = None,
) -> Segmentation:
    """The exchanges of a briefing's ``text`` (paragraphs separated by a blank line).

    ``title`` names the spokesperson of unlabelled answers; ``ministry`` (the source's country code, "CN")
    resolves names shared across ministries and names the layout; ``language`` names it too; ``speakers`` is
    the directory labels are normalised with (default: the shipped ``config/speakers.yaml``; pass
    :func:`pipeline.enrich.speakers.speakers_for` ``(settings)`` for the configured one). Never raises: a text
    with no recognisable labels is one announcement per paragraph (layout ``generic``).
    """
    directory = speakers if speakers is not None else default_speakers()
    paragraphs = text.split(PARAGRAPH_SEPARATOR)
    stripped = [paragraph.strip() for paragraph in paragraphs]
    title_speaker = directory.speaker_in(title, ministry=ministry) if title else None
    labels: dict[int, Label] = {}
    for index, paragraph in enumerate(stripped):
        if paragraph and not _CLOSING.match(paragraph) and not _NOTE.match(paragraph):
            label = parse_label(paragraph, directory, ministry=ministry, title=title)
            if label is not None:
                labels[index] = label
    labels = _with_unlisted_officials(_without_stray_labels(_with_loose_labels_paired(labels)), title)
    title_name = _name_in_title(title) if title and title_speaker is None else None
    # A speech whose title names a speaker the file does not know is still theirs; a news story stays generic.
    speech = title_name is not None and _SPEECH_TITLE.search(title or "") is not None
    if len(labels) < 2 and title_speaker is None and not speech:
        return _generic(stripped)
    reader = _Reader(
        directory, ministry, title_speaker, title_name, label_key(title) if title else None, _officials(labels) >= 2
    )
    content = [
        index
        for index in _content_range(stripped, labels)
        if stripped[index] and not _CLOSING.match(stripped[index]) and not _NOTE.match(stripped[index])
    ]
    for position, index in enumerate(content):
        paragraph = stripped[index]
        following = content[position + 1] if position + 1 < len(content) else None
        before_label = following is None or following in labels or _MARKER.match(stripped[following]) is not None
        if index in labels:
            reader.labelled(index, labels[index], alone=before_label)
        elif _MARKER.match(paragraph):
            reader.current, reader.heading = None, None
        else:
            reader.plain(index, paragraph, before_label=before_label)
    turns = _without_closing_thanks(reader.turns)
    utterances = [turn.utterance() for turn in turns]
    return Segmentation(
        _exchanges(utterances),
        _layout(list(labels.values()), ministry or _ministry_of(utterances, directory), language, text),
        tuple(reader.unknown),
    )


def _officials(labels: dict[int, Label]) -> int:
    """How many officials speak: named official labels, a short one ("Foreign Secretary") counted with the full
    one it is part of ("Foreign Secretary Yvette Cooper")."""
    keys = {
        label.speaker_id or label_key(label.written)
        for label in labels.values()
        if label.role == "official" and not label.generic
    }
    return sum(1 for key in keys if not any(key != other and key in other for other in keys))


def _with_loose_labels_paired(labels: dict[int, Label]) -> dict[int, Label]:
    """The labels, with "Q." / "A." (a full stop or a dash for the colon) kept only where the document has both a
    question and an answer of that shape: "A. Lists" or "Q. the quality" alone are an answer's text."""
    loose = [label for label in labels.values() if label.loose]
    if not loose or {label.role for label in loose} == {"question", "official"}:
        return labels
    return {index: label for index, label in labels.items() if not label.loose}


def _name_in_title(title: str) -> str | None:
    """The official a title names when the speakers file does not know them, as written: "Briefing by Deputy
    Director of the Information and Press Department Alexey Zaitsev, Moscow" gives "Alexey Zaitsev"."""
    for pattern in _TITLE_NAMES:
        match = pattern.search(title)
        if match and not any(word in _NOT_NAMES for word in label_key(match.group("name")).split()):
            return match.group("name")
    return None


def _without_stray_labels(labels: dict[int, Label]) -> dict[int, Label]:
    """The labels, without names that ask once in a document whose questions are all generic ("Q:", "QUESTION:",
    "Question:"): there, "Wang Yi: ..." opening a paragraph of an answer quotes him; it is no turn."""
    generic = sum(1 for label in labels.values() if label.role == "question" and label.generic)
    named = Counter(
        label.written
        for label in labels.values()
        if label.role == "question" and not label.generic and label.outlet_id is None and label.journalist is None
    )
    if generic < 3 or any(label.outlet_id or label.journalist for label in labels.values()):
        return labels
    stray = {written for written, count in named.items() if count == 1}
    if not stray or len(stray) * 3 > generic:
        return labels
    return {index: label for index, label in labels.items() if label.written not in stray}


def _with_unlisted_officials(labels: dict[int, Label], title: str | None) -> dict[int, Label]:
    """The labels, with those of a spokesperson missing from the speakers file read as an official's rather than
    an asker's: a name the title gives ("Spokesperson Li Hua's Regular Press Conference"), or, when no label of
    the document is an official's, the label that speaks most (twice at least, and a third of all labels)."""
    askers = [label for label in labels.values() if label.role == "question" and not label.generic]
    unlisted = [label.written for label in askers if label.outlet_id is None]
    title_key = f" {label_key(title)} " if title else ""
    promoted = {
        written
        for written in unlisted
        if title_key
        and (f" {label_key(written)} " in title_key if not _CJK.search(written) else written in (title or ""))
        and (len(written.split()) > 1 or _CJK.search(written) is not None)
    }
    if not promoted and len(labels) >= 4 and not any(label.role == "official" for label in labels.values()):
        counted = Counter(unlisted).most_common(1)
        if counted and counted[0][1] >= 2 and counted[0][1] * 3 >= len(labels):
            promoted.add(counted[0][0])
    if not promoted:
        return labels
    return {
        index: replace(label, role="official", outlet=None, outlet_id=None, journalist=None)
        if label.written in promoted
        else label
        for index, label in labels.items()
    }


def _content_range(paragraphs: list[str], labels: dict[int, Label]) -> range:
    """Every paragraph but a trailing dateline ("New Delhi", "March 14, 2024") after the last labelled one."""
    end = len(paragraphs)
    last_label = max(labels, default=-1)
    while end - 1 > last_label:
        tail = paragraphs[end - 1]
        if tail and not (len(tail.split()) <= 4 and not tail.endswith((".", "?", "!", "。"))):
            break
        end -= 1
    return range(end)


def _without_closing_thanks(turns: list[_Turn]) -> list[_Turn]:
    """The turns without the official's closing thanks ("MR PRICE: Thanks, everyone.") at the end."""
    while len(turns) > 1:
        last, before = turns[-1], turns[-2]
        text = " ".join(last.parts)
        if last.kind == "question" or before.kind == "question" or len(text.split()) > 12 or not _THANKS.search(text):
            break
        turns = turns[:-1]
    return turns


def _generic(paragraphs: list[str]) -> Segmentation:
    """One announcement per paragraph, without closing lines and a note on the text at the top ("Transcript of
    the speech, exactly as it was delivered.")."""
    utterances = [
        Utterance("announcement", paragraph, index)
        for index, paragraph in enumerate(paragraphs)
        if paragraph and not _CLOSING.match(paragraph) and not (index <= 2 and _HEADER_NOTE.match(paragraph))
    ]
    return Segmentation(_exchanges(utterances), "generic")


def _exchanges(utterances: list[Utterance]) -> tuple[Exchange, ...]:
    """Announcements one by one; a question (with the questions right after it) and the answers that follow."""
    groups: list[list[Utterance]] = []
    for utterance in utterances:
        starts_exchange = utterance.kind == "question" and (not groups or groups[-1][-1].kind != "question")
        if utterance.kind == "announcement" or starts_exchange:
            groups.append([utterance])
        elif groups and groups[-1][0].kind != "announcement":
            groups[-1].append(utterance)
        else:  # an answer with no question before it cannot come out of the reader; kept as its own exchange
            groups.append([utterance])
    with_outlet = sum(1 for u in utterances if u.kind == "question" and (u.outlet or u.journalist))
    questions = sum(1 for u in utterances if u.kind == "question")
    outlets_usual = questions > 0 and with_outlet * 2 >= questions
    exchanges: list[Exchange] = []
    for position, group in enumerate(groups):
        first = group[0]
        follow_up = (
            first.kind == "question"
            and bool(exchanges)
            and exchanges[-1].kind == "exchange"
            and (
                _FOLLOW_UP.search(first.text[:80]) is not None
                or (outlets_usual and not (first.outlet or first.journalist))
            )
        )
        kind: ExchangeKind = "announcement" if first.kind == "announcement" else "exchange"
        # A follow-up naming nobody is asked by whoever asked before ("Follow-up:", "Q: A follow-up on that").
        continues = exchanges[-1].questioner if follow_up and not (first.outlet or first.journalist) else None
        exchanges.append(Exchange(position, kind, tuple(group), follow_up=follow_up, continues=continues))
    return tuple(exchanges)


def _ministry_of(utterances: list[Utterance], directory: SpeakerDirectory) -> str | None:
    for utterance in utterances:
        if utterance.speaker_id is not None:
            return directory.ministry_of(utterance.speaker_id)
    return None


def _layout(labels: list[Label], ministry: str | None, language: str | None, text: str) -> str:
    """The layout's name: the ministry's ("cn-mfa"), the language, and for China the era ("-qa": Q:/A:, 问/答;
    "-outlet": the outlet and the spokesperson's name)."""
    prefix = _LAYOUTS.get(ministry or "")
    if prefix is None:
        return "labels"
    language = language or _script_language(text)
    if ministry == "CN":
        generic = sum(1 for label in labels if label.generic)
        return f"{prefix}-{language}-{'qa' if generic * 2 > len(labels) else 'outlet'}"
    return f"{prefix}-{language}"


def _script_language(text: str) -> str:
    sample = text[:2000]
    if _KANA.search(sample):
        return "ja"
    if _CJK.search(sample):
        return "zh"
    return "ru" if len(_CYRILLIC.findall(sample)) > len(sample) // 4 else "en"
