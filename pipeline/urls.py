"""Canonical URLs and the document ids derived from them."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote_plus, urlsplit, urlunsplit

#: Query parameters that only track campaigns or clicks; they never change the content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "yclid",
        "_ga",
        "ref_src",
        "igshid",
        "maca",  # DW's feed campaign tag
        "cmpid",
        "ocid",
        "ito",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
    }
)
#: Prefixes of tracking parameter names (``utm_source``; BBC's ``at_campaign``, ``at_medium``...).
TRACKING_PREFIXES = ("utm_", "at_")
DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """Canonical form of a URL: scheme and host lower-cased, default port and fragment dropped,
    tracking parameters (``utm_*``, ``at_*`` and the like) removed, an empty path written as ``/``."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    netloc = host
    if parts.port is not None and parts.port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{parts.port}"
    # Keep the other parameters byte for byte: some sites use bare keys such as ``?dtl/36359/Title``.
    query = "&".join(pair for pair in parts.query.split("&") if pair and not _is_tracking(pair))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def doc_id(url: str) -> str:
    """Hex SHA-256 of the canonical URL: the document's stable id."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()


def host_key(url: str) -> str:
    """The politeness key of a URL: lower-cased host, and its port unless it is the scheme's default.

    Spellings that reach the same server share a key, so they share one request slot and one delay:
    ``https://Example.com.:443/`` and ``https://example.com/`` are both ``example.com``.
    """
    parts = urlsplit(url)
    # A trailing dot only marks the name as fully qualified; the server is the same.
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal: keep its colons apart from the port's
    port = parts.port
    if port is None or port == DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


def _is_tracking(pair: str) -> bool:
    key = unquote_plus(pair.split("=", 1)[0]).lower()
    return key.startswith(TRACKING_PREFIXES) or key in TRACKING_PARAMS
