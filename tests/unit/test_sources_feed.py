"""parse_feed: RSS 2.0, Atom, RSS 1.0/RDF, links, dates, filters, and bad input that must not raise."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser.api
import pytest

from pipeline.config import Source
from pipeline.models import ParsedListing
from pipeline.sources import parse_discovery, parse_feed

FEED_URL = "https://news.example.org/rss/world.xml"


def make_source(tz: str = "UTC", **discovery: Any) -> Source:
    return Source.model_validate(
        {
            "id": "example-news",
            "name": "Example News",
            "kind": "news",
            "publisher": "Example News",
            "country": "GB",
            "language": "en",
            "timezone": tz,
            "discovery": {"method": "feed", "urls": [FEED_URL], **discovery},
        }
    )


def parse(body: bytes | str, source: Source | None = None, **kwargs: Any) -> ParsedListing:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return parse_feed(data, url=kwargs.pop("url", FEED_URL), source=source or make_source(), **kwargs)


RSS2 = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Example News - World</title>
    <link>https://news.example.org/world/</link>
    <description>World news</description>
    <atom:link href="https://news.example.org/rss/world.xml" rel="self" type="application/rss+xml"/>
    <item>
      <title>  China   says it opposes
        unilateral sanctions  </title>
      <link>https://news.example.org/world/2021/04/27/china-sanctions</link>
      <guid isPermaLink="false">story-1001</guid>
      <pubDate>Tue, 27 Apr 2021 08:12:00 +0800</pubDate>
      <description>Foreign Ministry spokesperson Wang Wenbin said...</description>
    </item>
    <item>
      <title>Talks &amp;amp; tariffs: what&#8217;s next</title>
      <link>https://news.example.org/world/2021/04/26/talks</link>
      <pubDate>Mon, 26 Apr 2021 23:30:00 GMT</pubDate>
    </item>
  </channel>
</rss>
"""


def test_rss2_items_titles_and_dates() -> None:
    result = parse(RSS2)
    assert result.error is None
    assert result.warnings == []
    assert result.more_urls == []
    assert [item.url for item in result.items] == [
        "https://news.example.org/world/2021/04/27/china-sanctions",
        "https://news.example.org/world/2021/04/26/talks",
    ]
    first, second = result.items
    assert first.title == "China says it opposes unilateral sanctions"
    assert first.published_at == datetime(2021, 4, 27, 0, 12, tzinfo=UTC)
    assert first.published_at is not None
    assert first.published_at.tzinfo is UTC
    # The feed gives no update date; feedparser's "updated falls back to published" alias is not used.
    assert first.updated_at is None
    assert first.source_id == "example-news"
    assert first.found_on == FEED_URL
    # Double-escaped entities, as WordPress feeds often send them, end up as the characters.
    assert second.title == "Talks & tariffs: what\u2019s next"
    assert second.published_at == datetime(2021, 4, 26, 23, 30, tzinfo=UTC)


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">
  <title>Foreign, Commonwealth &amp; Development Office - Activity on GOV.UK</title>
  <id>https://www.gov.uk/government/organisations/foreign-commonwealth-development-office.atom</id>
  <updated>2021-04-27T10:15:03+01:00</updated>
  <link rel="self" type="application/atom+xml"
        href="https://www.gov.uk/government/organisations/foreign-commonwealth-development-office.atom"/>
  <entry>
    <id>https://www.gov.uk/government/news/uk-statement-on-sanctions</id>
    <updated>2021-04-27T10:15:03+01:00</updated>
    <published>2021-04-26T17:00:00+01:00</published>
    <link rel="edit" href="https://www.gov.uk/api/content/government/news/uk-statement-on-sanctions"/>
    <link rel="enclosure" type="image/jpeg" href="https://assets.example.org/photo.jpg"/>
    <link rel="alternate" type="text/html" href="https://www.gov.uk/government/news/uk-statement-on-sanctions"/>
    <title>UK statement on sanctions</title>
    <category term="Press release"/>
    <summary>The Foreign Secretary said...</summary>
  </entry>
  <entry>
    <id>tag:gov.uk,2021:speech-2</id>
    <updated>2021-04-25T09:00:00Z</updated>
    <link href="/government/speeches/speech-2"/>
    <title type="html">Speech at the &lt;em&gt;UN Security Council&lt;/em&gt;</title>
  </entry>
