"""parse_sitemap: urlsets, news sitemaps, indexes, gzip (and bombs), text sitemaps, hostile XML."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Source
from pipeline.models import ParsedListing
from pipeline.sources import parse_discovery, parse_sitemap
from pipeline.sources.sitemap import MAX_DECOMPRESSED_BYTES

SITEMAP_URL = "https://2021-2025.state.example.gov/state_briefing-sitemap.xml"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def make_source(tz: str = "UTC", **discovery: Any) -> Source:
    return Source.model_validate(
        {
            "id": "us-state-briefings",
            "name": "US State Department press briefings",
            "kind": "briefing",
            "publisher": "U.S. Department of State",
            "country": "US",
            "language": "en",
            "timezone": tz,
            "discovery": {"method": "sitemap", "urls": [SITEMAP_URL], **discovery},
        }
    )


def parse(body: bytes | str, source: Source | None = None, url: str = SITEMAP_URL) -> ParsedListing:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return parse_sitemap(data, url=url, source=source or make_source())


URLSET = f"""<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="//2021-2025.state.example.gov/main-sitemap.xsl"?>
<urlset {NS} xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://2021-2025.state.example.gov/briefings/department-press-briefing-april-26-2021/</loc>
    <lastmod>2021-04-27T01:12:44+00:00</lastmod>
    <image:image><image:loc>https://2021-2025.state.example.gov/wp-content/uploads/podium.jpg</image:loc></image:image>
  </url>
  <url>
    <loc> https://2021-2025.state.example.gov/briefings/department-press-briefing-april-23-2021/ </loc>
    <lastmod>2021-04-23</lastmod>
  </url>
  <!-- a comment between entries -->
  <url><loc>https://2021-2025.state.example.gov/briefings/department-press-briefing-april-26-2021/?utm_source=x</loc></url>
  <url><loc>https://2021-2025.state.example.gov/about/</loc></url>
  <url><loc>ftp://files.example.gov/x</loc></url>
  <url><lastmod>2021-01-01</lastmod></url>
</urlset>
"""


def test_urlset_items_with_lastmod() -> None:
    result = parse(URLSET)
    assert result.error is None
    assert result.warnings == []
    assert result.more_urls == []
    assert [item.url for item in result.items] == [
        "https://2021-2025.state.example.gov/briefings/department-press-briefing-april-26-2021/",
        "https://2021-2025.state.example.gov/briefings/department-press-briefing-april-23-2021/",
        "https://2021-2025.state.example.gov/about/",
    ]
    first, second, _ = result.items
    assert first.updated_at == datetime(2021, 4, 27, 1, 12, 44, tzinfo=UTC)
    assert first.published_at is None
    assert first.title is None
    assert first.found_on == SITEMAP_URL
    assert first.source_id == "us-state-briefings"
    assert second.updated_at == datetime(2021, 4, 23, tzinfo=UTC)


def test_link_and_exclude_patterns() -> None:
    source = make_source(link_pattern=r"/briefings/", exclude_pattern=r"april-23")
    result = parse(URLSET, source)
    assert [item.url.rsplit("/", 2)[1] for item in result.items] == ["department-press-briefing-april-26-2021"]


def test_lastmod_without_a_zone_is_in_the_source_time_zone() -> None:
    body = f"<urlset {NS}><url><loc>https://a.example.ru/1/</loc><lastmod>2021-04-26T12:00:00</lastmod></url></urlset>"
    result = parse(body, make_source(tz="Europe/Moscow"), url="https://a.example.ru/sitemap.xml")
    assert result.items[0].updated_at == datetime(2021, 4, 26, 9, 0, tzinfo=UTC)


NEWS_SITEMAP = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset {NS}
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:video="http://www.google.com/schemas/sitemap-video/1.1">
  <url>
    <loc>https://www.globaltimes.example.cn/page/202104/1222251.shtml</loc>
    <lastmod>2021-04-26T21:40:00+08:00</lastmod>
    <video:video>
      <video:thumbnail_loc>https://www.globaltimes.example.cn/thumb.jpg</video:thumbnail_loc>
      <video:title>Not the article title</video:title>
    </video:video>
    <news:news>
      <news:publication><news:name>Global Times</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2021-04-26T20:05:00+08:00</news:publication_date>
      <news:title>China  firmly opposes
        unilateral sanctions: FM  &amp;amp; spokesperson</news:title>
    </news:news>
  </url>
  <url>
    <loc>https://www.globaltimes.example.cn/page/202104/1222252.shtml</loc>
    <news:news><news:publication_date>2021-04-27</news:publication_date><news:title>Second</news:title></news:news>
  </url>
</urlset>"""


