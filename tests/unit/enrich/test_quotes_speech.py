"""English and Russian attribution rules (pipeline/enrich/quotes/speech.py), read through ``extract_quotes``:
participles, coordinated clauses, verbs that are not speech, more Russian verbs and their circumstances."""

from __future__ import annotations

import pytest

from pipeline.enrich.quotes import Quote, extract_quotes
from pipeline.enrich.speakers import load_speakers

SPEAKERS = load_speakers(
    "speakers.yaml",
    text="""\
speakers:
  - {id: lin-jian, ministry: CN, names: [Lin Jian, 林剑]}
  - {id: maria-zakharova, ministry: RU, names: [Maria Zakharova, Мария Захарова, Zakharova, Захарова]}
""",
)


def quotes(text: str, language: str = "en") -> list[Quote]:
    return extract_quotes(text, language=language, speakers=SPEAKERS)


def speakers(text: str, language: str = "en", kind: str = "direct") -> list[tuple[str, str | None]]:
    return [(q.text, q.speaker) for q in quotes(text, language) if q.kind == kind and not q.short]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            'The embassy stayed silent, with spokesman Lin Jian telling reporters that "the file is closed."',
            "spokesman Lin Jian",
        ),
        (
            'Lin Jian criticised the tariff plan, saying the Commission "has chosen the path of confrontation."',
            "Lin Jian",
        ),
        ('Lin Jian rejected the report, calling it "a fabrication from start to finish."', "Lin Jian"),
        ('On Friday, Lin Jian dismissed the claims, adding that "no such meeting ever took place."', "Lin Jian"),
    ],
)
def test_a_participle_after_its_clause_speaks_for_the_clauses_subject(text: str, speaker: str) -> None:
    assert [s for _, s in speakers(text)] == [speaker]


def test_a_participle_after_a_quote_continues_the_speaker_of_the_verb_before() -> None:
    text = '"We were not consulted," he said, adding that the new port fees broke the agreement.'
    found = [(q.kind, q.speaker) for q in quotes("Lin Jian spoke on Monday.\n\n" + text)]
    assert found == [("direct", "Lin Jian"), ("reported", "Lin Jian")]


def test_a_verb_after_and_or_but_speaks_for_the_subject_of_the_sentence() -> None:
    text = 'Lin Jian declined to name the firms, but stressed that "the measures are lawful and proportionate."'
    assert speakers(text) == [("the measures are lawful and proportionate.", "Lin Jian")]
    text = "Zakharova thanked the mediators and noted that the exchange had been prepared for months."
    assert speakers(text, kind="reported") == [("the exchange had been prepared for months", "Zakharova")]


@pytest.mark.parametrize(
    "text",
    [
        "Talks will stop if Ostland adds more tariffs to its list of measures.",
        "The bank added 12 branches in the north of the country last year.",
        "Prices will rise unless Ostland says otherwise about the levy this month.",
    ],
)
def test_a_speech_verb_with_an_object_or_in_a_condition_is_not_speech(text: str) -> None:
    assert quotes(text) == []


def test_a_that_clause_after_a_comma_belongs_to_another_verb() -> None:
    text = (
        "Beijing will respond firmly to any new listing, a foreign ministry spokesperson said on Friday, "
        "a day after the regulator hinted that more firms were under review."
    )
    assert speakers(text, kind="reported") == [
        ("Beijing will respond firmly to any new listing", "a foreign ministry spokesperson")
    ]


def test_when_asked_after_the_verb_is_not_what_was_said() -> None:
    text = '"The review is ongoing," Lin Jian told a regular briefing, when asked whether tariffs would rise.'
    assert [q.kind for q in quotes(text)] == ["direct"]


def test_citing_names_whose_words_a_quote_reports() -> None:
    text = 'State radio, citing the foreign ministry, said Beijing "would consider further steps."'
    assert speakers(text) == [("would consider further steps.", "the foreign ministry")]