</feed>
"""


def test_atom_prefers_alternate_link_and_reads_published_and_updated() -> None:
    url = "https://www.gov.uk/government/organisations/foreign-commonwealth-development-office.atom"
    result = parse(ATOM, url=url, content_type="application/atom+xml; charset=utf-8")
    assert result.error is None
    assert result.warnings == []
    first, second = result.items
    assert first.url == "https://www.gov.uk/government/news/uk-statement-on-sanctions"
    assert first.published_at == datetime(2021, 4, 26, 16, 0, tzinfo=UTC)
    assert first.updated_at == datetime(2021, 4, 27, 9, 15, 3, tzinfo=UTC)
    # A relative link resolves against the feed's URL; an HTML title keeps its text, not its markup.
    assert second.url == "https://www.gov.uk/government/speeches/speech-2"
    assert second.title == "Speech at the UN Security Council"
    # No published date: the updated date stands in for it.
    assert second.published_at == second.updated_at == datetime(2021, 4, 25, 9, 0, tzinfo=UTC)


RDF = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rss.example.de/rdf/rss-en-world">
    <title>World | Example DE</title>
    <link>https://www.example.de/en/world</link>
    <description>News from around the world</description>
    <items><rdf:Seq><rdf:li rdf:resource="https://www.example.de/en/g7-ministers/a-57342001"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://www.example.de/en/g7-ministers/a-57342001">
    <title>G7 foreign ministers meet in London</title>
    <link>https://www.example.de/en/g7-ministers/a-57342001?maca=en-rss-en-world-4025-rdf</link>
    <dc:date>2021-05-04T10:21:00Z</dc:date>
    <dc:language>en</dc:language>
  </item>
</rdf:RDF>
"""


def test_rss1_rdf() -> None:
    result = parse(RDF, url="https://rss.example.de/rdf/rss-en-world")
    assert result.error is None
    [item] = result.items
    assert item.url == "https://www.example.de/en/g7-ministers/a-57342001?maca=en-rss-en-world-4025-rdf"
    assert item.title == "G7 foreign ministers meet in London"
    assert item.published_at == datetime(2021, 5, 4, 10, 21, tzinfo=UTC)


def rss_items(*items: str, extra_channel: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>https://news.example.org/</link>{extra_channel}{''.join(items)}</channel></rss>"
    )


def test_relative_links_resolve_against_the_feed_url() -> None:
    body = rss_items(
        "<item><title>A</title><link>/world/a.html</link></item>",
        "<item><title>B</title><link>b.html</link></item>",
        "<item><title>C</title><link>//cdn.example.org/c.html</link></item>",
    )
    result = parse(body)
    assert [item.url for item in result.items] == [
        "https://news.example.org/world/a.html",
        "https://news.example.org/rss/b.html",
        "https://cdn.example.org/c.html",
    ]


def test_entries_without_links_are_skipped_with_a_warning_and_permalink_guids_count() -> None:
    body = rss_items(
        "<item><title>No link at all</title><description>x</description></item>",
        '<item><title>Guid only</title><guid isPermaLink="false">id-77</guid></item>',
        "<item><title>Permalink guid</title><guid>https://news.example.org/world/guid-link</guid></item>",
        "<item><title>Mail</title><link>mailto:desk@example.org</link></item>",
        "<item><title>Script</title><link>javascript:alert(1)</link></item>",
        "<item><title>FTP</title><link>ftp://files.example.org/a.txt</link></item>",
    )
    result = parse(body)
    assert result.error is None
    assert [item.url for item in result.items] == ["https://news.example.org/world/guid-link"]
    assert any("5 of 6 entries had no http(s) link" in warning for warning in result.warnings)


def test_duplicates_by_canonical_url_keep_the_first() -> None:
    body = rss_items(
        "<item><title>First</title><link>https://news.example.org/a?utm_source=rss&amp;utm_medium=feed</link></item>",
        "<item><title>Second</title><link>https://NEWS.example.org:443/a#comments</link></item>",
        "<item><title>Third</title><link>https://news.example.org/a?fbclid=xyz</link></item>",
        "<item><title>Other</title><link>https://news.example.org/b?id=2</link></item>",
    )
    result = parse(body)
    assert [(item.url, item.title) for item in result.items] == [
        ("https://news.example.org/a?utm_source=rss&utm_medium=feed", "First"),
        ("https://news.example.org/b?id=2", "Other"),
    ]


