"""The segmenter on the label and header shapes a blind labelled set showed it missing: "Q." / "A." with a full
stop, outlets in book-title marks, numbered "Speaker 1:" askers, translation notes and era date lines before the
first turn, the outlet a journalist gives inside a QUESTION:, "Name (Outlet):", a deputy named only in the title,
and a host's "Go ahead."; with the traps each rule must not fall into."""

from __future__ import annotations

import pytest

from pipeline.enrich.speakers import load_speakers
from pipeline.enrich.turns import Segmentation, segment

from .test_turns import doc, turns, utterances

SPEAKERS = load_speakers(
    "speakers.yaml",
    text="""\
speakers:
  - {id: geng-shuang, ministry: CN, names: [Geng Shuang, 耿爽]}
  - {id: mao-ning, ministry: CN, names: [Mao Ning, 毛宁]}
  - {id: matthew-miller, ministry: US, names: [Matthew Miller, MILLER]}
  - {id: kamikawa-yoko, ministry: JP, names: [KAMIKAWA Yoko, Minister Kamikawa, 上川外務大臣]}
  - {id: randhir-jaiswal, ministry: IN, names: [Randhir Jaiswal]}
outlets:
  - {id: afp, names: [AFP]}
  - {id: global-times, names: [Global Times, 环球时报]}
  - {id: bloomberg, names: [Bloomberg, Bloomberg News]}
  - {id: hindustan-times, names: [Hindustan Times]}
  - {id: nhk, names: [NHK]}
""",
)
GENG = "Foreign Ministry Spokesperson Geng Shuang's Regular Press Conference on November 5, 2019"


def run(text: str, **kwargs: str) -> Segmentation:
    return segment(text, speakers=SPEAKERS, **kwargs)


@pytest.mark.parametrize(("ask", "answer"), [("Q.", "A."), ("Q -", "A -"), ("Question.", "Answer."), ("Q —", "A —")])
def test_q_and_a_with_a_full_stop_or_a_dash_are_labels_when_a_document_pairs_them(ask: str, answer: str) -> None:
    text = doc(
        "Home > Spokesperson's Remarks",
        GENG,
        "2019-11-05 22:40",
        "The Foreign Minister of Ostland will visit China next week.",
        f'{ask} The minister said: "We are partners." What does China expect?',
        f"{answer} Closer ties. A. Lists of agreements will follow.",
        "We believe the visit will open a new chapter.",
        f"{ask} Will there be a joint statement?",
        f"{answer} In due course.",
    )
    result = run(text, title=GENG, ministry="CN")
    assert turns(result) == [
        (3, "announcement", "geng-shuang", None),
        (4, "question", None, None),
        (5, "answer", "geng-shuang", None),
        (7, "question", None, None),
        (8, "answer", "geng-shuang", None),
    ]
    assert utterances(result)[2].text.startswith("Closer ties.")  # the label is not part of the text
    assert utterances(result)[2].text.endswith("a new chapter.")


def test_a_full_stop_label_alone_is_no_label() -> None:
    """ "A." items of a list in an answer, or a lone "Q. ..." sentence, without the other half: no turns."""
    text = doc(
        "Q: What are the priorities?",
        "A: There are two.",
        "A. Trade, which grew last year.",
        "A. Health, where we will do more.",
    )
    result = run(text, title=GENG, ministry="CN")
    assert turns(result) == [(0, "question", None, None), (1, "answer", "geng-shuang", None)]
    assert "A. Health" in utterances(result)[1].text


def test_outlets_in_book_title_marks_and_unknown_ones_without_the_journalist_word() -> None:
    text = doc(
        "《环球时报》记者：中方对此有何评论？",
        "毛宁：有关说法毫无根据。",
        "〈东方日报〉记者：能否介绍更多情况？",
        "毛宁：我们会适时发布消息。",
        "东方广播电台记者：还有一个问题。",
        "毛宁：请你向主管部门询问。",
    )
    result = run(text, title="2024年3月12日外交部发言人毛宁主持例行记者会", ministry="CN")
    assert turns(result) == [
        (0, "question", None, "global-times"),
        (1, "answer", "mao-ning", None),
        (2, "question", None, "东方日报"),
        (3, "answer", "mao-ning", None),
        (4, "question", None, "东方广播电台"),
        (5, "answer", "mao-ning", None),
    ]
    assert result.unknown_labels == ("东方日报", "东方广播电台")


def test_numbered_speakers_ask_and_from_the_outlet_and_name_outlet_labels() -> None:
    text = doc(
        "Shri Randhir Jaiswal, Official Spokesperson: Good afternoon. Let us take questions.",
        "Rezaul: Sir, Rezaul Laskar from the Hindustan Times. Will the Quad meet?",
        "Speaker 1: Sir, any update on the fishermen?",
        "Ravi Menon (Eastern Herald): Sir, will there be a business forum?",
        "Shri Randhir Jaiswal, Official Spokesperson: Rezaul, yes. On the fishermen, we are in touch.",
        "Speaker 2: Sir, one more.",
        "Shri Randhir Jaiswal, Official Spokesperson: Thank you.",
    )
    result = run(text, ministry="IN")
    assert turns(result) == [
        (0, "announcement", "randhir-jaiswal", None),
        (1, "question", None, "hindustan-times"),
        (2, "question", None, None),
        (3, "question", None, "Eastern Herald"),
        (4, "answer", "randhir-jaiswal", None),
        (5, "question", None, None),
        (6, "answer", "randhir-jaiswal", None),
    ]
    named = utterances(result)[3]
    assert (named.journalist, named.outlet) == ("Ravi Menon", "Eastern Herald")
    assert utterances(result)[2].journalist is None


