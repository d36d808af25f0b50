"""parse_listing and listing_page_url: selectors, URL rules, dates, encodings and pagination."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline.config import Source
from pipeline.models import ParsedListing
from pipeline.sources import listing_page_url, parse_discovery, parse_listing

MFA_LIST = "https://www.fmprc.example.cn/eng/xw/fyrbt/lxjzh/"
MFA_FIRST = MFA_LIST + "index.html"
MFA_PATTERN = r"/lxjzh/\d{6}/t\d{8}_\d+\.html$"
MFA_DATE = r"/t(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})_"


def make_source(
    *, urls: list[str] | None = None, tz: str = "UTC", pagination: dict[str, Any] | None = None, **discovery: Any
) -> Source:
    spec: dict[str, Any] = {"method": "listing", "urls": urls or [MFA_FIRST], **discovery}
    if pagination is not None:
        spec["pagination"] = pagination
    return Source.model_validate(
        {
            "id": "cn-mfa-en",
            "name": "China MFA regular press conferences (English)",
            "kind": "briefing",
            "publisher": "Ministry of Foreign Affairs of the People's Republic of China",
            "country": "CN",
            "language": "en",
            "timezone": tz,
            "discovery": spec,
        }
    )


def parse(body: bytes | str, source: Source, url: str = MFA_FIRST, page_number: int = 0) -> ParsedListing:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return parse_listing(data, url=url, source=source, page_number=page_number)


def mfa_page(items: str = "", pager: str = "", head: str = '<meta charset="utf-8">') -> str:
    default_items = """
      <li><a href="./202104/t20210426_9.html">Foreign Ministry Spokesperson Wang Wenbin's Regular
          Press Conference on April 26, 2021</a><span>2021-04-26</span></li>
      <li><a href="./202104/t20210423_7.html">Foreign Ministry Spokesperson Wang Wenbin&#39;s Regular
          Press Conference on April 23, 2021</a><span>2021-04-23</span></li>
      <li><a href="./202104/t20210422_3.html">Spokesperson Wang Wenbin's Remarks on April 22, 2021</a>
          <span>2021-04-22</span></li>
    """
    return f"""<!DOCTYPE html>
<html><head>{head}<title>Regular Press Conference</title></head>
<body>
  <div class="nav"><a href="/eng/">Home</a> <a href="/eng/wjb/">Ministry</a>
    <a href="https://twitter.example.com/MFA_China">Twitter</a> <a href="javascript:void(0)">Print</a></div>
  <div class="newsBd"><ul class="list1">{items or default_items}</ul></div>
  <div class="pager">{pager}</div>
  <div class="footer"><a href="/eng/sitemap/">Site map</a> <a href="mailto:webmaster@example.cn">Contact</a></div>
