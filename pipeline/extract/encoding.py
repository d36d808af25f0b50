"""Bytes → text for HTML pages, whatever they claim to be encoded in.

Ministries and news sites serve GB2312/GBK, Windows-1251, KOI8-R, Shift_JIS and UTF-8 pages, and
their declarations are often wrong: Apache's default ``charset=ISO-8859-1`` header on a Cyrillic
page, a ``utf-8`` header on a Windows-1251 CMS, ``gb2312`` declared for text that uses GBK characters.
:func:`decode_html` weighs the evidence in a fixed order and always returns valid text:

1. a byte-order mark (it is unambiguous and browsers let it override everything else);
2. bytes that decode as UTF-8 and contain non-ASCII: random legacy-encoded text almost never forms
   valid UTF-8 multi-byte sequences, so this is stronger evidence than any declaration;
3. the declared charsets (HTTP ``Content-Type`` and ``<meta charset>``/``<meta http-equiv>``, or an
   XML declaration), mapped through the WHATWG label table (``gb2312`` → gb18030, ``iso-8859-1`` and
   ``ascii`` → windows-1252, ...), each checked by a strict decode. When header and meta disagree and
   both decode, or when a single-byte charset decodes but the result looks like mojibake,
   charset_normalizer chooses among the candidates;
4. charset_normalizer's best guess; then UTF-8 with replacement characters.

The returned text has no NULs or other C0 controls (except tab, LF, CR), no lone surrogates, no BOM,
and is in Unicode normalisation form NFC.
"""

from __future__ import annotations

import codecs
import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import charset_normalizer

__all__ = ["decode_html", "normalize_label"]

#: How far into the document we look for ``<meta charset>``. WHATWG's prescan stops at 1024 bytes,
#: but real pages put the meta after long comments and scripts; 16 KiB costs nothing.
_PRESCAN_BYTES = 16 * 1024

