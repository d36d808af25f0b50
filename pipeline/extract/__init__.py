"""The extract stage: page bytes → clean text and metadata (:class:`~pipeline.models.ExtractedDocument`).

* :func:`decode_html` — bytes → valid, NFC-normalised text, whatever the page's encoding or its claims;
* :func:`extract` — trafilatura with metadata, per-source rules (body/title/date selectors, date pattern,
  boilerplate lines), dates from the strongest plausible evidence, in UTC;
* :data:`EXTRACTOR_VERSION` — stored with each document; bumped whenever extraction behaviour changes.
"""

from typing import TYPE_CHECKING, Any

from pipeline.extract.encoding import decode_html
from pipeline.extract.text import PARAGRAPH_SEPARATOR

if TYPE_CHECKING:
    from pipeline.extract.html import EXTRACTOR_VERSION, MIN_TEXT_CHARS, extract

__all__ = ["EXTRACTOR_VERSION", "MIN_TEXT_CHARS", "PARAGRAPH_SEPARATOR", "decode_html", "extract"]

#: Names whose module imports trafilatura (about a second of CPU): loaded on first use, so that a command
#: that only decodes pages (discovery parsing listings) or finds nothing new does not pay for it.
_FROM_HTML = frozenset({"EXTRACTOR_VERSION", "MIN_TEXT_CHARS", "extract"})


def __getattr__(name: str) -> Any:
    if name in _FROM_HTML:
        from pipeline.extract import html

        return getattr(html, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