</body></html>"""


def test_item_selector_with_dates_in_the_source_time_zone() -> None:
    source = make_source(item_selector="ul.list1 li", link_selector="a", date_selector="span", tz="Asia/Shanghai")
    result = parse(mfa_page(), source)
    assert result.error is None
    assert result.warnings == []
    assert [item.url for item in result.items] == [
        MFA_LIST + "202104/t20210426_9.html",
        MFA_LIST + "202104/t20210423_7.html",
        MFA_LIST + "202104/t20210422_3.html",
    ]
    first = result.items[0]
    assert first.title == "Foreign Ministry Spokesperson Wang Wenbin's Regular Press Conference on April 26, 2021"
    assert result.items[1].title is not None
    assert "Wang Wenbin's" in result.items[1].title
    # Midnight in Beijing is 16:00 UTC the day before.
    assert first.published_at == datetime(2021, 4, 25, 16, 0, tzinfo=UTC)
    assert first.source_id == "cn-mfa-en"
    assert first.found_on == MFA_FIRST
    assert result.more_urls == []


def test_link_pattern_filters_navigation_and_date_comes_from_the_url() -> None:
    source = make_source(link_pattern=MFA_PATTERN, date_from_url=MFA_DATE)
    result = parse(mfa_page(), source)
    assert [item.url.rsplit("/", 1)[1] for item in result.items] == [
        "t20210426_9.html",
        "t20210423_7.html",
        "t20210422_3.html",
    ]
    assert [item.published_at for item in result.items] == [
        datetime(2021, 4, 26, tzinfo=UTC),
        datetime(2021, 4, 23, tzinfo=UTC),
        datetime(2021, 4, 22, tzinfo=UTC),
    ]


def test_without_link_pattern_only_same_site_http_links_are_items() -> None:
    source = make_source(exclude_pattern=r"/eng/?$|/sitemap/")
    result = parse(mfa_page(), source)
    urls = [item.url for item in result.items]
    assert "https://www.fmprc.example.cn/eng/wjb/" in urls
    assert not any("twitter" in url or url.startswith(("javascript", "mailto")) for url in urls)
    assert not any(url.endswith(("/eng/", "/sitemap/")) for url in urls)


def test_subdomains_are_the_same_site_and_link_pattern_admits_other_hosts() -> None:
    page = """<html><body><ul>
      <li class="collection-result"><a href="https://2021-2025.state.example.gov/briefings/dpb-april-26-2021/">
        Department Press Briefing - April 26, 2021</a></li>
      <li class="collection-result"><a href="https://mirror.example.net/briefings/dpb-april-23-2021/">Mirror</a></li>
    </ul></body></html>"""
    url = "https://www.state.example.gov/department-press-briefings/"
    same_site = parse(page, make_source(urls=[url], link_selector="li.collection-result a"), url=url)
    assert [item.url for item in same_site.items] == [
        "https://2021-2025.state.example.gov/briefings/dpb-april-26-2021/"
    ]
    admitted = parse(
        page, make_source(urls=[url], link_selector="li.collection-result a", link_pattern=r"/briefings/dpb-"), url=url
    )
    assert len(admitted.items) == 2


def test_first_acceptable_link_in_each_container_and_machine_readable_dates() -> None:
    page = """<html><body>
      <div class="card"><a href="/tags/briefing">Briefing</a>
        <h3 class="pressTitle"><a href="/media-briefings?dtl/36359/Transcript_of_Weekly_Media_Briefing">
          Transcript of Weekly Media Briefing by the Official Spokesperson (April 22, 2021)</a></h3>
        <time datetime="2021-04-22T18:30:00+05:30">22 April</time></div>
      <div class="card"><h3 class="pressTitle"><a href="/media-briefings?dtl/36360/Second">Second</a></h3>
        <span class="date">30 April, 2021</span></div>
      <div class="card"><p>No link in this one</p><span class="date">1 May, 2021</span></div>
    </body></html>"""
    url = "https://www.mea.example.in/media-briefings.htm"
    source = make_source(
        urls=[url],
        item_selector="div.card",
        link_selector="a",
        date_selector="time, span.date",
        link_pattern=r"\?dtl/\d+/",
        tz="Asia/Kolkata",
    )
    result = parse(page, source, url=url)
    assert [(item.url, item.published_at) for item in result.items] == [
        (
            "https://www.mea.example.in/media-briefings?dtl/36359/Transcript_of_Weekly_Media_Briefing",
            datetime(2021, 4, 22, 13, 0, tzinfo=UTC),
        ),
        ("https://www.mea.example.in/media-briefings?dtl/36360/Second", datetime(2021, 4, 29, 18, 30, tzinfo=UTC)),
    ]
    assert result.items[0].title == (
        "Transcript of Weekly Media Briefing by the Official Spokesperson (April 22, 2021)"
    )


def test_link_selector_naming_a_wrapper_uses_the_link_inside() -> None:
    page = '<html><body><h3 class="t"><a href="/a/1">One</a></h3><h3 class="t">no link</h3></body></html>'
    result = parse(page, make_source(link_selector="h3.t"))
    assert [item.url for item in result.items] == ["https://www.fmprc.example.cn/a/1"]


def test_title_falls_back_to_title_attribute_and_image_alt() -> None:
    page = """<html><body>
      <a class="i" href="/n/1" title="  Titled   link "><img src="x.png"></a>
      <a class="i" href="/n/2"><img src="y.png" alt="Alt text"></a>
      <a class="i" href="/n/3"></a>
    </body></html>"""
    result = parse(page, make_source(link_selector="a.i"))
    assert [item.title for item in result.items] == ["Titled link", "Alt text", None]


def test_base_href_and_duplicates_by_canonical_url() -> None:
    page = """<html><head><base href="https://www.fmprc.example.cn/eng/archive/"></head><body>
      <a href="t1.html?utm_source=home">First</a>
      <a href="t1.html#top">Again</a>
      <a href="https://WWW.fmprc.example.cn:443/eng/archive/t1.html">And again</a>
      <a href="t2.html">Second</a>
    </body></html>"""
    result = parse(page, make_source(link_pattern=r"/archive/t\d"))
    assert [(item.url, item.title) for item in result.items] == [
        ("https://www.fmprc.example.cn/eng/archive/t1.html?utm_source=home", "First"),
        ("https://www.fmprc.example.cn/eng/archive/t2.html", "Second"),
    ]


def test_meta_charset_gb2312_is_honoured() -> None:
    page = mfa_page(
        items='<li><a href="./202104/t20210426_1.shtml">2021年4月26日外交部发言人汪文斌主持例行记者会</a>'
        "<span>2021-04-26</span></li>",
        head='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
    ).encode("gb18030")
    result = parse(page, make_source(item_selector="ul.list1 li", link_selector="a", date_selector="span"))
    assert [item.title for item in result.items] == ["2021年4月26日外交部发言人汪文斌主持例行记者会"]


def test_bom_wins_and_undeclared_legacy_bytes_are_decoded_not_fatal() -> None:
    source = make_source(link_pattern=r"/n/")
    with_bom = b"\xef\xbb\xbf" + '<html><head><meta charset="iso-8859-1"></head><body><a href="/n/1">Żółw</a>'.encode()
    assert [item.title for item in parse(with_bom, source).items] == ["Żółw"]
    broken = b'<html><body><a href="/n/1">caf\xe9 \xff news</a><a href="/n/2">fine</a></body></html>'
    result = parse(broken, source)
    # Not UTF-8 and undeclared: the shared decoder (pipeline.extract.encoding) guesses a legacy charset.
    assert [item.title for item in result.items] == ["café ˙ news", "fine"]


def test_a_meta_charset_naming_a_non_text_codec_falls_back_to_utf8() -> None:
    page = '<html><head><meta charset="base64"></head><body><a href="/n/1">Żółw</a></body></html>'
    assert [item.title for item in parse(page, make_source(link_pattern=r"/n/")).items] == ["Żółw"]


def test_impossible_dates_are_dropped() -> None:
    page = mfa_page(
        items='<li><a href="./209912/t20991231_1.html">Placeholder</a><span>1970-01-01</span></li>'
        '<li><a href="./202104/t20210426_2.html">Real</a><span>2099-12-31</span></li>'
    )
    source = make_source(item_selector="li", link_selector="a", date_selector="span", date_from_url=MFA_DATE)
    result = parse(page, source)
    # Neither the listing's date nor a future date in the URL is believed; a plausible URL date is.
    assert [(item.title, item.published_at) for item in result.items] == [
        ("Placeholder", None),
        ("Real", datetime(2021, 4, 26, tzinfo=UTC)),
    ]


def test_xhtml_page_with_an_xml_declaration() -> None:
    page = (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml"><body>'
        '<dl class="title-list"><dt><a href="/press/kaiken/kaiken4e_000585.html">Press Conference [Dec 12]</a></dt>'
        "</dl></body></html>"
    )
    url = "https://www.mofa.example.jp/press/kaiken/index.html"
    result = parse(page, make_source(urls=[url], link_selector="dl.title-list dt a"), url=url)
    assert [item.url for item in result.items] == ["https://www.mofa.example.jp/press/kaiken/kaiken4e_000585.html"]


def test_a_broken_xml_declaration_or_stale_meta_charset_does_not_stop_the_page() -> None:
    source = make_source(link_pattern=r"/n/")
    page = '<?xml version="1.0" encoding="U<b>TF-8"?><html><body><a href="/n/1">Żółw</a></body></html>'
    assert [item.title for item in parse(page, source).items] == ["Żółw"]
    # The BOM says UTF-8; the meta tag's windows-1251 must not make lxml decode the page again.
    stale = b"\xef\xbb\xbf" + '<meta charset="windows-1251"><a href="/n/2">Брифинг</a>'.encode()
    assert [item.title for item in parse(stale, source).items] == ["Брифинг"]


def test_a_first_page_whose_selectors_match_nothing_is_an_error() -> None:
    # A layout change, not an empty listing: the source must not be reported "ok, 0 found".
    result = parse(mfa_page(), make_source(item_selector="div.does-not-exist", link_selector="a"))
    assert result.items == []
    assert result.error == "the listing page yields no item: no element(s) matched item_selector 'div.does-not-exist'"
    result = parse(mfa_page(), make_source(link_selector="a.announce__link"))
    assert result.error == "the listing page yields no item: no link(s) matched link_selector 'a.announce__link'"
    # The containers are there, the link selector finds nothing in them: it is the one named at fault.
    result = parse(mfa_page(), make_source(item_selector="ul.list1 li", link_selector="h4 a"))
    assert result.error == (
        "the listing page yields no item: 3 element(s) matched item_selector 'ul.list1 li' and link_selector "
        "'h4 a' found no link in them"
    )


def test_a_first_page_whose_links_all_fail_the_rules_is_an_error() -> None:
    result = parse(mfa_page(), make_source(link_selector="a", link_pattern=r"/no-such-section/"))
    assert result.items == []
    assert result.error is not None
    assert "link(s) matched link_selector 'a' but none gave an item link that passes the source's rules" in (
        result.error
    )


def test_a_later_page_that_lists_nothing_is_the_end_of_the_archive() -> None:
    result = parse(mfa_page(), make_source(item_selector="div.does-not-exist", link_selector="a"), page_number=2)
    assert (result.items, result.error, result.warnings) == ([], None, [])


@pytest.mark.parametrize("body", [b"", b"  \r\n  "])
def test_empty_body_is_an_error(body: bytes) -> None:
    result = parse(body, make_source())
    assert result.items == []
    assert result.error is not None
    assert result.error.startswith("empty body")


def test_binary_garbage_does_not_raise() -> None:
    result = parse(bytes(range(256)) * 50, make_source(link_pattern=MFA_PATTERN))
    assert isinstance(result, ParsedListing)
    assert result.items == []


# --- pagination --------------------------------------------------------------------------------------


def test_next_selector_gives_the_next_page() -> None:
    source = make_source(link_pattern=MFA_PATTERN, pagination={"next_selector": "div.pager a.next", "max_pages": 3})
    pager = '<a class="prev" href="index.html">Prev</a> <a class="next" href="index_1.html">Next</a>'
    result = parse(mfa_page(pager=pager), source)
    assert result.more_urls == [MFA_LIST + "index_1.html"]
    # The page the cap allows to be the last one has no next page, whatever it links to.
    last = parse(mfa_page(pager=pager), source, url=MFA_LIST + "index_2.html", page_number=2)
    assert last.more_urls == []


def test_next_selector_on_the_last_page() -> None:
    source = make_source(link_pattern=MFA_PATTERN, pagination={"next_selector": "a.next"})
    url = MFA_LIST + "index_9.html"
    # The last page links "next" to itself or to "#": that is the end, not a loop.
    for pager in ['<a class="next" href="index_9.html">Next</a>', '<a class="next" href="#">Next</a>', ""]:
        result = parse(mfa_page(pager=pager), source, url=url, page_number=9)
        assert result.more_urls == []


def test_url_template_pages_start_at_pagination_start() -> None:
    source = make_source(
        link_pattern=MFA_PATTERN,
        pagination={"url_template": MFA_LIST + "index_{page}.html", "start": 1, "max_pages": 3},
    )
    assert parse(mfa_page(), source, page_number=0).more_urls == [MFA_LIST + "index_1.html"]
    assert parse(mfa_page(), source, url=MFA_LIST + "index_1.html", page_number=1).more_urls == [
        MFA_LIST + "index_2.html"
    ]
    # page_number + 1 == max_pages: stop.
    assert parse(mfa_page(), source, url=MFA_LIST + "index_2.html", page_number=2).more_urls == []


def test_url_template_stops_after_a_page_that_lists_nothing() -> None:
    source = make_source(
        link_pattern=MFA_PATTERN, pagination={"url_template": MFA_LIST + "index_{page}.html", "max_pages": 50}
    )
    empty = mfa_page(items="<li>No more items</li>")
    assert parse(empty, source, url=MFA_LIST + "index_20.html", page_number=21).more_urls == []


def test_next_link_is_preferred_to_the_template_when_both_are_configured() -> None:
    source = make_source(
        link_pattern=MFA_PATTERN,
        pagination={"url_template": "index_{page}.html", "next_selector": "a.next", "start": 1},
    )
    with_link = parse(mfa_page(pager='<a class="next" href="older.html">Older</a>'), source)
    assert with_link.more_urls == [MFA_LIST + "older.html"]
    without_link = parse(mfa_page(), source)
    assert without_link.more_urls == [MFA_LIST + "index_1.html"]


def test_listing_page_url() -> None:
    source = make_source(pagination={"url_template": "https://mid.example.ru/ru/list/?PAGEN_1={page}", "start": 2})
    assert listing_page_url(source, 0) == MFA_FIRST
    assert listing_page_url(source, 1) == "https://mid.example.ru/ru/list/?PAGEN_1=2"
    assert listing_page_url(source, 4) == "https://mid.example.ru/ru/list/?PAGEN_1=5"
    relative = make_source(pagination={"url_template": "index_{page}.html"})
    assert listing_page_url(relative, 1) == MFA_LIST + "index_1.html"
    with pytest.raises(ValueError, match="must be >= 0"):
        listing_page_url(source, -1)
    next_only = make_source(pagination={"next_selector": "a.next"})
    assert listing_page_url(next_only, 0) == MFA_FIRST
    with pytest.raises(ValueError, match=r"no pagination\.url_template"):
        listing_page_url(next_only, 1)
    with pytest.raises(ValueError, match=r"no pagination\.url_template"):
        listing_page_url(make_source(), 1)


def test_parse_discovery_dispatches_to_the_listing_parser() -> None:
    source = make_source(link_pattern=MFA_PATTERN, pagination={"url_template": "index_{page}.html"})
    result = parse_discovery(mfa_page().encode(), url=MFA_FIRST, source=source, page_number=3)
    assert len(result.items) == 3
    assert result.more_urls == [MFA_LIST + "index_4.html"]
