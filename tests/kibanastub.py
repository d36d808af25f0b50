"""A loopback stand-in for Kibana's saved-objects import and status APIs.

It answers with the shapes Kibana documents, so the client is tested against what it will meet:

- ``POST /api/saved_objects/_import`` ("Import saved objects",
  https://www.elastic.co/docs/api/doc/kibana/operation/operation-importsavedobjectsdefault): needs the
  ``kbn-xsrf`` header (400 without it), a ``multipart/form-data`` body with a ``file`` part whose name
  ends in ``.ndjson``; answers 200 with ``{success, successCount, successResults, warnings}`` and
  ``errors`` for refused objects: ``conflict`` (the id exists and ``overwrite`` is not set),
  ``missing_references`` (a reference found neither in the upload nor among stored objects),
  ``unsupported_type`` and ``unknown``. Each ``successResults`` entry has ``overwrite: true`` when it
  replaced an existing object.
- ``GET /api/status`` ("Get Kibana's current status",
  https://www.elastic.co/docs/api/doc/kibana/operation/operation-get-status): ``{name, uuid, version,
  status: {overall, core}, metrics}``; 503 with the same body when the level is not ``available``.
- Errors use Kibana's shape ``{"statusCode", "error", "message"}``.

Tests can make chosen objects fail (``fail``), force a status for the import (``import_status``),
require credentials (``api_key`` / ``basic``), and read every request received (``requests``).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

#: The types a Kibana 9 import accepts among those Readout ships (others answer unsupported_type).
SUPPORTED_TYPES = {"index-pattern", "search", "lens", "dashboard", "visualization", "config", "tag"}
ICONS = {"index-pattern": "indexPatternApp", "search": "discoverApp", "lens": "lensApp", "dashboard": "dashboardApp"}
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
}


@dataclass
class RecordedRequest:
    """One request as the stub received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    file_name: str | None = None
    objects: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class KibanaStub:
    """State of a running stub; change the knobs between requests to change its answers."""

    port: int = 0
    version: str = "9.1.0"
    level: str = "available"
    api_key: str | None = None  # when set, require "Authorization: ApiKey <api_key>"
    basic: tuple[str, str] | None = None  # when set, require this user and password
    import_status: int | None = None  # answer every import with this HTTP status (e.g. 500)
    fail: dict[tuple[str, str], str] = field(default_factory=dict)  # (type, id) → error message
    stored: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def imports(self) -> list[RecordedRequest]:
        """The import requests received, in order."""
        return [r for r in self.requests if r.path == "/api/saved_objects/_import"]


def kibana_error(status: int, message: str) -> dict[str, Any]:
    return {"statusCode": status, "error": REASONS.get(status, "Error"), "message": message}


