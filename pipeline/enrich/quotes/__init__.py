"""Quotes and reported speech in news documents, with their speakers (issue 14).

* :class:`Quote`: one quoted passage or reported statement, its speaker as written and as a speakers-file id,
  its place in the text, and whether it is only a word or two (a scare quote);
* :func:`extract_quotes`: the stage function, pure and total.

How quotes are found and attributed: :mod:`pipeline.enrich.quotes.marks` (quote marks and sentences),
:mod:`pipeline.enrich.quotes.speech` (speech verbs and speakers in English and Russian),
:mod:`pipeline.enrich.quotes.chinese` (the same in Chinese),
:mod:`pipeline.enrich.quotes.extractor` (the document: continuations and pronouns), and docs/coverage.md.
"""

from __future__ import annotations

from pipeline.enrich.quotes.extractor import extract_quotes
from pipeline.enrich.quotes.model import PARAGRAPH_BREAK, Quote, QuoteKind

__all__ = ["PARAGRAPH_BREAK", "Quote", "QuoteKind", "extract_quotes"]
