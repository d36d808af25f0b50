"""A small evaluator of the ``_search`` query bodies Readout sends, as Elasticsearch 9 would run them.

No Elasticsearch can run here, so the tests evaluate our request bodies with the documented semantics
of each query and analyzer, over the documents' ``_source`` (what ``project_document`` produces), and
compare the documents found with the embedded index's. It is deliberately written apart from
``pipeline.index.analysis`` (which the embedded index uses), from the Elasticsearch pages:

* analyzers, looked up per field in the shipped component templates (``analyzer`` of each text field;
  a custom analyzer's ``type`` from whichever template defines it, built-in ``standard`` otherwise):
  - ``standard`` tokenizer (reference/text-analysis/analysis-standard-tokenizer): UAX #29 word
    boundaries, a segment with a letter or digit is a token, ``max_token_length`` 255;
  - ``standard`` analyzer (analysis-standard-analyzer): tokenizer + ``lowercase`` (stop words off);
  - ``english`` (analysis-lang-analyzer, "english analyzer"): ``stemmer`` ``possessive_english``,
    ``lowercase``, ``stop`` ``_english_``, ``stemmer`` ``english`` (Lucene ``PorterStemFilter``: Martin
    Porter's reference stemmer, not Snowball's ``porter``; :mod:`tests.esporter`);
  - ``russian`` (same page): ``lowercase``, ``stop`` ``_russian_``, ``stemmer`` ``russian`` (Snowball);
  - ``cjk`` (same page): ``cjk_width``, ``lowercase``, ``cjk_bigram``, ``stop`` (the CJK analyzer's
    ``stopwords.txt``: the English ones but ``an``, plus ``s``, ``t``, ``www``);
    analysis-cjk-bigram-tokenfilter: adjacent Han/Hiragana/Katakana/Hangul
    characters make overlapping bigrams, a lone one stays a unigram.
  Removed stop words leave a gap in positions (Lucene's ``StopFilter``), which phrases respect. The
  Russian stop words are not listed here: no query of the parity tests is one. Other analyzers raise.
* queries (reference/query-languages/query-dsl): ``bool`` (must/filter/should/must_not,
  ``minimum_should_match``; should is optional when must or filter is present), ``match_all``,
  ``multi_match`` (query-dsl-multi-match-query) of type ``phrase`` (a ``match_phrase`` per field, any
  field; a field whose analysis of the text is empty matches nothing: ``zero_terms_query`` none) and
  ``bool_prefix`` with ``operator: and`` (query-dsl-match-bool-prefix-query: per field, every token as a
  term, the last one as a ``prefix``),
  ``term``, ``terms``, ``range`` on a date with ``format: strict_date`` and on a number (``gt``, ``gte``,
  ``lt``, ``lte`` given as numbers; a document without the field does not match). Anything else
  raises: the evaluator never guesses. Scores, aggregations and highlights are not evaluated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import regex
import Stemmer

from tests.esporter import porter_stem

TEMPLATES = Path(__file__).resolve().parents[1] / "config" / "elasticsearch" / "component_templates"

_SEGMENTS = regex.compile(r"(?V1ws)\b.+?\b")
# The regex module keeps an apostrophe (or other MidLetter/MidNum character) before letters in their
# segment ("'abc"); UAX #29 breaks there (WB999), and so does Lucene: strip such a lead.
_LEAD = regex.compile(r"^[\p{WB=MidNumLet}\p{WB=Single_Quote}\p{WB=MidLetter}\p{WB=MidNum}]+")
_LETTER_OR_DIGIT = regex.compile(r"[\p{L}\p{Nd}]")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
# Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (the ``_english_`` stop words).
_ENGLISH_STOP = frozenset(
    (
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no",
        "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this",
        "to", "was", "will", "with",
    )
)  # fmt: skip
# Lucene's CJKAnalyzer stopwords.txt: not the English set (no "an"; "s", "t", "www" added).
_CJK_STOP = frozenset(
    (
        "a", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not",
        "of", "on", "or", "s", "such", "t", "that", "the", "their", "then", "there", "these", "they", "this",
        "to", "was", "will", "with", "www",
    )
)  # fmt: skip


@dataclass(frozen=True)
class Position:
    term: str
    position: int


def _standard_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for match in _SEGMENTS.finditer(text):
        segment = _LEAD.sub("", match.group())
        if _LETTER_OR_DIGIT.search(segment):
            tokens.extend(segment[i : i + 255] for i in range(0, len(segment), 255))
    return tokens


def _lower(term: str) -> str:
    return "".join(ch.lower()[0] for ch in term)


@cache
def _stemmer(name: str) -> Any:
    return Stemmer.Stemmer(name)


def analyze(text: str, analyzer: str) -> list[Position]:
    """Terms with their positions, as ``_analyze`` with that analyzer would list them."""
    tokens = _standard_tokens(text)
    if analyzer == "standard":
        return [Position(_lower(t), i) for i, t in enumerate(tokens)]
    if analyzer == "english":
        out = []
        for i, token in enumerate(tokens):
            if len(token) >= 2 and token[-1] in "sS" and token[-2] in "'\u2019\uff07":
                token = token[:-2]
            term = _lower(token)
            if term in _ENGLISH_STOP:
                continue
            out.append(Position(porter_stem(term), i))
        return out
    if analyzer == "russian":
        return [Position(_stemmer("russian").stemWord(_lower(t)), i) for i, t in enumerate(tokens)]
    if analyzer == "cjk":
        return _cjk(text)
    raise NotImplementedError(f"the evaluator does not implement the {analyzer!r} analyzer")


def _cjk(text: str) -> list[Position]:
    # Characters with their offsets, so that only characters adjacent in the text pair up.
    out: list[Position] = []
    position = 0
    run: list[tuple[str, int]] = []

    def flush() -> None:
        nonlocal position
        if len(run) == 1:
            out.append(Position(run[0][0], position))
            position += 1
        for (a, _), (b, _) in pairwise(run):
            out.append(Position(a + b, position))
            position += 1
        run.clear()

    for match in _SEGMENTS.finditer(text):
        lead = _LEAD.match(match.group())
        segment = match.group()[lead.end() if lead else 0 :]
        start = match.start() + (lead.end() if lead else 0)
        if not _LETTER_OR_DIGIT.search(segment):
            continue
        folded = "".join(
            chr(ord(ch) - 0xFEE0) if 0xFF01 <= ord(ch) <= 0xFF5E else ch for ch in segment
        )  # cjk_width (ASCII part)
        term = _lower(folded)
        if _CJK.match(term):
            if run and run[-1][1] + 1 != start:
                flush()
            run.extend((ch, start + i) for i, ch in enumerate(term))
            continue
        flush()
        if term not in _CJK_STOP:
            out.append(Position(term, position))
        position += 1
    flush()
    return out


@cache
def field_analyzers() -> dict[str, str]:
    """Text field → analyzer type, from the shipped component templates."""
    defined: dict[str, str] = {}
    fields: dict[str, str] = {}
    for path in sorted(TEMPLATES.glob("*.json")):
        template = json.loads(path.read_text("utf-8"))["template"]
        settings = template.get("settings", {})
        for analysis in (settings.get("analysis", {}), settings.get("index", {}).get("analysis", {})):
            for name, spec in analysis.get("analyzer", {}).items():
                defined[name] = spec["type"]
        for name, spec in template.get("mappings", {}).get("properties", {}).items():
            if spec.get("type") == "text":
                fields[name] = spec.get("analyzer", "standard")
    return {name: defined.get(analyzer, analyzer) for name, analyzer in fields.items()}


class Evaluator:
    """The documents (``_source`` objects keyed by their ``key`` field: ``doc_id``, ``turn_id``) and the
    queries run over them."""

    def __init__(self, sources: Iterable[Mapping[str, Any]], *, key: str = "doc_id") -> None:
        self.docs = {str(source[key]): source for source in sources}
        self._analyzed: dict[tuple[str, str], list[Position]] = {}

    @classmethod
    def by_id(cls, hits: Iterable[tuple[str, Mapping[str, Any]]]) -> Evaluator:
        """An evaluator over ``(_id, _source)`` pairs, keyed by ``_id`` (what a search hit is)."""
        evaluator = cls([])
        evaluator.docs = dict(hits)
        return evaluator

    def search(self, body: Mapping[str, Any]) -> set[str]:
        """The ids of the documents the body's ``query`` matches."""
        return {doc_id for doc_id in self.docs if self.matches(body.get("query", {"match_all": {}}), doc_id)}

    def matches(self, query: Mapping[str, Any], doc_id: str) -> bool:
        ((kind, spec),) = query.items()
        handler = getattr(self, f"_q_{kind}", None)
        if handler is None:
            raise NotImplementedError(f"the evaluator does not implement the {kind!r} query")
        return bool(handler(spec, doc_id))

    def _q_match_all(self, _spec: Mapping[str, Any], _doc_id: str) -> bool:
        return True

    def _q_bool(self, spec: Mapping[str, Any], doc_id: str) -> bool:
        unknown = set(spec) - {"must", "filter", "should", "must_not", "minimum_should_match"}
        if unknown:
            raise NotImplementedError(f"bool parameters {sorted(unknown)}")
        if not all(self.matches(q, doc_id) for q in _clauses(spec.get("must")) + _clauses(spec.get("filter"))):
            return False
        if any(self.matches(q, doc_id) for q in _clauses(spec.get("must_not"))):
            return False
        should = _clauses(spec.get("should"))
        default = 0 if spec.get("must") or spec.get("filter") else 1
        needed = int(spec.get("minimum_should_match", default if should else 0))
        return sum(self.matches(q, doc_id) for q in should) >= needed

    def _q_multi_match(self, spec: Mapping[str, Any], doc_id: str) -> bool:
        kind = spec.get("type", "best_fields")  # the default type raises below: we never send it
        fields = [name.split("^")[0] for name in spec["fields"]]
        if kind == "phrase":
            return any(self._phrase(field, str(spec["query"]), doc_id) for field in fields)
        if kind == "bool_prefix":
            if spec.get("operator") != "and":
                raise NotImplementedError("bool_prefix without operator and")
            return any(self._bool_prefix(field, str(spec["query"]), doc_id) for field in fields)
        raise NotImplementedError(f"multi_match type {kind!r}")

    def _q_term(self, spec: Mapping[str, Any], doc_id: str) -> bool:
        ((field, value),) = spec.items()
        return value in _values(self.docs[doc_id].get(field))

    def _q_terms(self, spec: Mapping[str, Any], doc_id: str) -> bool:
        ((field, values),) = spec.items()
        return bool(set(values) & set(_values(self.docs[doc_id].get(field))))

    def _q_range(self, spec: Mapping[str, Any], doc_id: str) -> bool:
        ((field, bounds),) = spec.items()
        if "format" not in bounds and all(
            isinstance(bounds.get(b, 0), int | float) for b in ("gt", "gte", "lt", "lte")
        ):
            return self._number_range(field, bounds, doc_id)
        if bounds.get("format") != "strict_date":
            raise NotImplementedError("range without format strict_date")
        raw = self.docs[doc_id].get(field)
        if raw is None:
            return False
        day = datetime.fromisoformat(str(raw)).date()
        gte, lt = bounds.get("gte"), bounds.get("lt")
        return (gte is None or day >= date.fromisoformat(gte)) and (lt is None or day < date.fromisoformat(lt))

    def _number_range(self, field: str, bounds: Mapping[str, Any], doc_id: str) -> bool:
        """Any of the field's values within the bounds (query-dsl-range-query: a multi-valued field matches
        when one value does)."""
        checks = {
            "gt": lambda v, b: v > b,
            "gte": lambda v, b: v >= b,
            "lt": lambda v, b: v < b,
            "lte": lambda v, b: v <= b,
        }
        values = [v for v in _values(self.docs[doc_id].get(field)) if isinstance(v, int | float)]
        return any(all(check(v, bounds[name]) for name, check in checks.items() if name in bounds) for v in values)

    def _field(self, field: str, doc_id: str) -> list[Position]:
        key = (field, doc_id)
        if key not in self._analyzed:
            text = self.docs[doc_id].get(field)
            self._analyzed[key] = analyze(text, field_analyzers()[field]) if isinstance(text, str) else []
        return self._analyzed[key]

    def _phrase(self, field: str, text: str, doc_id: str) -> bool:
        indexed = self._field(field, doc_id)
        if not indexed:
            return False  # the field is empty in this document: nothing to match
        query = analyze(text, field_analyzers()[field])
        if not query:
            return False  # zero_terms_query: none
        at = {(p.term, p.position) for p in indexed}
        first = query[0].position
        return any(
            all((q.term, p.position + q.position - first) in at for q in query)
            for p in indexed
            if p.term == query[0].term
        )

    def _bool_prefix(self, field: str, text: str, doc_id: str) -> bool:
        terms = {p.term for p in self._field(field, doc_id)}
        if not terms:
            return False
        query = analyze(text, field_analyzers()[field])
        if not query:
            return False
        *whole, last = query
        return all(q.term in terms for q in whole) and any(term.startswith(last.term) for term in terms)


def _clauses(value: Any) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    return list(value) if isinstance(value, Sequence) else [value]


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]
