"""Speaker labels at the start of a transcript's paragraphs: "Q:", "AFP:", "MR PRICE:", "路透社记者：", "【記者】".

A label only counts at the start of a paragraph, and only when it has the shape of one: a few capitalised words
or a known name, no verb ("As President Xi said:" and "Wang Yi said:" are quotations, not turns), no digits
(a date line), not a word that introduces a list ("First:") or a mailbox ("Email:"). Chinese labels must be a
known name, a generic "问"/"答", or end in "记者" (an outlet's journalist); Japanese ones sit in 【】.

:func:`parse_label` says what a paragraph's label is and who it names; the segmenter decides what that makes of
the paragraph in its document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pipeline.enrich.speakers import SpeakerDirectory, label_key

Role = Literal["question", "official", "procedural"]

_BRACKET_LABEL = re.compile(r"^【([^】]{1,30})】\s*(.*)\Z", re.S)
# "Q. ...", "A. ...", "Q - ...", "Question. ...": the generic labels with a full stop or a dash for a colon (the
# embassies' mirrors of the MFA's pages). Only these words, capitalised, and a document must use both the
# question and the answer shape for them to count (see the segmenter), so "A. Lists" alone make no turn.
_LOOSE_LABEL = re.compile(r"^(Q|A|Question|Answer|QUESTION|ANSWER)\s*(?:\.|\s[-–—])\s+(\S.*)\Z", re.S)
# "Speaker 1:", "Questioner 2:": a numbered, unnamed questioner (MEA transcripts).
_NUMBERED_ASKER = re.compile(r"^(?:speaker|questioner|participant|journalist|reporter)\s*\d{1,2}$", re.I)
_COLON_LABEL = re.compile(r"^([^:：\n]{1,80}?)\s*[:：]\s*(\S.*)\Z", re.S)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_DIGIT = re.compile(r"\d")
_QUALIFIED = re.compile(r"^(\w+)\s*[(（]([^()（）]{1,40})[)）]$")
# "Sato (Bloomberg News)", "Yeshi Seli (The New Indian Express)": a journalist with the outlet in brackets.
_NAME_OUTLET = re.compile(r"^([^()（）]{1,40}?)\s*[(（]([^()（）]{1,60})[)）]$")
_CJK_PUNCTUATION = re.compile(r"[，。、“”‘’？！（）「」]")
# Book-title marks around an outlet's name: "《环球时报》记者".
_TITLE_MARKS = re.compile(r"[《》〈〉]")

GENERIC_QUESTION = frozenset(
    {"q", "question", "questions", "вопрос", "问", "提问", "追问", "记者", "記者", "質問", "reporter", "journalist"}
    | {"follow up", "follow up question", "follow up q"}
)
GENERIC_ANSWER = frozenset({"a", "answer", "ответ", "答"})
PROCEDURAL = frozenset({"moderator", "operator", "host", "主持人", "司会", "ведущий", "модератор"})
# Words that, as a paragraph's first words before a colon, start a list, a contact line or a note: never a speaker.
_NOT_LABELS = frozenset(
    {
        *("note", "notes", "editor s note", "editors note", "notes to editors", "update", "background", "source"),
        *("sources", "contact", "email", "e mail", "telephone", "tel", "fax", "phone", "date", "time", "place"),
        *("venue", "location", "subject", "re", "ps", "first", "second", "third", "firstly", "secondly"),
        *("thirdly", "finally", "lastly", "however", "also", "contents", "further information", "media enquiries"),
        *("warning", "important", "tags", "related", "see also", "read more"),
        *("примечание", "содержание", "источник", "注", "注释", "来源", "时间", "地点", "於", "日時", "場所"),
    }
)
# A label never starts with these (a sentence does: "On Taiwan: ...", "As the Secretary said: ...").
_SENTENCE_STARTS = _words(
    "on in at as for to from with about regarding concerning and but so here there this that these those it we i "
    "our my they he she what why how when where who which if because let да и но в на о об по как что это мы я"
)
_VERBS = _words(
    "said says say saying stated states noted added adds told tells asked asks wrote writes put recalled stressed "
    "emphasized emphasised declared announced replied answered remarked explained warned insisted reiterated "
    "claimed tweeted posted commented according quoted reads "
    "сказал сказала сказали заявил заявила заявили отметил отметила подчеркнул подчеркнула говорил говорила "
    "написал написала указал указала сообщил сообщила добавил добавила"
)
_CJK_VERBS = ("说", "表示", "指出", "强调", "宣布", "认为", "提到", "述べ", "発言", "語っ", "言っ", "所言")
_CONNECTORS = _words("of for the and de del della di da du la le van von der den al el bin ibn y und des dos das")
_OFFICIAL_WORDS = _words(
    "spokesperson spokeswoman spokesman minister secretary ambassador official officials director deputy envoy "
    "president premier chancellor counselor counsellor adviser advisor representative coordinator administrator "
    "undersecretary commissioner general admiral mr ms mrs"
)
_CJK_OFFICIAL = ("大臣", "報道官", "长官", "部长", "发言人", "發言人", "外相", "官房")
_CJK_JOURNALIST = ("记者", "記者")
_MEDIA_WORDS = _words(
    "news press shimbun times tv television radio agency daily post journal network broadcasting media group herald "
    "tribune gazette channel service online weekly review"
)
_CJK_MEDIA = ("新聞", "通信", "放送", "电视", "日报", "新闻", "广电", "社", "台")
# "Rishabh from Times Now", "Sir, Kavya from The Hindu": a journalist introducing themselves and their outlet.
_FROM_OUTLET = re.compile(
    r"(?<!\w)(?P<journalist>[A-Z][\w'-]+)\s+from\s+(?:the\s+)?"
    # "Press Trust of India": an "of" may join the outlet's capitalised words.
    r"(?P<outlet>(?:The\s+)?[A-Z][\w&'-]*(?:[ \t]+(?:of[ \t]+)?[A-Z][\w&'-]*){0,4})"
)
# "Hi, Ned. Shaun Tandon with AFP.", "Thank you, Matt. Nike Ching, Voice of America.": a journalist's sentence of
# name and outlet at the start of a question (the State Department's QUESTION: turns).
_NAME_WITH_OUTLET = re.compile(
    r"(?:^|[.!?]\s+)(?P<journalist>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){1,2})(?P<joint>\s+(?:with|from|of)\s+|,\s*)"
    r"(?:the\s+)?(?P<outlet>(?:The\s+)?[A-Z][\w&'-]*(?:[ \t]+(?:of\s+)?[A-Z][\w&'-]*){0,4})\s*[.!?]"
)
# "comes from the line of Shaun Tandon with AFP", "Let's go to Said Arikat of Al-Quds".
_HOST_OUTLET = re.compile(r"\b(?:with|of|from)\s+(?P<outlet>(?:The\s+)?[A-Z][\w&'-]*(?:[ \t]+[A-Z][\w&'-]*){0,4})")


@dataclass(frozen=True, slots=True)
class Label:
    """A paragraph's label: as written, the rest of the paragraph, and whom it names."""

    written: str
    rest: str
    role: Role
    #: "Q", "A", "QUESTION", "问", "Reporter": a label that names nobody.
    generic: bool = False
    #: "Q." / "A." with a full stop or a dash: a label only where the document uses both (see the segmenter).
    loose: bool = False
    speaker_id: str | None = None
    outlet: str | None = None
    outlet_id: str | None = None
    journalist: str | None = None


