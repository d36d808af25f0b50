"""decode_html: the order of evidence (BOM, valid UTF-8, declarations, statistics) and always-valid text."""

from __future__ import annotations

import random
import unicodedata

import pytest

from pipeline.extract import decode_html
from pipeline.extract.encoding import normalize_label

RUSSIAN = (
    "Брифинг официального представителя МИД России М.В.Захаровой. Вопрос: Как Вы прокомментируете "
    "заявление Вашингтона о новых санкциях? Ответ: Мы неоднократно говорили, что такие меры незаконны."
)
CHINESE = "外交部发言人汪文斌主持例行记者会。问：美国宣布新的制裁措施，中方有何回应？答：我们坚决反对滥用单边制裁。"
# 镕 and 喆 are in GBK but not in GB2312: pages "in gb2312" use them all the time.
GBK_ONLY = "朱镕基总理和张喆记者"
FRENCH_1252 = "L’été dernier, le ministre a déclaré : « Nous sommes prêts » — c’est “très” important…"


def page(text: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>Briefing</title></head><body><p>{text}</p></body></html>"


def test_empty_body() -> None:
    assert decode_html(b"") == ("", "utf-8")
    assert decode_html(b"", "text/html; charset=windows-1251") == ("", "utf-8")


def test_gb2312_meta() -> None:
    html = page(CHINESE, '<meta charset="gb2312">')
    assert decode_html(html.encode("gb2312")) == (html, "gb18030")


def test_gbk_characters_declared_as_gb2312() -> None:
    html = page(CHINESE + GBK_ONLY, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    body = html.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")  # what a literal reading of the label would fail on
    assert decode_html(body, "text/html; charset=GB2312") == (html, "gb18030")


def test_windows_1251_with_lying_utf8_header_and_meta() -> None:
    html = page(RUSSIAN, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">')
    assert decode_html(html.encode("cp1251"), "text/html; charset=utf-8") == (html, "windows-1251")


def test_windows_1251_behind_a_default_latin1_header() -> None:
    """Apache's default ``ISO-8859-1`` header on a Cyrillic page with no meta: the text decides."""
    html = page(RUSSIAN)
    assert decode_html(html.encode("cp1251"), "text/html; charset=ISO-8859-1") == (html, "windows-1251")


def test_koi8_r_via_meta_only() -> None:
    html = page(RUSSIAN, '<meta charset="koi8-r">')
    assert decode_html(html.encode("koi8_r")) == (html, "koi8-r")


def test_koi8_r_bytes_behind_a_wrong_windows_1251_meta() -> None:
    html = page(RUSSIAN, '<meta charset="windows-1251">')
    assert decode_html(html.encode("koi8_r")) == (html, "koi8-r")


def test_header_and_meta_disagree_statistics_choose() -> None:
    html = page(RUSSIAN, '<meta charset="koi8-r">')
    assert decode_html(html.encode("koi8_r"), "text/html; charset=windows-1251") == (html, "koi8-r")


def test_utf16_le_and_be_with_bom() -> None:
    html = page(RUSSIAN + CHINESE)
    assert decode_html(b"\xff\xfe" + html.encode("utf-16-le"), "text/html; charset=utf-16") == (html, "utf-16le")
    assert decode_html(b"\xfe\xff" + html.encode("utf-16-be")) == (html, "utf-16be")


def test_utf8_bom_beats_latin1_header() -> None:
    html = page(RUSSIAN)
    assert decode_html(b"\xef\xbb\xbf" + html.encode("utf-8"), "text/html; charset=iso-8859-1") == (html, "utf-8")


def test_valid_utf8_beats_a_wrong_declaration() -> None:
    html = page(CHINESE, '<meta charset="gb2312">')
    assert decode_html(html.encode("utf-8"), "text/html; charset=iso-8859-1") == (html, "utf-8")


def test_windows_1252_declared_as_latin1_keeps_curly_quotes() -> None:
    html = page(FRENCH_1252, '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">')
    assert decode_html(html.encode("cp1252")) == (html, "windows-1252")
    assert decode_html(html.encode("cp1252"), "text/html; charset=latin1") == (html, "windows-1252")


def test_shift_jis_label_means_the_microsoft_superset() -> None:
    html = page("外務報道官会見記録 ①② 記者：質問があります。", '<meta charset="Shift_JIS">')
    assert decode_html(html.encode("cp932")) == (html, "shift_jis")


def test_undeclared_legacy_encodings_are_guessed() -> None:
    assert decode_html(page(RUSSIAN).encode("cp1251")) == (page(RUSSIAN), "windows-1251")
    assert decode_html(page(CHINESE).encode("gb18030")) == (page(CHINESE), "gb18030")


def test_mostly_utf8_with_a_broken_byte_stays_utf8() -> None:
    html = page(CHINESE)
    body = html.encode("utf-8").replace(b"<p>", b"<p>\xff", 1)
    assert decode_html(body, "text/html; charset=utf-8") == (html.replace("<p>", "<p>\ufffd", 1), "utf-8")


def test_garbage_bytes_become_replacement_characters() -> None:
    assert decode_html(bytes(range(0x80, 0x100)) * 3) == ("\ufffd" * 384, "utf-8")


def test_nuls_and_controls_are_removed() -> None:
    assert decode_html(b"\x00\x01<p>\x00ok\x0b</p>\x1f\r\n") == ("<p>ok</p>\r\n", "utf-8")
    assert decode_html(b"\xff\xfe" + "<p>\x00Привет</p>".encode("utf-16-le")) == ("<p>Привет</p>", "utf-16le")


def test_lone_surrogate_bytes_in_utf16_are_replaced() -> None:
    body = b"\xff\xfe" + "<p>a".encode("utf-16-le") + b"\x00\xd8" + "b</p>".encode("utf-16-le")
    text, encoding = decode_html(body)
    assert encoding == "utf-16le"
    assert text == "<p>a\ufffdb</p>"
    text.encode("utf-8")  # no lone surrogate survives


def test_output_is_nfc() -> None:
    decomposed = page("Cafe\u0301 de\u0301ja\u0300")
    text, _ = decode_html(decomposed.encode("utf-8"))
    assert text == unicodedata.normalize("NFC", decomposed)
    assert "Café déjà" in text


def test_pure_ascii_is_reported_as_utf8() -> None:
    assert decode_html(b"<html><body><p>Hello</p></body></html>") == ("<html><body><p>Hello</p></body></html>", "utf-8")


def test_random_bytes_always_give_valid_text() -> None:
    rng = random.Random(20210426)
    for _ in range(200):
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
        content_type = rng.choice([None, "text/html; charset=utf-8", "text/html; charset=gb2312", "text/html"])
        text, encoding = decode_html(body, content_type)
        text.encode("utf-8")  # raises on lone surrogates
        assert "\x00" not in text
        assert unicodedata.is_normalized("NFC", text)
        assert encoding


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("iso-8859-1", "windows-1252"),
        ("latin1", "windows-1252"),
        ("US-ASCII", "windows-1252"),
        ("ascii", "windows-1252"),
        ("UTF8", "utf-8"),
        ("cp1251", "windows-1251"),
        ("koi8_r", "koi8-r"),
        ("iso-8859-9", "windows-1254"),
        ("tis-620", "windows-874"),
        ("sjis", "shift_jis"),
        ("ks_c_5601-1987", "euc-kr"),
        ("utf-16", "utf-16le"),
        ('"windows-1251"', "windows-1251"),
        ("no-such-charset", None),
        ("utf-7", None),
        ("", None),
        (None, None),
    ],
)
def test_labels_follow_whatwg(label: str | None, expected: str | None) -> None:
    assert normalize_label(label) == expected


def test_meta_claiming_utf16_means_utf8() -> None:
    assert normalize_label("utf-16", from_meta=True) == "utf-8"
    html = page(CHINESE, '<meta charset="utf-16">')
    assert decode_html(html.encode("utf-8")) == (html, "utf-8")


POLISH = "Zażółć gęślą jaźń. Rzecznik MSZ powiedział, że Polska nie zmieni swojego stanowiska."
GERMAN = "Der Sprecher des Auswärtigen Amtes äußerte sich über die Gespräche in Brüssel."
TURKISH = "Dışişleri Bakanlığı Sözcüsü, görüşmelerin ağustosta süreceğini açıkladı."
GREEK = "Ο εκπρόσωπος του Υπουργείου Εξωτερικών δήλωσε ότι οι συνομιλίες θα συνεχιστούν."
UKRAINIAN = "Речник Міністерства закордонних справ України заявив про нові санкції."


@pytest.mark.parametrize(
    ("text", "label", "codec", "expected"),
    [
        (POLISH, "windows-1250", "cp1250", "windows-1250"),
        (GERMAN, "iso-8859-15", "iso8859_15", "iso-8859-15"),
        (TURKISH, "iso-8859-9", "cp1254", "windows-1254"),
        (GREEK, "windows-1253", "cp1253", "windows-1253"),
        (UKRAINIAN, "koi8-u", "koi8_u", "koi8-u"),
    ],
)
def test_correct_single_byte_declarations_are_trusted(text: str, label: str, codec: str, expected: str) -> None:
    html = page(text * 3, f'<meta charset="{label}">')
    assert decode_html(html.encode(codec)) == (html, expected)


def test_utf16_header_without_bom() -> None:
    html = page(RUSSIAN)
    assert decode_html(html.encode("utf-16-le"), "text/html; charset=utf-16") == (html, "utf-16le")


def test_utf16_header_on_an_ascii_page_is_ignored() -> None:
    """Decoding ASCII as UTF-16 "works" and gives CJK nonsense: a UTF-16 label needs NUL bytes."""
    html = page("Hello from the press office")
    assert decode_html(html.encode("ascii"), "text/html; charset=utf-16") == (html, "utf-8")
