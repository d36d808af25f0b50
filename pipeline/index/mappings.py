"""The Elasticsearch templates in ``config/elasticsearch/``: loading, composing, and checking documents against them.

The templates are composable index templates (Elasticsearch 9): component templates hold the shared
settings (``<prefix>-settings``) and each index family's mappings (``<prefix>-document-mappings``,
``<prefix>-run-mappings``, ``<prefix>-turn-mappings``), each mappings template together with the
analyzers it names: Elasticsearch validates every component template on its own when it is stored,
so an analyzer defined in another component is refused; one index template per family
(``<prefix>-documents`` matching ``<prefix>-documents-v*``...) lists them in ``composed_of``. The files
spell the prefix ``readout``; :func:`load_templates` substitutes ``Settings.index_prefix`` in template
names, ``index_patterns`` and ``composed_of`` (and nowhere else: analyzer names are index-local).

:func:`validate_against_mapping` checks a document against a ``dynamic: strict`` mapping the way
Elasticsearch would refuse it (unknown fields, wrong types, immense keyword terms), a little stricter
where Elasticsearch would silently coerce (``"5"`` into an integer): our own projection must produce
the right JSON types, not rely on coercion.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

#: ``config/elasticsearch`` of this checkout.
CONFIG_DIR = Path(__file__).resolve().parents[2] / "config" / "elasticsearch"
#: The prefix the files are written with.
FILE_PREFIX = "readout"

#: Lucene refuses a single indexed term longer than this many bytes (UTF-8): "immense term".
MAX_TERM_BYTES = 32_766

_KEYWORD_TYPES = frozenset({"keyword", "constant_keyword", "wildcard"})
_TEXT_TYPES = frozenset({"text", "match_only_text"})
_INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "byte": (-(2**7), 2**7 - 1),
    "short": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
    "unsigned_long": (0, 2**64 - 1),
}
_FLOAT_TYPES = frozenset({"float", "double", "half_float", "scaled_float"})
_OBJECT_TYPES = frozenset({"object", "nested"})

#: ``strict_date_optional_time``: a date, optionally with a time, optionally with a zone (Elasticsearch's default).
_STRICT_DATE_OPTIONAL_TIME = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?)?"
    r"(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$"
)
_STRICT_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Templates:
    """Component and index templates as request bodies, keyed by their (prefix-substituted) names."""

    prefix: str
    component_templates: dict[str, dict[str, Any]]
    index_templates: dict[str, dict[str, Any]]

    def index_template(self, family: str) -> dict[str, Any]:
        """The index template of an index family (``documents``, ``runs``)."""
        name = f"{self.prefix}-{family}"
        try:
            return self.index_templates[name]
        except KeyError:
            raise KeyError(f"no index template {name!r} (have: {', '.join(sorted(self.index_templates))})") from None

    def composed(self, family: str) -> dict[str, Any]:
        """What a new index of the family gets: ``{"settings": ..., "mappings": ...}`` merged as Elasticsearch does."""
        return compose(self.index_template(family), self.component_templates)

    def matching(self, index: str) -> str | None:
        """The name of the index template Elasticsearch would apply to a new index (highest priority wins)."""
        return matching_template(index, self.index_templates)


def load_templates(prefix: str = FILE_PREFIX, directory: Path = CONFIG_DIR) -> Templates:
    """Read ``component_templates/*.json`` and ``index_templates/*.json`` with the prefix substituted."""
    components = {
        _rename(path.stem, prefix): _load_json(path)
        for path in sorted((directory / "component_templates").glob("*.json"))
    }
    indices: dict[str, dict[str, Any]] = {}
    for path in sorted((directory / "index_templates").glob("*.json")):
        body = _load_json(path)
        body["index_patterns"] = [_rename(pattern, prefix) for pattern in body.get("index_patterns", [])]
        body["composed_of"] = [_rename(name, prefix) for name in body.get("composed_of", [])]
        missing = [name for name in body["composed_of"] if name not in components]
        if missing:
            raise ValueError(f"{path}: composed_of names missing component templates: {', '.join(missing)}")
        indices[_rename(path.stem, prefix)] = body
    return Templates(prefix=prefix, component_templates=components, index_templates=indices)


def load_roles(prefix: str = FILE_PREFIX, directory: Path = CONFIG_DIR) -> dict[str, dict[str, Any]]:
    """The role definitions (``roles/*.json``, bodies for ``PUT /_security/role/<name>``), prefix substituted."""
    roles: dict[str, dict[str, Any]] = {}
    for path in sorted((directory / "roles").glob("*.json")):
        body = _load_json(path)
        for entry in body.get("indices", []):
            entry["names"] = [_rename(name, prefix) for name in entry.get("names", [])]
        name = path.stem
        if name.startswith(f"{FILE_PREFIX}_"):
            name = prefix.replace("-", "_") + name[len(FILE_PREFIX) :]
        roles[name] = body
    return roles


def document_mapping(prefix: str = FILE_PREFIX, directory: Path = CONFIG_DIR) -> dict[str, Any]:
    """The merged ``properties`` of the documents index (what ``<prefix>-documents-vN`` gets)."""
    return dict(load_templates(prefix, directory).composed("documents")["mappings"]["properties"])


def turns_mapping(prefix: str = FILE_PREFIX, directory: Path = CONFIG_DIR) -> dict[str, Any]:
    """The merged ``properties`` of the turns index (one document per exchange of a briefing)."""
    return dict(load_templates(prefix, directory).composed("turns")["mappings"]["properties"])


def runs_mapping(prefix: str = FILE_PREFIX, directory: Path = CONFIG_DIR) -> dict[str, Any]:
    """The merged ``properties`` of the runs index."""
    return dict(load_templates(prefix, directory).composed("runs")["mappings"]["properties"])


def compose(index_template: Mapping[str, Any], components: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Merge an index template's components (in ``composed_of`` order) and then its own ``template``.

    Later sources win, and mappings/settings merge recursively, as Elasticsearch documents for
    composable templates. Raises ``KeyError`` for a missing component.
    """
    merged: dict[str, Any] = {"settings": {}, "mappings": {}}
    sources = [components[name].get("template", {}) for name in index_template.get("composed_of", [])]
    sources.append(index_template.get("template", {}))
    for source in sources:
        for part in ("settings", "mappings"):
            if part in source:
                _deep_merge(merged[part], source[part])
    return merged


def matching_template(index: str, index_templates: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The highest-priority index template whose ``index_patterns`` match ``index`` (None: no template)."""
    best: tuple[int, str] | None = None
    for name, body in index_templates.items():
        patterns = body.get("index_patterns", [])
        if isinstance(patterns, str):
            patterns = [patterns]
        if any(fnmatch.fnmatchcase(index, pattern) for pattern in patterns):
            priority = int(body.get("priority", 0))
            if best is None or priority > best[0]:
                best = (priority, name)
    return best[1] if best else None


def flatten_fields(properties: Mapping[str, Any], parent: str = "") -> dict[str, str]:
    """Every field path with its type, multi-fields included (``title.keyword``), objects as ``object``."""
    fields: dict[str, str] = {}
    for name, spec in properties.items():
        path = f"{parent}{name}"
        kind = str(spec.get("type", "object"))
        fields[path] = kind
        if "properties" in spec:
            fields.update(flatten_fields(spec["properties"], f"{path}."))
        for sub, sub_spec in spec.get("fields", {}).items():
            fields[f"{path}.{sub}"] = str(sub_spec.get("type", "object"))
    return fields


def validate_against_mapping(doc: Mapping[str, Any], properties: Mapping[str, Any]) -> list[str]:
    """Problems that would make Elasticsearch refuse ``doc`` under a ``dynamic: strict`` mapping (empty: fine).

    Checks unknown fields (at every object level), types (keyword/text: strings; date: an ISO 8601
    string the default ``strict_date_optional_time||epoch_millis`` accepts, or epoch milliseconds;
    integer types: ints in range; floats: numbers; boolean: bool; object: dicts, recursively), arrays
    of those, and keyword values (multi-fields included) longer than Lucene's 32,766-byte term limit
    that ``ignore_above`` does not keep out of the index.
    """
    problems: list[str] = []
    _check_object(doc, properties, "", problems)
    return problems


# --- internals -----------------------------------------------------------------------------------------


def _load_json(path: Path) -> dict[str, Any]:
    try:
        body = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read template: {exc}") from None
    if not isinstance(body, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return body


def _rename(name: str, prefix: str) -> str:
    """``readout-documents-v*`` → ``<prefix>-documents-v*``; other names unchanged."""
    if name == FILE_PREFIX or name.startswith(f"{FILE_PREFIX}-"):
        return prefix + name[len(FILE_PREFIX) :]
    return name


def _deep_merge(target: dict[str, Any], source: Mapping[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _check_object(doc: Mapping[str, Any], properties: Mapping[str, Any], parent: str, problems: list[str]) -> None:
    for name, value in doc.items():
        path = f"{parent}{name}"
        spec = properties.get(name)
        if spec is None:
            problems.append(f"{path}: unknown field (the mapping is strict)")
            continue
        if value is None:
            continue  # null means "no value" for every field type
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, list):
                problems.append(f"{path}: nested arrays are flattened by Elasticsearch; send a flat list")
                continue
            _check_value(item, spec, path, problems)


def _check_value(value: Any, spec: Mapping[str, Any], path: str, problems: list[str]) -> None:
    kind = spec.get("type", "object" if "properties" in spec else None)
    if kind in _OBJECT_TYPES:
        if not isinstance(value, Mapping):
            problems.append(f"{path}: expected an object, got {_type_name(value)}")
            return
        _check_object(value, spec.get("properties", {}), f"{path}.", problems)
        return
    if kind in _KEYWORD_TYPES or kind in _TEXT_TYPES:
        if not isinstance(value, str):
            problems.append(f"{path}: expected a string ({kind}), got {_type_name(value)}")
            return
        if kind in _KEYWORD_TYPES:
            _check_term_size(value, spec, path, problems)
        for sub, sub_spec in spec.get("fields", {}).items():
            if sub_spec.get("type") in _KEYWORD_TYPES:
                _check_term_size(value, sub_spec, f"{path}.{sub}", problems)
        return
    if kind == "date":
        problem = _date_problem(value, str(spec.get("format", "strict_date_optional_time||epoch_millis")))
        if problem:
            problems.append(f"{path}: {problem}")
        return
    if kind in _INTEGER_RANGES:
        low, high = _INTEGER_RANGES[kind]
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{path}: expected an integer ({kind}), got {_type_name(value)}")
        elif not low <= value <= high:
            problems.append(f"{path}: {value} is out of range for {kind}")
        return
    if kind in _FLOAT_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{path}: expected a number ({kind}), got {_type_name(value)}")
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{path}: expected true or false, got {_type_name(value)}")
        return
    problems.append(f"{path}: the checker does not know mapping type {kind!r}")


def _check_term_size(value: str, spec: Mapping[str, Any], path: str, problems: list[str]) -> None:
    if spec.get("index") is False and spec.get("doc_values") is False:
        return  # no term is written at all
    ignore_above = spec.get("ignore_above")
    if ignore_above is not None and len(value) > int(ignore_above):
        return  # longer than ignore_above: kept in _source, not indexed (no error)
    size = len(value.encode("utf-8"))
    if size > MAX_TERM_BYTES:
        problems.append(
            f"{path}: a {size}-byte keyword value is over Lucene's {MAX_TERM_BYTES}-byte term limit"
            + ("" if ignore_above is not None else " (no ignore_above on this field)")
        )


def _date_problem(value: Any, fmt: str) -> str | None:
    formats = [part.strip() for part in fmt.split("||")]
    if isinstance(value, bool):
        return f"expected a date, got {_type_name(value)}"
    if isinstance(value, int | float):
        if "epoch_millis" in formats or "epoch_second" in formats:
            return None
        return f"a number is not a date in format {fmt!r}"
    if not isinstance(value, str):
        return f"expected a date string, got {_type_name(value)}"
    for name in formats:
        if name in ("strict_date_optional_time", "date_optional_time") and _valid_optional_time(value):
            return None
        if name in ("strict_date", "date") and _STRICT_DATE.match(value) and _valid_optional_time(value):
            return None
        if name in ("epoch_millis", "epoch_second") and re.fullmatch(r"-?\d+(\.\d+)?", value):
            return None
    return f"{value!r} is not a date in format {fmt!r}"


def _valid_optional_time(value: str) -> bool:
    match = _STRICT_DATE_OPTIONAL_TIME.match(value)
    if not match:
        return False
    parts = match.groupdict()
    try:
        date(int(parts["year"]), int(parts["month"] or 1), int(parts["day"] or 1))
        hour, minute, second = (int(parts[key] or 0) for key in ("hour", "minute", "second"))
        if hour > 23 or minute > 59 or second > 59:
            return False
        zone = parts["zone"]
        if zone and zone != "Z":
            digits = zone[1:].replace(":", "")
            if int(digits[:2]) > 18 or (len(digits) > 2 and int(digits[2:]) > 59):
                return False
    except ValueError:
        return False
    return True


def _type_name(value: Any) -> str:
    if isinstance(value, datetime | date):
        return f"a Python {type(value).__name__} (serialise it as ISO 8601 first)"
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }.get(type(value), type(value).__name__)


def mapping_analyzers(properties: Mapping[str, Any]) -> set[str]:
    """Every analyzer a mapping names (``analyzer``/``search_analyzer``), sub-fields and objects included."""
    found: set[str] = set()
    for spec in properties.values():
        for key in ("analyzer", "search_analyzer"):
            if key in spec:
                found.add(str(spec[key]))
        found |= mapping_analyzers(spec.get("properties", {}))
        found |= mapping_analyzers(spec.get("fields", {}))
    return found