def test_a_person_named_as_a_sentences_subject_takes_the_next_pronoun() -> None:
    text = (
        'Lin Jian said the talks were "constructive and frank."\n\n'
        "Senator Paula Grieve, a member of the trade committee, called for tougher rules. "
        '"Every tariff we waive is a gift," she said.'
    )
    assert speakers(text)[-1] == ("Every tariff we waive is a gift,", "Paula Grieve")
    text = (
        'Lin Jian met envoy Karel Vos on Monday. "Relations are improving," Lin said.\n\n'
        'Vos, speaking after the talks, sounded upbeat. "We see a real opening," he said.'
    )
    assert speakers(text)[-1] == ("We see a real opening,", "Vos")


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("«Это окончательное решение», — отрезала она.", "Мария Захарова"),
        ("«Диалог по-прежнему возможен», — констатировала она.", "Мария Захарова"),
        ("Захарова в пятницу напомнила: «Все договорённости остаются в силе».", "Захарова"),
        ("«Мы этого не допустим», — возмутилась дипломат.", "дипломат"),
        # A date between the speaker and the verb: the day's number, its month, "ещё".
        ("Захарова ещё 13 июня заявила: «Все договорённости остаются в силе».", "Захарова"),
        ("Захарова 2 декабря напомнила: «Все договорённости остаются в силе».", "Захарова"),
    ],
)
def test_more_russian_speech_verbs_and_a_day_between_speaker_and_verb(text: str, speaker: str) -> None:
    found = speakers("Мария Захарова провела брифинг.\n\n" + text, "ru")
    assert [s for _, s in found] == [speaker]


def test_kak_zayavila_reports_the_clause_after_the_speaker() -> None:
    text = "Как заявила накануне официальный представитель МИД Мария Захарова, переговоры будут продолжены."
    found = [(q.text, q.speaker, q.speaker_id) for q in quotes(text, "ru")]
    assert found == [("переговоры будут продолжены", "официальный представитель МИД Мария Захарова", "maria-zakharova")]


def test_po_eyo_slovam_is_the_speaker_named_before() -> None:
    text = (
        "Мария Захарова прокомментировала итоги встречи.\n\n"
        "«Мы ждём ответа», — подчеркнула она.\n\n"
        "По её словам, Москва направит ноту на следующей неделе."
    )
    reported = [(q.text, q.speaker) for q in quotes(text, "ru") if q.kind == "reported"]
    assert reported == [("Москва направит ноту на следующей неделе", "Мария Захарова")]


@pytest.mark.parametrize(
    "text",
    [
        "Two days later in Moscow, Lin Jian went a step further, telling reporters that the talks had stalled.",
        "A day later, Lin Jian went further, saying that the talks had stalled.",
    ],
)
def test_a_participle_after_an_opening_aside_speaks_for_the_subject_after_it(text: str) -> None:
    assert speakers(text, kind="reported") == [("the talks had stalled", "Lin Jian")]


def test_according_to_a_pronoun_gives_the_quote_to_the_speaker_named_before() -> None:
    text = (
        'Maria Zakharova spoke on Friday.\n\nAccording to her, the reply "could involve new tariffs on Ostland firms."'
    )
    assert speakers(text) == [("could involve new tariffs on Ostland firms.", "Maria Zakharova")]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('Lin Jian accused Ostland of "staging a provocation near the border".', "Lin Jian"),
        ('Zakharova went on to accuse the Ostland cabinet of "hiding the facts from its voters".', "Zakharova"),
    ],
)
def test_accusing_someone_of_a_quote_reports_the_accusers_words(text: str, speaker: str) -> None:
    assert [s for _, s in speakers(text)] == [speaker]


def test_a_bare_weekday_after_the_verb_is_when_it_was_said() -> None:
    text = "The talks on the new ferry line would resume after the holiday, the ministry said Tuesday."
    assert speakers(text, kind="reported") == [
        ("The talks on the new ferry line would resume after the holiday", "the ministry")
    ]


def test_what_someone_was_asked_is_not_their_speech() -> None:
    assert quotes("Lin Jian was asked whether the talks on the ferry line would resume next month.") == []


def test_a_russian_speaker_after_the_verb_and_the_briefing_it_was_said_at() -> None:
    text = (
        "Как рассказала в среду на брифинге официальный представитель МИД Мария Захарова, стороны обсудили "
        "поставки зерна и удобрений."
    )
    found = [(q.text, q.speaker_id) for q in quotes(text, "ru")]
    assert found == [("стороны обсудили поставки зерна и удобрений", "maria-zakharova")]