def test_news_sitemap_fields() -> None:
    result = parse(NEWS_SITEMAP, make_source(tz="Asia/Shanghai"), url="https://www.globaltimes.example.cn/sitemap.xml")
    assert result.error is None
    first, second = result.items
    assert first.url == "https://www.globaltimes.example.cn/page/202104/1222251.shtml"
    assert first.title == "China firmly opposes unilateral sanctions: FM & spokesperson"
    assert first.published_at == datetime(2021, 4, 26, 12, 5, tzinfo=UTC)
    assert first.updated_at == datetime(2021, 4, 26, 13, 40, tzinfo=UTC)
    assert second.title == "Second"
    assert second.published_at == datetime(2021, 4, 26, 16, 0, tzinfo=UTC)
    assert second.updated_at is None


def index(*entries: tuple[str, str | None]) -> str:
    parts = []
    for loc, lastmod in entries:
        mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        parts.append(f"<sitemap><loc>{loc}</loc>{mod}</sitemap>")
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex {NS}>{"".join(parts)}</sitemapindex>'


def test_sitemap_index_most_recent_first_and_capped() -> None:
    base = "https://2021-2025.state.example.gov/"
    body = index(
        (base + "post-sitemap1.xml", "2019-03-01T10:00:00+00:00"),
        (base + "undated-a.xml", None),
        (base + "post-sitemap3.xml", "2021-04-27T01:12:44+00:00"),
        (base + "post-sitemap2.xml", "2020-06-30"),
        (base + "undated-b.xml", None),
        (base + "post-sitemap3.xml?utm_source=dup", "2022-01-01"),
        ("javascript:alert(1)", "2023-01-01"),
    )
    result = parse(body)
    assert result.error is None
    assert result.items == []
    assert result.more_urls == [
        base + "post-sitemap3.xml",
        base + "post-sitemap2.xml",
        base + "post-sitemap1.xml",
        base + "undated-a.xml",
        base + "undated-b.xml",
    ]
    capped = parse(body, make_source(max_sitemaps=2))
    assert capped.more_urls == [base + "post-sitemap3.xml", base + "post-sitemap2.xml"]
    assert capped.warnings == ["sitemap index lists 5 sitemaps; kept the 2 most recent"]


def test_gzip_sitemap() -> None:
    result = parse(gzip.compress(URLSET.encode()))
    assert result.error is None
    assert len(result.items) == 3
    # Concatenated gzip members are one valid stream.
    half = len(URLSET) // 2
    two_members = gzip.compress(URLSET[:half].encode()) + gzip.compress(URLSET[half:].encode())
    assert parse(two_members).items == result.items