def test_link_and_exclude_patterns() -> None:
    body = rss_items(
        "<item><title>Story</title><link>https://news.example.org/world/2021/story</link></item>",
        "<item><title>Video</title><link>https://news.example.org/video/2021/clip</link></item>",
        "<item><title>Live</title><link>https://news.example.org/world/2021/live-blog</link></item>",
    )
    source = make_source(link_pattern=r"/(world|video)/", exclude_pattern=r"live-blog|/video/")
    result = parse(body, source)
    assert [item.title for item in result.items] == ["Story"]


def test_bozo_feed_with_entries_gives_items_and_a_warning() -> None:
    body = rss_items(
        "<item><title>Good one</title><link>https://news.example.org/good</link></item>",
        # An undefined entity and an unclosed tag: feedparser falls back to its loose parser.
        "<item><title>Caf&eacute; talks</title><link>https://news.example.org/cafe</link><description><b>bold</item>",
    )
    result = parse(body)
    assert result.error is None
    assert [item.url for item in result.items] == ["https://news.example.org/good", "https://news.example.org/cafe"]
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("feed is not well-formed (bozo: ")
    assert "read 2 entries anyway" in result.warnings[0]


def test_bozo_feed_without_entries_is_an_error_naming_the_problem() -> None:
    body = b'<?xml version="1.0"?>\n<rss version="2.0">\n<channel><title>x</channel>\n</rss>'
    result = parse(body)
    assert result.items == []
    assert result.error is not None
    assert result.error.startswith("not a feed: feedparser found no entries (bozo: ")
    assert "mismatched tag at line 3" in result.error


def test_feed_served_with_a_non_xml_content_type_still_reads() -> None:
    result = parse(RSS2, content_type="text/html; charset=utf-8")
    assert result.error is None
    assert len(result.items) == 2
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("feed has a charset or Content-Type problem (bozo: ")


def test_utf16_feed_without_an_xml_declaration() -> None:
    body = rss_items("<item><title>Брифинг</title><link>https://mid.example.ru/ru/1/</link></item>")
    body = body.replace('<?xml version="1.0" encoding="utf-8"?>', "")
    for encoded in (body.encode("utf-16"), body.encode("utf-32")):
        result = parse(encoded, content_type="application/rss+xml; charset=utf-16")
        assert [item.title for item in result.items] == ["Брифинг"]


def test_well_formed_empty_feed_is_not_an_error() -> None:
    result = parse(rss_items())
    assert result == ParsedListing()
    # A wrong Content-Type alone does not make an empty feed an error either.
    result = parse(rss_items(), content_type="text/html")
    assert result.error is None
    assert result.items == []