def test_an_imperfective_russian_verb_reports_speech() -> None:
    text = "Как отмечала ранее Захарова, Москва не откажется от переговоров с Остландом."
    assert speakers(text, "ru", kind="reported") == [("Москва не откажется от переговоров с Остландом", "Захарова")]


def test_about_this_said_gives_the_sentence_before_to_its_speaker() -> None:
    text = (
        "МОСКВА, 3 мая. Новые ограничения ударят прежде всего по самим европейским компаниям. Об этом заявила в "
        "среду Мария Захарова."
    )
    found = [(q.text, q.kind, q.speaker_id) for q in quotes(text, "ru")]
    assert found == [
        ("Новые ограничения ударят прежде всего по самим европейским компаниям", "reported", "maria-zakharova")
    ]


def test_a_clause_without_that_after_the_day_is_reported_speech() -> None:
    text = "China said on Monday it would take all necessary measures to protect its companies."
    assert speakers(text, kind="reported") == [
        ("it would take all necessary measures to protect its companies", "China")
    ]
    # The day alone after the verb still puts the speech before it.
    assert speakers("The talks will go on, Lin Jian said on Monday.", kind="reported") == [
        ("The talks will go on", "Lin Jian")
    ]


@pytest.mark.parametrize(
    ("text", "language", "said"),
    [
        (
            "BEIJING, May 21 (Agency) -- China will safeguard the rights of its companies, "
            "a foreign ministry spokesperson said Tuesday.",
            "en",
            "China will safeguard the rights of its companies",
        ),
        # The place, the date and the agency as sentences of their own (the style of Russian wires).
        (
            "Москва. 30 апреля. Вестник Евразии — Москва с тревогой следит за событиями на перевале, заявила "
            "официальный представитель МИД РФ Мария Захарова.",
            "ru",
            "Москва с тревогой следит за событиями на перевале",
        ),
    ],
)
def test_a_wire_dateline_is_not_part_of_what_was_said(text: str, language: str, said: str) -> None:
    assert [q.text for q in quotes(text, language) if q.kind == "reported"] == [said]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('Lin Jian snarled yesterday that the reef "has always been China\'s territory".', "Lin Jian"),
        ('Lin Jian has promised to "cooperate where we can and compete where we must".', "Lin Jian"),
        ('Lin Jian ordered the fleet to "stop its provocations at once".', "Lin Jian"),
    ],
)
def test_the_rest_of_the_reporting_verbs_attribute_a_quote(text: str, speaker: str) -> None:
    assert [s for _, s in speakers(text)] == [speaker]


def test_a_participle_after_an_inverted_verb_speaks_for_that_verb_not_the_subject() -> None:
    text = (
        'Travellers have been advised "to avoid all travel to the region", Lin Jian told the briefing, adding that '
        'the government "will bear the full cost of every flight".'
    )
    assert [s for _, s in speakers(text)] == ["Lin Jian", "Lin Jian"]


def test_a_wh_word_far_after_the_verb_does_not_open_the_reported_clause() -> None:
    text = "Lin Jian said Britain would keep giving Kyiv what it needed for as long as it took."
    assert speakers(text, kind="reported") == [
        ("Britain would keep giving Kyiv what it needed for as long as it took", "Lin Jian")
    ]


def test_russian_about_this_a_place_speaking_and_made_clear() -> None:
    text = (
        "Вступление в альянс — «ещё один шаг к эскалации». Об этом заявила в среду официальный представитель МИД "
        "Мария Захарова.\n\nВ Москве считают, что такие попытки являются вмешательством во внутренние дела. "
        "Захарова также дала понять, что Россия намерена выйти из сделки."
    )
    found = [(q.kind, q.text, q.speaker) for q in quotes(text, "ru") if not q.short]
    assert found == [
        ("direct", "ещё один шаг к эскалации", "официальный представитель МИД Мария Захарова"),
        ("reported", "такие попытки являются вмешательством во внутренние дела", "Москве"),
        ("reported", "Россия намерена выйти из сделки", "Захарова"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        'Pressed on sanctions, Lin Jian dodged: "We do not speculate on future designations."',
        'Lin Jian pointed out that the vote "has not yet been held".',
        'Lin Jian described the plans as "a direct provocation against the region".',
    ],
)
def test_a_colon_a_phrasal_verb_or_a_naming_verb_attributes_the_quote(text: str) -> None:
    assert [s for _, s in speakers(text)] == ["Lin Jian"]


