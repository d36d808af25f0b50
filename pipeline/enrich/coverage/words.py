"""The word lists the aligner reads (:mod:`pipeline.enrich.coverage.align`): which words change what a quote
means when added or dropped (intensifiers, negations, hedges, numbers), and which belong to reported speech
rather than to the speaker (person, tense). Kept apart so the rules and the lists can be read separately.
"""

from __future__ import annotations

import re

#: Words whose addition or removal changes intensity, polarity, certainty or scope (keys are matched).
INTENSIFIERS = {
    "en": "strongly firmly resolutely categorically absolutely completely totally deeply seriously gravely highly "
    "extremely very utterly fully entirely vehemently staunchly unwaveringly unequivocally severely sharply "
    "always never profoundly vigorously greatly fiercely bitterly sternly solemnly wholeheartedly unreservedly",
    "ru": "категорически решительно твердо крайне резко глубоко полностью абсолютно совершенно всегда никогда "
    "очень жестко серьезно весьма высоко всецело однозначно самый самая самое самые самого самой самом самым "
    "самыми наиболее",
}
#: The superlatives among them ("самый" is "the most"): compared within one language only.
SUPERLATIVES = frozenset(
    ["самый", "самая", "самое", "самые", "самого", "самой", "самом", "самым", "самыми", "наиболее"]
)
NEGATIONS = {
    "en": "not no nor neither none without cannot don doesn didn won isn aren wasn weren shouldn couldn wouldn "
    "hasn haven",
    "ru": "не ни нет без никак",
}
HEDGES = {
    "en": "may might could possibly perhaps likely probably must should consider reportedly allegedly only all any "
    "every some one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million billion trillion dozen half around approximately roughly nearly almost tens dozens hundreds thousands "
    "millions billions largely mostly partly partially generally broadly mainly chiefly apparently",
    "ru": "может возможно вероятно должен следует мочь только все всё любой один два три четыре пять шесть семь "
    "восемь девять десять одиннадцать двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать "
    "восемнадцать девятнадцать двадцать тридцать сорок пятьдесят шестьдесят семьдесят восемьдесят девяносто "
    "сто тысяча миллион миллиард половина около примерно почти частично",
}
#: Hedges of more than one word: dropping one claims more certainty or scope than was said ("There are no Russian
#: vessels in the area as far as we know", "Сам танкер, насколько нам известно, ...", "up to 1.5 billion").
HEDGE_PHRASES = re.compile(
    # The hedge in any person: reported speech says "as far as she knew" for "as far as I know".
    r"\bas far as (?:we|i|he|she|they) (?:know|knows|knew|can tell|could tell)\b"
    # "up to" before a figure only: not "live up to", "it is up to them", "up to now".
    r"|\bto (?:our|my|his|her|their) knowledge\b|\bat least\b|\bin principle\b"
    r"|\bup to (?=[$£€¥]?\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|a few|several|dozens|hundreds"
    r"|thousands)\b)"
    r"|насколько (?:нам|мне|ей|ему|им) (?:известно|было известно)|по (?:нашим|имеющимся|е[её]|его|их) данным"
    r"|в основном|в принципе|как минимум"
    r"|据(?:我们|我)所知|原则上|基本上",
    re.IGNORECASE,
)
#: A condition's opening word: reported speech that leaves out the condition the answer put on what it says
#: ("ready to provide expert assistance if it requests it", "在双方都同意的前提下") claims more than was said.
CONDITIONS = re.compile(
    # Not "if" for "whether" ("I don't know if ..."), nor a Russian "если" opening a topic ("Если говорить о
    # ...", "если честно"), nor 条件下 ("在新的历史条件下", under new conditions).
    r"(?<!know )(?<!knows )(?<!asked )(?<!ask )(?<!wonder )(?<!see )(?<!sure )(?<!clear )(?<!decide )(?<!check )"
    r"\b(?:if|unless|provided that|as long as|on condition)\b"
    # "subject to", "depending on" set off by a comma: a condition ("..., subject to congressional approval"), not
    # a predicate ("have been subject to harassment", "companies subject to sanctions").
    r"|(?<=,\s)(?:subject to|depending on|в зависимости от)\b"
    r"|\b(?:если(?!\s+(?:говорить|честно|можно так|так можно))|при условии|в случае если)\b|如果|只要|前提下",
    re.IGNORECASE,
)
#: Words for a party left unnamed ("a third party", "the relevant country", 有关方面): an article naming a party
#: there ("target China", "敦促美方") names whom the answer did not.
UNNAMED_PARTIES = re.compile(
    r"\b(?:(?:a|any)\s+third\s+part(?:y|ies)|third\s+countr(?:y|ies)|(?:the\s+)?(?:relevant|certain|some|a\s+certain)"
    r"\s+(?:country|countries|part(?:y|ies)|side|sides|state|states)|(?:the\s+)?(?:country|countries|parties|side)\s+concerned)\b"
    r"|треть(?:ей|их|и)\s+(?:сторон\w*|стран\w*)|определ[её]нн\w+\s+стран\w*|некотор\w+\s+стран\w*"
    r"|有关方面|有关国家|有关方|个别国家|某些国家|某个国家|第三方",
    re.IGNORECASE,
)
#: A party named in Chinese: a country's one-character name and 方 (美方, 日方), or its name.
ZH_NAMED_PARTY = re.compile(
    r"[中美俄日英印欧韩朝法德菲越澳加]方|美国|俄罗斯|日本|英国|印度|欧盟|菲律宾|^[中美俄日英印欧韩朝法德菲越澳加]$"
)
#: Words that each say "about so many": one of them for another is no change of what a figure claims ("about $45
#: million" for "roughly $45 million"). Not "nearly", "almost" (less than), nor "over" (more than).
APPROXIMATELY = frozenset(
    {"about", "around", "approximately", "roughly", "some", "около", "примерно", "порядка", "приблизительно"}
)
#: Words that each say "for the most part" ("largely stable" for "generally stable"): one for another is no change.
MOSTLY = frozenset({"largely", "mostly", "generally", "broadly", "mainly", "chiefly"})
#: A currency's words ("$6 billion" for "6 billion dollars": spelling a sign out, or the reverse, drops or adds no
#: word of what was said; "dollars" for "euros" is another figure).
CURRENCIES = {
    **dict.fromkeys(("dollar", "dollars", "долларов", "доллара", "美元"), "USD"),
    **dict.fromkeys(("euro", "euros", "евро", "欧元"), "EUR"),
    **dict.fromkeys(("pound", "pounds", "英镑"), "GBP"),
    **dict.fromkeys(("yen", "日元"), "JPY"),
    **dict.fromkeys(("yuan",), "CNY"),
    **dict.fromkeys(("rupee", "rupees"), "INR"),
}
#: The signs each currency is written with before a figure.
CURRENCY_SIGNS = {
    "USD": ("$", "US$"),
    "EUR": ("€",),
    "GBP": ("£",),
    "JPY": ("¥", "￥"),
    "CNY": ("¥", "￥", "CNY", "RMB"),
    "INR": ("₹", "Rs"),
}
#: Modals as reported speech back-shifts them ("could" reports "can").
BACKSHIFTED = {"could": "can", "might": "may", "would": "will"}
#: Negative contractions and the modal left of them besides the negation ("cannot" is "can" + "not"; "doesn't"
#: is only "not").
NEGATIVE_FORMS = {
    "not": "",
    "cannot": "can",
    "don": "",
    "doesn": "",
    "didn": "",
    "won": "will",
    "isn": "",
    "aren": "",
    "wasn": "",
    "weren": "",
    "shouldn": "should",
    "couldn": "could",
    "wouldn": "would",
    "hasn": "",
    "haven": "",
    "не": "",
}
ZH_MARKERS = (
    "一切",
    "全部",
    "任何",
    "立即",
    "严厉",
    "坚决",
    "强烈",
    "严重",
    "绝不",
    "绝对",
    "完全",
    "不",
    "没",
    "未",
    "无",
    "非",
    "别",
    "可能",
    "或许",
    "也许",
    "必须",
    "一定",
    "所有",
    "只",
    "仅",
    # Superlatives and "one of": "最大受害者" for "主要受害者之一" (not 最近, recently, nor 最后, finally).
    *("最大", "最高", "最强", "最严重", "最重要", "最主要", "最坚决", "最强烈", "最多", "最少"),
    "之一",
)
#: In reported speech: the change of person and the back-shift of tense are the report's, not the speaker's.
PERSON = {
    "en": "we our us ours i my me it its they them their he she his her china chinese beijing russia russian "
    "moscow side country government ministry spokesperson spokesman spokeswoman said says say added stressed "
    "noted",
    "ru": "мы наш нас нам я он она они его её ее их россия российский москва китай сторона заявить сказать",
}
BACKSHIFT = {
    ("will", "would"),
    ("can", "could"),
    ("may", "might"),
    ("is", "was"),
    ("are", "were"),
    ("has", "had"),
    ("have", "had"),
    ("shall", "should"),
}
ZH_TRIVIAL = set("的了是在和与及也都并就而这那其之个")

#: Words news writers put for a briefing's words, one group per meaning ("free" for "release", "boat" for
#: "vessel", "farm" for "agricultural", "pact" for "agreement"), each form as written (not by stem: "national"
#: is not "nationals", "aide" is not "aid"): read as one word to find the passage a quote reproduces, and still
#: shown as a change (a paraphrase at least).
SYNONYMS = {
    "en": (
        ("free", "frees", "freed", "freeing", "release", "releases", "released", "releasing"),
        ("boat", "boats", "vessel", "vessels", "ship", "ships"),
        ("farm", "agricultural", "agriculture"),
        ("talks", "consultations", "negotiations"),
        ("keep", "keeps", "kept", "continue", "continues", "continued"),
        ("citizens", "nationals"),
        ("deal", "deals", "agreement", "agreements", "pact", "pacts"),
        ("ink", "inked", "sign", "signed"),
        (
            *("protect", "protects", "protected", "protecting", "safeguard", "safeguards", "safeguarded"),
            *("safeguarding", "defend", "defends", "defended", "defending"),
        ),
        ("help", "helps", "helped", "assist", "assists", "assisted", "assistance", "aid"),
    ),
}