def test_name_outlet_label_with_a_known_outlet() -> None:
    result = run(
        doc("Sato (Bloomberg News): A question.", "Minister Kamikawa: An answer."),
        title="Press Conference by Foreign Minister KAMIKAWA Yoko",
        ministry="JP",
    )
    first = utterances(result)[0]
    assert (first.outlet_id, first.journalist) == ("bloomberg", "Sato")


def test_header_notes_and_date_lines_before_the_first_turn_start_nothing() -> None:
    english = doc(
        "This is a provisional translation by an official of the Ministry of Foreign Affairs of Japan.",
        "(Friday, May 17, 2024, 10:30 a.m. (local time) Press Conference Room, Ministry of Foreign Affairs)",
        "Ms. KAMIKAWA Yoko, Minister for Foreign Affairs: I will visit Canada next week.",
        "Kojima, NHK: What will you discuss?",
        "Minister Kamikawa: Cooperation in the Indo-Pacific.",
    )
    result = run(english, title="Press Conference by Foreign Minister KAMIKAWA Yoko", ministry="JP")
    assert [(p, k) for p, k, _, _ in turns(result)] == [(2, "announcement"), (3, "question"), (4, "answer")]
    japanese = doc(
        "上川外務大臣会見記録",
        "（令和6年5月21日（火曜日）11時05分　於：本省会見室）",
        "令和6年5月21日（火曜日）11時05分より本省会見室にて上川外務大臣による会見が行われました",
        "【上川外務大臣】カナダを訪問します。",
        "【NHK　小島記者】伺います。",
        "【上川外務大臣】お答えします。",
    )
    result = run(japanese, title="上川外務大臣会見記録", ministry="JP")
    assert [(p, k) for p, k, _, _ in turns(result)] == [(3, "announcement"), (4, "question"), (5, "answer")]


def test_a_header_note_later_in_a_transcript_is_text() -> None:
    """The notes are header lines only before the first turn; after it they continue the utterance."""
    text = doc(
        "Minister Kamikawa: I have one announcement.",
        "This is a provisional translation of the joint statement, which is attached.",
        "Kojima, NHK: A question.",
        "Minister Kamikawa: An answer.",
    )
    result = run(text, ministry="JP")
    assert utterances(result)[0].text.endswith("which is attached.")


@pytest.mark.parametrize(
    ("question", "outlet"),
    [
        ("Hi, Matt. Shaun Tandon with AFP. On Ethiopia, any update?", "afp"),
        ("Thank you, Matt. Lena Hart, Bloomberg News. On Taiwan, will you send a delegation?", "bloomberg"),
        ("Thanks. Omar Reyes, Eastern Daily News. Is there a timeline?", "Eastern Daily News"),
        ("Thanks. Omar Reyes of the Eastern Tribune. Is there a timeline?", "Eastern Tribune"),
        ("Mr Secretary, Ukraine. Will the next package include air defence?", None),
        ("Matt, quickly. Are you going to Cairo?", None),
        ("On the ceasefire. Secretary Blinken, President Biden. Did they speak?", None),
    ],
)
def test_the_outlet_a_journalist_gives_at_the_start_of_a_question(question: str, outlet: str | None) -> None:
    text = doc("MR MILLER: Good afternoon.", f"QUESTION: {question}", "MR MILLER: We'll see.")
    result = run(text, title="Department Press Briefing – January 9, 2024", ministry="US")
    assert turns(result)[1] == (1, "question", None, outlet)


def test_a_host_handing_over_the_floor_is_no_turn_but_answers_a_request() -> None:
    text = doc(
        "MR MILLER: Good afternoon.",
        "QUESTION: On Gaza, any news?",
        "MR MILLER: Not today.",
        "MR MILLER: Yes, go ahead.",
        "QUESTION: Can I follow up?",
        "MR MILLER: Go ahead.",
        "QUESTION: When?",
        "MR MILLER: Soon.",
    )
    result = run(text, ministry="US")
    assert [(p, k) for p, k, _, _ in turns(result)] == [
        (0, "announcement"),
        (1, "question"),
        (2, "answer"),
        (4, "question"),
        (5, "answer"),
        (6, "question"),
        (7, "answer"),
    ]


