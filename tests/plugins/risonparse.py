"""A small rison decoder, written from the rison grammar, to read Kibana URLs back in tests.

Independent of the encoder under test (``pipeline.index.kibana.rison``), so a test that decodes what
the encoder wrote checks both against the notation rather than against each other's mistakes.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

_NOT_IDCHAR = " '!:(),*@$"
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")


class RisonError(ValueError):
    pass


def loads(text: str) -> Any:
    value, end = _value(text, 0)
    if end != len(text):
        raise RisonError(f"trailing characters at {end}: {text[end:]!r}")
    return value


def discover_state(url: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(the URL before the fragment + the fragment's path, ``_g``, ``_a``) of a Kibana Discover URL."""
    parts = urlsplit(url)
    route, _, query = parts.fragment.partition("?")
    params = dict(pair.split("=", 1) for pair in query.split("&"))
    base = f"{parts.scheme}://{parts.netloc}{parts.path}#{route}"
    return base, loads(unquote(params["_g"])), loads(unquote(params["_a"]))


def _value(text: str, i: int) -> tuple[Any, int]:
    if i >= len(text):
        raise RisonError("unexpected end")
    char = text[i]
    if char == "(":
        return _object(text, i + 1)
    if char == "'":
        return _string(text, i + 1)
    if char == "!":
        return _bang(text, i + 1)
    if char == "-" or char.isdigit():
        match = _NUMBER.match(text, i)
        if not match:
            raise RisonError(f"bad number at {i}")
        number = match.group()
        return (float(number) if any(c in number for c in ".eE") else int(number)), match.end()
    start = i
    while i < len(text) and text[i] not in _NOT_IDCHAR:
        i += 1
    if i == start:
        raise RisonError(f"unexpected {char!r} at {start}")
    return text[start:i], i


def _object(text: str, i: int) -> tuple[dict[str, Any], int]:
    result: dict[str, Any] = {}
    if text[i : i + 1] == ")":
        return result, i + 1
    while True:
        key, i = _value(text, i)
        if not isinstance(key, str) or text[i : i + 1] != ":":
            raise RisonError(f"expected key: at {i}")
        result[key], i = _value(text, i + 1)
        if text[i : i + 1] == ",":
            i += 1
        elif text[i : i + 1] == ")":
            return result, i + 1
        else:
            raise RisonError(f"expected , or ) at {i}")


def _string(text: str, i: int) -> tuple[str, int]:
    out: list[str] = []
    while i < len(text):
        char = text[i]
        if char == "'":
            return "".join(out), i + 1
        if char == "!":
            if i + 1 >= len(text) or text[i + 1] not in "!'":
                raise RisonError(f"bad escape at {i}")
            out.append(text[i + 1])
            i += 2
            continue
        out.append(char)
        i += 1
    raise RisonError("unterminated string")


def _bang(text: str, i: int) -> tuple[Any, int]:
    char = text[i : i + 1]
    if char == "t":
        return True, i + 1
    if char == "f":
        return False, i + 1
    if char == "n":
        return None, i + 1
    if char == "(":
        items: list[Any] = []
        i += 1
        if text[i : i + 1] == ")":
            return items, i + 1
        while True:
            item, i = _value(text, i)
            items.append(item)
            if text[i : i + 1] == ",":
                i += 1
            elif text[i : i + 1] == ")":
                return items, i + 1
            else:
                raise RisonError(f"expected , or ) at {i}")
    raise RisonError(f"unknown !{char} at {i}")
