"""The segmenter on each ministry's layout, on the traps (quotations that look like labels, follow-ups without an
outlet, notes, a transcript without questions, a page that is no transcript), and on garbage: it never raises."""

from __future__ import annotations

import pytest

from pipeline.enrich.speakers import SpeakerDirectory, load_speakers
from pipeline.enrich.turns import Segmentation, Utterance, segment

SPEAKERS = load_speakers(
    "speakers.yaml",
    text="""\
speakers:
  - {id: geng-shuang, ministry: CN, names: [Geng Shuang, 耿爽]}
  - {id: wang-wenbin, ministry: CN, names: [Wang Wenbin, 汪文斌]}
  - {id: maria-zakharova, ministry: RU, names: [Maria Zakharova, Мария Захарова, М.В.Захаровой]}
  - {id: ned-price, ministry: US, names: [Ned Price, PRICE]}
  - {id: kamikawa-yoko, ministry: JP, names: [KAMIKAWA Yoko, Minister Kamikawa, 上川外務大臣]}
  - {id: randhir-jaiswal, ministry: IN, names: [Randhir Jaiswal]}
outlets:
  - {id: afp, names: [AFP, Agence France-Presse, 法新社]}
  - {id: reuters, names: [Reuters, 路透社]}
  - {id: nhk, names: [NHK]}
  - {id: times-now, names: [Times Now]}
""",
)


def doc(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs)


def turns(segmentation: Segmentation) -> list[tuple[int, str, str | None, str | None]]:
    """(paragraph, kind, speaker id or label, outlet id or label) of every utterance."""
    return [
        (u.paragraph, u.kind, u.speaker_id or u.speaker, u.outlet_id or u.outlet)
        for e in segmentation.exchanges
        for u in e.utterances
    ]


def utterances(segmentation: Segmentation) -> list[Utterance]:
    return [u for e in segmentation.exchanges for u in e.utterances]


def run(text: str, **kwargs: str) -> Segmentation:
    return segment(text, speakers=SPEAKERS, **kwargs)


def test_china_q_and_a_era_takes_the_spokesperson_from_the_title_and_numbers_announcements() -> None:
    text = doc(
        "I. The President of Ostland will visit China next week.",
        "II. The foreign ministers will meet in Beijing on Friday.",
        'Q: Foreign Minister Wang Yi said: "The door is open." Will talks resume?',
        "A: As Wang Yi said, the door is open.",
        'As President Xi Jinping said: "Friends help each other." We will keep working.',
        "Q: A follow-up question. Where?",
        "A: In Beijing.",
        "[Print] [Close]",
    )
    result = run(text, title="Foreign Ministry Spokesperson Geng Shuang's Regular Press Conference", ministry="CN")
    assert turns(result) == [
        (0, "announcement", "geng-shuang", None),
        (1, "announcement", "geng-shuang", None),
        (2, "question", None, None),
        (3, "answer", "geng-shuang", None),
        (5, "question", None, None),
        (6, "answer", "geng-shuang", None),
    ]
    answer = utterances(result)[3]
    assert answer.speaker is None  # "A:" names nobody: the id comes from the title
    assert answer.text.endswith("We will keep working.")  # the quotation continues the answer
    assert result.exchanges[-1].follow_up
    assert result.layout == "cn-mfa-en-qa"
    assert "[Print]" not in "".join(u.text for u in utterances(result))