# WHATWG Encoding Standard: canonical name → labels (https://encoding.spec.whatwg.org/#names-and-labels).
# The "GBK" encoding decodes with the gb18030 decoder, so its labels map to gb18030 here.
_WHATWG_LABELS: dict[str, tuple[str, ...]] = {
    "utf-8": ("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"),
    "ibm866": ("866", "cp866", "csibm866", "ibm866"),
    "iso-8859-2": (
        "csisolatin2",
        "iso-8859-2",
        "iso-ir-101",
        "iso8859-2",
        "iso88592",
        "iso_8859-2",
        "iso_8859-2:1987",
        "l2",
        "latin2",
    ),
    "iso-8859-3": (
        "csisolatin3",
        "iso-8859-3",
        "iso-ir-109",
        "iso8859-3",
        "iso88593",
        "iso_8859-3",
        "iso_8859-3:1988",
        "l3",
        "latin3",
    ),
    "iso-8859-4": (
        "csisolatin4",
        "iso-8859-4",
        "iso-ir-110",
        "iso8859-4",
        "iso88594",
        "iso_8859-4",
        "iso_8859-4:1988",
        "l4",
        "latin4",
    ),
    "iso-8859-5": (
        "csisolatincyrillic",
        "cyrillic",
        "iso-8859-5",
        "iso-ir-144",
        "iso8859-5",
        "iso88595",
        "iso_8859-5",
        "iso_8859-5:1988",
    ),
    "iso-8859-6": (
        "arabic",
        "asmo-708",
        "csiso88596e",
        "csiso88596i",
        "csisolatinarabic",
        "ecma-114",
        "iso-8859-6",
        "iso-8859-6-e",
        "iso-8859-6-i",
        "iso-ir-127",
        "iso8859-6",
        "iso88596",
        "iso_8859-6",
        "iso_8859-6:1987",
    ),
    "iso-8859-7": (
        "csisolatingreek",
        "ecma-118",
        "elot_928",
        "greek",
        "greek8",
        "iso-8859-7",
        "iso-ir-126",
        "iso8859-7",
        "iso88597",
        "iso_8859-7",
        "iso_8859-7:1987",
        "sun_eu_greek",
    ),
    "iso-8859-8": (
        "csiso88598e",
        "csisolatinhebrew",
        "hebrew",
        "iso-8859-8",
        "iso-8859-8-e",
        "iso-ir-138",
        "iso8859-8",
        "iso88598",
        "iso_8859-8",
        "iso_8859-8:1988",
        "visual",
    ),
    "iso-8859-8-i": ("csiso88598i", "iso-8859-8-i", "logical"),
    "iso-8859-10": ("csisolatin6", "iso-8859-10", "iso-ir-157", "iso8859-10", "iso885910", "l6", "latin6"),
    "iso-8859-13": ("iso-8859-13", "iso8859-13", "iso885913"),
    "iso-8859-14": ("iso-8859-14", "iso8859-14", "iso885914"),
    "iso-8859-15": ("csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9"),
    "iso-8859-16": ("iso-8859-16",),
    "koi8-r": ("cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"),
    "koi8-u": ("koi8-ru", "koi8-u"),
    "macintosh": ("csmacintosh", "mac", "macintosh", "x-mac-roman"),
    "windows-874": ("dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874"),
    "windows-1250": ("cp1250", "windows-1250", "x-cp1250"),
    "windows-1251": ("cp1251", "windows-1251", "x-cp1251"),
    "windows-1252": (
        "ansi_x3.4-1968",
        "ascii",
        "cp1252",
        "cp819",
        "csisolatin1",
        "ibm819",
        "iso-8859-1",
        "iso-ir-100",
        "iso8859-1",
        "iso88591",
        "iso_8859-1",
        "iso_8859-1:1987",
        "l1",
        "latin1",
        "us-ascii",
        "windows-1252",
        "x-cp1252",
    ),
    "windows-1253": ("cp1253", "windows-1253", "x-cp1253"),
    "windows-1254": (
        "cp1254",
        "csisolatin5",
        "iso-8859-9",
        "iso-ir-148",
        "iso8859-9",
        "iso88599",
        "iso_8859-9",
        "iso_8859-9:1989",
        "l5",
        "latin5",
        "windows-1254",
        "x-cp1254",
    ),
    "windows-1255": ("cp1255", "windows-1255", "x-cp1255"),
    "windows-1256": ("cp1256", "windows-1256", "x-cp1256"),
    "windows-1257": ("cp1257", "windows-1257", "x-cp1257"),
    "windows-1258": ("cp1258", "windows-1258", "x-cp1258"),
    "x-mac-cyrillic": ("x-mac-cyrillic", "x-mac-ukrainian"),
    "gb18030": (
        "chinese",
        "csgb2312",
        "csiso58gb231280",
        "gb2312",
        "gb_2312",
        "gb_2312-80",
        "gbk",
        "iso-ir-58",
        "x-gbk",
        "gb18030",
        # Not WHATWG labels, but seen in the wild and unambiguous.
        "cp936",
        "ms936",
        "windows-936",
        "euc-cn",
    ),
    "big5": ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5", "big5hkscs"),
    "euc-jp": ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp"),
    "iso-2022-jp": ("csiso2022jp", "iso-2022-jp"),
    "shift_jis": (
        "csshiftjis",
        "ms932",
        "ms_kanji",
        "shift-jis",
        "shift_jis",
        "sjis",
        "windows-31j",
        "x-sjis",
        "cp932",
    ),
    "euc-kr": (
        "cseuckr",
        "csksc56011987",
        "euc-kr",
        "iso-ir-149",
        "korean",
        "ks_c_5601-1987",
        "ks_c_5601-1989",
        "ksc5601",
        "ksc_5601",
        "windows-949",
        "cp949",
    ),
    # WHATWG maps these to the "replacement" encoding (a browser XSS defence); for text extraction the
    # real decoders are more useful.
    "iso-2022-kr": ("csiso2022kr", "iso-2022-kr"),
    "hz-gb-2312": ("hz-gb-2312",),
    "utf-16be": ("unicodefffe", "utf-16be"),
    "utf-16le": ("csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"),
}

