"""extract: text (generic and per-source rules), title, authors, language, dates and errors.

Pages are written here in the layouts of the real sites (see SOURCES-FACTS.md); no network.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from pipeline.config import Source
from pipeline.errors import ExtractionError
from pipeline.extract import EXTRACTOR_VERSION, PARAGRAPH_SEPARATOR, extract

MFA_URL = "https://www.fmprc.example.cn/eng/xw/fyrbt/lxjzh/202104/t20210426_9170692.html"
NEWS_URL = "https://news.example.org/world/china-rejects-sanctions"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
TITLE = "Foreign Ministry Spokesperson Wang Wenbin's Regular Press Conference on April 26, 2021"
OUTLETS = ("Reuters", "AFP", "China Daily", "Bloomberg", "CCTV", "Kyodo News", "Global Times", "TASS")

FILLER = (
    "The Chinese side has stated its position on this matter many times, and we urge the parties concerned "
    "to respect the facts, abide by international law and stop interfering in China's internal affairs."
)


def make_source(*, tz: str = "Asia/Shanghai", language: str = "en", **rules: Any) -> Source:
    return Source.model_validate(
        {
            "id": "cn-mfa-en",
            "name": "China MFA regular press conferences (English)",
            "kind": "briefing",
            "publisher": "Ministry of Foreign Affairs of the People's Republic of China",
            "country": "CN",
            "language": language,
            "timezone": tz,
            "discovery": {"method": "listing", "urls": ["https://www.fmprc.example.cn/eng/xw/fyrbt/lxjzh/"]},
            "extract": rules,
        }
    )


MFA_RULES: dict[str, Any] = {
    "body_selector": "div.TRS_UEDITOR",
    "title_selector": "div.news-title h1",
    "date_selector": "p.time",
    "drop_patterns": [r"^\[Print\]", r"^分享到"],
}


def exchanges(count: int) -> list[tuple[str, str]]:
    """Question and answer paragraphs, with short answers ("No.") that extractors like to drop."""
    turns = []
    for i in range(count):
        outlet = OUTLETS[i % len(OUTLETS)]
        question = f"{outlet}: Question {i}. What is China's response to the sanctions announced on day {i}?"
        if i % 4 == 0:
            answer = "Wang Wenbin: No."
        elif i % 4 == 1:
            answer = f"Wang Wenbin: I'd refer you to the competent authorities on question {i}."
        else:
            answer = f"Wang Wenbin: We oppose the willful use of unilateral sanctions, item {i}. {FILLER}"
        turns.append((question, answer))
    return turns


def nav(prefix: str, count: int = 25) -> str:
    return "".join(f'<li><a href="/{prefix}/{i}/">{prefix.title()} section {i}</a></li>' for i in range(count))


def mfa_page(
    turns: list[tuple[str, str]],
    *,
    head: str = "",
    time_text: str = "2021-04-26 19:35",
    body_extra: str = "",
    lang: str = "en",
) -> str:
    """An MFA regular press conference page, laid out as the current English site is."""
    qa = "".join(f"<p>{q}</p><p>{a}</p>" for q, a in turns)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">{head}
<title>{TITLE}_Ministry of Foreign Affairs of the People's Republic of China</title></head>
<body>
<div class="header"><ul>{nav("news")}</ul></div>
<div class="crumbs"><a href="/eng/">Home</a> &gt; <a href="/eng/xw/">Press and Media Service</a></div>
<div class="main">
  <div class="news-title"><h1>{TITLE}</h1><p class="time">{time_text}</p></div>
  <div class="TRS_UEDITOR">
    <p>The Foreign Ministry Spokesperson Wang Wenbin will hold the press conference as usual.</p>
    {qa}{body_extra}
  </div>
  <div class="share"><p>[Print] [Close]</p></div>
</div>
<div class="footer"><ul>{nav("about")}</ul><p>Copyright © Ministry of Foreign Affairs</p></div>
</body></html>"""


def news_page(*, head: str = "", byline: str = "", paragraphs: int = 6, lang: str | None = "en") -> str:
    lang_attr = f' lang="{lang}"' if lang else ""
    body = "".join(
        f"<p>Paragraph {i} of the story. Beijing said on Monday it firmly opposed the sanctions. {FILLER}</p>"
        for i in range(paragraphs)
    )
    return f"""<!DOCTYPE html><html{lang_attr}><head><meta charset="utf-8">{head}
<title>China rejects new sanctions | Example News</title></head>
<body><header><nav><ul>{nav("sections")}</ul></nav></header>
<main><article><h1>China rejects new sanctions</h1>{byline}{body}</article></main>
<footer><ul>{nav("corporate")}</ul></footer></body></html>"""


