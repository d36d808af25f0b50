"""What quote extraction gives: :class:`Quote`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

QuoteKind = Literal["direct", "reported"]
#: What joins the parts of a direct quote that runs over several paragraphs, in :attr:`Quote.text`.
PARAGRAPH_BREAK = "\n\n"


@dataclass(frozen=True, slots=True)
class Quote:
    """A quoted passage (``direct``: the characters inside its quote marks) or reported speech (``reported``:
    the clause a speech verb reports, "Wang said *the US should ...*").

    ``speaker`` is who the text attributes it to, as written ("Foreign Ministry spokesperson Wang Wenbin", "the
    Kremlin", "汪文斌"; a pronoun is replaced by the speaker it refers to), None when the text names nobody;
    ``speaker_id`` the speakers-file id when the directory resolves the speaker. ``paragraph`` is the index of
    the (non-blank) paragraph the quote starts in; ``start``..``end`` its characters in the whole text (a quote
    over several paragraphs spans them, re-opening marks included, while ``text`` joins its parts with a blank
    line). ``short`` marks one or two words (four characters in Chinese): scare quotes, terms and names, not
    statements. ``context`` is the reported clause a direct quote stands in when it quotes only some of its
    words (`Britain would “never recognise” the vote`, as written, marks included), else None: the clause says
    which sentence of an answer the quoted words are checked against; ``context_start`` where it starts in the
    whole text.
    """

    text: str
    kind: QuoteKind
    speaker: str | None
    speaker_id: str | None
    paragraph: int
    start: int
    end: int
    short: bool
    context: str | None = None
    context_start: int | None = None


@dataclass(frozen=True, slots=True)
class Attribution:
    """A speech verb of a sentence with its speaker; offsets are within the sentence."""

    speaker: str
    #: Whether the speaker refers back ("he", "她", or nothing at all: "又称", "..., saying"): the extractor
    #: resolves it to the speaker last named.
    pronoun: bool
    verb: int
    #: The reported content (start, end), when the sentence reports speech without quoting it.
    content: tuple[int, int] | None
    #: Whether it attributes a question ("a reporter asked", "asked by a reporter", "на вопрос журналиста").
    question: bool = False
