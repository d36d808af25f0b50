"""The extract stage: page bytes → clean text and metadata (:class:`~pipeline.models.ExtractedDocument`).

* :func:`decode_html` — bytes → valid, NFC-normalised text, whatever the page's encoding or its claims;
* :func:`extract` — trafilatura with metadata, per-source rules (body/title/date selectors, date pattern,
  boilerplate lines), dates from the strongest plausible evidence, in UTC;
* :data:`EXTRACTOR_VERSION` — stored with each document; bumped whenever extraction behaviour changes.
"""

from pipeline.extract.encoding import decode_html
from pipeline.extract.html import EXTRACTOR_VERSION, MIN_TEXT_CHARS, extract
from pipeline.extract.text import PARAGRAPH_SEPARATOR

__all__ = ["EXTRACTOR_VERSION", "MIN_TEXT_CHARS", "PARAGRAPH_SEPARATOR", "decode_html", "extract"]
