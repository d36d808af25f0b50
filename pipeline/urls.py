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
#: Host prefixes of a site's mobile and AMP copies (``m.example.com`` is ``example.com``).
VARIANT_HOST_PREFIXES = ("m.", "mobile.", "amp.")
#: Path segments that only select the AMP or print view of a page (``/amp/2021/x.html``, ``/news/x/amp``).
VARIANT_SEGMENTS = frozenset({"amp", "print"})
#: Query parameters (lower-cased key → values, "" for a bare key) that only select the AMP or print view.
VARIANT_PARAMS = {
    "amp": frozenset({"", "1", "true"}),
    "outputtype": frozenset({"amp"}),
    "print": frozenset({"", "1", "true", "yes"}),
    "output": frozenset({"print", "amp"}),
}


def canonical_url(url: str, *, variants: bool = True) -> str:
    """Canonical form of a URL: scheme and host lower-cased, default port and fragment dropped,
    tracking parameters (``utm_*``, ``at_*`` and the like) removed, an empty path written as ``/``.

    The AMP, mobile and print views of a page are the page (``variants``): a ``m.``, ``mobile.`` or ``amp.``
    host prefix, an ``amp`` or ``print`` path segment and ``?amp``, ``?print=1``, ``?output=print`` are
    dropped. ``variants=False`` gives the form documents stored before that rule were keyed by
    (:func:`legacy_doc_id`)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    path = parts.path or "/"
    if variants:
        host = _main_host(host)
        path = _main_path(path)
    if ":" in host:
        host = f"[{host}]"
    netloc = host
    if parts.port is not None and parts.port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{parts.port}"
    # Keep the other parameters byte for byte: some sites use bare keys such as ``?dtl/36359/Title``.
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not _is_tracking(pair) and not (variants and _is_variant(pair))
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def doc_id(url: str) -> str:
    """Hex SHA-256 of the canonical URL: the document's stable id."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()


def legacy_doc_id(url: str) -> str:
    """The id a document stored before AMP, mobile and print views were folded (migration 0008) has for ``url``:
    such a document keeps its id, and the catalog looks it up under this one when :func:`doc_id` finds none."""
    return hashlib.sha256(canonical_url(url, variants=False).encode("utf-8")).hexdigest()


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


def _main_host(host: str) -> str:
    for prefix in VARIANT_HOST_PREFIXES:
        # Only a prefix before a name of at least two labels: "m.example.com", never "m.com" itself.
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    return host


def _main_path(path: str) -> str:
    segments = path.split("/")
    kept = [segment for segment in segments if segment.lower() not in VARIANT_SEGMENTS]
    if len(kept) == len(segments):
        return path
    return "/".join(kept) or "/"


def _is_variant(pair: str) -> bool:
    key, _, value = pair.partition("=")
    allowed = VARIANT_PARAMS.get(unquote_plus(key).lower())
    return allowed is not None and unquote_plus(value).lower() in allowed


def _is_tracking(pair: str) -> bool:
    key = unquote_plus(pair.split("=", 1)[0]).lower()
    return key.startswith(TRACKING_PREFIXES) or key in TRACKING_PARAMS