def parse_label(
    paragraph: str, directory: SpeakerDirectory, *, ministry: str | None, title: str | None = None
) -> Label | None:
    """The label ``paragraph`` starts with, or None when it starts with none (see the module's rules). A Chinese
    name the ``title`` contains is a label too (a spokesperson not yet in the speakers file)."""
    loose = _LOOSE_LABEL.match(paragraph)
    if loose:
        key = loose.group(1)[0].casefold()
        role: Role = "question" if key == "q" else "official"
        return Label(loose.group(1), loose.group(2).strip(), role, generic=True, loose=True)
    bracket = _BRACKET_LABEL.match(paragraph)
    if bracket:
        written, rest = bracket.group(1).strip(), bracket.group(2).strip()
        if label_key(written) in ("打印", "关闭", "打印本页", "关闭窗口"):
            return None
        return _named(written, rest, directory, ministry, bracketed=True)
    colon = _COLON_LABEL.match(paragraph)
    if colon is None:
        return None
    written, rest = colon.group(1).strip(), colon.group(2).strip()
    qualified = _QUALIFIED.match(written)
    if qualified and label_key(qualified.group(1)) in GENERIC_QUESTION:
        # "Question (TASS):", "Вопрос (РИА Новости):", "Вопрос (уточнение):": the brackets name the outlet, if any.
        inner = qualified.group(2).strip()
        outlet_id = directory.outlet(inner)
        named = outlet_id is not None or inner[:1].isupper()
        return Label(written, rest, "question", generic=not named, outlet=inner if named else None, outlet_id=outlet_id)
    if not written or not _label_shaped(written, directory, ministry, title):
        return None
    return _named(written, rest, directory, ministry, bracketed=False)


