"""Key phrases: the few phrases that best sum up a document, found without training (YAKE's method).

For spaced scripts, candidates are runs of one to three words inside a sentence that neither start
nor end with a stopword. Each word is scored on YAKE's statistics (Campos et al., 2020): casing,
position of first sentences, frequency, how many different words surround it (a word that goes with
everything is a function word), and the share of sentences it appears in; a phrase's score combines
its words' and its own frequency, lower is better. Near-duplicates (same words up to inflection) are
shown once, in their most frequent spelling. Chinese has no spaces, so it is segmented with jieba and
ranked with jieba's TF-IDF (its inverse document frequencies ship in the package).
"""

from __future__ import annotations

import logging
import math
import re
import statistics
import threading
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from pipeline.enrich.text import Normaliser

#: Folder of stopword lists, one ``<language>.txt`` per language (one word per line, ``#`` comments).
STOPWORDS_DIR = Path(__file__).with_name("stopwords")


def _read_stopwords() -> dict[str, frozenset[str]]:
    lists = {}
    for path in sorted(STOPWORDS_DIR.glob("*.txt")):
        lines = path.read_text("utf-8").splitlines()
        lists[path.stem] = frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    return lists


#: Function words of the languages we read most; a phrase may contain but not start or end with them.
STOPWORDS: dict[str, frozenset[str]] = _read_stopwords()
#: Key phrases kept per document.
COUNT = 8
#: Longest phrase, in words.
MAX_WORDS = 3
#: Tokens read per document: key phrases come from the first paragraphs, which say what a text is about
#: (YAKE weighs early sentences most anyway), and this keeps long pages cheap.
MAX_TOKENS = 400

_SENTENCES = re.compile(r"(?<=[.!?;:])\s+|\n+")
_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|[^\w\s]", re.UNICODE)


