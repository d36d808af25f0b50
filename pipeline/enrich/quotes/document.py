"""What a document has named so far (:class:`Document`): the speakers a pronoun ("she", "он", "他") or a definite
role ("the spokesman", "дипломат") may refer back to, and the surnames of the people it names in full; read by
:mod:`pipeline.enrich.quotes.extractor` as it goes through a document."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from pipeline.enrich.quotes.lexicon import ROLE_WORDS
from pipeline.enrich.speakers import SpeakerDirectory, label_key, same_surname

_NAME_WORD = re.compile(r"[^\W\d_][\w’'-]*|[^\w\s]")
_ROLE_HEADS = frozenset(
    {"spokesman", "spokeswoman", "spokesperson", "diplomat", "дипломат", "дипломата", "представитель", "发言人"}
)
_FEMALE = frozenset({"she", "her", "ms", "mrs", "miss", "madam", "spokeswoman", "она", "её", "ее", "госпожа", "她"})
_MALE = frozenset({"he", "his", "him", "mr", "sir", "spokesman", "он", "его", "господин", "他"})


@dataclass
class Named:
    """A speaker named in the text so far: what a pronoun may refer to."""

    paragraph: int
    name: str
    speaker_id: str | None
    #: "female" or "male" when the speakers file or a title ("Ms", "spokeswoman") tells, else None.
    gender: str | None = None


@dataclass
class Document:
    """One document being read: its text and language, the speakers file, and who it has named so far."""

    text: str
    language: str
    directory: SpeakerDirectory
    mentioned: set[str] = field(default_factory=set)
    #: The listed speaker each paragraph names, if any (one look-up per paragraph; sentences are read only
    #: in paragraphs that name one).
    paragraph_mentions: list[str | None] = field(default_factory=list)
    named: list[Named] = field(default_factory=list)
    _surnames: set[str] | None = None

    def speaker_id(self, phrase: str) -> str | None:
        """The directory id of a speaker phrase; a surname ("Wang") or an inflected one ("Лаврова") names a
        listed person the document names in full elsewhere."""
        found = self.directory.speaker(phrase) or self.directory.speaker_in(phrase, surnames=True)
        if found is not None:
            return found
        words = label_key(phrase).split()
        if not words:
            return None
        last = words[-1]
        if last in ROLE_WORDS:
            return None  # "Marisca's environment minister" is no surname, whatever title a listed name holds
        candidates = {
            speaker.id
            for speaker in self.directory.speakers
            if speaker.id in self.mentioned
            for name in speaker.names
            for word in label_key(name).split()
            if word not in ROLE_WORDS and same_surname(last, word)
        }
        return candidates.pop() if len(candidates) == 1 else None

    def surnames(self) -> set[str]:
        """Capitalised words that follow another capitalised word in the text: the surnames of the people it
        names in full ("Piet Marsman")."""
        if self._surnames is None:
            words = _NAME_WORD.findall(self.text)
            self._surnames = {b for a, b in pairwise(words) if a[:1].isupper() and b[:1].isupper()}
        return self._surnames

    def note(self, named: Named) -> None:
        """Remember a named speaker; a mention of the same one in the same paragraph adds nothing."""
        if named.gender is None:
            named.gender = self.directory.gender_of(named.speaker_id) or title_gender(named.name)
        last = self.named[-1] if self.named else None
        same = (
            last is not None
            and last.paragraph == named.paragraph
            and (last.name == named.name or (last.speaker_id is not None and last.speaker_id == named.speaker_id))
        )
        if not same:
            self.named.append(named)

    def resolve_pronoun(self, paragraph: int, gender: str | None = None) -> Named | None:
        """The speaker a pronoun or a role in ``paragraph`` refers to: the last named in it or the two paragraphs
        before, passing over those of the other gender when the pronoun has one ("she" skips a man the
        speakers file or a title makes one, not a person of unknown gender)."""
        for named in reversed(self.named):
            if named.paragraph < paragraph - 2:
                break
            if named.paragraph <= paragraph and (gender is None or named.gender in (gender, None)):
                return named
        return None


def title_gender(phrase: str) -> str | None:
    """The gender a speaker phrase's title or pronoun tells: "Ms Zakharova", "the spokeswoman", "she", "её"."""
    words = set(label_key(phrase).split())
    if words & _FEMALE:
        return "female"
    if words & _MALE:
        return "male"
    return None


def role_reference(phrase: str) -> bool:
    """A definite role that refers back ("the spokesman", "the Chinese spokesman", "дипломат"), not a new
    person ("a spokesperson for the embassy")."""
    words = label_key(phrase).split()
    if not words or words[0] in ("a", "an", "one") or len(words) > 3:
        return False
    return words[-1] in _ROLE_HEADS and (words[0] == "the" or not phrase.isascii())