def paragraphs_of(text: str) -> list[str]:
    return text.split(PARAGRAPH_SEPARATOR)


# --- briefing transcripts --------------------------------------------------------------------------


def test_transcript_with_body_selector_keeps_every_exchange_in_order() -> None:
    turns = exchanges(40)
    doc = extract(mfa_page(turns).encode("utf-8"), url=MFA_URL, source=make_source(**MFA_RULES), now=NOW)
    expected = ["The Foreign Ministry Spokesperson Wang Wenbin will hold the press conference as usual."]
    expected += [line for turn in turns for line in turn]
    assert paragraphs_of(doc.text) == expected
    assert doc.title == TITLE
    assert doc.language == "en"
    assert doc.encoding == "utf-8"
    assert doc.extractor_version == EXTRACTOR_VERSION
    assert doc.warnings == ()


def test_long_transcript_without_rules_keeps_every_exchange() -> None:
    """The options tuned on the news benchmark must not cost a briefing page any Q&A paragraph."""
    turns = exchanges(150)
    doc = extract(mfa_page(turns).encode("utf-8"), url=MFA_URL, now=NOW)
    paragraphs = paragraphs_of(doc.text)
    missing = [line for turn in turns for line in turn if line not in paragraphs]
    assert missing == []
    assert paragraphs.count("Wang Wenbin: No.") == len([t for t in turns if t[1] == "Wang Wenbin: No."])
    # The navigation, crumbs and footer are not part of the text.
    assert "section" not in doc.text
    assert "Copyright" not in doc.text


def test_body_selector_falls_back_to_the_elements_own_text_when_trafilatura_drops_some() -> None:
    """A CMS that renders some turns as link lists (which trafilatura treats as navigation)."""
    linked = (
        '<ul><li><a href="#q41">Bloomberg: Will China retaliate against the measures announced today?</a></li>'
        '<li><a href="#a41">Wang Wenbin: We will take resolute countermeasures.</a></li></ul>'
    )
    turns = exchanges(6)
    doc = extract(
        mfa_page(turns, body_extra=linked).encode("utf-8"), url=MFA_URL, source=make_source(**MFA_RULES), now=NOW
    )
    paragraphs = paragraphs_of(doc.text)
    assert paragraphs[-2:] == [
        "Bloomberg: Will China retaliate against the measures announced today?",
        "Wang Wenbin: We will take resolute countermeasures.",
    ]
    assert [line for turn in turns for line in turn] == paragraphs[1:-2]


def test_older_transcript_with_br_separated_turns_and_chinese_indentation() -> None:
    title = "2021年4月26日外交部发言人汪文斌主持例行记者会"
    html = f"""<html><head><meta charset="utf-8"><title>{title}_中华人民共和国外交部</title></head>
<body><div id="News_Body_Title">{title}</div>
<div id="News_Body_Time">2021-04-26</div>
<div id="News_Body_Txt_A">\u3000\u3000问：美方宣布对中方官员实施制裁，中方有何回应？<br>
\u3000\u3000答：我们坚决反对美方滥用单边制裁。<br/>\u3000\u3000问：有评论说，
这是美方的一贯做法。<br>\u3000\u3000答：没有。<br>
<p>\u3000\u3000分享到：</p></div></body></html>"""
    source = make_source(language="zh", body_selector="#News_Body_Txt_A", drop_patterns=["^分享到"])
    doc = extract(html.encode("utf-8"), url=MFA_URL.replace("/eng/", "/web/"), source=source, now=NOW)
    assert paragraphs_of(doc.text) == [
        "问：美方宣布对中方官员实施制裁，中方有何回应？",
        "答：我们坚决反对美方滥用单边制裁。",
        "问：有评论说， 这是美方的一贯做法。",
        "答：没有。",
    ]
    assert doc.language == "zh"  # no <html lang>: the source's language