def test_china_outlet_era_names_outlets_and_keeps_unknown_ones_as_written() -> None:
    text = doc(
        "Wang Wenbin: The Foreign Minister of Ostland will visit China.",
        "Agence France-Presse: What's China's response to the port inquiry?",
        "Wang Wenbin: The acquisition is normal commercial activity.",
        "Q: A follow-up on that. Any countermeasures?",
        "Wang Wenbin: I will not speculate.",
        "Hubei Media Group: Could you share more about the Expo?",
        "Wang Wenbin: More than 1,500 exhibitors are taking part.",
    )
    result = run(text, title="Foreign Ministry Spokesperson Wang Wenbin's Regular Press Conference", ministry="CN")
    assert turns(result) == [
        (0, "announcement", "wang-wenbin", None),
        (1, "question", None, "afp"),
        (2, "answer", "wang-wenbin", None),
        (3, "question", None, None),
        (4, "answer", "wang-wenbin", None),
        (5, "question", None, "Hubei Media Group"),
        (6, "answer", "wang-wenbin", None),
    ]
    assert result.unknown_labels == ("Hubei Media Group",)
    assert [e.follow_up for e in result.exchanges] == [False, False, True, False]
    assert utterances(result)[1].outlet == "Agence France-Presse"
    assert result.layout == "cn-mfa-en-outlet"


def test_chinese_pages_are_segmented_in_chinese() -> None:
    text = doc(
        "汪文斌：一、奥斯特兰外交大臣将访华。",
        "二、外交部将举办推介活动。",
        "法新社记者：中方对此有何回应？王毅说：“这是内政。”",
        "汪文斌：中方立场是一贯的。",
        "习近平主席指出：中国发展离不开世界。",
        "追问：中方是否会举行磋商？",
        "汪文斌：双方保持着沟通。",
        "湖北广电记者：你能否介绍更多情况？",
        "汪文斌：博览会吸引了很多参展商。",
        "【打印】【关闭】",
    )
    result = run(text, title="2024年4月15日外交部发言人汪文斌主持例行记者会", ministry="CN", language="zh")
    assert turns(result) == [
        (0, "announcement", "wang-wenbin", None),
        (1, "announcement", "wang-wenbin", None),
        (2, "question", None, "afp"),
        (3, "answer", "wang-wenbin", None),
        (5, "question", None, None),
        (6, "answer", "wang-wenbin", None),
        (7, "question", None, "湖北广电"),
        (8, "answer", "wang-wenbin", None),
    ]
    assert "习近平主席指出" in utterances(result)[3].text
    assert result.layout == "cn-mfa-zh-outlet"


def test_chinese_wen_da_era() -> None:
    text = doc("应邀，某国总理将访华。", "问：王毅外长说：“积极有为。”请问重点是什么？", "答：我们将继续努力。")
    result = run(text, title="2014年3月5日外交部发言人耿爽主持例行记者会", ministry="CN")
    assert turns(result) == [
        (0, "announcement", "geng-shuang", None),
        (1, "question", None, None),
        (2, "answer", "geng-shuang", None),
    ]
    assert result.layout == "cn-mfa-zh-qa"


def test_russia_sections_become_announcements_and_the_contents_and_notes_do_not() -> None:
    text = doc(
        "Contents",
        "Sergey Lavrov's schedule",
        "Answers to media questions:",
        "Sergey Lavrov's schedule",
        'On March 18, Sergey Lavrov will hold talks in Moscow. As Sergey Lavrov said: "We are open."',
        "The talks will cover trade.",
        "Answers to media questions:",
        'Question: Mike Pompeo said: "All options are on the table." Your assessment?',
        "Answer: We regard this as a threat.",
        "(Interpreter's note: the following question was asked in Spanish.)",
        "Question: Will Russia mediate?",
        "Maria Zakharova: Only if both sides ask.",
    )
    result = run(text, title="Briefing by Foreign Ministry Spokeswoman Maria Zakharova, Moscow", ministry="RU")
    assert turns(result) == [
        (4, "announcement", "maria-zakharova", None),
        (7, "question", None, None),
        (8, "answer", "maria-zakharova", None),
        (10, "question", None, None),
        (11, "answer", "maria-zakharova", None),
    ]
    first = utterances(result)[0]
    assert first.heading == "Sergey Lavrov's schedule"
    assert first.text.endswith("The talks will cover trade.")
    assert "Interpreter" not in " ".join(u.text for u in utterances(result))
    assert result.layout == "ru-mid-en"


