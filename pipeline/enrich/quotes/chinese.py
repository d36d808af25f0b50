"""Attribution in one Chinese sentence: the speaker before 表示/指出/强调/说/称..., and the clause a comma after
the verb reports ("毛宁表示，中方愿...").

The speaker is the subject of the verb's clause, read back to the last clause punctuation and trimmed of
what news puts between a subject and its verb: a day (13日, 周一), a place (在例行记者会上), an occasion
(就...答问时, 回应...时), an adverb (也, 又, 再度). A verb with nothing left before it continues the speaker
before it ("毛宁周二再度批评，指三国「...」，又称「...」"): the sentence's previous speaker, else whoever the
extractor last saw named.
"""

from __future__ import annotations

import re

from pipeline.enrich.quotes.marks import MASK
from pipeline.enrich.quotes.model import Attribution

_ZH_VERB = re.compile(
    # 问 alone, not the end of 询问 (inquire), 访问 (visit), 顾问 (adviser) and the like.
    r"(?:表示|指出|强调|重申|介绍|回应|宣布|透露|声称|批评|称|说|(?<![询访顾学疑过慰审])问|答)"
    r"(?=[：:，,“「。" + MASK + "]|$)"
)
#: 指 ("指三国「...」") reports only right after a clause break and with a short object before the quote.
_ZH_POINTING = re.compile(r"(?:^|(?<=[，,；;]))(?:又|并|还|也|更)?指(?=[^，。；：:,;" + MASK + r"]{0,8}" + MASK + ")")
#: A call, reported with its verb and what it calls for ("敦促美方停止炒作", "呼吁双方保持克制"): the verb before
#: its addressee, not a noun ("中方的呼吁。").
_ZH_CALL = re.compile(r"(?<![的一该此])(?:敦促|呼吁|呼籲|促请|促請)(?=[\u4e00-\u9fff])(?![的是声聲书書下])")
#: A clause after a call that another subject's speech verb opens ("...，日本外务省则称..."; not "，并称", the same
#: speaker going on): where the call ends.
_ZH_OTHER_SPEAKER = re.compile(
    r"[，,](?!并|並|同时|同時|还|還|又|也|但)(?=[^，,。；;]{1,12}?(?:表示|称|稱|说|說|指出|强调|強調|回应|回應))"
)
#: A clause that opens with a circumstance, whose call is what someone else said: "在国际社会呼吁下", "针对日本首相
#: 呼吁中方...，毛宁表示".
_ZH_CIRCUMSTANCE = re.compile(r"^(?:在|针对|針對|对于|對於|就|据|據|随着|隨著|应|應)")
#: A Chinese character: words running on from a quote's closing mark.
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]")
#: What closes the clause a speaker opens (not 、, which lists names inside a phrase).
_ZH_CLAUSE = re.compile(r"[，。；：:,;！？“”「」『』（）()" + MASK + "]")
_ZH_TRAILING = re.compile(
    r"(?:也|还|又|亦|再|再次|再度|进一步|则|同时|并|当天|今天|昨天|日前|此前|随后|近日|对此|就此|对此事|就此事|曾|"
    r"当时|上月|上周|本周|本月|早前|就|一再|多次|再三|屡次|反复|"
    r"上午|下午|晚间|"
    r"\d+日|\d+月\d+日|周[一二三四五六日天]|星期[一二三四五六日天]|"
    r"(?:就|针对|回应|谈及|谈到|被问及|被问到)[^，。]{1,40}?时|"
    r"[在于][^，。]{1,12}?[上时中]|回答[^，。]{0,20}?时|答记者问时|回应|答复|回答|补充)$"
)
#: A short aside in brackets inside a speaker's clause ("郭嘉昆今天（11日）在例行记者会上介绍").
_ZH_ASIDE = re.compile(r"[（(][^（）()" + MASK + r"]{1,12}[）)]")
#: Conjunctions that open a clause whose verb continues the speaker before ("...，但强调“...”").
_ZH_CONJUNCTIONS = frozenset({"但", "但是", "并", "并且", "同时", "而", "另外", "此外", "随后", "不过"})
_ZH_LEADING = re.compile(r"^(?:有|据|针对[^，]*|而)")
_ZH_PRONOUNS = frozenset({"他", "她", "他们", "她们"})
_ZH_NOT_SPEAKERS = frozenset({"问", "答", "报道", "据报道", "据悉"})
_ZH_QUESTIONS = ("问",)