def test_drop_patterns_remove_matching_lines_only() -> None:
    turns = exchanges(3)
    extra = "<p>[Print] [Close]</p><p>Back to contents</p>"
    rules = {**MFA_RULES, "drop_patterns": [r"^\[Print\]", r"^Back to contents$", r"competent authorities"]}
    doc = extract(mfa_page(turns, body_extra=extra).encode("utf-8"), url=MFA_URL, source=make_source(**rules), now=NOW)
    assert "[Print]" not in doc.text
    assert "Back to contents" not in doc.text
    assert "competent authorities" not in doc.text
    assert turns[0][1] in paragraphs_of(doc.text)
    assert turns[2][1] in paragraphs_of(doc.text)


def test_body_selector_that_matches_nothing_falls_back_to_generic_extraction() -> None:
    turns = exchanges(10)
    source = make_source(body_selector="div.no-such-thing")
    doc = extract(mfa_page(turns).encode("utf-8"), url=MFA_URL, source=source, now=NOW)
    assert all(line in paragraphs_of(doc.text) for turn in turns for line in turn)
    assert doc.warnings == ("body_selector 'div.no-such-thing' matched nothing; generic extraction used",)


def test_body_selector_matching_an_empty_shell_falls_back_to_generic_extraction() -> None:
    turns = exchanges(10)
    page = mfa_page(turns).replace(
        '<div class="crumbs">', '<div class="content"><p>Loading...</p></div><div class="crumbs">'
    )
    doc = extract(page.encode("utf-8"), url=MFA_URL, source=make_source(body_selector="div.content"), now=NOW)
    assert all(line in paragraphs_of(doc.text) for turn in turns for line in turn)
    assert doc.warnings == ("body_selector 'div.content' matched no usable text; generic extraction used",)


def test_paragraph_layout_is_normalised() -> None:
    html = news_page().replace("<p>Paragraph 1", "<p>\n   Paragraph\u00a0\u00a01\n\t")
    doc = extract(html.encode("utf-8"), url=NEWS_URL, now=NOW)
    for paragraph in paragraphs_of(doc.text):
        assert paragraph == paragraph.strip()
        assert "\n" not in paragraph
        assert "  " not in paragraph
    assert any(p.startswith("Paragraph 1 of the story.") for p in paragraphs_of(doc.text))


def test_title_line_is_not_repeated_in_the_text() -> None:
    doc = extract(news_page().encode("utf-8"), url=NEWS_URL, now=NOW)
    assert doc.title == "China rejects new sanctions"
    assert paragraphs_of(doc.text)[0].startswith("Paragraph 0 of the story.")


def test_extraction_is_deterministic() -> None:
    """No cross-document state (trafilatura's deduplicate cache is off): same bytes, same result."""
    body = mfa_page(exchanges(12)).encode("utf-8")
    first = extract(body, url=MFA_URL, now=NOW)
    for _ in range(3):
        assert extract(body, url=MFA_URL, now=NOW) == first


# --- encodings through extract ----------------------------------------------------------------------


def test_legacy_encoded_page_gives_unicode_text() -> None:
    html = (
        news_page(lang="ru")
        .replace("Beijing said", "Пекин заявил")
        .replace('charset="utf-8"', 'charset="windows-1251"')
    )
    doc = extract(html.encode("cp1251"), url=NEWS_URL, content_type="text/html; charset=utf-8", now=NOW)
    assert doc.encoding == "windows-1251"
    assert "Пекин заявил" in doc.text
    assert doc.language == "ru"


# --- title, authors, language -----------------------------------------------------------------------


def test_title_from_metadata_and_title_element_fallback() -> None:
    head = '<meta property="og:title" content="China rejects new sanctions">'
    assert extract(news_page(head=head).encode(), url=NEWS_URL, now=NOW).title == "China rejects new sanctions"
    bare = f"<html><head><title> Bare  title </title></head><body><div>{FILLER}</div><div>{FILLER}</div></body></html>"
    assert extract(bare.encode(), url=NEWS_URL, now=NOW).title == "Bare title"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        # og:title empty and the CMS's <title> headline field empty: no title (the listing's title stands in).
        ('<meta property="og:title" content=""><title>| Example News</title>', None),
        ('<meta property="og:title" content=""><title> - Example News</title>', None),
        ('<meta property="og:site_name" content="Example News"><title>Example News</title>', None),
        (
            '<meta property="og:title" content=""><title>Example News | China rejects sanctions</title>',
            "China rejects sanctions",
        ),
        ("<title>China rejects sanctions — Example News</title>", "China rejects sanctions"),
        (
            '<meta property="og:site_name" content="The Daily Example">'
            "<title>Guinea-Bissau votes | The Daily Example</title>",
            "Guinea-Bissau votes",
        ),
        # Not a site name: kept as it is.
        ('<meta property="og:title" content="Talks in Geneva - day two">', "Talks in Geneva - day two"),
    ],
)
def test_title_without_the_site_name(head: str, expected: str | None) -> None:
    """A <title> is "Headline | Site"; never a title that is only a separator and the site's name."""
    page = f"<html><head>{head}</head><body><div>{FILLER}</div><div>{FILLER}</div></body></html>"
    assert extract(page.encode(), url="https://news.example.org/world/1.html", now=NOW).title == expected