def test_a_question_label_may_name_its_outlet_in_brackets() -> None:
    text = doc(
        "Вопрос (ТАСС): Когда начнутся консультации?",
        "Ответ: В декабре.",
        "Вопрос (уточнение): А где?",
        "Ответ: В Москве.",
        "Question (Reuters): And the agenda?",
        "Answer: Security.",
    )
    speakers = load_speakers("speakers.yaml", text="speakers: []\noutlets:\n  - {id: tass, names: [ТАСС]}\n")
    result = segment(text, ministry="RU", speakers=speakers)
    assert [(u.paragraph, u.kind, u.outlet_id or u.outlet) for u in utterances(result)] == [
        (0, "question", "tass"),
        (1, "answer", None),
        (2, "question", None),
        (3, "answer", None),
        (4, "question", "Reuters"),
        (5, "answer", None),
    ]


def test_a_transcript_with_no_questions_is_all_announcements() -> None:
    text = doc(
        "Содержание",
        "О ситуации в Нигере",
        "О ситуации в Нигере",
        "Продолжаем следить за ситуацией. Как сказал С.В.Лавров: «Вмешательство извне опасно».",
        "О Дне флага",
        "22 августа отмечается День государственного флага.",
    )
    result = run(text, title="Брифинг официального представителя МИД России М.В.Захаровой", ministry="RU")
    assert turns(result) == [(3, "announcement", "maria-zakharova", None), (5, "announcement", "maria-zakharova", None)]
    assert all(e.kind == "announcement" for e in result.exchanges)
    assert result.layout == "ru-mid-ru"


def test_state_department_header_moderator_operator_and_closing_lines() -> None:
    text = doc(
        "Ned Price, Department Spokesperson",
        "Washington, D.C.",
        "2:39 p.m. EST",
        "MR PRICE: Good afternoon. One thing at the top.",
        "OPERATOR: Our first question comes from the line of Shaun Tandon with AFP.",
        'QUESTION: The minister said: "We will respond." Your reaction?',
        'MR PRICE: Well, as the Secretary said: "Actions matter."',
        "MODERATOR: Let's go to Said Arikat of Al-Quds.",
        "QUESTION: On Gaza?",
        "SENIOR STATE DEPARTMENT OFFICIAL: We are working on it.",
        "QUESTION: Follow-up on that?",
        "MR PRICE: Sure.",
        "MR PRICE: Thanks, everyone.",
        "(The briefing was concluded at 3:04 p.m.)",
    )
    result = run(text, title="Department Press Briefing – March 8, 2022", ministry="US")
    assert turns(result) == [
        (3, "announcement", "ned-price", None),
        (5, "question", None, "afp"),
        (6, "answer", "ned-price", None),
        (8, "question", None, "Al-Quds"),
        (9, "answer", "SENIOR STATE DEPARTMENT OFFICIAL", None),
        (10, "question", None, None),
        (11, "answer", "ned-price", None),
    ]
    assert result.unknown_labels == ("Al-Quds", "SENIOR STATE DEPARTMENT OFFICIAL")
    assert result.layout == "us-state-en"


def test_japan_english_full_first_label_short_labels_topics_and_askers() -> None:
    text = doc(
        "(Provisional translation)",
        "Opening Remarks",
        "Ms. KAMIKAWA Yoko, Minister for Foreign Affairs: I have nothing to report today.",
        "Questions and Answers",
        "Japan-China relations",
        'Kojima, NHK: A Chinese official said: "Relations are normal." Your view?',
        "Minister Kamikawa: We will keep building a mutually beneficial relationship.",
        "Nuclear disarmament",
        "Chugoku Shimbun, Hayashi: How do you assess progress?",
        "Minister Kamikawa: The road has become more severe.",
        "Reporter: (Interpreted from Korean) Any talks with North Korea?",
        "Minister Kamikawa: The abduction issue is a priority.",
    )
    result = run(text, title="Press Conference by Foreign Minister KAMIKAWA Yoko", ministry="JP")
    assert turns(result) == [
        (2, "announcement", "kamikawa-yoko", None),
        (5, "question", None, "nhk"),
        (6, "answer", "kamikawa-yoko", None),
        (8, "question", None, "Chugoku Shimbun"),
        (9, "answer", "kamikawa-yoko", None),
        (10, "question", None, None),
        (11, "answer", "kamikawa-yoko", None),
    ]
    found = utterances(result)
    assert (found[1].journalist, found[1].heading) == ("Kojima", "Japan-China relations")
    assert (found[3].journalist, found[3].outlet) == ("Hayashi", "Chugoku Shimbun")
    assert found[5].text == "Any talks with North Korea?"  # the interpreter's note is not the question