def test_a_reported_clause_ends_where_the_next_report_begins() -> None:
    text = (
        "Lin Jian said the visit would go ahead as planned, describing relations as a "
        '"comprehensive strategic partnership for the new era".'
    )
    assert speakers(text, kind="reported") == [("the visit would go ahead as planned", "Lin Jian")]
    assert speakers(text) == [("comprehensive strategic partnership for the new era", "Lin Jian")]
    # A term in quotes named by the participle stays part of the clause.
    text = 'Lin Jian said China firmly opposes the sanctions, calling them "economic coercion".'
    assert speakers(text, kind="reported") == [
        ('China firmly opposes the sanctions, calling them "economic coercion"', "Lin Jian")
    ]


def test_a_mouthpiece_is_a_speaker() -> None:
    text = 'The foreign ministry mouthpiece snapped that Tessaly must "stop sending wrong signals to separatists".'
    assert [s for _, s in speakers(text)] == ["The foreign ministry mouthpiece"]


def test_a_dateline_is_only_the_one_opening_the_story() -> None:
    text = "Lin Jian spoke on Monday.\n\nNATO (the US-led alliance) was a relic of the Cold War, Lin Jian said."
    assert speakers(text, kind="reported") == [("NATO (the US-led alliance) was a relic of the Cold War", "Lin Jian")]


def test_two_clauses_joined_by_and_that_are_two_statements() -> None:
    text = "Lin Jian said the talks were useful, and that China was ready to continue them next month."
    assert speakers(text, kind="reported") == [
        ("the talks were useful", "Lin Jian"),
        ("China was ready to continue them next month", "Lin Jian"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        'Lin Jian pointed outward to the crowd and "the sea was calm".',
        'The ministry is concerned: "the sea was calm and the ships were safe".',
    ],
)
def test_a_word_that_only_looks_like_speech_attributes_nothing(text: str) -> None:
    assert [s for _, s in speakers(text)] == [None]


def test_a_place_speaking_is_read_once() -> None:
    for text in (
        "В МИД России заявили, что такие попытки являются вмешательством во внутренние дела.",
        "В МИДе заявили, что такие попытки являются вмешательством во внутренние дела.",
    ):
        assert len([q for q in quotes(text, "ru") if q.kind == "reported"]) == 1


def test_a_day_opening_the_sentence_is_not_part_of_the_speaker() -> None:
    text = 'On Tuesday the Chinese foreign ministry said China "firmly opposes any form of official interaction".'
    assert [s for _, s in speakers(text)] == ["the Chinese foreign ministry"]


def test_a_figure_ends_its_sentence_but_an_initial_does_not() -> None:
    text = (
        "The president will visit India from November 6 to 8. Several pacts are likely to be signed during the "
        "visit, the spokesperson said."
    )
    assert [q.text for q in quotes(text) if q.kind == "reported"] == [
        "Several pacts are likely to be signed during the visit"
    ]
    initial = "Talks with J. Smith will continue next week, Lin Jian said."
    assert [q.text for q in quotes(initial) if q.kind == "reported"] == ["Talks with J. Smith will continue next week"]


def test_a_short_form_in_brackets_stands_between_the_speaker_and_the_verb() -> None:
    text = "As many as 430 nationals have returned so far, the Ministry of External Affairs (MEA) said on Friday."
    assert speakers(text, kind="reported") == [
        ("As many as 430 nationals have returned so far", "the Ministry of External Affairs")
    ]


def test_the_first_sentence_begins_after_the_dateline() -> None:
    text = (
        "BEIJING, Sept 25 (Wire) - China on Monday defended its coast guard, saying a patrol boat had entered "
        "the waters without permission."
    )
    assert speakers(text, kind="reported") == [("a patrol boat had entered the waters without permission", "China")]


def test_a_clause_without_that_is_read_past_a_later_that() -> None:
    text = "Lin Jian revealed he had raised the case with the ambassador that morning."
    assert speakers(text, kind="reported") == [("he had raised the case with the ambassador that morning", "Lin Jian")]
    # "that" naming a time is not the clause's "that".
    assert speakers("Lin Jian said that morning that the talks would go on.", kind="reported") == [
        ("the talks would go on", "Lin Jian")
    ]