HTML_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>World news</title>
<link rel="alternate" type="application/rss+xml" title="World" href="/rss/world-real.xml">
</head><body><h1>World</h1><a href="/world/a">A story</a></body></html>"""


def test_html_served_as_a_feed_is_an_error() -> None:
    result = parse(HTML_PAGE, content_type="text/html; charset=utf-8")
    assert result.items == []
    assert result.error is not None
    assert result.error.startswith("not a feed (looks like HTML)")
    # The message points the operator at the feed the page advertises.
    assert "https://news.example.org/rss/world-real.xml" in result.error
    bare = parse(b"<html><body><p>Access denied</p></body></html>")
    assert bare.error == "not a feed (looks like HTML)"


def test_an_xhtml_doctype_on_a_real_feed_does_not_make_it_html() -> None:
    body = (
        '<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "x.dtd">'
        "<rss version='2.0'><channel><title>T</title><item><title>A</title>"
        "<link>https://news.example.org/a</link></item></channel></rss>"
    )
    result = parse(body)
    assert [item.url for item in result.items] == ["https://news.example.org/a"]


@pytest.mark.parametrize("body", [b"", b"   \n\t  ", b"\x00"])
def test_empty_body_is_an_error(body: bytes) -> None:
    result = parse(body)
    assert result.items == []
    assert result.error is not None


def test_binary_garbage_is_an_error_not_a_crash() -> None:
    garbage = bytes(range(256)) * 40 + b"\xff\xfe\x00<\x00r\x00s\x00s" + bytes(reversed(range(256))) * 3
    result = parse(garbage)
    assert result.items == []
    assert result.error is not None
    assert result.error.startswith("not a feed")


def test_inputs_that_crash_feedparser_itself_are_defused() -> None:
    # Character references to no character crash feedparser's loose parser; a non-ASCII encoding name
    # crashes its charset detection. Both must come back as a result, with the readable entries.
    body = rss_items(
        "<item><title>Bad &#99999999; ref &#xD800; and &#1114112</title><link>https://news.example.org/a</link>",
        "<item><title>Fine</title><link>https://news.example.org/b</link></item>",
    )
    result = parse(body)
    assert [item.url for item in result.items] == ["https://news.example.org/a", "https://news.example.org/b"]
    assert result.items[0].title is not None
    assert result.items[0].title.startswith("Bad \ufffd ref \ufffd")
    declared = rss_items("<item><title>A</title><link>https://news.example.org/a</link></item>").encode()
    declared = declared.replace(b'encoding="utf-8"', b'encoding="\xff\x00\x8e"')
    for content_type in (None, "text/xml; charset=\udcff"):
        result = parse(declared, content_type=content_type)
        assert [item.url for item in result.items] == ["https://news.example.org/a"]


def test_json_is_not_a_feed() -> None:
    result = parse(b'{"version": "https://jsonfeed.org/version/1", "items": []}')
    assert result.error is not None
    assert result.error.startswith("not a feed")


def test_dates_without_a_zone_are_in_the_source_time_zone() -> None:
    body = rss_items(
        "<item><title>ISO</title><link>https://news.example.org/iso</link><pubDate>2021-04-26 15:00</pubDate></item>",
        "<item><title>RFC 822</title><link>https://news.example.org/rfc</link>"
        "<pubDate>Mon, 26 Apr 2021 15:00:00</pubDate></item>",
        "<item><title>Zoned</title><link>https://news.example.org/zoned</link>"
        "<pubDate>Mon, 26 Apr 2021 15:00:00 +0000</pubDate></item>",
        "<item><title>Date only</title><link>https://news.example.org/day</link><pubDate>2021-04-26</pubDate></item>",
    )
    result = parse(body, make_source(tz="Asia/Shanghai"))
    dates = {item.title: item.published_at for item in result.items}
    assert dates == {
        "ISO": datetime(2021, 4, 26, 7, 0, tzinfo=UTC),
        "RFC 822": datetime(2021, 4, 26, 7, 0, tzinfo=UTC),
        "Zoned": datetime(2021, 4, 26, 15, 0, tzinfo=UTC),
        "Date only": datetime(2021, 4, 25, 16, 0, tzinfo=UTC),
    }


def test_unparseable_and_odd_dates_do_not_crash() -> None:
    body = rss_items(
        "<item><title>A</title><link>https://news.example.org/a</link><pubDate>yesterday-ish</pubDate></item>",
        "<item><title>B</title><link>https://news.example.org/b</link><pubDate>Wed, 31 Dec 2008 23:59:60 GMT</pubDate>"
        "</item>",
        "<item><title>C</title><link>https://news.example.org/c</link><pubDate>Mon, 99 Zzz 99999 99:99:99</pubDate>"
        "</item>",
    )
    result = parse(body)
    assert result.error is None
    assert [item.title for item in result.items] == ["A", "B", "C"]
    assert result.items[0].published_at is None
    assert result.items[1].published_at == datetime(2008, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_charset_from_content_type_header() -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>ТАСС</title><item>'
        "<title>Брифинг официального представителя МИД России</title>"
        "<link>https://mid.example.ru/ru/press_service/spokesman/briefings/1001/</link></item></channel></rss>"
    ).encode("cp1251")
    result = parse(body, content_type="application/rss+xml; charset=windows-1251")
    assert result.items[0].title == "Брифинг официального представителя МИД России"


def test_encoding_declared_in_the_xml_declaration() -> None:
    body = (
        '<?xml version="1.0" encoding="gb2312"?><rss version="2.0"><channel><title>x</title><item>'
        "<title>外交部发言人汪文斌主持例行记者会</title>"
        "<link>https://www.mfa.example.cn/web/fyrbt_673021/t20210426_9.shtml</link></item></channel></rss>"
    ).encode("gb2312")
    result = parse(body)
    assert result.items[0].title == "外交部发言人汪文斌主持例行记者会"


def test_external_entities_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    body = f"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY xxe SYSTEM "{secret.as_uri()}">
  <!ENTITY passwd SYSTEM "file:///etc/passwd">
]>
<rss version="2.0"><channel><title>x</title>
<item><title>Leak &xxe; &passwd;</title><link>https://news.example.org/leak</link></item>
</channel></rss>"""
    result = parse(body)
    assert result.error is None
    titles = " ".join(item.title or "" for item in result.items)
    assert "TOP-SECRET-MARKER" not in titles
    assert "root:" not in titles