def test_japanese_bracket_labels() -> None:
    text = doc(
        "令和6年5月24日（金曜日）10時20分　於：本省会見室",
        "冒頭発言",
        "【上川外務大臣】冒頭発言はありません。",
        "質疑応答",
        "【記者】成果についてお聞かせください。",
        "【上川外務大臣】大きな成果がありました。",
        "【NHK 北川記者】王毅外交部長は「歴史を直視すべきだ」と述べましたが、受け止めは。",
        "【上川外務大臣】承知しております。",
    )
    result = run(text, title="上川外務大臣会見記録", ministry="JP", language="ja")
    assert turns(result) == [
        (2, "announcement", "kamikawa-yoko", None),
        (4, "question", None, None),
        (5, "answer", "kamikawa-yoko", None),
        (6, "question", None, "nhk"),
        (7, "answer", "kamikawa-yoko", None),
    ]
    assert utterances(result)[3].journalist == "北川記者"
    assert result.layout == "jp-mofa-ja"


def test_india_journalists_by_first_name_their_outlets_and_a_joint_answer() -> None:
    text = doc(
        "Shri Randhir Jaiswal, Official Spokesperson: Good afternoon friends.",
        "Rishabh: Hi sir, Rishabh from Times Now. What are the outcomes?",
        "Sidhant: Sir, Sidhant from WION. Will there be an agreement?",
        "Shri Randhir Jaiswal, Official Spokesperson: Let me take these together.",
        "Rishabh: Sir, just a follow-up. A joint statement?",
        'Shri Randhir Jaiswal, Official Spokesperson: As EAM said: "We expect one."',
        "Manish: (Questioned in Hindi: Approximate translation) Sir, what about the students?",
        "Shri Randhir Jaiswal, Official Spokesperson: They are safe.",
        "Shri Randhir Jaiswal, Official Spokesperson: Thank you all for joining.",
        "New Delhi",
        "March 14, 2024",
    )
    result = run(text, title="Transcript of Weekly Media Briefing by the Official Spokesperson", ministry="IN")
    assert turns(result) == [
        (0, "announcement", "randhir-jaiswal", None),
        (1, "question", None, "times-now"),
        (2, "question", None, "WION"),
        (3, "answer", "randhir-jaiswal", None),
        (4, "question", None, "times-now"),
        (5, "answer", "randhir-jaiswal", None),
        (6, "question", None, None),
        (7, "answer", "randhir-jaiswal", None),
    ]
    joint = result.exchanges[1]
    assert [u.journalist for u in joint.utterances if u.kind == "question"] == ["Rishabh", "Sidhant"]
    assert joint.answer == "Let me take these together."
    assert utterances(result)[6].text == "Sir, what about the students?"
    assert utterances(result)[-1].text == "They are safe."  # the closing thanks and the dateline are not turns
    assert result.exchanges[2].follow_up


def test_uk_short_label_inherits_the_full_one() -> None:
    speakers = load_speakers(
        "speakers.yaml",
        text="speakers:\n  - {id: yvette-cooper, ministry: GB, names: [Foreign Secretary Yvette Cooper]}\n",
    )
    text = doc(
        "Foreign Secretary Yvette Cooper: Thank you all for coming to this press conference today.",
        'Beth Rigby, Sky News: The ambassador said: "Britain escalates." Your answer?',
        "Foreign Secretary: That is not true.",
    )
    result = segment(text, ministry="GB", speakers=speakers)
    assert turns(result) == [
        (0, "announcement", "yvette-cooper", None),
        (1, "question", None, "Sky News"),
        (2, "answer", "yvette-cooper", None),
    ]
    assert utterances(result)[1].journalist == "Beth Rigby"
    assert result.unknown_labels == ("Sky News",)