def test_what_follows_a_reported_clause_is_not_part_of_it() -> None:
    # The writer's participle clause.
    text = "China said on Wednesday it would recall its ambassador for consultations, escalating a row over the office."
    assert speakers(text, kind="reported") == [("it would recall its ambassador for consultations", "China")]
    # ...but a clause opened by "including" is the statement's own.
    text = "Several pacts, including on digital payments, will be signed, Lin Jian said."
    assert speakers(text, kind="reported") == [
        ("Several pacts, including on digital payments, will be signed", "Lin Jian")
    ]
    # Another speaker named after a comma, and "as X put it", name who said it.
    text = (
        "Tokyo has insisted that the law must govern the sea, press secretary Maki Kobayashi told reporters in March."
    )
    assert speakers(text, kind="reported") == [("the law must govern the sea", "Tokyo")]
    text = "Beijing has long maintained that the shoal is its territory, as spokesman Lin Jian put it in September."
    assert speakers(text, kind="reported") == [("the shoal is its territory", "Beijing")]
    # A contrast after "X said": what was said is before it.
    text = 'China is committed to handling differences through dialogue, Lin Jian said, but the summons was "a show".'
    assert speakers(text, kind="reported") == [
        ("China is committed to handling differences through dialogue", "Lin Jian")
    ]


def test_more_participles_report_speech() -> None:
    text = "On Wednesday Lin Jian went further, announcing that China was recalling its ambassador to Norland."
    assert speakers(text, kind="reported") == [("China was recalling its ambassador to Norland", "Lin Jian")]


def test_about_this_with_a_day_between() -> None:
    text = "Семь моряков из Приморья сейчас здоровы. Об этом в среду сообщила Мария Захарова."
    found = [(q.text, q.kind, q.speaker_id) for q in quotes(text, "ru")]
    assert found == [("Семь моряков из Приморья сейчас здоровы", "reported", "maria-zakharova")]


def test_a_that_after_a_subject_and_its_verb_belongs_to_the_clause() -> None:
    text = "Lin Jian criticised the drill, saying China firmly opposed any provocation that undermined peace."
    assert speakers(text, kind="reported") == [
        ("China firmly opposed any provocation that undermined peace", "Lin Jian")
    ]
    # "told X that": X is who was told.
    assert speakers("Lin Jian told Reuters on Monday that talks would go on.", kind="reported") == [
        ("talks would go on", "Lin Jian")
    ]


def test_a_pronoun_may_refer_to_a_person_named_earlier_in_its_sentence() -> None:
    text = "When Lin Jian met the press in Beijing on Thursday, he announced new aid for the flooded provinces."
    assert speakers(text, kind="reported") == [("new aid for the flooded provinces", "Lin Jian")]


def test_lead_ins_adverbs_and_verbs_whose_object_was_said() -> None:
    text = "The spokesman was at pains to stress that the step was not a response to the vote."
    assert speakers(text, kind="reported") == [("the step was not a response to the vote", "The spokesman")]
    assert [s for _, s in speakers('Lin Jian has even hinted that China "is prepared to recall its envoy".')] == [
        "Lin Jian"
    ]
    text = "Japan has voiced serious concern over a string of incidents near the shoal, Lin Jian said."
    # The report is Lin Jian's, read once (not again as Japan's, inside it).
    assert speakers(text, kind="reported") == [
        ("Japan has voiced serious concern over a string of incidents near the shoal", "Lin Jian")
    ]
    assert speakers("Japan has voiced serious concern over a string of incidents.", kind="reported") == [
        ("serious concern over a string of incidents", "Japan")
    ]


def test_a_participle_after_a_quote_that_ends_with_its_own_comma_begins_the_next_report() -> None:
    text = 'Lin Jian said the probe was "a typical act of protectionism," adding that China hopes for dialogue.'
    assert speakers(text, kind="reported") == [("China hopes for dialogue", "Lin Jian")]


def test_a_pronoun_reaches_back_two_paragraphs_to_the_last_person_named() -> None:
    text = (
        "Lin Jian went to war with the regime on Monday.\n\n"
        'The big-hitter blasted the decision, thundering: "The journalist must be released."\n\n'
        "He revealed he had raised the case directly with the president that morning."
    )
    assert speakers(text, kind="reported") == [
        ("he had raised the case directly with the president that morning", "Lin Jian")
    ]


