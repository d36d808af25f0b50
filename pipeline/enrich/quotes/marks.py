"""Quote marks and sentences: where the quoted passages of a text are, and where its sentences end.

:func:`quoted_spans` pairs the marks of every convention news text uses: straight and curly double quotes,
single quotes (told apart from apostrophes: "China's", "don't", "the '90s", "students' groups"), guillemets
« », German and Russian „ “, Chinese and Japanese 「」『』. Only the outermost pair of nested quotes is a
passage. A quote left open at the end of a paragraph continues when the next paragraph re-opens it with the
same mark (the English convention for a quotation over several paragraphs); otherwise it is dropped, since
an unbalanced mark says nothing reliable about where a quotation ends.

:func:`sentences` cuts a paragraph into sentences without cutting inside a quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Mark characters, and what closes each opener.
_CLOSERS: dict[str, str] = {
    "“": "”",
    "„": "“”",
    "«": "»",
    "「": "」",
    "『": "』",
    '"': '"',
    "‘": "’",
    "'": "'",
}
_DOUBLE_OPENERS = frozenset('“„«「『"')
_MARKS = re.compile("[\"'“”„«»「」『』‘’]")
_MAX_DEPTH = 8
_OPENING_CONTEXT = frozenset(" \t\n([{—–-/:")


@dataclass(frozen=True, slots=True)
class Span:
    """A quoted passage: the characters inside its marks (``start``..``end`` in the whole text), in one piece
    per paragraph it runs over, and the index of the paragraph it starts in."""

    start: int
    end: int
    paragraph: int
    pieces: tuple[tuple[int, int], ...]
    #: Where the marks are, opening and closing included: the parts of the text a quote hides from attribution.
    outer: tuple[tuple[int, int], ...]


_BLANK_LINES = re.compile(r"(\n[ \t\r\f\v]*\n\s*)")


@dataclass
class _Open:
    mark: str
    position: int  # of the mark


def paragraphs(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each non-blank paragraph; paragraphs are separated by blank lines."""
    spans = []
    position = 0
    for chunk in _BLANK_LINES.split(text):
        if chunk and not chunk.isspace():
            stripped_start = position + (len(chunk) - len(chunk.lstrip()))
            stripped_end = position + len(chunk.rstrip())
            spans.append((stripped_start, stripped_end))
        position += len(chunk)
    return spans


def _is_apostrophe(text: str, index: int, start: int, end: int) -> bool:
    before = text[index - 1] if index > start else " "
    after = text[index + 1] if index + 1 < end else " "
    if before.isalnum() and after.isalnum():
        return True  # don't, China's, l'Élysée
    return after.isdigit() and not before.isalnum()  # the '90s