# Canonical name → Python codec. Where WHATWG's decoder is a superset of the standard that the name
# suggests (Shift_JIS = Microsoft's cp932, EUC-KR = cp949, Big5 = Big5-HKSCS), use the superset.
_CODECS: dict[str, str] = {
    "utf-8": "utf-8",
    "ibm866": "cp866",
    "iso-8859-8-i": "iso8859-8",
    "koi8-r": "koi8-r",
    "koi8-u": "koi8-u",
    "macintosh": "mac-roman",
    "windows-874": "cp874",
    "x-mac-cyrillic": "mac-cyrillic",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "euc-jp": "euc-jp",
    "iso-2022-jp": "iso2022-jp",
    "shift_jis": "cp932",
    "euc-kr": "cp949",
    "iso-2022-kr": "iso2022-kr",
    "hz-gb-2312": "hz",
    "utf-16be": "utf-16-be",
    "utf-16le": "utf-16-le",
    **{f"iso-8859-{n}": f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)},
    **{f"windows-{n}": f"cp{n}" for n in range(1250, 1259)},
}

_LABEL_TO_NAME: dict[str, str] = {label: name for name, labels in _WHATWG_LABELS.items() for label in labels}

#: Encodings with one byte per character: every byte string "decodes", so a clean strict decode proves
#: little and the result gets a plausibility check.
_SINGLE_BYTE = frozenset(
    name for name in _WHATWG_LABELS if name.startswith(("iso-8859", "windows-", "koi8", "ibm866", "mac", "x-mac"))
)
#: Single-byte encodings for Latin scripts: in real text in these, words made only of non-ASCII letters
#: are rare, while Cyrillic, Greek or Arabic bytes read through them produce little else.
_LATIN_SINGLE_BYTE = frozenset(
    {
        "windows-1250",
        "windows-1252",
        "windows-1254",
        "windows-1257",
        "windows-1258",
        "macintosh",
        *(f"iso-8859-{n}" for n in (2, 3, 4, 10, 13, 14, 15, 16)),
    }
)

_UTF16 = frozenset({"utf-16le", "utf-16be"})

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16le"),
    (codecs.BOM_UTF16_BE, "utf-16be"),
)