def test_an_opening_participle_reports_for_the_main_clauses_speaker() -> None:
    text = (
        "Noting that the two countries are good neighbours who trust each other, spokesperson Lin Jian told a "
        "regular briefing that the two sides will discuss the railway."
    )
    assert speakers(text, kind="reported") == [
        ("the two countries are good neighbours who trust each other", "spokesperson Lin Jian"),
        ("the two sides will discuss the railway", "spokesperson Lin Jian"),
    ]


def test_a_verb_after_and_speaks_for_the_verb_before_it_in_the_sentence() -> None:
    text = (
        'Months ago his colleague Lin Jian described the measures as "professional and restrained" and told '
        'the UK it had "no right to point fingers".'
    )
    assert [s for _, s in speakers(text)] == ["Lin Jian", "Lin Jian"]


def test_clauses_joined_by_but_that_and_a_clause_that_is_little_but_its_quote() -> None:
    text = "Lin Jian said he had no information at the moment, but that China hoped the parties would talk."
    assert speakers(text, kind="reported") == [
        ("he had no information at the moment", "Lin Jian"),
        ("China hoped the parties would talk", "Lin Jian"),
    ]
    text = (
        'Lin Jian said Beijing was "seriously concerned", and that China opposes any attempt to change the status quo.'
    )
    assert speakers(text, kind="reported") == [("China opposes any attempt to change the status quo", "Lin Jian")]
    text = 'Lin Jian said Britain was "not a party to it", and that China would defend its sovereignty.'
    assert speakers(text, kind="reported") == [("China would defend its sovereignty", "Lin Jian")]


def test_a_pronoun_is_not_a_person_an_opening_phrase_only_mentions() -> None:
    text = (
        "Lin Jian told a regular briefing on Monday that China supported the talks.\n\n"
        "Responding to Maria Zakharova's comments on the tariffs, he said the other side should stop politicising "
        "trade."
    )
    assert [s for _, s in speakers(text, kind="reported")] == ["Lin Jian", "Lin Jian"]


@pytest.mark.parametrize(
    ("text", "statement"),
    [
        (
            "Lin Jian thanked the mediators, who Reuters said had met in Doha, and stressed that China was ready "
            "to talk.",
            "China was ready to talk",
        ),
        (
            "Lin Jian criticised the plan and stressed that China would respond firmly, according to state media.",
            "China would respond firmly",
        ),
    ],
)
def test_a_verb_after_and_speaks_for_neither_a_relative_clauses_speaker_nor_a_later_source(
    text: str, statement: str
) -> None:
    assert [(q, s) for q, s in speakers(text, kind="reported") if q.startswith("China")] == [(statement, "Lin Jian")]


def test_a_that_after_and_leaves_the_first_clause_in_the_report() -> None:
    text = "Lin Jian said 22 fishermen had been freed and that China thanked the government for its cooperation."
    assert speakers(text, kind="reported") == [
        ("22 fishermen had been freed and that China thanked the government for its cooperation", "Lin Jian")
    ]


def test_a_clause_without_that_or_auxiliary_after_the_day_is_reported_speech() -> None:
    # Wire copy: "said on Monday it firmly opposed ..." (a past tense after the day, no "that", no "would").
    text = "China's foreign ministry said on Monday it firmly opposed the new export controls."
    assert speakers(text, kind="reported") == [
        ("it firmly opposed the new export controls", "China's foreign ministry")
    ]
    text = "Mao Ning said on Monday Beijing had lodged stern representations with Washington."
    assert speakers(text, kind="reported") == [("Beijing had lodged stern representations with Washington", "Mao Ning")]


def test_an_outlets_credit_after_what_was_said_is_not_part_of_it() -> None:
    text = "Maria Zakharova said Moscow would respond to the expulsions, the RIA Novosti news agency reported."
    assert speakers(text, kind="reported") == [("Moscow would respond to the expulsions", "Maria Zakharova")]
    text = "Мария Захарова заявила, что Москва ответит на этот шаг, передает РИА Новости."
    assert [q.text for q in quotes(text, "ru") if q.kind == "reported"] == ["Москва ответит на этот шаг"]
    # What a clause says about a report is still its own.
    text = "Maria Zakharova said Moscow would respond to what Kyodo reported."
    assert speakers(text, kind="reported") == [("Moscow would respond to what Kyodo reported", "Maria Zakharova")]


