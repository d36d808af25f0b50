"""The words attribution reads (:mod:`pipeline.enrich.quotes.speech`): speech verbs and participles in English
and Russian, the role words a speaker phrase may hold, and the words that may stand between a speaker and its
verb. Sets, looked up word by word: much faster than a regular expression's alternation.
"""

from __future__ import annotations

#: Participles that report speech in a clause of their own: "..., saying that ...", "with Price telling reporters".
EN_GERUNDS = frozenset(
    {
        *("saying", "telling", "adding", "stressing", "noting", "warning", "urging", "insisting", "arguing"),
        *("calling", "emphasizing", "emphasising", "explaining", "declaring", "claiming", "reiterating", "asking"),
        *("accusing", "promising", "vowing", "pledging", "predicting", "describing", "branding"),
        *("announcing", "confirming", "stating", "asserting", "acknowledging", "admitting", "revealing"),
    }
)
RU_GERUNDS = frozenset(
    {
        *("заявив", "отметив", "подчеркнув", "добавив", "напомнив", "указав", "пояснив", "назвав", "призвав"),
        *("предупредив", "констатировав", "заметив", "уточнив"),
    }
)
# Speech verbs, looked up word by word (a set is much faster than a regular expression's alternation).
EN_VERBS = frozenset(
    {
        *("said", "says", "say", "told", "tells", "added", "adds", "stressed", "stresses", "noted"),
        *("warned", "warns", "urged", "urges", "asked", "asks", "stated", "insisted", "insists"),
        *("emphasized", "emphasised", "emphasizes", "emphasises", "explained", "replied", "replies", "declared"),
        *("argued", "wrote", "commented", "claimed", "announced", "announces", "continued", "remarked"),
        *("reiterated", "acknowledged", "confirmed", "denied", "responded", "called"),
        *("accused", "accuses", "accuse"),
        # Verbs whose object is what was said: "Japan has voiced serious concern over ...".
        *("expressed", "expresses", "voiced", "voices", "conveyed", "conveys"),
        # Infinitives after a lead-in ("was at pains to stress that ...", "was quick to insist").
        *("stress", "insist", "emphasise", "emphasize", "reiterate", "warn"),
        # The rest of the reporting verbs news uses, plain and loaded ("vowed", "snapped", "hinted that").
        *("vowed", "vows", "pledged", "pledges", "promised", "promises", "maintained", "maintains", "underlined"),
        *("underscored", "reaffirmed", "repeated", "restated", "suggested", "admitted", "conceded", "hinted"),
        *("signalled", "signaled", "indicated", "predicted", "observed", "recalled", "complained", "lamented"),
        *("protested", "countered", "retorted", "snapped", "snarled", "fumed", "blasted", "slammed", "raged"),
        *("boasted", "scoffed", "quipped", "assured", "revealed", "disclosed", "contended", "asserted"),
        *("alleged", "demanded", "demands", "proclaimed", "cautioned", "thundered", "ordered", "advised"),
        # Verbs that put a quoted name on something, like "called": who said it, not a statement.
        *("described", "describes", "branded", "dubbed", "labelled", "labeled", "termed"),
        # ...and those that judge it with quoted words: "dismissed the claims as “completely unfounded”".
        *("dismissed", "dismisses", "rejected", "rejects", "denounced", "denounces", "condemned", "condemns"),
        *("hailed", "hails", "reminded", "reminds"),
        *EN_GERUNDS,
    }
)
RU_STEMS = (
    *("заявил", "отметил", "подчеркнул", "сказал", "сообщил", "добавил", "указал", "заметил", "пояснил"),
    *("призвал", "спросил", "ответил", "назвал", "констатировал", "предупредил", "уточнил", "напомнил", "признал"),
    *("отрезал", "парировал", "резюмировал", "подытожил", "посетовал", "акцентировал", "прокомментировал"),
    *("охарактеризовал", "раскритиковал", "заверил", "заявлял", "утверждал", "рассказал", "объяснил", "обратил"),
    # Imperfective forms of the same verbs ("как отмечала Захарова"), and "обвинил" (accused X of ...).
    *("отмечал", "подчеркивал", "подчёркивал", "сообщал", "указывал", "говорил", "рассказывал", "обвинил"),
    *("проинформировал", "напоминал", "пояснял", "уточнял", "допустил", "пообещал", "призывал", "предостерёг"),
    *("предостерег", "посоветовал", "уверял", "заверял", "настаивал"),
    *("предупреждал", "обещал", "повторил", "повторял", "подтвердил", "подтверждал"),
)
#: Reflexive speech verbs: "возмутилась", "поинтересовался".
RU_REFLEXIVE_STEMS = ("возмутил", "поинтересовал", "высказал", "выразил", "усомнил", "возмущал")
#: Present-tense stems ("как утверждает Захарова, ...", "в МИД отмечают, что ..."), with their singular and plural
#: endings below.
#: Of them, those that are speech only before ", что": "сообщает ТАСС" is a news agency's credit, "напоминает"
#: also "resembles", "указывает на" "points to".
_RU_PRESENT_WITH_THAT = ("сообща", "напомина", "указыва")
RU_PRESENT_STEMS = (
    *("заявля", "утвержда", "отмеча", "подчёркива", "подчеркива", "поясня", "уверя", "настаива", "полага"),
    *("уточня", "предупрежда", "добавля", "рассказыва", "объясня", "призыва", "счита"),
    *_RU_PRESENT_WITH_THAT,
)
RU_SPEECH_WITH_THAT = frozenset(stem + ending for stem in _RU_PRESENT_WITH_THAT for ending in ("ет", "ют"))
RU_VERBS = frozenset(
    {stem + ending for stem in RU_STEMS for ending in ("", "а", "и", "о")}
    | {stem + ending for stem in RU_REFLEXIVE_STEMS for ending in ("ся", "ась", "ись", "ось")}
    | {stem + ending for stem in RU_PRESENT_STEMS for ending in ("ет", "ют")}
    | {"говорит", "говорят", "признаёт", "признает", "признают", "констатирует", "констатируют"}
    | RU_GERUNDS
)
VERBS = {"en": EN_VERBS, "ru": RU_VERBS}
ROLE_WORDS = frozenset(
    {
        *("spokesperson", "spokeswoman", "spokesman", "spokespeople", "ministry", "minister", "ambassador"),
        *("embassy", "official", "officials", "office", "department", "deputy", "foreign", "chief", "senior"),
        *("press", "secretary", "director", "director-general", "general", "envoy", "representative"),
        *("diplomat", "diplomats", "consul", "consulate", "state", "cabinet", "president", "prime", "government"),
        *("analysts", "analyst", "experts", "expert", "reporter", "reporters", "journalist", "correspondent"),
        *("source", "sources", "council", "committee", "military", "defense", "defence", "army", "the", "a"),
        *("an", "of", "for", "in", "its", "spokesperson's", "ministry's", "police", "authorities", "agency"),
        *("head", "negotiator", "mission", "delegation", "side", "statement", "campaigner", "economist", "fellow"),
        *("mouthpiece", "spokesmen", "spokeswomen"),
        *("researcher", "professor", "lawmaker", "legislator", "senator", "commander", "leader", "leaders"),
        *("chairman", "chairwoman", "chair", "member", "members", "association", "organisation", "organization"),
        *("organisations", "organizations", "institute", "university", "permanent", "international"),
        *("environment", "energy", "economy", "trade", "finance", "interior", "justice", "health", "caretaker"),
        *("ministries", "to", "at", "and", "think", "tank", "research", "coordinator", "adviser", "advisor"),
        # Russian
        *("официальный", "официального", "представитель", "представителя", "мид", "министр", "министра"),
        *("иностранных", "дел", "пресс-секретарь", "пресс-секретаря", "президента", "посол", "посла"),
        *("дипломат", "дипломата", "глава", "главы", "замглавы", "заместитель", "заместителя", "директор"),
        *("департамента", "госсекретарь", "госсекретаря", "министерства", "ведомства", "ведомство"),
        *("журналист", "журналиста", "журналисты", "агентства", "источник", "эксперт", "эксперты", "посольство"),
        *("посольства", "кремль", "кремле", "правительство", "правительства", "председатель", "спикер"),
        *("замминистра", "генсек", "генсека", "собеседник", "сотрудник", "высокопоставленный", "экономического"),
        *("развития", "министерство", "министерстве", "постпред", "постпреда", "постоянный", "дипломаты"),
    }
)
#: Words that may join a phrase but not open or close it.
INNER_ONLY = frozenset({"of", "for", "in", "its", "to", "at", "and"})
#: Capitalised words that open sentences without naming anyone.
NOT_NAMES = frozenset(
    {
        *("earlier", "later", "also", "however", "meanwhile", "but", "and", "asked", "on", "in", "at", "when"),
        *("speaking", "separately", "still", "yet", "so", "then", "now", "while", "after", "before", "last"),
        *("ранее", "также", "однако", "кроме", "как", "по", "в", "во", "при", "между", "тем", "сейчас", "затем"),
        *("позднее", "между", "а", "и", "но", "на"),
        # Days and months open sentences too ("On Tuesday the ministry said").
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "yesterday", "today"),
    }
)
#: Russian months in the genitive, as a date writes them ("13 июня").
RU_MONTHS = frozenset(
    {
        *("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября"),
        *("ноября", "декабря"),
    }
)
#: Words between a speaker and its verb: "Wang on Monday said", "the ministry has repeatedly said".
BETWEEN = frozenset(
    {
        *("also", "later", "earlier", "again", "further", "then", "previously", "repeatedly", "separately"),
        *("has", "had", "have", "was", "is", "will", "would", "reportedly", "once", "recently", "publicly"),
        *("long", "always", "consistently", "even", "now", "still", "just"),
        *("on", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "yesterday"),
        *("today", "last", "week", "month", "year", "также", "ранее", "вновь", "уже", "тоже", "неоднократно"),
        *("накануне", "вчера", "сегодня", "в", "во", "понедельник", "вторник", "среду", "четверг", "пятницу"),
        *("субботу", "воскресенье", "днём", "днем", "утром", "вечером", "снова", "затем", "позже"),
        # "рассказала в среду на брифинге Захарова", "в ходе еженедельного брифинга"
        *("на", "ходе", "брифинге", "брифинга", "пресс-конференции", "еженедельном", "еженедельного"),
        *("регулярном", "регулярного", "очередном", "очередного"),
        # "Мао Нин на прошлой неделе заявила", "в начале октября выступил": when, between the speaker and the verb.
        *("прошлой", "неделе", "этой", "начале", "конце", "середине", "днях"),
        # "Чжао Лицзянь ещё 13 июня заявил": a date between the speaker and the verb (its day is skipped as a
        # number before one of RU_MONTHS, see speech.phrase_before).
        *("ещё", "еще"),
        *RU_MONTHS,
    }
)