def test_a_page_that_is_not_a_transcript_is_one_announcement_per_paragraph() -> None:
    text = doc(
        "The UK has sanctioned 14 individuals today.",
        "Foreign Secretary Yvette Cooper said:",
        "Every night Russia fires drones at Ukrainian homes. Note: this is a quote.",
        "Media enquiries",
        "Email newsdesk@fcdo.gov.uk",
    )
    result = run(text, title="UK sanctions network supplying drone components to Russia", ministry="GB")
    assert result.layout == "generic"
    assert turns(result) == [(n, "announcement", None, None) for n in range(5)]


@pytest.mark.parametrize(
    "paragraph",
    [
        "As President Xi said: we are friends, and we will remain friends.",
        'Wang Yi said: "The door is open."',
        'President Xi Jinping said: "Openness is the trend."',
        "On Taiwan: our position is clear.",
        "Two points: first, second.",
        "First: we oppose sanctions.",
        "Note: the figures are provisional.",
        "Email: write to newsdesk@fcdo.gov.uk for the full text.",
        "At 3:04 p.m. the briefing ended.",
        "正如习近平主席所说：中国将坚定不移。",
        "王毅外长说：积极有为。",
        "Как сказал С.В.Лавров: «Мы открыты».",
    ],
)
def test_a_colon_after_a_name_inside_a_sentence_is_not_a_turn(paragraph: str) -> None:
    text = doc("Q: What is your comment?", "A: Let me answer.", paragraph)
    result = run(text, title="Foreign Ministry Spokesperson Geng Shuang's Regular Press Conference", ministry="CN")
    assert [u.paragraph for u in utterances(result)] == [0, 1]
    assert utterances(result)[1].text.endswith(paragraph)


def test_after_the_first_question_a_short_line_is_a_heading_only_before_a_new_turn() -> None:
    text = doc(
        "Question: What are Russia's priorities?",
        "Answer: There are two.",
        "Security in Europe",
        "We want guarantees that take our interests into account.",
        "Trade with Asia",
        "Question: And the Arctic?",
        "Answer: Cooperation there must go on.",
    )
    result = run(text, title="Briefing by Foreign Ministry Spokeswoman Maria Zakharova", ministry="RU")
    assert [(u.paragraph, u.kind) for u in utterances(result)] == [
        (0, "question"),
        (1, "answer"),
        (5, "question"),
        (6, "answer"),
    ]
    first_answer = utterances(result)[1]
    assert first_answer.text.split("\n\n") == [
        "There are two.",
        "Security in Europe",
        "We want guarantees that take our interests into account.",
    ]
    assert utterances(result)[2].heading == "Trade with Asia"


def test_a_name_opening_a_paragraph_of_an_answer_is_a_quotation_where_questions_are_generic() -> None:
    text = doc(
        "Q: What did the two ministers agree?",
        "A: They agreed on three points.",
        'Wang Yi: "China and Ostland are good partners." This is our shared view.',
        "Q: When is the next meeting?",
        "A: In the spring.",
        "Q: Where?",
        "A: In Beijing.",
    )
    result = run(text, title="Foreign Ministry Spokesperson Geng Shuang's Regular Press Conference", ministry="CN")
    assert [(u.paragraph, u.kind) for u in utterances(result)] == [
        (0, "question"),
        (1, "answer"),
        (3, "question"),
        (4, "answer"),
        (5, "question"),
        (6, "answer"),
    ]
    assert utterances(result)[1].text.endswith("This is our shared view.")
    assert result.unknown_labels == ()