def test_a_relative_that_after_the_day_is_not_the_clauses_and_the_writers_after_clause_is_not_said() -> None:
    text = (
        "India's foreign ministry said on Monday it firmly opposed unilateral sanctions that had no basis in "
        "international law, after Calderia blacklisted four Indian pharmaceutical firms."
    )
    assert speakers(text, kind="reported") == [
        ("it firmly opposed unilateral sanctions that had no basis in international law", "India's foreign ministry")
    ]
    # "after" inside what was said, or with no clause of its own, stays.
    text = "Mao Ning said China would respond after the talks, after all."
    assert speakers(text, kind="reported") == [("China would respond after the talks, after all", "Mao Ning")]


def test_a_writers_transition_opening_the_sentence_is_not_what_was_said() -> None:
    text = "Meanwhile, the two sides are expected to sign several agreements during the visit, Jaiswal said."
    assert speakers(text, kind="reported") == [
        ("the two sides are expected to sign several agreements during the visit", "Jaiswal")
    ]


def test_a_russian_past_tense_is_no_outlets_credit_and_a_condition_after_a_modal_stays() -> None:
    text = (
        "Захарова заявила, что Москва вызвала британского посла, передала ему ноту протеста и потребовала объяснений."
    )
    assert [q.text for q in quotes(text, "ru") if q.kind == "reported"] == [
        "Москва вызвала британского посла, передала ему ноту протеста и потребовала объяснений"
    ]
    text = "Mao Ning said China would resume imports, after Japan addressed its concerns about the water."
    assert speakers(text, kind="reported") == [
        ("China would resume imports, after Japan addressed its concerns about the water", "Mao Ning")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The writer's dash hands the clause before it to the speaker after "так": the verb may name its object
        # ("ситуацию") or, after "такой совет дала", whom the advice went to ("Лондону") before the speaker.
        (
            "Лондону стоит не угрожать Тарсовии, а разговаривать с ней — такой совет дала Лондону официальный "
            "представитель МИД России Мария Захарова, комментируя дело британца.",
            (
                "Лондону стоит не угрожать Тарсовии, а разговаривать с ней",
                "официальный представитель МИД России Мария Захарова",
            ),
        ),
        (
            "Решение Лондона является ошибкой — так прокомментировала ситуацию Мария Захарова.",
            ("Решение Лондона является ошибкой", "Мария Захарова"),
        ),
        (
            "Запад ведёт двойную игру — так Захарова ответила на вопрос.",
            ("Запад ведёт двойную игру", "Захарова"),
        ),
        (
            "Лондон не извлёк уроков из событий последних месяцев — так в Москве прокомментировали решение.",
            ("Лондон не извлёк уроков из событий последних месяцев", "Москве"),
        ),
        # "как" after a short link of the writer's, and a verb in the present tense.
        (
            "При этом, как утверждает Захарова, Россия готова помочь в освобождении британца.",
            ("Россия готова помочь в освобождении британца", "Захарова"),
        ),
        ("Захарова подчёркивает, что Москва не вмешивается.", ("Москва не вмешивается", "Захарова")),
    ],
)
def test_russian_so_said_after_a_dash_as_after_a_link_and_present_tense_verbs(
    text: str, expected: tuple[str, str]
) -> None:
    assert speakers(text, "ru", kind="reported") == [expected]


def test_a_dash_and_so_without_a_speech_verb_reports_nothing() -> None:
    assert speakers("Россия так и не получила ответа — такова ситуация.", "ru", kind="reported") == []
    assert speakers("Цены растут — так было и в прошлом году.", "ru", kind="reported") == []