def _label_shaped(written: str, directory: SpeakerDirectory, ministry: str | None, title: str | None) -> bool:
    key = label_key(written)
    if _NUMBERED_ASKER.match(written):
        return True
    if not key or key in _NOT_LABELS or _DIGIT.search(written):
        return False
    if key in GENERIC_QUESTION or key in GENERIC_ANSWER or key in PROCEDURAL:
        return True
    if _CJK.search(written):
        bare = _TITLE_MARKS.sub("", written)
        if len(bare) > 20 or _CJK_PUNCTUATION.search(bare) or any(verb in bare for verb in _CJK_VERBS):
            return False
        return (
            bare.endswith(_CJK_JOURNALIST)
            or (title is not None and len(written) >= 2 and written in title)
            or directory.speaker(written, ministry=ministry) is not None
            or directory.outlet(written) is not None
        )
    words = [word for word in re.split(r"[\s,]+", written) if word]
    if len(words) > 9 or len(written) > 70 or words[0].casefold() in _SENTENCE_STARTS:
        return False
    for word in words:
        bare = word.strip(".'’()-")
        if not bare:
            continue
        if bare.casefold() in _VERBS:
            return False
        if not (bare[0].isupper() or bare.casefold() in _CONNECTORS):
            return False
    return True


def _named(written: str, rest: str, directory: SpeakerDirectory, ministry: str | None, *, bracketed: bool) -> Label:
    key = label_key(written)
    if key in GENERIC_QUESTION or _NUMBERED_ASKER.match(written):
        return Label(written, rest, "question", generic=True)
    if key in GENERIC_ANSWER:
        return Label(written, rest, "official", generic=True)
    if key in PROCEDURAL:
        return Label(written, rest, "procedural", generic=True)
    speaker_id = directory.speaker(written, ministry=ministry)
    if speaker_id is not None:
        return Label(written, rest, "official", speaker_id=speaker_id)
    if directory.outlet(written) is not None or not _official(written, key):
        return _asker(written, rest, directory, ministry, bracketed=bracketed)
    return Label(written, rest, "official")


def _official(written: str, key: str) -> bool:
    if _CJK.search(written):
        return any(word in written for word in _CJK_OFFICIAL)
    words = key.split()
    if any(word in _OFFICIAL_WORDS for word in words):
        return True
    # The State Department's "SENIOR STATE DEPARTMENT OFFICIAL", "AMBASSADOR THOMAS-GREENFIELD".
    return len(words) > 1 and written.replace(" ", "").replace("-", "").isupper()