@contextmanager
def kibana_stub(**knobs: Any) -> Iterator[KibanaStub]:
    """Run a stub on a free loopback port for the duration of the block."""
    stub = KibanaStub(**knobs)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            record = RecordedRequest(
                method=method,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={key.lower(): value for key, value in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            with stub.lock:
                stub.requests.append(record)
                status, body = route(stub, record)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stub.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


def route(stub: KibanaStub, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
    """Kibana's answer to one request: the HTTP status and the JSON body."""
    if not authorised(stub, request.headers.get("authorization")):
        return 401, kibana_error(401, "[security_exception]: unable to authenticate user")
    if request.method == "GET" and request.path == "/api/status":
        return status_answer(stub)
    if request.method == "POST" and request.path == "/api/saved_objects/_import":
        return import_answer(stub, request)
    return 404, kibana_error(404, "Not Found")


def authorised(stub: KibanaStub, header: str | None) -> bool:
    if stub.api_key is None and stub.basic is None:
        return True
    if header is None:
        return False
    if stub.api_key is not None and header == f"ApiKey {stub.api_key}":
        return True
    if stub.basic is not None:
        expected = base64.b64encode(f"{stub.basic[0]}:{stub.basic[1]}".encode()).decode()
        return header == f"Basic {expected}"
    return False


def status_answer(stub: KibanaStub) -> tuple[int, dict[str, Any]]:
    summaries = {"available": "All services and plugins are available"}
    overall = {"level": stub.level, "summary": summaries.get(stub.level, f"Kibana is {stub.level}")}
    body = {
        "name": "kibana-stub",
        "uuid": "5b2de169-2785-441b-ae8c-186a1936b17d",
        "version": {
            "number": stub.version,
            "build_hash": "0" * 40,
            "build_number": 1,
            "build_snapshot": False,
            "build_flavor": "traditional",
            "build_date": "2025-01-01T00:00:00.000Z",
        },
        "status": {
            "overall": overall,
            "core": {
                "elasticsearch": {"level": stub.level, "summary": "Elasticsearch is available"},
                "savedObjects": {"level": stub.level, "summary": "SavedObjects service has completed migrations"},
            },
            "plugins": {},
        },
        "metrics": {"last_updated": "2025-01-01T00:00:00.000Z", "collection_interval_in_millis": 5000},
    }
    return (200 if stub.level == "available" else 503), body


def import_answer(stub: KibanaStub, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
    # Kibana's CSRF protection: any non-GET API call without kbn-xsrf is refused before the route runs.
    if "kbn-xsrf" not in request.headers:
        return 400, kibana_error(400, "Request must contain a kbn-xsrf header.")
    if stub.import_status is not None:
        return stub.import_status, kibana_error(stub.import_status, "An internal server error occurred.")
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return 415, kibana_error(415, "Unsupported Media Type")
    file_part = multipart_file(content_type, request.body)
    if file_part is None:
        return 400, kibana_error(400, "[request body.file]: expected value of type [Stream] but got [undefined]")
    request.file_name, content = file_part
    if not (request.file_name or "").endswith(".ndjson"):
        extension = "." + (request.file_name or "").rpartition(".")[2]
        return 400, kibana_error(400, f"Invalid file extension {extension}")
    try:
        request.objects = [json.loads(line) for line in content.decode("utf-8").splitlines() if line.strip()]
    except ValueError as exc:
        return 400, kibana_error(400, f"Unexpected token in JSON: {exc}")
    overwrite = request.query.get("overwrite") == ["true"]
    if overwrite and request.query.get("createNewCopies") == ["true"]:
        return 400, kibana_error(400, "[request query]: cannot use [overwrite] with [createNewCopies]")
    return 200, import_objects(stub, request.objects, overwrite=overwrite)


def multipart_file(content_type: str, body: bytes) -> tuple[str | None, bytes] | None:
    """The ``file`` part of a multipart/form-data body: its file name and content."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        assert isinstance(part, Message)
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return part.get_filename(), payload if isinstance(payload, bytes) else b""
    return None


def import_objects(stub: KibanaStub, objects: list[dict[str, Any]], *, overwrite: bool) -> dict[str, Any]:
    """Kibana's import: check every object first (references against the upload and the stored objects),
    then store those that pass; the answer lists both."""
    in_upload = {(obj.get("type"), obj.get("id")) for obj in objects}
    successes: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for obj in objects:
        key = (str(obj.get("type")), str(obj.get("id")))
        title = (obj.get("attributes") or {}).get("title")
        head = {"type": key[0], "id": key[1], "meta": {"title": title, "icon": ICONS.get(key[0], "questionInCircle")}}
        missing = [
            {"type": ref.get("type"), "id": ref.get("id")}
            for ref in obj.get("references") or []
            if (ref.get("type"), ref.get("id")) not in in_upload and (ref.get("type"), ref.get("id")) not in stub.stored
        ]
        if key in stub.fail:
            errors.append(
                {**head, "title": title, "error": {"type": "unknown", "message": stub.fail[key], "statusCode": 400}}
            )
        elif key[0] not in SUPPORTED_TYPES:
            errors.append({**head, "title": title, "error": {"type": "unsupported_type"}})
        elif missing:
            errors.append({**head, "title": title, "error": {"type": "missing_references", "references": missing}})
        elif key in stub.stored and not overwrite:
            errors.append({**head, "title": title, "error": {"type": "conflict"}})
        else:
            existed = key in stub.stored
            stub.stored[key] = obj
            successes.append({**head, "managed": False, **({"overwrite": True} if existed else {})})
    answer: dict[str, Any] = {"successCount": len(successes), "success": not errors, "warnings": []}
    if successes:
        answer["successResults"] = successes
    if errors:
        answer["errors"] = errors
    return answer
