"""Kibana saved objects: load the shipped ``config/kibana/*.ndjson`` and import them through Kibana's API.

The objects (data views, saved searches, Lens visualizations, dashboards) have stable ids, so the
import is idempotent: ``POST /api/saved_objects/_import?overwrite=true`` replaces each object in
place, and running it twice leaves Kibana as running it once (Kibana answers ``overwrite: true`` for
each replaced object the second time).

All files go up as **one** ndjson upload: Kibana resolves an object's references against the same
upload and the objects it already has, so a dashboard in one file may refer to a data view in another.

:mod:`pipeline.index.kibana_fields` reads every field the objects touch (data-view time fields,
Discover columns and sorts, KQL queries, filter pills, Lens columns) so that a test can check each one
against the Elasticsearch mappings with a type that fits its use.

API references: Kibana "Import saved objects" (``POST /api/saved_objects/_import``: multipart field
``file``, header ``kbn-xsrf``, answer ``{success, successCount, successResults, errors, warnings}``)
and "Get Kibana's current status" (``GET /api/status``).
"""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from pipeline.config import Settings
from pipeline.errors import ConfigError, SearchBackendError

#: Where the shipped saved objects live (``config/kibana`` at the top of the repository).
KIBANA_DIR = Path(__file__).resolve().parents[2] / "config" / "kibana"

#: The index prefix the shipped data-view titles are written with; other prefixes are substituted.
SHIPPED_PREFIX = "readout"

#: Kibana versions its public HTTP APIs by date; pinning it keeps the answer's shape stable across upgrades.
API_VERSION = "2023-10-31"

#: The id of the documents' data view in ``config/kibana/10-data-views.ndjson`` (ids do not follow the prefix).
DOCUMENTS_DATA_VIEW = "readout-documents"

#: Where a Discover link's time range starts: no document can be older than the sources' earliest
#: plausible date (``Source.earliest`` defaults to 1990-01-01), and a backfill's documents may be
#: decades old, so a relative range such as ``now-30d`` would hide them.
DISCOVER_FROM = "1990-01-01T00:00:00.000Z"


@dataclass(frozen=True)
class ImportedObject:
    """One object Kibana accepted (an entry of ``successResults``)."""

    type: str
    id: str
    title: str | None
    overwritten: bool  # Kibana replaced an object that already existed


@dataclass(frozen=True)
class ImportFailure:
    """One object Kibana refused (an entry of ``errors``)."""

    type: str
    id: str
    title: str | None
    error_type: str  # conflict, missing_references, unsupported_type, ambiguous_conflict, unknown
    message: str

    def describe(self) -> str:
        """``type/id ("title"): error_type: message``."""
        title = f' ("{self.title}")' if self.title else ""
        return f"{self.type}/{self.id}{title}: {self.error_type}" + (f": {self.message}" if self.message else "")


@dataclass(frozen=True)
class ImportReport:
    """What an import did: the files sent, the objects in them and Kibana's answer."""

    files: tuple[Path, ...]
    sent: int
    success_count: int
    imported: tuple[ImportedObject, ...]
    warnings: tuple[str, ...] = ()

    @property
    def overwritten(self) -> int:
        """How many objects already existed and were replaced (all of them on a repeated import)."""
        return sum(1 for obj in self.imported if obj.overwritten)


class KibanaImportError(SearchBackendError):
    """Kibana answered the import with ``success: false``; ``failures`` names each refused object."""

    def __init__(self, message: str, failures: Sequence[ImportFailure]) -> None:
        self.failures = tuple(failures)
        super().__init__(message)


@dataclass(frozen=True)
class KibanaStatus:
    """The parts of ``GET /api/status`` that matter for a setup job: version and overall level."""

    version: str | None
    level: str  # available, degraded, unavailable, critical
    summary: str | None = None

    @property
    def available(self) -> bool:
        return self.level == "available"


# --- the files --------------------------------------------------------------------------------------


def default_files(directory: Path = KIBANA_DIR) -> list[Path]:
    """Every ``*.ndjson`` in ``directory``, in name order (the numeric prefixes keep a readable order)."""
    return sorted(directory.glob("*.ndjson"))