class KeyPhraseExtractor:
    """Key phrases for a document in a given language."""

    def __init__(self, normaliser: Normaliser) -> None:
        self.normaliser = normaliser
        self._jieba: Any = None
        self._stop_cache: dict[frozenset[str], frozenset[str]] = {}
        self._lock = threading.Lock()

    def extract(self, text: str, language: str | None, count: int = COUNT) -> list[str]:
        """Up to ``count`` key phrases of ``text``, best first."""
        if language == "zh":
            return self._chinese(text, count)
        if language in ("ja", "ko"):
            return []  # no segmenter for these yet
        return self._yake(text, STOPWORDS.get(language or "", frozenset()), count)

    def _stop_keys(self, stopwords: frozenset[str]) -> frozenset[str]:
        """The stopwords' normalised forms, so that inflected stopwords ("заявила") count as stopwords."""
        keys = self._stop_cache.get(stopwords)
        if keys is None:
            keys = frozenset(self.normaliser.key(word) for word in stopwords)
            self._stop_cache[stopwords] = keys
        return keys

    def _chinese(self, text: str, count: int) -> list[str]:
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    import jieba
                    import jieba.analyse

                    jieba.setLogLevel(logging.WARNING)
                    self._jieba = jieba.analyse
        tags = self._jieba.extract_tags(text[: MAX_TOKENS * 2], topK=count * 2)
        # Single characters and numbers say little on their own.
        return [tag for tag in tags if len(tag) > 1 and not tag.isdigit()][:count]

    def _yake(self, text: str, stopwords: frozenset[str], count: int) -> list[str]:
        key = self.normaliser.key
        stop_keys = self._stop_keys(stopwords)
        # Per sentence: (surface, key or None for punctuation, is a stopword) for each token.
        sentences: list[list[tuple[str, str | None, bool]]] = []
        stops: dict[str, bool] = {}
        used = 0
        for chunk in _SENTENCES.split(text):
            tokens: list[tuple[str, str | None, bool]] = []
            for token in _TOKEN.findall(chunk):
                if not token[0].isalnum():
                    tokens.append((token, None, True))
                    continue
                stop = stops.get(token)
                if stop is None:
                    low = token.casefold()
                    stop = low in stopwords or len(low) < 2 or low.isdigit() or key(token) in stop_keys
                    stops[token] = stop
                tokens.append((token, key(token), stop))
            if tokens:
                sentences.append(tokens)
                used += len(tokens)
            if used >= MAX_TOKENS:
                break
        if not sentences:
            return []

        # Word statistics, keyed by the normalised word.
        tf: Counter[str] = Counter()
        upper: Counter[str] = Counter()
        acronym: Counter[str] = Counter()
        positions: dict[str, list[int]] = defaultdict(list)
        # Distinct neighbours and all neighbour occurrences, on each side (YAKE's relatedness to context).
        left: dict[str, set[str]] = defaultdict(set)
        right: dict[str, set[str]] = defaultdict(set)
        left_total: Counter[str] = Counter()
        right_total: Counter[str] = Counter()
        for number, tokens in enumerate(sentences):
            keys = [word_key for _, word_key, _ in tokens]
            for index, (token, word_key, _) in enumerate(tokens):
                if word_key is None:
                    continue
                tf[word_key] += 1
                positions[word_key].append(number)
                if token.isupper() and len(token) > 1:
                    acronym[word_key] += 1
                elif token[0].isupper() and index > 0:
                    upper[word_key] += 1
                for offset in (1, 2):
                    if index >= offset and (neighbour := keys[index - offset]):
                        left[word_key].add(neighbour)
                        left_total[word_key] += 1
                    if index + offset < len(keys) and (neighbour := keys[index + offset]):
                        right[word_key].add(neighbour)
                        right_total[word_key] += 1
        counts = list(tf.values())
        if not counts:
            return []  # punctuation only: nothing to say
        mean = statistics.fmean(counts)
        spread = statistics.pstdev(counts) if len(counts) > 1 else 0.0
        most = max(counts)
        word_score: dict[str, float] = {}
        for word_key, frequency in tf.items():
            casing = max(upper[word_key], acronym[word_key]) / (1 + math.log(frequency))
            seen_in = positions[word_key]
            position = math.log(math.log(3 + (seen_in[(len(seen_in) - 1) // 2] + seen_in[len(seen_in) // 2]) / 2))
            relative = frequency / (mean + spread)
            ratio = (len(left[word_key]) / left_total[word_key] if left_total[word_key] else 0.0) + (
                len(right[word_key]) / right_total[word_key] if right_total[word_key] else 0.0
            )
            relatedness = 1 + ratio * frequency / most
            spread_in_text = len(set(seen_in)) / len(sentences)
            word_score[word_key] = (
                relatedness * position / (casing + relative / relatedness + spread_in_text / relatedness)
            )

        # Candidate phrases: one to MAX_WORDS words, no punctuation inside, no stopword at either end.
        phrase_tf: Counter[tuple[str, ...]] = Counter()
        spellings: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
        for tokens in sentences:
            for start, (_, first_key, first_stop) in enumerate(tokens):
                if first_key is None or first_stop:
                    continue
                for length in range(1, MAX_WORDS + 1):
                    end = start + length
                    if end > len(tokens) or tokens[end - 1][1] is None:
                        break
                    if tokens[end - 1][2]:
                        continue
                    words = tokens[start:end]
                    phrase = tuple(word_key for _, word_key, _ in words if word_key)
                    phrase_tf[phrase] += 1
                    spellings[phrase][" ".join(surface for surface, _, _ in words)] += 1
        scored: list[tuple[float, tuple[str, ...]]] = []
        for phrase, frequency in phrase_tf.items():
            product, total = 1.0, 0.0
            for part in phrase:
                value = word_score.get(part, 1.0)
                product *= value
                total += value
            scored.append((product / (frequency * (1 + total)), phrase))
        # Phrases seen twice or more come first: on short texts YAKE's scores alone favour whatever the
        # first sentence says once. Single-occurrence phrases fill up, at most two words long.
        scored.sort(key=lambda item: (phrase_tf[item[1]] < 2, item[0]))
        chosen: list[tuple[str, ...]] = []
        for _, phrase in scored:
            if phrase_tf[phrase] < 2 and len(phrase) > 2:
                continue
            if any(set(phrase) <= set(other) or set(other) <= set(phrase) for other in chosen):
                continue  # the same idea, shorter or longer
            chosen.append(phrase)
            if len(chosen) == count:
                break
        return [spellings[phrase].most_common(1)[0][0] for phrase in chosen]