def quoted_spans(text: str, paragraph_spans: list[tuple[int, int]]) -> list[Span]:
    """The outermost quoted passages of ``text``, in order."""
    found: list[Span] = []
    carried: tuple[int, str, list[tuple[int, int]], list[tuple[int, int]]] | None = None
    for index, (start, end) in enumerate(paragraph_spans):
        stack: list[_Open] = []
        # (paragraph it started in, opening mark, pieces so far, outer spans so far) of a quote re-opened here.
        continuing = None
        if carried is not None and text.startswith(carried[1], start):
            continuing = carried
        carried = None
        for match in _MARKS.finditer(text, start, end):
            mark, at = match.group(), match.start()
            before = text[at - 1] if at > start else " "
            after = text[at + 1] if at + 1 < end else " "
            closing = next((i for i in range(len(stack) - 1, -1, -1) if mark in _CLOSERS[stack[i].mark]), None)
            if closing is None and len(stack) >= _MAX_DEPTH:
                continue  # runaway marks open nothing more (and keep the scan linear)
            if mark in "'’":
                if _is_apostrophe(text, at, start, end):
                    continue
                if closing is not None and not before.isspace():
                    pass  # closes the single quote below
                elif mark == "'" and before in _OPENING_CONTEXT and not after.isspace():
                    stack.append(_Open(mark, at))
                    continue
                else:
                    continue  # students' groups, a stray mark
            elif mark == '"' and closing is None:
                if not after.isspace():
                    stack.append(_Open(mark, at))
                continue
            elif mark == "‘":
                if not after.isdigit():
                    stack.append(_Open(mark, at))
                continue
            elif mark in _CLOSERS and (closing is None or (mark == "“" and stack[closing].mark != "„")):
                # An opener ("“" closes only a German/Russian „).
                stack.append(_Open(mark, at))
                continue
            if closing is None:
                continue  # a closing mark with nothing open
            opened = stack[closing]
            del stack[closing:]
            if stack:
                continue  # a nested quote: part of the outer one
            if opened.mark in "'‘" and at - opened.position <= 3:
                continue  # an elision between apostrophes: rock 'n' roll
            if continuing is not None and opened.position == start:
                first, _, pieces, outer = continuing
                pieces = [*pieces, (opened.position + 1, at)]
                outer = [*outer, (opened.position, at + 1)]
                continuing = None
                _add(found, text, first, pieces, outer)
            else:
                _add(found, text, index, [(opened.position + 1, at)], [(opened.position, at + 1)])
        if stack and stack[0].mark in _DOUBLE_OPENERS:
            opened = stack[0]
            if continuing is not None and opened.position == start:
                first, mark, pieces, outer = continuing
                carried = (first, mark, [*pieces, (start + 1, end)], [*outer, (start, end)])
            else:
                carried = (index, opened.mark, [(opened.position + 1, end)], [(opened.position, end)])
    return found


def _add(
    found: list[Span], text: str, paragraph: int, pieces: list[tuple[int, int]], outer: list[tuple[int, int]]
) -> None:
    trimmed = []
    for start, end in pieces:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        trimmed.append((start, end))
    if any(end > start for start, end in trimmed):
        found.append(Span(trimmed[0][0], trimmed[-1][1], paragraph, tuple(trimmed), tuple(outer)))


# Sentences ---------------------------------------------------------------------------------------------------

#: A character standing for a quoted passage (marks included) in the text attribution reads.
MASK = "\ue000"
_ABBREVIATIONS = frozenset(
    {
        *("mr", "mrs", "ms", "dr", "st", "jr", "sr", "gen", "col", "lt", "sgt", "rep", "sen", "gov", "prof", "no"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "vs", "etc", "inc"),
        *("co", "corp", "u.s", "u.k", "u.n", "e.u", "г", "гг", "т", "д", "др", "им", "ул", "н.э"),
    }
)
_TERMINATOR = re.compile(r"[.!?]+(?=[\s)\]\ue000]|$)|[。！？]+")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def sentences(masked: str, quote_ends: dict[int, str]) -> list[tuple[int, int]]:
    """The (start, end) of each sentence of one masked paragraph (quotes replaced by :data:`MASK`).

    ``quote_ends`` maps the position just after a quote's closing mark to the quoted text: a quote that ends
    with its own full stop ends the sentence when a capitalised word or another quote follows ("“We will
    inform you.” Russia's ..."), but not before its attribution ("“... rights?” a reporter asked").
    """
    cuts = []
    for match in _TERMINATOR.finditer(masked):
        if match.group()[0] == ".":
            word = _WORD_BEFORE.search(masked, max(0, match.start() - 40), match.start())
            # An abbreviation or an initial ("J. Smith"); a digit ends its sentence ("from November 6 to 8.").
            if word and (
                word.group(1).casefold() in _ABBREVIATIONS or (len(word.group(1)) == 1 and word.group(1).isalpha())
            ):
                continue
        cuts.append(match.end())
    for position, quoted in quote_ends.items():
        if quoted.rstrip()[-1:] in (".", "!", "?", "…"):
            following = masked[position : position + 64].lstrip()
            if not following or following[0].isupper() or following[0] == MASK:
                cuts.append(position)
    spans = []
    start = 0
    for cut in sorted(set(cuts)):
        if masked[start:cut].strip():
            spans.append((start, cut))
            start = cut
    if masked[start:].strip():
        spans.append((start, len(masked)))
    return [(s + len(masked[s:e]) - len(masked[s:e].lstrip()), e) for s, e in spans]