def test_unknown_labels_are_kept_as_written_and_listed_once() -> None:
    """A spokesperson missing from the speakers file still answers (the label that speaks most, when no label is
    an official's); their label and the unknown outlet are listed once each."""
    text = doc(
        "Li Hua: We will hold a press event.",
        "Shenzhen TV: A question on the Greater Bay Area.",
        "Li Hua: It is progressing.",
        "Shenzhen TV: And the bridge?",
        "Li Hua: Also progressing.",
    )
    result = segment(text, ministry="CN", speakers=SpeakerDirectory())
    assert turns(result) == [
        (0, "announcement", "Li Hua", None),
        (1, "question", None, "Shenzhen TV"),
        (2, "answer", "Li Hua", None),
        (3, "question", None, "Shenzhen TV"),
        (4, "answer", "Li Hua", None),
    ]
    assert result.unknown_labels == ("Li Hua", "Shenzhen TV")


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Foreign Ministry Spokesperson Li Hua's Regular Press Conference",
            doc("AFP: A question?", "Li Hua: An answer."),
        ),
        ("2027年1月5日外交部发言人李华主持例行记者会", doc("法新社记者：请问？", "李华：回答。")),
    ],
)
def test_a_spokesperson_the_title_names_answers_even_when_missing_from_the_file(title: str, text: str) -> None:
    result = run(text, title=title, ministry="CN")
    assert [(u.paragraph, u.kind) for u in utterances(result)] == [(0, "question"), (1, "answer")]
    assert utterances(result)[1].speaker in ("Li Hua", "李华")


def test_the_default_directory_is_the_shipped_file() -> None:
    result = segment(
        doc("AFP: A question?", "Lin Jian: An answer."),
        title="Foreign Ministry Spokesperson Lin Jian's Regular Press Conference",
        ministry="CN",
    )
    assert turns(result) == [(0, "question", None, "afp"), (1, "answer", "lin-jian", None)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n\n\n",
        "::::",
        "Q:",
        "Q: \n\nA: ",
        "【】\n\n【記者】\n\n【】x",
        "A: answer before any question\n\nA: another",
        "\x00\ufeff" * 50,
        "Q: " + "x" * 100_000,
        ": : :\n\n(\n\n)\n\n[Print] [Close]",
        "\n\n".join(f"Speaker {n}: words" for n in range(300)),
    ],
)
def test_garbage_never_raises(text: str) -> None:
    result = run(text, ministry="CN")
    for exchange in result.exchanges:
        for utterance in exchange.utterances:
            assert utterance.kind in ("announcement", "question", "answer")
            assert 0 <= utterance.paragraph < max(1, len(text.split("\n\n")))


def test_a_follow_up_naming_nobody_is_filed_under_the_outlet_that_asked_before() -> None:
    text = doc(
        'Reuters: The defence minister said on Tuesday: "We will keep patrolling." How does China respond?',
        "Wang Wenbin: We urge the relevant side to stop provocations.",
        "Follow-up: Does that mean talks will resume this month?",
        "Wang Wenbin: I have nothing to announce at the moment.",
        "AFP: A question on trade. Will the tariffs change?",
        "Wang Wenbin: I would refer you to the competent authorities.",
    )
    exchanges = run(
        text, title="Foreign Ministry Spokesperson Wang Wenbin's Regular Press Conference", ministry="CN"
    ).exchanges
    assert [e.follow_up for e in exchanges] == [False, True, False]
    # The utterance stays as written (no outlet); the exchange is the questioner's.
    assert exchanges[1].utterances[0].outlet is None
    assert [e.questioner[1] for e in exchanges] == ["reuters", "reuters", "afp"]


def test_an_outlet_whose_name_has_an_of_is_read_whole() -> None:
    text = doc(
        "Shri Randhir Jaiswal, Official Spokesperson: Good afternoon friends.",
        "Maha: Sir, Maha from Press Trust of India. Any update on the sailors?",
        "Shri Randhir Jaiswal, Official Spokesperson: They are safe.",
        "New Delhi",
        "March 14, 2024",
    )
    result = run(text, title="Transcript of Weekly Media Briefing by the Official Spokesperson", ministry="IN")
    # Not in this test's directory: the outlet as written, whole (the shipped directory names it "pti").
    assert turns(result)[1] == (1, "question", None, "Press Trust of India")