_LABEL = rb"[A-Za-z0-9_.:+\-]+"
_META_CHARSET = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*(" + _LABEL + rb")", re.IGNORECASE)
_XML_DECL = re.compile(rb"^\s*<\?xml\b[^>]*?\bencoding\s*=\s*[\"'](" + _LABEL + rb")", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([^\"';,\s]+)", re.IGNORECASE)

# Characters that are not allowed in the returned text: C0 controls other than tab/LF/CR (NUL above all:
# it breaks lxml, PostgreSQL and Elasticsearch), lone surrogates, the non-characters U+FFFE/U+FFFF.
_DISALLOWED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_C1_CONTROLS = re.compile("[\x80-\x9f]")
_ASCII_BYTES = bytes(range(0x80))
_WORDS = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A declared encoding and where it was declared."""

    name: str
    origin: str  # "header" or "meta"


def normalize_label(label: str | None, *, from_meta: bool = False) -> str | None:
    """Map a charset label to its canonical encoding name (WHATWG aliases), or ``None`` if unknown.

    A ``<meta>`` that claims UTF-16 is read as UTF-8, as browsers do: a page whose bytes let us read the
    meta in ASCII is not UTF-16.
    """
    if not label:
        return None
    name = _LABEL_TO_NAME.get(label.strip().strip("\"'").lower())
    if from_meta and name in {"utf-16le", "utf-16be"}:
        return "utf-8"
    return name


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Bytes → (text, encoding name). Always returns valid text (no lone surrogates, no NULs, NFC).

    Order of evidence: BOM; bytes that are valid UTF-8 with non-ASCII content; the declared charsets
    (HTTP header and ``<meta charset>``/``<meta http-equiv>``), mapped through WHATWG aliases
    (gb2312→gb18030, iso-8859-1/latin1/ascii→windows-1252, etc.), checked strictly, and when header and
    meta disagree or a single-byte declared charset looks wrong, chosen with charset_normalizer among
    the candidates; last resort charset_normalizer's best guess, then UTF-8 with replacement.

    The encoding name is the WHATWG canonical name in lower case (``utf-8``, ``gb18030``,
    ``windows-1251``, ``utf-16le``...).
    """
    if not body:
        return "", "utf-8"
    for bom, name in _BOMS:
        if body.startswith(bom):
            return _clean(body[len(bom) :].decode(_CODECS[name], errors="replace")), name
    if not body.isascii():
        try:
            return _clean(body.decode("utf-8")), "utf-8"
        except UnicodeDecodeError:
            pass
    declared = _declared(body, content_type)
    if declared:
        chosen = _choose_declared(body, declared)
        if chosen is not None:
            return chosen
    if body.isascii() and b"\x1b" not in body:
        # Pure ASCII (and no ISO-2022 escapes): every ASCII-compatible encoding gives the same text.
        return _clean(body.decode("ascii")), "utf-8"
    if _mostly_utf8(body):
        return _clean(body.decode("utf-8", errors="replace")), "utf-8"
    guess = _best_guess(body)
    if guess is not None:
        return _clean(body.decode(_CODECS[guess], errors="replace")), guess
    return _clean(body.decode("utf-8", errors="replace")), "utf-8"


def _declared(body: bytes, content_type: str | None) -> list[_Candidate]:
    """The distinct encodings declared by the HTTP header and the document, header first."""
    found: list[_Candidate] = []
    if content_type:
        header = _HEADER_CHARSET.search(content_type)
        name = normalize_label(header[1]) if header else None
        if name:
            found.append(_Candidate(name, "header"))
    head = body[:_PRESCAN_BYTES]
    match = _XML_DECL.match(head) or _META_CHARSET.search(head)
    if match:
        name = normalize_label(match[1].decode("ascii"), from_meta=True)
        if name and all(c.name != name for c in found):
            found.append(_Candidate(name, "meta"))
    return found


def _choose_declared(body: bytes, declared: list[_Candidate]) -> tuple[str, str] | None:
    """Pick among the declared encodings, or ``None`` when none of them fits the bytes."""
    decoded: dict[str, str] = {}
    errors: dict[str, int] = {}
    for candidate in declared:
        if candidate.name in _UTF16 and b"\x00" not in body[:4096]:
            # UTF-16 markup is full of NUL bytes; without them the label is wrong (and decoding ASCII
            # as UTF-16 "succeeds" into CJK nonsense).
            decoded[candidate.name], errors[candidate.name] = "", len(body)
            continue
        try:
            decoded[candidate.name] = body.decode(_CODECS[candidate.name])
            errors[candidate.name] = 0
        except UnicodeDecodeError:
            text = body.decode(_CODECS[candidate.name], errors="replace")
            errors[candidate.name] = max(1, text.count("\ufffd") - body.count(b"\xef\xbf\xbd"))
            decoded[candidate.name] = text
    clean = [c.name for c in declared if errors[c.name] == 0]
    if len(clean) > 1 and len({decoded[name] for name in clean}) > 1:
        # Header and meta disagree and both decode, differently: let the statistics decide.
        name = _arbitrate(body, clean) or clean[0]
        return _clean(decoded[name]), name
    if clean:
        name = clean[0]
        if name in _SINGLE_BYTE and _looks_wrong(decoded[name], name):
            guess = _best_guess(body)
            if guess is not None and guess != name:
                name = _arbitrate(body, [name, guess]) or name
                if name not in decoded:
                    decoded[name] = body.decode(_CODECS[name], errors="replace")
        return _clean(decoded[name]), name
    # Nothing decodes cleanly. A page that is UTF-8 with a few broken sequences is still UTF-8; a
    # declared legacy encoding with a stray undefined byte or two is still right for the rest.
    if _mostly_utf8(body):
        return _clean(body.decode("utf-8", errors="replace")), "utf-8"
    non_ascii = len(body.translate(None, _ASCII_BYTES))
    best = min(declared, key=lambda c: errors[c.name]).name
    if errors[best] <= max(2, non_ascii // 200):
        return _clean(decoded[best]), best
    return None


def _looks_wrong(text: str, name: str) -> bool:
    """Whether a single-byte decode looks like mojibake (cheap checks before asking charset_normalizer)."""
    if _C1_CONTROLS.search(text):
        # C1 controls never appear in real text; they come from bytes of another encoding.
        return True
    # The first 100,000 characters are plenty of evidence and keep the check cheap on huge pages.
    words = [w for w in _WORDS.findall(text, 0, 100_000) if not w.isascii()]
    if len(words) < 5:
        return False
    # "Ïðèâåò" (Windows-1251 read as Latin-1): whole words of accented letters.
    if name in _LATIN_SINGLE_BYTE and sum(1 for w in words if all(ord(ch) > 0x7F for ch in w)) > 0.3 * len(words):
        return True
    # KOI8-R read as Windows-1251 (and the reverse) swaps the cases: lower-case text comes out in capitals
    # or as "пРИВЕТ".
    odd_case = sum(1 for w in words if w.isupper() or _odd_case(w))
    return odd_case > 0.5 * len(words)


def _odd_case(word: str) -> bool:
    """A lower-case letter followed by an upper-case one ("пРИВЕТ", "ðÒÉ×ÅÔ")."""
    return any(a.islower() and b.isupper() for a, b in itertools.pairwise(word))


def _mostly_utf8(body: bytes) -> bool:
    """UTF-8 with a few broken sequences (a truncated character, one stray Latin-1 byte)."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - text.count("\ufffd")
    return good >= 10 and bad * 20 <= good


def _best_guess(body: bytes) -> str | None:
    """charset_normalizer's best guess, as a canonical name we can decode with."""
    best = charset_normalizer.from_bytes(body).best()
    return _canonical(best.encoding) if best is not None else None


def _arbitrate(body: bytes, names: list[str]) -> str | None:
    """Let charset_normalizer choose among candidate encodings (least "chaos", then most coherence)."""
    best = charset_normalizer.from_bytes(body, cp_isolation=[_CODECS[n] for n in names]).best()
    if best is None:
        return None
    name = _canonical(best.encoding)
    return name if name in names else None


def _codec_key(codec: str) -> str:
    return codecs.lookup(codec).name


#: Python codec (as ``codecs.lookup`` names it) → canonical name, for reading charset_normalizer's
#: answers (``cp1251``, ``koi8_r``, ``latin_1``...). Latin-1 and ASCII answers mean windows-1252, as
#: those labels do in declarations.
_FROM_CODEC: dict[str, str] = {
    **{_codec_key(codec): name for name, codec in reversed(_CODECS.items()) if name != "iso-8859-8-i"},
    _codec_key("latin-1"): "windows-1252",
    _codec_key("ascii"): "windows-1252",
}


@lru_cache(maxsize=256)
def _canonical(python_codec: str) -> str | None:
    """Canonical name for a Python codec name, or ``None`` for encodings we do not handle (cp1125...)."""
    try:
        key = _codec_key(python_codec)
    except LookupError:
        return None
    return _FROM_CODEC.get(key) or normalize_label(python_codec.replace("_", "-"))


def _clean(text: str) -> str:
    """Make decoded text safe for every later stage (lxml, PostgreSQL, Elasticsearch)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    # One search first: most pages are clean, and a search does not copy a large string.
    if _SUSPECT.search(text):
        text = _SURROGATES.sub("\ufffd", _DISALLOWED.sub("", text))
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text