@pytest.mark.parametrize(
    ("title", "name"),
    [
        (
            "Briefing by Deputy Director of the Information and Press Department Ivan Petrov, Moscow, April 4, 2024",
            "Ivan Petrov",
        ),
        ("Брифинг заместителя директора Департамента информации и печати МИД России И.И.Петрова", "И.И.Петрова"),
        ("Press Briefing by Deputy Spokesperson Jane Doe", "Jane Doe"),
        ("Department Press Briefing – April 4, 2024", None),
        ("Foreign Secretary's speech on partnership with Africa: 20 November 2024", None),
    ],
)
def test_an_official_named_only_in_the_title_speaks_the_generic_answers(title: str, name: str | None) -> None:
    text = doc(
        "The situation in the Balkans",
        "We continue to follow developments in the region and call on all parties to show restraint.",
        "Question: Will you send observers?",
        "Answer: We are considering it.",
        "Question: When?",
        "Answer: Soon.",
    )
    result = run(text, title=title, ministry="RU")
    assert [u.speaker for u in utterances(result) if u.kind != "question"] == [name] * 3
    assert all(u.speaker_id is None for u in utterances(result))
    assert result.unknown_labels == ((name,) if name else ())


def test_the_shipped_file_knows_outlets_long_forms() -> None:
    text = doc(
        "MR MILLER: Good afternoon.",
        "QUESTION: Thanks. Humeyra Pamuk, Reuters News Agency. On visas?",
        "MR MILLER: No comment.",
        "QUESTION: Thank you. Nike Ching, Voice of America. On Taiwan?",
        "MR MILLER: No announcement.",
    )
    result = segment(text, title="Department Press Briefing – January 9, 2024", ministry="US")
    assert [u.outlet_id for u in utterances(result) if u.kind == "question"] == ["reuters", "voa"]
    japanese = segment(
        doc("【上川外務大臣】発表します。", "【テレビ朝日　渡辺記者】伺います。", "【上川外務大臣】お答えします。"),
        title="上川外務大臣会見記録",
        ministry="JP",
    )
    asker = utterances(japanese)[1]
    assert (asker.outlet_id, asker.journalist) == ("tv-asahi", "渡辺記者")
    chinese = segment(doc("韩联社记者：请问？", "毛宁：回答。"), title="外交部发言人毛宁主持例行记者会", ministry="CN")
    assert utterances(chinese)[0].outlet_id == "yonhap"


SPEECH = doc(
    "Transcript of the speech, exactly as it was delivered.",
    "Thank you, Madam President. It is a privilege to speak at this forum on the future of the high seas.",
    "When I took up this role, I made a promise: that the UK would lead on ocean protection, not follow.",
    "First, funding. The UK will double its support for marine protected areas in the Pacific.",
)


def test_a_speech_by_an_official_the_title_names_is_theirs_and_a_news_story_stays_generic() -> None:
    speech = run(SPEECH, title="Minister for the Ocean Jane Holloway's speech at the High Seas Forum", ministry="GB")
    assert turns(speech) == [(1, "announcement", "Jane Holloway", None)]
    assert utterances(speech)[0].text.endswith("in the Pacific.")
    news = run(SPEECH, title="Minister for the Ocean Jane Holloway visits the Pacific", ministry="GB")
    assert news.layout == "generic"
    assert turns(news) == [(index, "announcement", None, None) for index in (1, 2, 3)]  # without the delivery note


def test_a_spokesperson_hosting_another_official_introduces_opens_and_closes_without_a_turn() -> None:
    text = doc(
        "Shri Randhir Jaiswal, Official Spokesperson: Good afternoon friends. We have with us Secretary (East) "
        "Shri Arun Rao. Sir, may I request you to make your opening remarks.",
        "Shri Arun Rao, Secretary (East): Thank you. The President of Ostland will visit India next week.",
        "Shri Randhir Jaiswal, Official Spokesperson: Thank you, sir. The floor is now open for questions.",
        "Meera: Sir, Meera from the Indian Express. Will there be a defence agreement?",
        "Shri Arun Rao, Secretary (East): The two sides will review defence cooperation.",
        "Shri Randhir Jaiswal, Official Spokesperson: Thank you, sir. With this we come to the end of this briefing.",
    )
    result = run(text, ministry="IN")
    assert [(p, k) for p, k, _, _ in turns(result)] == [(1, "announcement"), (3, "question"), (4, "answer")]
    alone = doc(
        "Shri Randhir Jaiswal, Official Spokesperson: Good afternoon. We will now take questions.",
        "Meera: Sir, Meera from the Indian Express. Any update?",
        "Shri Randhir Jaiswal, Official Spokesperson: Not today.",
    )
    # With no guest, the spokesperson's opening is an announcement like any other.
    assert [(p, k) for p, k, _, _ in turns(run(alone, ministry="IN"))] == [
        (0, "announcement"),
        (1, "question"),
        (2, "answer"),
    ]


def test_an_outlet_with_its_place_in_brackets_stays_the_outlet() -> None:
    result = run(doc("Eastern Daily News (Hong Kong): A question.", "Mao Ning: An answer."), ministry="CN")
    asker = utterances(result)[0]
    assert (asker.outlet, asker.journalist) == ("Eastern Daily News (Hong Kong)", None)