def test_a_role_word_is_no_surname_of_a_listed_name_that_holds_it() -> None:
    # "Minister Hayashi" is one of the listed names: "minister" closing another party's title is not him.
    directory = load_speakers(
        "speakers.yaml",
        text="speakers:\n  - {id: hayashi, ministry: JP, names: [Yoshimasa Hayashi, Minister Hayashi]}\n",
    )
    text = (
        "“We came here for money for sea walls,” said Marisca’s environment minister, Talia Rennick.\n\n"
        "Foreign Minister Yoshimasa Hayashi said on Friday that Japan had pledged “up to 1.5 billion dollars”.\n\n"
        "“The money is there,” Hayashi added."
    )
    found = {q.text.rstrip(",."): q.speaker_id for q in extract_quotes(text, language="en", speakers=directory)}
    assert found["We came here for money for sea walls"] is None
    assert found["The money is there"] == "hayashi"


def test_a_reported_clause_ends_at_a_colon_before_a_quote() -> None:
    text = (
        "Maria Zakharova told reporters last Wednesday that the ban was an example of how the rules work in "
        'practice: "while there is enough for oneself, one can talk about solidarity."'
    )
    assert speakers(text, kind="reported") == [
        ("the ban was an example of how the rules work in practice", "Maria Zakharova")
    ]
    assert speakers(text) == [("while there is enough for oneself, one can talk about solidarity.", "Maria Zakharova")]


def test_a_clause_opening_with_the_and_a_verb_in_the_present_is_the_reported_one() -> None:
    # The "that" after "assessment" is the clause's own, not the one the speech verb takes.
    text = "Lin Jian said the U.S. fully stands by the Space Command's assessment that the debris was Soviet."
    assert speakers(text, kind="reported") == [
        ("the U.S. fully stands by the Space Command's assessment that the debris was Soviet", "Lin Jian")
    ]


def test_a_judging_verb_gives_its_speaker_the_words_after_as_not_the_ones_it_judges() -> None:
    text = 'Lin Jian dismissed the "debt trap" label as a narrative "fabricated by certain people".'
    assert [(q.text, q.speaker) for q in quotes(text)] == [
        ("debt trap", None),
        ("fabricated by certain people", "Lin Jian"),
    ]
    judged = 'Lin Jian rejected claims that the loans come with strings as "completely unfounded."'
    assert [(q.text.rstrip("."), q.speaker) for q in quotes(judged)] == [("completely unfounded", "Lin Jian")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A news agency's credit in the present is no speaker; the spokesperson's clause stays hers.
        (
            "Захарова заявила, что Москва ответит на высылку дипломатов, сообщает ТАСС.",
            [("Москва ответит на высылку дипломатов", "Захарова")],
        ),
        # An oblique case after "так" is whom it was said to, not who said it.
        (
            "Москва перешла все красные линии — так ответил Захаровой британский посол Найджел Кейси.",
            [("Москва перешла все красные линии", "посол Найджел Кейси")],
        ),
        # A subject before ", как утверждает X," is part of what was reported: no clause without it.
        ("Вашингтон, как утверждает Захарова, готовит новую провокацию против России.", []),
    ],
)
def test_russian_credits_addressees_and_subjects_are_not_taken_for_speech(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert speakers(text, "ru", kind="reported") == expected


def test_a_present_verb_that_only_resembles_speech_gives_no_speaker() -> None:
    text = "Решение Лондона напоминает «худшие времена холодной войны», заявила Захарова."
    assert speakers(text, "ru") == [("худшие времена холодной войны", "Захарова")]


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        (
            "Lin Jian told the Global Times that China firmly opposes the sanctions.",
            "China firmly opposes the sanctions",
        ),
        ("Lin Jian warned the United States that China would respond.", "China would respond"),
    ],
)
def test_an_outlet_or_a_country_after_the_verb_is_its_object_not_the_clauses_subject(text: str, clause: str) -> None:
    assert speakers(text, kind="reported") == [(clause, "Lin Jian")]


def test_a_judging_verbs_quoted_object_is_the_speakers_unless_it_is_rejected() -> None:
    condemned = (
        'Foreign Secretary Enrique Manalo condemned "the dangerous actions at the shoal" and urged Beijing to '
        "withdraw its ships as soon as possible."
    )
    # (The call after "and urged" is reported on its own: tests/unit/enrich/test_quotes_objects.py.)
    assert [q.speaker for q in quotes(condemned) if q.kind == "direct"] == ["Foreign Secretary Enrique Manalo"]
    rejected = 'Lin Jian rejected the "Chinese debt trap" narrative.'
    assert [q.speaker for q in quotes(rejected)] == [None]