def _asker(written: str, rest: str, directory: SpeakerDirectory, ministry: str | None, *, bracketed: bool) -> Label:
    """A questioner's label: an outlet, a journalist, or both ("Kyodo News, Katsurada", "NHK 北川記者")."""
    bracketed_outlet = _NAME_OUTLET.match(written)
    # "Sato (Bloomberg News)"; not "China Review News (Hong Kong)", an outlet with its place, nor "(interpreted)".
    if (
        bracketed_outlet
        and bracketed_outlet.group(2).strip()[:1].isupper()
        and not _media_like(bracketed_outlet.group(1))
        and directory.outlet(bracketed_outlet.group(1)) is None
    ):
        journalist, outlet = bracketed_outlet.group(1).strip(), bracketed_outlet.group(2).strip()
        return Label(
            written, rest, "question", outlet=outlet, outlet_id=directory.outlet(outlet), journalist=journalist
        )
    parts = [part.strip() for part in re.split(r"[,，]", written) if part.strip()]
    if len(parts) == 1 and bracketed and re.search(r"\s", written.strip()):
        parts = written.split()
    if len(parts) > 1:
        known = [part for part in parts if directory.outlet(part)]
        outlet = known[0] if known else max(parts, key=lambda part: (_media_like(part), len(part.split())))
        journalist = ", ".join(part for part in parts if part != outlet)
        return Label(
            written, rest, "question", outlet=outlet, outlet_id=directory.outlet(outlet), journalist=journalist
        )
    outlet_id = directory.outlet(written)
    if outlet_id is not None or _CJK.search(written):
        # "韩联社记者", "《环球时报》记者": the outlet is the name without the journalist's word and the marks.
        outlet = _TITLE_MARKS.sub("", written).removesuffix("记者").removesuffix("記者").strip() or written
        return Label(written, rest, "question", outlet=outlet, outlet_id=outlet_id)
    introduced = outlet_in_question(rest, directory)
    if introduced is not None:
        return Label(written, rest, "question", outlet=introduced[0], outlet_id=introduced[1], journalist=written)
    # India's MEA names journalists by first name ("Rishabh:"); elsewhere an unknown label is an outlet
    # ("China Review News:", "Hubei Media Group:").
    if ministry == "IN" and len(written.split()) == 1 and not _media_like(written):
        return Label(written, rest, "question", journalist=written)
    return Label(written, rest, "question", outlet=written)


def _media_like(part: str) -> bool:
    if _CJK.search(part):
        return any(word in part for word in _CJK_MEDIA)
    return any(word in _MEDIA_WORDS for word in label_key(part).split())


def _known_prefix(phrase: str, directory: SpeakerDirectory) -> tuple[str, str | None]:
    """The longest leading words of ``phrase`` that name a known outlet, else the phrase as written."""
    words = phrase.split()
    for end in range(len(words), 0, -1):
        candidate = " ".join(words[:end])
        outlet_id = directory.outlet(candidate)
        if outlet_id is not None:
            return candidate, outlet_id
    return phrase, None


def outlet_in_question(text: str, directory: SpeakerDirectory) -> tuple[str, str | None] | None:
    """The outlet a journalist names at the start of a question ("Hi sir, Rishabh from Times Now."), as written
    and as an id."""
    head = text[:160]
    match = _FROM_OUTLET.search(head)
    if match:
        return _known_prefix(match.group("outlet"), directory)
    named = _NAME_WITH_OUTLET.search(head)
    if named is None:
        return None
    outlet, outlet_id = _known_prefix(named.group("outlet"), directory)
    # "Mr Secretary, Ukraine." is no affiliation: after a bare comma the outlet must be known or look like one.
    if outlet_id is None and "," in named.group("joint") and not _media_like(outlet):
        return None
    return outlet, outlet_id


def outlet_named_by_host(text: str, directory: SpeakerDirectory) -> tuple[str, str | None] | None:
    """The outlet a moderator or operator gives for the next question ("... Shaun Tandon with AFP")."""
    found = list(_HOST_OUTLET.finditer(text))
    return _known_prefix(found[-1].group("outlet"), directory) if found else None