@pytest.mark.parametrize(
    ("headings", "expected"),
    [
        ("<h1>China rejects sanctions</h1>", "China rejects sanctions"),
        ("<h1>Example News</h1>", None),  # the site's logo, not a headline
        ("<h1>Example News</h1><h1>China rejects sanctions</h1>", None),  # no telling which one
    ],
)
def test_an_empty_headline_field_falls_back_to_the_pages_h1(headings: str, expected: str | None) -> None:
    head = '<meta property="og:title" content=""><title>| Example News</title>'
    page = f"<html><head>{head}</head><body>{headings}<div>{FILLER}</div><div>{FILLER}</div></body></html>"
    assert extract(page.encode(), url="https://news.example.org/world/1.html", now=NOW).title == expected


def test_authors_are_split() -> None:
    head = '<meta name="author" content="Jane Doe; John Smith">'
    doc = extract(news_page(head=head).encode(), url=NEWS_URL, now=NOW)
    assert doc.authors == ("Jane Doe", "John Smith")


def test_authors_from_json_ld_and_broken_json_ld_is_ignored() -> None:
    person = '{"@context": "https://schema.org", "@type": "NewsArticle", "author": {"name": "Li Wei"}}'
    head = f'<script type="application/ld+json">{person}</script>'
    assert extract(news_page(head=head).encode(), url=NEWS_URL, now=NOW).authors == ("Li Wei",)
    broken = '<meta name="author" content="Jane Doe"><script type="application/ld+json">{"author": [</script>'
    doc = extract(news_page(head=broken).encode(), url=NEWS_URL, now=NOW)
    assert doc.authors == ("Jane Doe",)
    assert doc.title == "China rejects new sanctions"


@pytest.mark.parametrize(
    ("lang", "head", "expected"),
    [
        ("zh-CN", "", "zh"),
        ("en_US", "", "en"),
        ("eng", "", "en"),
        (None, '<meta http-equiv="Content-Language" content="ru-RU">', "ru"),
        ("x-default", "", "fr"),
        (None, "", "fr"),
    ],
)
def test_language_hint(lang: str | None, head: str, expected: str) -> None:
    doc = extract(news_page(lang=lang, head=head).encode(), url=NEWS_URL, source=make_source(language="fr"), now=NOW)
    assert doc.language == expected


def test_language_is_none_without_declaration_or_source() -> None:
    assert extract(news_page(lang=None).encode(), url=NEWS_URL, now=NOW).language is None


# --- dates ------------------------------------------------------------------------------------------


def published_meta(value: str) -> str:
    return f'<meta property="article:published_time" content="{value}">'


def test_rule_date_wins_and_naive_time_is_in_the_source_zone() -> None:
    head = published_meta("2021-04-25T08:00:00+00:00")
    doc = extract(
        mfa_page(exchanges(3), head=head).encode(),
        url=MFA_URL,
        source=make_source(**MFA_RULES),
        listing_date=datetime(2021, 4, 27, tzinfo=UTC),
        now=NOW,
    )
    assert doc.published_at == datetime(2021, 4, 26, 11, 35, tzinfo=UTC)  # 19:35 in Beijing
    assert doc.date_source == "rule"


def test_date_pattern_searches_the_page_text() -> None:
    source = make_source(
        body_selector="div.TRS_UEDITOR", date_pattern=r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2}) \d"
    )
    # Scripts are not page text: their dates (build stamps, analytics) must not match.
    script = '<script>var built = "2019-03-01 10:00";</script>'
    page = mfa_page(exchanges(3), head=script, time_text="2021-04-26 19:35")
    doc = extract(page.encode(), url=MFA_URL, source=source, now=NOW)
    assert doc.published_at == datetime(2021, 4, 25, 16, 0, tzinfo=UTC)  # midnight in Beijing
    assert doc.date_source == "rule"


