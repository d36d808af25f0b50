"""Language detection: the text decides, the page's declared language is only a hint.

The writing system settles most cases at once (Han characters without kana are Chinese, kana Japanese,
Hangul Korean). Within a script shared by many languages (Latin, Cyrillic, Arabic, Devanagari), the
py3langid model, which ships inside its package (no download at run time), ranks the languages of
that script on the letters of that script only, so that a Chinese quote in an English article does
not confuse it. When the model is unsure (short text, close call) and the declared language is one
of the script's languages, the declared language wins, and the result says so.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Literal

#: Languages the model may answer per script: the languages of sites worth following, which also keeps
#: it from answering rare languages on short texts.
SCRIPT_LANGUAGES: dict[str, tuple[str, ...]] = {
    "latin": (
        "en",
        "fr",
        "es",
        "de",
        "pt",
        "it",
        "nl",
        "sv",
        "no",
        "da",
        "fi",
        "pl",
        "cs",
        "sk",
        "sl",
        "hr",
        "bs",
        "ro",
        "hu",
        "tr",
        "id",
        "ms",
        "vi",
        "tl",
        "sw",
        "et",
        "lv",
        "lt",
        "sq",
        "az",
        "ca",
        "eu",
        "gl",
        "is",
        "ga",
        "mt",
        "af",
        "uz",
    ),
    "cyrillic": ("ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn"),
    "arabic": ("ar", "fa", "ur", "ps"),
    "devanagari": ("hi", "mr", "ne"),
}
#: Scripts that name their language outright.
SCRIPT_ONLY: dict[str, str] = {
    "hangul": "ko",
    "greek": "el",
    "hebrew": "he",
    "thai": "th",
    "georgian": "ka",
    "armenian": "hy",
}
#: Scripts without spaces, where one character carries about a word.
LOGOGRAPHIC = ("han", "kana", "hangul")
#: Below this share of the script's probability the model's answer is a guess.
SURE = 0.6
#: Fewer letters than this and the model is not asked when a plausible declared language exists.
SHORT = 24
#: Enough text to decide: longer texts are read up to here.
SAMPLE = 2000
#: Characters the model reads: plenty for a language, and its cost grows with the text.
MODEL_SAMPLE = 600

Method = Literal["script", "model", "declared", "none"]


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """A detected language: ISO 639-1 code (or None), confidence 0–1, and how it was decided."""

    code: str | None
    confidence: float
    method: Method
    declared: str | None = None


#: Letters of each script, as regex classes: counting with the regex engine is far cheaper than a Python
#: loop over characters. Latin is what is left of the letters once the others are counted.
SCRIPTS: dict[str, str] = {
    "han": "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
    "kana": "\u3040-\u30ff",
    "hangul": "\uac00-\ud7af\u1100-\u11ff",
    "cyrillic": "\u0400-\u04ff",
    "arabic": "\u0600-\u06ff",
    "devanagari": "\u0900-\u097f",
    "greek": "\u0370-\u03ff",
    "hebrew": "\u0590-\u05ff",
    "thai": "\u0e00-\u0e7f",
    "georgian": "\u10a0-\u10ff",
    "armenian": "\u0530-\u058f",
}
_SCRIPT_RES = {script: re.compile(f"[{chars}]") for script, chars in SCRIPTS.items()}
_LATIN = re.compile("[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
#: Everything but the letters of one script, to blank out before the model reads it.
_OTHER_THAN = {script: re.compile(f"[^{chars}\\s\\W\\d]") for script, chars in SCRIPTS.items()} | {
    "latin": re.compile("[^A-Za-z\u00c0-\u024f\u1e00-\u1eff\\s\\W\\d]")
}


def _scripts(sample: str) -> dict[str, int]:
    """Letters per script in ``sample`` (scripts with none are left out)."""
    counts = {script: len(pattern.findall(sample)) for script, pattern in _SCRIPT_RES.items()}
    counts["latin"] = len(_LATIN.findall(sample))
    return {script: count for script, count in counts.items() if count}


def base_language(declared: str | None) -> str | None:
    """The base language of a declared tag ("en-US" → "en", "zh-Hans-CN" → "zh")."""
    if not declared:
        return None
    base = declared.strip().replace("_", "-").split("-")[0].lower()
    return base if 2 <= len(base) <= 3 and base.isalpha() else None


class LanguageDetector:
    """Detects the language of texts (the model loads once, on first use, and is shared by threads)."""

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def _identifier(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from py3langid.langid import MODEL_FILE, LanguageIdentifier

                    self._model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return self._model

    def detect(self, text: str, declared: str | None = None) -> LanguageGuess:
        """The language of ``text``; ``declared`` (the page's lang attribute or the source's language) is a
        hint used when the text cannot decide."""
        hint = base_language(declared)
        sample = text[:SAMPLE]
        scripts = _scripts(sample)
        if not scripts:
            return LanguageGuess(hint, 0.0, "declared" if hint else "none", declared)
        # A Han character carries about a word: weigh it like a few letters of an alphabet.
        weights = {script: count * (3 if script in LOGOGRAPHIC else 1) for script, count in scripts.items()}
        total = sum(weights.values())
        script, weight = max(weights.items(), key=lambda item: item[1])
        share = weight / total
        if script in ("han", "kana"):
            kana = scripts.get("kana", 0)
            code = "ja" if kana >= 0.1 * (kana + scripts.get("han", 0)) else "zh"
            if code == "zh" and hint in ("zh", "ja") and scripts.get("han", 0) < SHORT:
                code = hint  # a few kanji alone cannot tell Chinese from Japanese
            share = (weights.get("han", 0) + weights.get("kana", 0)) / total
            return LanguageGuess(code, round(share, 3), "script", declared)
        if script in SCRIPT_ONLY:
            return LanguageGuess(SCRIPT_ONLY[script], round(share, 3), "script", declared)
        candidates = SCRIPT_LANGUAGES.get(script)
        if candidates is None:
            return LanguageGuess(hint, 0.0, "declared" if hint else "none", declared)
        letters = _OTHER_THAN[script].sub(" ", sample)
        if hint in candidates and scripts[script] < SHORT:
            return LanguageGuess(hint, 0.0, "declared", declared)
        ranked = [(code, prob) for code, prob in self._identifier().rank(letters[:MODEL_SAMPLE]) if code in candidates]
        mass = sum(prob for _, prob in ranked) or 1.0
        best, prob = ranked[0] if ranked else (candidates[0], 0.0)
        confidence = prob / mass
        if confidence < SURE and hint in candidates and hint != best:
            return LanguageGuess(hint, round(confidence, 3), "declared", declared)
        return LanguageGuess(best, round(confidence, 3), "model", declared)


_detector = LanguageDetector()


def detect_language(text: str, declared: str | None = None) -> LanguageGuess:
    """The language of ``text`` with the process-wide detector (see :class:`LanguageDetector`)."""
    return _detector.detect(text, declared)