def chinese(sentence: str) -> list[Attribution]:
    """Chinese attributions, in order: the subject of 表示/指出/强调/说/称... (see the module)."""
    calls = list(_ZH_CALL.finditer(sentence))
    verbs = sorted([*_ZH_VERB.finditer(sentence), *_ZH_POINTING.finditer(sentence), *calls], key=lambda m: m.start())
    found: list[Attribution] = []
    for match in verbs:
        if match in calls and any(a.content and a.content[0] <= match.start() < a.content[1] for a in found):
            continue  # "林剑表示，中方敦促...": the call is what the verb before reports
        if match in calls and _ZH_CIRCUMSTANCE.match(_clause_before(sentence, match.start())):
            continue
        verb = match.start() + (len(match.group()) - 1 if match.group().endswith("指") else 0)
        phrase = _subject(sentence[:verb])
        if phrase is None:
            continue
        question = match.group().startswith(_ZH_QUESTIONS)
        if not phrase:
            if question or match.group() == "答":
                continue
            # 又称, 指: the speaker before it in the sentence, else the one last named.
            before = found[-1] if found else None
            phrase = before.speaker if before is not None else ""
            pronoun = before.pronoun if before is not None else True
        else:
            pronoun = phrase in _ZH_PRONOUNS
        content = None
        if match in calls:
            ends = _next_clause(sentence, match.end(), verbs)
            other = _ZH_OTHER_SPEAKER.search(sentence, match.end(), ends)
            content = _zh_content(sentence, match.start(), other.start() if other else ends)
        elif sentence[match.end() : match.end() + 1] in ("，", ","):
            content = _zh_content(sentence, match.end() + 1, _next_clause(sentence, match.end(), verbs))
        found.append(Attribution(phrase, pronoun, verb, content, question))
    return found


def _next_clause(sentence: str, after: int, verbs: list[re.Match[str]]) -> int:
    """Where the clause of the next speech verb after ``after`` opens, if one continues the speaker ("她没有...，
    建议...，但强调“...”": what 说 reports stops before 但强调) or names one of its own ("...解决；至于...，
    他表示“...”": it stops at the semicolon); the sentence's end otherwise."""
    for match in verbs:
        if match.start() > after:
            subject = _subject(sentence[: match.start()])
            opening = max(sentence.rfind(mark, after, match.start()) for mark in "，,；;")
            if opening > after and subject == "":
                return opening
            semicolon = max(sentence.find(mark, after, match.start()) for mark in "；;")
            if semicolon > after and subject:
                return semicolon
            if opening > after and subject and sentence[opening + 1 : match.start()].startswith(subject):
                return opening  # "...，日本外务省则称...": another speaker's clause begins at the comma
    return len(sentence)


def _clause_before(sentence: str, at: int) -> str:
    """The sentence's clause up to ``at``: from the last clause punctuation before it."""
    left = sentence[:at]
    return left[max((m.end() for m in _ZH_CLAUSE.finditer(left)), default=0) :]


def _subject(left: str) -> str | None:
    """The speaker phrase ending a verb's clause (``left``: the sentence before the verb); "" when the verb
    opens its clause, None when what is there names no speaker."""
    left = _ZH_ASIDE.sub("", left)  # "今天（11日）": an aside in brackets is not a clause break
    boundary = max((m.end() for m in _ZH_CLAUSE.finditer(left)), default=0)
    opens_clause = boundary > 0 and left[boundary - 1] in "，,；;"
    phrase = left[boundary:]
    while True:
        trimmed = _ZH_TRAILING.sub("", phrase)
        if trimmed == phrase:
            break
        phrase = trimmed
    # A list or a dateline before the subject ("北京3月13日电 外交部发言人毛宁"): what follows it.
    cut = max(phrase.rfind("、"), max((m.end() - 1 for m in re.finditer(r"\s", phrase)), default=-1))
    phrase = phrase[cut + 1 :]
    leading = _ZH_LEADING.match(phrase)
    if leading and len(phrase) > leading.end():
        phrase = phrase[leading.end() :]
    if not phrase or (opens_clause and phrase in _ZH_CONJUNCTIONS):
        return "" if opens_clause else None
    if len(phrase) > 20 or phrase in _ZH_NOT_SPEAKERS or phrase.isdigit():
        return None
    return phrase


def _zh_content(sentence: str, start: int, end: int) -> tuple[int, int] | None:
    while end > start and sentence[end - 1] in "。！？；，,. ":
        end -= 1
    clause = sentence[start:end]
    unquoted = clause.lstrip(MASK)
    # A clause opening with a quote is that quote, unless the quote is part of a noun ("“浙海渔7716”号14名船员..."):
    # words run on from its closing mark.
    if len(clause.replace(MASK, "")) < 4 or (clause.startswith(MASK) and not _CJK_WORD.match(unquoted)):
        return None
    return start, end