def test_date_selector_reads_datetime_and_content_attributes() -> None:
    page = mfa_page(exchanges(3), head='<meta name="PubDate" content="2021-04-26 19:35:10">')
    doc = extract(page.encode(), url=MFA_URL, source=make_source(date_selector='meta[name="PubDate"]'), now=NOW)
    assert doc.published_at == datetime(2021, 4, 26, 11, 35, 10, tzinfo=UTC)
    assert doc.date_source == "rule"


def test_page_metadata_date_with_offset() -> None:
    head = published_meta("2021-04-26T18:07:00+08:00")
    doc = extract(news_page(head=head).encode(), url=NEWS_URL, source=make_source(tz="UTC"), now=NOW)
    assert doc.published_at == datetime(2021, 4, 26, 10, 7, tzinfo=UTC)
    assert doc.date_source == "page"


def test_naive_page_date_is_taken_in_the_source_time_zone() -> None:
    head = published_meta("2021-04-26T18:07:00")
    doc = extract(news_page(head=head).encode(), url=NEWS_URL, source=make_source(), now=NOW)
    assert doc.published_at == datetime(2021, 4, 26, 10, 7, tzinfo=UTC)
    assert doc.published_at is not None
    assert doc.published_at.tzinfo is UTC


def test_date_only_page_date_takes_the_listing_time_on_the_same_day() -> None:
    head = published_meta("2021-04-26")
    listing = datetime(2021, 4, 26, 19, 35)  # naive: Beijing time, as the listing printed it
    doc = extract(news_page(head=head).encode(), url=NEWS_URL, source=make_source(), listing_date=listing, now=NOW)
    assert doc.published_at == datetime(2021, 4, 26, 11, 35, tzinfo=UTC)
    assert doc.date_source == "page"


def test_date_only_page_date_on_another_day_than_the_listing_wins() -> None:
    head = published_meta("2021-04-26")
    listing = datetime(2021, 4, 27, 9, 0, tzinfo=UTC)
    doc = extract(news_page(head=head).encode(), url=NEWS_URL, source=make_source(), listing_date=listing, now=NOW)
    assert doc.published_at == datetime(2021, 4, 25, 16, 0, tzinfo=UTC)  # midnight in Beijing
    assert doc.date_source == "page"


def test_htmldate_finds_a_date_the_markup_does_not_declare() -> None:
    html = news_page().replace(
        "<h1>China rejects new sanctions</h1>", "<h1>China rejects</h1><p>Updated: April 26, 2021</p>"
    )
    doc = extract(html.encode(), url=NEWS_URL, source=make_source(tz="UTC"), now=NOW)
    assert doc.published_at == datetime(2021, 4, 26, tzinfo=UTC)
    assert doc.date_source == "htmldate"


def test_a_listing_date_is_preferred_to_htmldates_extensive_search() -> None:
    """The extensive search guesses from the page's text (slow: dateparser); the feed's date is better evidence."""
    html = news_page().replace(
        "<h1>China rejects new sanctions</h1>", "<h1>China rejects</h1><p>Updated: April 26, 2021</p>"
    )
    listing = datetime(2021, 4, 24, 7, 30, tzinfo=UTC)
    doc = extract(html.encode(), url=NEWS_URL, source=make_source(tz="UTC"), listing_date=listing, now=NOW)
    assert (doc.published_at, doc.date_source) == (listing, "listing")
    implausible = datetime(2099, 1, 1, tzinfo=UTC)
    doc = extract(html.encode(), url=NEWS_URL, source=make_source(tz="UTC"), listing_date=implausible, now=NOW)
    assert (doc.published_at, doc.date_source) == (datetime(2021, 4, 26, tzinfo=UTC), "htmldate")