def test_entity_expansion_bomb_is_not_expanded() -> None:
    entities = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    entities += [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{"".join(entities)}]><rss version="2.0"><channel><title>x</title>'
        "<item><title>&lol9;</title><link>https://news.example.org/bomb</link></item></channel></rss>"
    )
    result = parse(body)
    assert all(len(item.title or "") < 1000 for item in result.items)


def test_feedparser_never_opens_a_body_that_reads_like_a_path_or_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local_feed = tmp_path / "local.xml"
    local_feed.write_text(rss_items("<item><title>Local</title><link>https://local.example.org/x</link></item>"))
    fetched: list[object] = []

    def fake_get(*args: object, **kwargs: object) -> bytes:
        fetched.append(args)
        return b""

    monkeypatch.setattr(feedparser.api.http, "get", fake_get)

    from_path = parse(str(local_feed).encode())
    assert from_path.items == []
    assert from_path.error is not None

    from_url = parse(b"https://news.example.org/rss/other.xml")
    assert from_url.items == []
    assert from_url.error is not None
    assert fetched == []


def test_titles_missing_or_blank_are_none() -> None:
    body = rss_items(
        "<item><link>https://news.example.org/no-title</link></item>",
        "<item><title>   </title><link>https://news.example.org/blank-title</link></item>",
    )
    result = parse(body)
    assert [item.title for item in result.items] == [None, None]


def test_parse_discovery_dispatches_to_the_feed_parser() -> None:
    result = parse_discovery(RSS2.encode(), url=FEED_URL, source=make_source(), content_type="application/rss+xml")
    assert len(result.items) == 2


def test_a_malformed_feed_whose_entries_give_no_item_is_an_error_with_the_reason() -> None:
    # Answered 200, but a mismatched tag swallows the only entry's link: broken, not empty.
    body = (
        '<?xml version="1.0"?>\n<rss version="2.0">\n<channel><title>T</title>\n'
        "<item><title>A</titl><link>https://news.example.org/a</link></item></channel></rss>"
    )
    result = parse(body)
    assert result.items == []
    assert result.error is not None
    assert result.error.startswith("feed is not well-formed (mismatched tag at line 4")
    assert "none of its 1 entries could be read" in result.error


def test_a_feed_whose_every_entry_lacks_an_http_link_is_an_error_naming_them() -> None:
    body = rss_items(
        "<item><title>Passwords</title><link>file:///etc/passwd</link></item>",
        "<item><title>Nothing</title></item>",
    )
    result = parse(body)
    assert result.items == []
    # feedparser hands the link over as "file://etc/passwd": named as feedparser read it.
    assert result.error is not None
    assert result.error.startswith("no entry of the feed has an http(s) link (2 entries: 'Passwords' links to 'file:")
    assert result.error.endswith("; 'Nothing' has no link)")


def test_a_dropped_file_link_is_a_warning_naming_the_link() -> None:
    body = rss_items(
        "<item><title>Local</title><link>file:///srv/briefing.html</link></item>",
        "<item><title>Good</title><link>https://news.example.org/good</link></item>",
    )
    result = parse(body)
    assert [item.url for item in result.items] == ["https://news.example.org/good"]
    [warning] = result.warnings
    assert warning.startswith("1 of 2 entries had no http(s) link and were skipped: 'Local' links to 'file:")
    assert warning.endswith("srv/briefing.html'")


def test_a_feed_cut_off_mid_item_gives_the_items_before_the_cut_and_a_warning() -> None:
    items = "".join(f"<item><title>T{n}</title><link>https://news.example.org/{n}</link></item>" for n in range(5))
    whole = rss_items(items).encode()
    cut = whole[: whole.index(b"https://news.example.org/2")]
    result = parse(cut)
    assert result.error is None
    assert [item.url for item in result.items] == ["https://news.example.org/0", "https://news.example.org/1"]
    assert result.warnings[0].startswith("feed is not well-formed (bozo: ")