def test_truncated_gzip_gives_what_it_held_and_a_warning() -> None:
    urls = "".join(f"<url><loc>https://a.example.org/p/{i}</loc></url>" for i in range(2000))
    compressed = gzip.compress(f"<urlset {NS}>{urls}</urlset>".encode())
    result = parse(compressed[: len(compressed) // 2], url="https://a.example.org/sitemap.xml.gz")
    assert result.error is None
    assert 0 < len(result.items) < 2000
    assert any("gzip stream is truncated" in warning for warning in result.warnings)


def test_not_really_gzip_is_an_error() -> None:
    result = parse(b"\x1f\x8b\x08\x00garbage that is not deflate data at all")
    assert result.error is not None
    assert "not a valid gzip stream" in result.error
    cut_in_header = parse(b"\x1f\x8b\x08\x00")
    assert cut_in_header.error == "not a sitemap: the body starts like gzip but the stream ends before any data"


def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed in chunks so the test never holds the expanded data."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"\0" * (1024 * 1024)
    parts = [compressor.compress(b"<urlset><url><loc>https://a.example.org/x</loc></url><!--")]
    parts += [compressor.compress(chunk) for _ in range(size // len(chunk))]
    parts.append(compressor.flush())
    return b"".join(parts)


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip_bomb(200 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # about 200 KB on the wire
    result = parse(bomb)
    assert result.items == []
    assert result.error is not None
    assert "more than 50 MiB" in result.error
    assert MAX_DECOMPRESSED_BYTES == 50 * 1024 * 1024


def test_external_entities_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("https://attacker.example.com/TOP-SECRET-MARKER")
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE urlset [
  <!ENTITY xxe SYSTEM "{secret.as_uri()}">
  <!ENTITY passwd SYSTEM "file:///etc/passwd">
  <!ENTITY remote SYSTEM "http://127.0.0.1:9/evil.dtd">
]>
<urlset {NS}>
  <url><loc>&xxe;</loc></url>
  <url><loc>https://a.example.org/&passwd;</loc></url>
  <url><loc>https://a.example.org/ok</loc><news:news xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
    <news:title>&passwd;&remote;</news:title></news:news></url>
</urlset>"""
    result = parse(body, url="https://a.example.org/sitemap.xml")
    text = repr(result)
    assert "TOP-SECRET-MARKER" not in text
    assert "root:" not in text
    assert [item.url for item in result.items] == ["https://a.example.org/", "https://a.example.org/ok"]
    assert result.items[1].title is None


def test_entity_expansion_bomb_is_not_expanded() -> None:
    entities = ['<!ENTITY a0 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA">']
    entities += [f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 12)]
    body = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [{"".join(entities)}]><urlset {NS}>'
        "<url><loc>https://a.example.org/1</loc><news:news xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>"
        "<news:title>&a11;</news:title></news:news></url></urlset>"
    )
    result = parse(body, url="https://a.example.org/sitemap.xml")
    assert [item.url for item in result.items] == ["https://a.example.org/1"]
    assert result.items[0].title is None


def test_malformed_xml_recovers_what_it_can() -> None:
    body = (
        f'<?xml version="1.0"?><urlset {NS}><url><loc>https://a.example.org/1</loc></url>'
        "<url><loc>https://a.example.org/2</loc><lastmod>2021-04-26</url>"
        "<url><loc>https://a.example.org/3 & more</loc></url>"
    )
    result = parse(body, url="https://a.example.org/sitemap.xml")
    assert result.error is None
    assert [item.url for item in result.items][:2] == ["https://a.example.org/1", "https://a.example.org/2"]
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("sitemap XML is malformed (")


def test_references_to_no_character_do_not_break_the_parser() -> None:
    # lxml's recover mode keeps a surrogate reference as bytes that cannot be decoded later.
    body = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9&#xD800;">'
        "<url><loc>https://a.example.org/&#99999999;x</loc></url><url><loc>https://a.example.org/y</loc></url>"
        "</urlset>"
    )
    result = parse(body, url="https://a.example.org/sitemap.xml")
    assert result.error is None
    assert [item.url for item in result.items] == ["https://a.example.org/\ufffdx", "https://a.example.org/y"]


def test_xml_that_is_not_a_sitemap_is_an_error() -> None:
    result = parse(b'<?xml version="1.0"?><config><item>x</item></config>')
    assert result.error == "not a sitemap: the root element is <config>, not <urlset> or <sitemapindex>"
    html = parse(b"<!DOCTYPE html><html><body>Not found</body></html>")
    assert html.error == "not a sitemap (looks like HTML)"


def test_a_feed_used_as_a_sitemap_is_read_as_a_feed() -> None:
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>From RSS</title>'
        "<link>https://a.example.org/rss-item</link></item></channel></rss>"
    )
    result = parse(rss, url="https://a.example.org/sitemap.xml")
    assert [(item.url, item.title) for item in result.items] == [("https://a.example.org/rss-item", "From RSS")]


def test_plain_text_sitemap() -> None:
    body = (
        "\ufeffhttps://www.mfa.example.cn/web/fyrbt_673021/jzhsl_673025/202104/t20210426_9.shtml\r\n"
        "\n"
        "https://www.mfa.example.cn/web/fyrbt_673021/jzhsl_673025/202104/t20210423_7.shtml?utm_medium=x\n"
        "https://www.mfa.example.cn/web/fyrbt_673021/jzhsl_673025/202104/t20210423_7.shtml\n"
        "not a url at all\n"
        "/relative/path.html\n"
    ).encode()
    source = make_source(date_from_url=r"/t(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})_")
    result = parse(body, source, url="https://www.mfa.example.cn/sitemap.txt")
    assert [item.published_at for item in result.items] == [
        datetime(2021, 4, 26, tzinfo=UTC),
        datetime(2021, 4, 23, tzinfo=UTC),
    ]
    assert result.warnings == ["2 lines of the text sitemap were not http(s) URLs and were skipped"]


@pytest.mark.parametrize(
    "body",
    [b"", b" \n ", gzip.compress(b"", mtime=0), gzip.compress(b"   ", mtime=0)],
    ids=["empty", "blank", "gzip-empty", "gzip-blank"],
)
def test_empty_bodies_are_errors(body: bytes) -> None:
    result = parse(body)
    assert result.items == []
    assert result.error is not None


def test_binary_garbage_is_an_error_not_a_crash() -> None:
    result = parse(bytes(range(1, 256)) * 30)
    assert result.items == []
    assert result.error == "not a sitemap: neither XML nor a list of http(s) URLs, one per line"
    result = parse(b"<" + bytes(range(256)) * 30)
    assert result.items == []
    assert result.error is not None


def test_parse_discovery_dispatches_to_the_sitemap_parser() -> None:
    result = parse_discovery(URLSET.encode(), url=SITEMAP_URL, source=make_source(), content_type="text/xml")
    assert len(result.items) == 3


def test_malformed_xml_with_nothing_recoverable_is_an_error() -> None:
    body = f'<?xml version="1.0"?><urlset {NS}><url>'  # cut off before its first <loc>
    result = parse(body, url="https://a.example.org/sitemap.xml")
    assert result.items == []
    assert result.error is not None
    assert result.error.startswith("sitemap XML is malformed (")
    assert result.error.endswith("): no entry could be read")


def test_a_well_formed_empty_urlset_is_not_an_error() -> None:
    result = parse(f'<?xml version="1.0"?><urlset {NS}></urlset>', url="https://a.example.org/sitemap.xml")
    assert (result.items, result.error, result.warnings) == ([], None, [])