def test_copyright_year_from_htmldate_yields_to_a_listing_date_in_that_year() -> None:
    """htmldate falls back to "© 2025" as 2025-01-01; a feed's 12 June 2025 08:41 is the better date."""
    html = news_page().replace("<footer>", "<footer><p>Copyright 2025 Example News. All rights reserved.</p>")
    listing = datetime(2025, 6, 12, 8, 41, 7, tzinfo=UTC)
    source = make_source(tz="Europe/London")
    doc = extract(html.encode(), url=NEWS_URL, source=source, listing_date=listing, now=NOW)
    assert (doc.published_at, doc.date_source) == (listing, "listing")
    alone = extract(html.encode(), url=NEWS_URL, source=source, now=NOW)
    assert (alone.published_at, alone.date_source) == (datetime(2025, 1, 1, tzinfo=UTC), "htmldate")


def test_copyright_year_meta_is_not_a_publication_day() -> None:
    head = '<meta itemprop="copyrightYear" content="2025">'
    listing = datetime(2025, 6, 12, 8, 41, tzinfo=UTC)
    doc = extract(news_page(head=head).encode(), url=NEWS_URL, listing_date=listing, now=NOW)
    assert (doc.published_at, doc.date_source) == (listing, "listing")


@pytest.mark.parametrize("impossible", ["2099-04-26T10:00:00+00:00", "1970-01-01T00:00:00+00:00"])
def test_implausible_page_date_is_rejected_for_the_listing_date(impossible: str) -> None:
    listing = datetime(2021, 4, 26, 12, 0, tzinfo=UTC)
    doc = extract(
        news_page(head=published_meta(impossible)).encode(),
        url=NEWS_URL,
        source=make_source(tz="UTC"),
        listing_date=listing,
        now=NOW,
    )
    assert doc.published_at == listing
    assert doc.date_source == "listing"
    assert any(re.match(rf"implausible page date {impossible[:4]}-", w) for w in doc.warnings)


def test_implausible_rule_date_falls_through_to_the_page_date() -> None:
    head = published_meta("2021-04-26T18:07:00+08:00")
    page = mfa_page(exchanges(3), head=head, time_text="2099-04-26 19:35")
    doc = extract(page.encode(), url=MFA_URL, source=make_source(**MFA_RULES), now=NOW)
    assert doc.published_at == datetime(2021, 4, 26, 10, 7, tzinfo=UTC)
    assert doc.date_source == "page"
    assert doc.warnings == ("implausible rule date 2099-04-26T11:35:00+00:00 rejected",)


def test_dates_before_the_sources_earliest_date_are_implausible() -> None:
    source = make_source(tz="UTC").model_copy(update={"earliest": date(2022, 1, 1)})
    doc = extract(news_page(head=published_meta("2021-04-26T10:00:00Z")).encode(), url=NEWS_URL, source=source, now=NOW)
    assert doc.published_at is None
    assert doc.date_source is None
    assert "implausible page date 2021-04-26T10:00:00+00:00 rejected" in doc.warnings


def test_implausible_listing_date_is_rejected_too() -> None:
    doc = extract(
        news_page().encode(),
        url=NEWS_URL,
        listing_date=datetime(2099, 1, 1, tzinfo=UTC),
        now=NOW,
    )
    assert doc.published_at is None
    assert doc.date_source is None
    assert doc.warnings == ("implausible listing date 2099-01-01T00:00:00+00:00 rejected",)


def test_listing_date_when_the_page_has_none() -> None:
    doc = extract(news_page().encode(), url=NEWS_URL, listing_date=datetime(2021, 4, 26, 8, 12), now=NOW)
    assert doc.published_at == datetime(2021, 4, 26, 8, 12, tzinfo=UTC)  # no source: naive means UTC
    assert doc.date_source == "listing"


# --- errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"", "text/html", "empty body"),
        (b"  \n\t ", None, "empty body"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "application/octet-stream", "not HTML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", None, "not HTML"),
        (b'{"title": "not a page"}', None, "not HTML"),
        (b"<html><body><p>A page.</p></body></html>", "application/pdf", "not HTML"),
        (b"Just some plain text, no markup at all, long enough to be text.", "text/plain", "not HTML"),
        (b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "text/html", "no usable text"),
        (b"<html><head><title>404</title></head><body><p>Not found</p></body></html>", None, "no usable text"),
    ],
)
def test_extraction_error(body: bytes, content_type: str | None, reason: str) -> None:
    with pytest.raises(ExtractionError, match=reason) as caught:
        extract(body, url=NEWS_URL, content_type=content_type, now=NOW)
    assert caught.value.url == NEWS_URL
    assert caught.value.permanent