def load_objects(files: Iterable[Path]) -> list[dict[str, Any]]:
    """Parse the ndjson files into saved objects, failing fast on a bad line (file and line named).

    Checked here rather than left to Kibana, whose error for a broken line does not say which file.
    """
    objects: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], str] = {}
    for path in files:
        try:
            lines = path.read_text("utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"line {number}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"not JSON: {exc.msg}", file=str(path), entry=where) from None
            if not isinstance(obj, dict) or not isinstance(obj.get("type"), str) or not isinstance(obj.get("id"), str):
                raise ConfigError("a saved object needs string 'type' and 'id'", file=str(path), entry=where)
            if not isinstance(obj.get("attributes"), dict):
                raise ConfigError("a saved object needs an 'attributes' object", file=str(path), entry=where)
            key = (obj["type"], obj["id"])
            if key in seen:
                # Two objects with one id would silently overwrite each other in Kibana.
                raise ConfigError(f"{key[0]}/{key[1]} is already defined in {seen[key]}", file=str(path), entry=where)
            seen[key] = f"{path.name} {where}"
            objects.append(obj)
    return objects


def with_index_prefix(objects: Iterable[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """The objects with data-view titles (index patterns) moved from ``readout-*`` to ``<prefix>-*``.

    Ids stay the same, so dashboards keep resolving; only what the data views match changes, following
    ``READOUT_INDEX_PREFIX``.
    """
    result: list[dict[str, Any]] = []
    for obj in objects:
        title = obj["attributes"].get("title")
        if (
            prefix != SHIPPED_PREFIX
            and obj["type"] == "index-pattern"
            and isinstance(title, str)
            and title.startswith(f"{SHIPPED_PREFIX}-")
        ):
            obj = {**obj, "attributes": {**obj["attributes"], "title": prefix + title[len(SHIPPED_PREFIX) :]}}
        result.append(obj)
    return result


def to_ndjson(objects: Iterable[Mapping[str, Any]]) -> bytes:
    """One compact JSON object per line, the format Kibana's export writes and its import reads."""
    return "".join(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n" for obj in objects).encode()


# --- the import -------------------------------------------------------------------------------------


def import_saved_objects(settings: Settings, files: list[Path] | None = None) -> ImportReport:
    """Import the saved objects into Kibana (``settings.kibana_url``), replacing those with the same ids.

    Raises :class:`~pipeline.errors.ConfigError` when no Kibana URL is set or a file is invalid, and
    :class:`~pipeline.errors.SearchBackendError` when Kibana cannot be reached, answers with an error
    status, or refuses some objects (:class:`KibanaImportError`, which names each one).
    """
    base = _base_url(settings)
    paths = tuple(files if files is not None else default_files())
    if not paths:
        raise ConfigError("no saved-object files to import", file=str(KIBANA_DIR))
    objects = with_index_prefix(load_objects(paths), settings.index_prefix)
    url = f"{base}/api/saved_objects/_import"
    with _client(settings) as client:
        try:
            response = client.post(
                url,
                params={"overwrite": "true"},
                # Kibana accepts only a file whose name ends in .ndjson.
                files={"file": ("readout.ndjson", to_ndjson(objects), "application/ndjson")},
            )
        except httpx.HTTPError as exc:
            raise SearchBackendError(f"Kibana at {_redact(base)} cannot be reached: {_describe(exc)}") from exc
    body = _json_body(response, "the saved-objects import")
    return _import_report(body, paths, len(objects))


def kibana_status(settings: Settings) -> KibanaStatus:
    """Kibana's version and overall status level, from ``GET /api/status``.

    Kibana answers 503 while it is not available, with the same body; that is a status, not an error.
    """
    base = _base_url(settings)
    with _client(settings) as client:
        try:
            response = client.get(f"{base}/api/status")
        except httpx.HTTPError as exc:
            raise SearchBackendError(f"Kibana at {_redact(base)} cannot be reached: {_describe(exc)}") from exc
    body = _parse_json(response) if response.status_code == 503 else _json_body(response, "the status request")
    status = body.get("status") if isinstance(body, dict) else None
    overall = status.get("overall") if isinstance(status, dict) else None
    if not isinstance(overall, dict) or not isinstance(overall.get("level"), str):
        raise SearchBackendError(f"Kibana's status answer has no status.overall.level (HTTP {response.status_code})")
    version = body.get("version")
    number = version.get("number") if isinstance(version, dict) else None
    summary = overall.get("summary")
    return KibanaStatus(
        version=number if isinstance(number, str) else None,
        level=overall["level"],
        summary=summary if isinstance(summary, str) else None,
    )


def _base_url(settings: Settings) -> str:
    if not settings.kibana_url:
        raise ConfigError("no Kibana URL: set READOUT_KIBANA_URL", field="kibana_url")
    return settings.kibana_url.rstrip("/")


def _client(settings: Settings) -> httpx.Client:
    """An httpx client for Kibana: its own timeouts, no proxy or netrc from the environment, auth headers."""
    headers = {
        # Kibana refuses any non-GET API call without this header (its CSRF protection).
        "kbn-xsrf": "readout",
        "elastic-api-version": API_VERSION,
        "accept": "application/json",
    }
    auth: httpx.BasicAuth | None = None
    if settings.kibana_api_key is not None:
        headers["authorization"] = f"ApiKey {settings.kibana_api_key.get_secret_value()}"
    elif settings.kibana_username:
        password = settings.kibana_password.get_secret_value() if settings.kibana_password else ""
        auth = httpx.BasicAuth(settings.kibana_username, password)
    verify: ssl.SSLContext | bool = True
    if settings.elasticsearch_ca_certs is not None:
        # The stack's setup signs Elasticsearch and Kibana with one CA; trust it for Kibana too.
        try:
            verify = ssl.create_default_context(cafile=str(settings.elasticsearch_ca_certs))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load the CA certificate: {exc}", field="elasticsearch_ca_certs") from None
    return httpx.Client(
        headers=headers,
        auth=auth,
        verify=verify,
        timeout=httpx.Timeout(settings.elasticsearch_timeout, connect=settings.connect_timeout),
        trust_env=False,
        follow_redirects=False,
    )


def _describe(exc: httpx.HTTPError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _parse_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _json_body(response: httpx.Response, what: str) -> dict[str, Any]:
    """The JSON object of a 2xx answer; any other answer becomes a SearchBackendError saying why."""
    body = _parse_json(response)
    if not response.is_success:
        detail = ""
        if isinstance(body, dict):
            # Kibana's error shape: {"statusCode": 400, "error": "Bad Request", "message": "..."}.
            detail = ": ".join(str(body[key]) for key in ("error", "message") if body.get(key))
        elif response.text:
            detail = response.text[:200]
        hint = " (check READOUT_KIBANA_API_KEY or the user's privileges)" if response.status_code in (401, 403) else ""
        raise SearchBackendError(f"Kibana refused {what}: HTTP {response.status_code}{hint}: {detail or 'no detail'}")
    if not isinstance(body, dict):
        raise SearchBackendError(f"Kibana answered {what} with HTTP {response.status_code} but no JSON object")
    return body


def _import_report(body: dict[str, Any], paths: tuple[Path, ...], sent: int) -> ImportReport:
    failures = [_failure(entry) for entry in body.get("errors") or [] if isinstance(entry, dict)]
    if body.get("success") is not True or failures:
        listed = "; ".join(failure.describe() for failure in failures) or "no errors listed"
        raise KibanaImportError(
            f"Kibana imported {body.get('successCount', 0)} of {sent} saved objects; {len(failures)} failed: {listed}",
            failures,
        )
    imported = tuple(
        ImportedObject(
            type=str(entry.get("type")),
            id=str(entry.get("destinationId") or entry.get("id")),
            title=_meta_title(entry),
            overwritten=entry.get("overwrite") is True,
        )
        for entry in body.get("successResults") or []
        if isinstance(entry, dict)
    )
    warnings = tuple(
        str(warning.get("message", warning)) if isinstance(warning, dict) else str(warning)
        for warning in body.get("warnings") or []
    )
    count = body.get("successCount")
    return ImportReport(
        files=paths,
        sent=sent,
        success_count=count if isinstance(count, int) else len(imported),
        imported=imported,
        warnings=warnings,
    )


def _meta_title(entry: Mapping[str, Any]) -> str | None:
    meta = entry.get("meta")
    title = meta.get("title") if isinstance(meta, dict) else entry.get("title")
    return title if isinstance(title, str) else None


def _failure(entry: Mapping[str, Any]) -> ImportFailure:
    raw_error = entry.get("error")
    error: Mapping[str, Any] = raw_error if isinstance(raw_error, dict) else {}
    error_type = str(error.get("type", "unknown"))
    message = str(error.get("message") or "")
    if error_type == "missing_references":
        missing = [
            f"{ref.get('type')}/{ref.get('id')}" for ref in error.get("references") or [] if isinstance(ref, dict)
        ]
        message = message or "missing " + ", ".join(missing)
    elif error_type == "conflict" and not message:
        message = "an object with this id already exists"
    return ImportFailure(
        type=str(entry.get("type")),
        id=str(entry.get("id")),
        title=_meta_title(entry),
        error_type=error_type,
        message=message,
    )


# --- links into Discover ----------------------------------------------------------------------------


def discover_url(
    kibana_url: str,
    *,
    run_id: str,
    data_view_id: str = DOCUMENTS_DATA_VIEW,
    time_from: str = DISCOVER_FROM,
    time_to: str = "now",
) -> str:
    """A Kibana Discover URL showing the documents written by one run (KQL ``run_id:"<run_id>"``).

    The state is in the URL fragment, rison-encoded, as Kibana 8.11+ and 9 write it: ``_g`` holds the
    global state (time range, no pinned filters) and ``_a`` the app state (``dataSource`` naming the
    data view, and the query). ``kibana_url`` is the base URL, with any base path or space
    (``https://kibana.example.org/s/analysts``).
    """
    global_state = {
        "filters": [],
        "refreshInterval": {"pause": True, "value": 0},
        "time": {"from": time_from, "to": time_to},
    }
    app_state = {
        "dataSource": {"dataViewId": data_view_id, "type": "dataView"},
        "filters": [],
        "query": {"language": "kuery", "query": f'run_id:"{_kql_escape(run_id)}"'},
    }
    return (
        f"{kibana_url.rstrip('/')}/app/discover#/"
        f"?_g={quote(rison(global_state), safe=_RISON_SAFE)}&_a={quote(rison(app_state), safe=_RISON_SAFE)}"
    )


#: Characters left as they are in a rison value inside the URL fragment (as Kibana itself leaves them).
_RISON_SAFE = "!'()*,:@$/-_.~"
#: Rison's unquoted identifiers: no reserved character anywhere, and no digit or '-' first.
_RISON_ID = re.compile(r"^[^-0-9 '!:(),*@$][^ '!:(),*@$]*$")


def rison(value: Any) -> str:
    """``value`` (JSON-like: dict, list, str, int, float, bool, None) encoded as rison, the notation Kibana
    keeps its URL state in (https://github.com/Nanonid/rison)."""
    if value is None:
        return "!n"
    if value is True:
        return "!t"
    if value is False:
        return "!f"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        if _RISON_ID.match(value):
            return value
        return "'" + value.replace("!", "!!").replace("'", "!'") + "'"
    if isinstance(value, Mapping):
        # Sorted keys, as rison's reference encoder writes them.
        return "(" + ",".join(f"{rison(str(key))}:{rison(item)}" for key, item in sorted(value.items())) + ")"
    if isinstance(value, list | tuple):
        return "!(" + ",".join(rison(item) for item in value) + ")"
    raise TypeError(f"cannot rison-encode {type(value).__name__}")


def _kql_escape(value: str) -> str:
    """``value`` for a double-quoted KQL string: backslash and double quote escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _redact(url: str) -> str:
    """The URL without credentials, for messages (a URL may carry ``user:password@``)."""
    from pipeline.index.elastic import redact_url

    return redact_url(url)
