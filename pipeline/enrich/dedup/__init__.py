"""Near-duplicates: shingled MinHash signatures and their LSH band keys, so that syndicated copies fold together.

A document's text (not its headline: a syndicated copy often gets a new one) is normalised the way the
matchers read it (:mod:`pipeline.enrich.text`: NFKC, case-folded, Latin diacritics stripped, punctuation
dropped) and cut into tokens: words of spaced scripts, single characters of unspaced ones (Chinese,
Japanese, Korean). Consecutive tokens make shingles: 5 words, or 4 characters when unspaced characters are
most of the text. A MinHash signature of the shingle set (datasketch, 128 permutations) estimates the
Jaccard similarity of two documents' shingle sets; copies with another lead paragraph, headline or
dateline, or a paragraph more or less, keep most of their shingles, while two stories on the same event
share few runs of five words even when they quote the same sentence; a translation shares none.

The signature is cut into bands (datasketch's :class:`~datasketch.MinHashLSH` chooses how many for
:data:`BAND_THRESHOLD`, weighing missed candidates heavily: :data:`BAND_WEIGHTS`); each band hashes to a
key. Two documents whose Jaccard similarity is at least the band threshold share a key with high
probability, and unrelated ones almost never, so the catalog looks a new document's keys up in an index
(:mod:`pipeline.store.duplicates`) and compares its signature only with the few documents found there.
The configured threshold (``READOUT_DUPLICATE_THRESHOLD``, :data:`DEFAULT_THRESHOLD`) then decides on the
estimated similarity; it may not be below the band threshold, or the candidates would miss pairs it
accepts. :mod:`pipeline.enrich.dedup.evaluate` scores it all on the labelled set.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
from datasketch import MinHash, MinHashLSH

from pipeline.config import DEFAULT_DUPLICATE_THRESHOLD, DUPLICATE_BAND_THRESHOLD
from pipeline.enrich.text import UNSPACED_CHARS, default_normaliser, prepare

#: Permutations per signature: the estimate's standard error is about 0.04 at similarity 0.5.
NUM_PERM = 128
#: Words per shingle in spaced scripts.
WORD_SHINGLE = 5
#: Characters per shingle in unspaced scripts (a Chinese word is one to four characters).
CHAR_SHINGLE = 4
#: A text with fewer distinct shingles is too short to tell a copy from a stock phrase: it is never clustered.
MIN_SHINGLES = 12
#: The similarity the bands are laid out for: pairs at or above it share a band key with high probability.
BAND_THRESHOLD = DUPLICATE_BAND_THRESHOLD
#: How datasketch weighs false candidates against missed ones when it lays the bands out. A false candidate
#: costs one signature comparison; a missed one is a copy never folded. With these weights 128 permutations
#: make 42 bands of 3 rows: a pair at similarity 0.4 shares a key with probability 0.94, at 0.5 0.996, and
#: an unrelated pair (0.03) 0.001.
BAND_WEIGHTS = (0.1, 0.9)
#: The default decision threshold on the estimated Jaccard similarity, chosen on the ``tune`` part of the
#: labelled set (tests/fixtures/coverage/duplicates; ``make eval-dedup``).
DEFAULT_THRESHOLD = DEFAULT_DUPLICATE_THRESHOLD
#: datasketch's hashing scheme (32-bit affine permutations: signatures fit four bytes a value).
MINHASH_SCHEME = "affine32"
#: Names the signature scheme: signatures and band keys of another scheme are never compared with these.
SCHEME_VERSION = 1

_TOKEN = re.compile(rf"[^\W_{UNSPACED_CHARS}]+|[{UNSPACED_CHARS}]")
_UNSPACED = re.compile(f"[{UNSPACED_CHARS}]")


@dataclass(frozen=True)
class Fingerprint:
    """A document's MinHash signature (:data:`NUM_PERM` unsigned 32-bit values, little-endian bytes), its band
    keys (one signed 64-bit key per band, in band order) and how many distinct shingles it summarises."""

    signature: bytes
    bands: tuple[int, ...]
    shingles: int


@dataclass(frozen=True)
class _Banding:
    bands: int
    rows: int
    scheme: str


@cache
def _banding() -> _Banding:
    lsh = MinHashLSH(threshold=BAND_THRESHOLD, num_perm=NUM_PERM, weights=BAND_WEIGHTS)
    scheme = f"mh{NUM_PERM}-w{WORD_SHINGLE}c{CHAR_SHINGLE}-b{lsh.b}r{lsh.r}-v{SCHEME_VERSION}"
    return _Banding(bands=lsh.b, rows=lsh.r, scheme=scheme)


@cache
def _template() -> MinHash:
    # Drawing the permutations costs more than hashing a short article: draw them once per process.
    return MinHash(num_perm=NUM_PERM, seed=1, scheme=MINHASH_SCHEME)


def scheme() -> str:
    """The signature scheme's name (permutations, shingle sizes, banding, version), stored with each signature."""
    return _banding().scheme


def tokens(text: str) -> list[str]:
    """The normalised tokens of ``text``: folded words of spaced scripts, single characters of unspaced ones."""
    fold = default_normaliser().fold
    return [fold(match.group()) for match in _TOKEN.finditer(prepare(text))]


def shingles(text: str) -> set[bytes]:
    """The distinct shingles of ``text``: runs of :data:`WORD_SHINGLE` words, or of :data:`CHAR_SHINGLE` tokens
    when unspaced characters are most of it."""
    found = tokens(text)
    unspaced = sum(1 for token in found if len(token) == 1 and _UNSPACED.match(token))
    size = CHAR_SHINGLE if unspaced * 2 > len(found) else WORD_SHINGLE
    if len(found) <= size:
        return {"\x1f".join(found).encode()} if found else set()
    return {"\x1f".join(found[start : start + size]).encode() for start in range(len(found) - size + 1)}


def fingerprint(text: str) -> Fingerprint | None:
    """The fingerprint of a document's text; None when it has fewer than :data:`MIN_SHINGLES` shingles."""
    found = shingles(text)
    if len(found) < MIN_SHINGLES:
        return None
    template = _template()
    minhash = MinHash(num_perm=NUM_PERM, permutations=template.permutations, scheme=MINHASH_SCHEME)
    minhash.update_batch(sorted(found))
    values = np.asarray(minhash.hashvalues, dtype="<u4")
    return Fingerprint(signature=values.tobytes(), bands=band_keys(values), shingles=len(found))


def band_keys(values: np.ndarray) -> tuple[int, ...]:
    """One key per band of a signature: a 64-bit hash of the band's number and its rows."""
    banding = _banding()
    keys: list[int] = []
    for band in range(banding.bands):
        rows = values[band * banding.rows : (band + 1) * banding.rows].tobytes()
        digest = hashlib.blake2b(band.to_bytes(2, "big") + rows, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return tuple(keys)


def similarity(first: bytes, second: bytes) -> float:
    """The estimated Jaccard similarity of two signatures: the share of permutations whose minimum agrees."""
    a = np.frombuffer(first, dtype="<u4")
    b = np.frombuffer(second, dtype="<u4")
    if a.shape != b.shape or not a.size:
        return 0.0
    return float(np.count_nonzero(a == b)) / a.size


def is_duplicate(first: Fingerprint | None, second: Fingerprint | None, threshold: float) -> bool:
    """The catalog's decision for one pair: they share a band key (so the lookup finds one from the other) and
    their estimated similarity reaches ``threshold``."""
    if first is None or second is None or not set(first.bands) & set(second.bands):
        return False
    return similarity(first.signature, second.signature) >= threshold
