"""The request guard: refuse URLs and addresses that would let a fetched page reach inside our network (SSRF).

Two layers, because neither is enough alone:

* :meth:`AddressGuard.check_url` runs before a request is sent. It refuses schemes other than
  ``http``/``https``, credentials in the URL, hosts that cannot be valid, and hosts that are IP
  literals of a forbidden kind *in any spelling a resolver or browser accepts* (``127.1``,
  ``2130706433``, ``0x7f.1``, ``[::ffff:7f00:1]``...). It never resolves names.
* :class:`GuardedBackend` is an httpcore network backend. It resolves the host itself, refuses the
  connection if *any* answer is forbidden (a rebinding attacker can mix a public and a private
  answer), connects only to addresses it has checked, and checks the socket's peer address once
  more before any byte is sent. Because it sits under httpx, every redirect hop and every pooled
  connection goes through it.

The backend also enforces the total deadline of the current request, which the client sets in
:data:`REQUEST_DEADLINE`: name resolution, connecting, the TLS handshake and every read and write
are given at most the time left (see :class:`DeadlineStream`), so a server that trickles its status
line and headers cannot hold a request open past its deadline. httpcore's own timeouts only bound
each single socket operation.

Exemptions come from ``Settings.allow_private_hosts``: a host *name* in the list exempts whatever
it resolves to; a *network* exempts its addresses whatever the name.

Install it under an httpx transport like this (httpx 0.28 / httpcore 1.0)::

    transport = httpx.HTTPTransport(...)
    transport._pool = httpcore.ConnectionPool(..., network_backend=GuardedBackend(guard))

TLS is unaffected: httpcore calls ``start_tls`` with ``server_hostname`` taken from the request's
origin (or the ``sni_hostname`` extension), not from the address we connected to, so SNI and
certificate verification still use the URL's host name.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import time
import unicodedata
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpcore
import idna

# SyncStream is httpcore's own socket stream (it implements start_tls, TLS-in-TLS and
# is_readable); it is not re-exported, but wrapping our socket in it keeps the guarded backend
# behaving exactly like the stock SyncBackend once connected. httpcore is pinned to 1.0.x.
from httpcore._backends.sync import SyncStream

from pipeline.errors import BlockedURLError, NetworkError

if TYPE_CHECKING:
    from pipeline.config import Settings

__all__ = [
    "REQUEST_DEADLINE",
    "AddressGuard",
    "DeadlineStream",
    "GuardedBackend",
    "Lookup",
    "forbidden_reason",
    "parse_ip_literal",
    "system_lookup",
]

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

#: A name lookup: ``(host, port)`` to ``(address family, address)`` pairs, like ``getaddrinfo`` for TCP.
Lookup = Callable[[str, int], list[tuple[int, str]]]

#: The ``time.monotonic()`` instant by which the current request must be complete, or None for no
#: deadline. A context variable rather than state on the backend or the stream: one pooled
#: connection serves many requests in turn, and several threads share the backend, so the deadline
#: has to travel with the request being made (httpx's sync client runs it in the caller's thread).
REQUEST_DEADLINE: ContextVar[float | None] = ContextVar("readout_request_deadline", default=None)

# Name lookups run here so that a resolver which never answers can be given up on: getaddrinfo
# itself takes no timeout. Small, because lookups are brief and few hosts are fetched at once;
# a lookup that waits for a free worker spends its own timeout waiting, so it stays bounded.
_LOOKUP_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readout-dns")

_ALLOWED_SCHEMES = frozenset({"http", "https"})

# IPv4 ranges that must never be fetched, most specific first so the reason is the precise one.
# The catch-all at the end of forbidden_reason (``not is_global``) covers anything IANA adds that
# the stdlib knows about but this table does not name.
_V4_RULES: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(net), reason)
    for net, reason in (
        ("0.0.0.0/32", "unspecified"),
        # Linux connects 0.0.0.0/8 to the local host, so "this network" is as bad as loopback.
        ("0.0.0.0/8", "this-network"),
        ("127.0.0.0/8", "loopback"),
        ("10.0.0.0/8", "private"),
        ("172.16.0.0/12", "private"),
        ("192.168.0.0/16", "private"),
        ("169.254.0.0/16", "link-local"),
        ("100.64.0.0/10", "CGNAT"),
        ("224.0.0.0/4", "multicast"),
        ("255.255.255.255/32", "broadcast"),
        ("240.0.0.0/4", "reserved"),
        ("198.18.0.0/15", "benchmarking"),
        ("192.0.2.0/24", "documentation"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        # The deprecated 6to4 relay anycast prefix (RFC 7526): nothing we want lives there.
        ("192.88.99.0/24", "reserved"),
    )
)

# IPv6 ranges checked after the forms that embed an IPv4 address (see forbidden_reason).
_V6_RULES: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(net), reason)
    for net, reason in (
        ("ff00::/8", "multicast"),
        ("fe80::/10", "link-local"),
        # Deprecated (RFC 3879) but still routed by some stacks inside a site.
        ("fec0::/10", "site-local"),
        ("fc00::/7", "unique-local"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("100::/64", "discard"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        # Teredo and the rest of the IETF protocol block (2001::/23) are not globally reachable.
        ("2001::/23", "IETF protocol assignments"),
    )
)

_V4_MAPPED = IPv6Network("::ffff:0:0/96")
_V4_COMPATIBLE = IPv6Network("::/96")
_NAT64 = IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = IPv6Network("2002::/16")
_TEREDO = IPv6Network("2001::/32")
# Everything globally routable in IPv6 today is inside 2000::/3; anything else is reserved.
_GLOBAL_UNICAST = IPv6Network("2000::/3")

# Full stops that IDNA (and browsers) treat as label separators, after NFKC normalisation.
_UNICODE_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
# Characters allowed in an ASCII host name label; "_" appears in real host names.
_HOST_CHARS = re.compile(r"^[a-z0-9._-]+$")
# A last label that a WHATWG URL parser (and inet_aton) would read as a number: if the host does
# not then parse as an IPv4 address it is malformed, never a name to look up.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_HEX = re.compile(r"^[0-9a-f]+$")
_OCTAL = re.compile(r"^[0-7]+$")
_DECIMAL = re.compile(r"^[0-9]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# DNS limits (RFC 1035): 63 octets per label, 253 for the name written without its final dot.
_MAX_LABEL = 63
_MAX_NAME = 253
_JOINERS = frozenset({"\u200c", "\u200d"})


def forbidden_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be fetched (``"loopback"``, ``"private"``...), or None when globally routable.

    IPv6 forms that carry an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo) are
    judged by the IPv4 address they lead to, and the reason says so (``"IPv4-mapped loopback"``).
    """
    if isinstance(address, IPv4Address):
        return _v4_reason(address)
    return _v6_reason(address)


def _v4_reason(address: IPv4Address) -> str | None:
    for network, reason in _V4_RULES:
        if address in network:
            return reason
    # Anything the stdlib knows is not global but the table does not name.
    if not address.is_global:
        return "reserved"
    return None


def _v6_reason(address: IPv6Address) -> str | None:
    # Drop any zone id: it does not change where the address leads, and some ipaddress
    # comparisons treat scoped and unscoped addresses as different.
    address = IPv6Address(address.packed)
    if address == IPv6Address("::"):
        return "unspecified"
    if address == IPv6Address("::1"):
        return "loopback"
    # A dual-stack socket connecting to ::ffff:a.b.c.d talks IPv4 to a.b.c.d, so judge that address.
    if address in _V4_MAPPED:
        inner = _v4_reason(IPv4Address(int(address) & 0xFFFFFFFF))
        return f"IPv4-mapped {inner}" if inner else None
    # IPv4-compatible addresses are deprecated (RFC 4291) and could be tunnelled to the embedded
    # IPv4 address by an automatic tunnel: refuse them all, naming the embedded reason if any.
    if address in _V4_COMPATIBLE:
        inner = _v4_reason(IPv4Address(int(address) & 0xFFFFFFFF))
        return f"IPv4-compatible {inner}" if inner else "IPv4-compatible (deprecated)"
    # A NAT64 gateway forwards 64:ff9b::a.b.c.d to a.b.c.d; a public one is fine (IPv6-only hosts).
    if address in _NAT64:
        inner = _v4_reason(IPv4Address(int(address) & 0xFFFFFFFF))
        return f"NAT64 {inner}" if inner else None
    if address in _SIX_TO_FOUR and address.sixtofour is not None:
        # Decided here by the relay target: Python before 3.11.4 lists all of 2002::/16 as private,
        # and the result must not depend on the interpreter's patch level.
        inner = _v4_reason(address.sixtofour)
        return f"6to4 {inner}" if inner else None
    if address in _TEREDO and address.teredo is not None:
        # Teredo packets end up at the client address (stored inverted in the low 32 bits).
        inner = _v4_reason(address.teredo[1])
        if inner:
            return f"Teredo {inner}"
    for network, reason in _V6_RULES:
        if address in network:
            return reason
    if address not in _GLOBAL_UNICAST or not address.is_global:
        return "reserved"
    return None


def parse_ip_literal(host: str) -> IPAddress | None:
    """The IP address ``host`` spells, or None when it is not an IP literal (a name to resolve).

    Understands every spelling a resolver or browser accepts: IPv4 the way ``inet_aton`` reads it
    (``127.1``, ``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``0x7f000001``), one trailing dot,
    full-width digits and dots (NFKC), IPv6 with or without brackets, with embedded IPv4
    (``::ffff:127.0.0.1``) and with a zone id (``fe80::1%25eth0``, which is dropped).
    """
    text = _normalise_host(host)
    if text.startswith("[") and text.endswith("]"):
        return _parse_v6(text[1:-1])
    if ":" in text:
        return _parse_v6(text)
    if text.endswith("."):
        text = text[:-1]
    return _parse_inet_aton(text)


def _normalise_host(host: str) -> str:
    # NFKC folds full-width digits and letters ("１２７") into ASCII, as IDNA processing does.
    return unicodedata.normalize("NFKC", host).translate(_UNICODE_DOTS).lower()


def _parse_v6(text: str) -> IPv6Address | None:
    # The zone id ("%eth0", or "%25eth0" as RFC 6874 writes it in URLs) only picks an interface.
    text = text.split("%", 1)[0]
    try:
        return IPv6Address(text)
    except ValueError:
        return None


def _parse_inet_aton(text: str) -> IPv4Address | None:
    # inet_aton accepts 1 to 4 parts; the last part fills all the remaining bytes, so "127.1" is
    # 127.0.0.1 and "2130706433" is 127.0.0.1 too. Each part is decimal, 0x-hex or 0-octal.
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        value = _parse_inet_number(part)
        if value is None:
            return None
        values.append(value)
    *head, last = values
    if any(value > 0xFF for value in head) or last >= 1 << (8 * (5 - len(values))):
        return None
    number = last
    for index, value in enumerate(head):
        number |= value << (8 * (3 - index))
    return IPv4Address(number)


def _parse_inet_number(part: str) -> int | None:
    # Long parts cannot be valid and must not reach int() (which limits digits anyway).
    if not part or len(part) > 40:
        return None
    if part.startswith("0x"):
        digits = part[2:]
        if not digits:
            # A bare "0x" is 0 to the WHATWG URL parser; erring towards "it is an address" is safe.
            return 0
        return int(digits, 16) if _HEX.match(digits) else None
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8) if _OCTAL.match(part) else None
    return int(part) if _DECIMAL.match(part) else None


class AddressGuard:
    """Decides which URLs and addresses may be fetched; see the module docstring for the layers."""

    def __init__(
        self,
        allowed_names: frozenset[str] = frozenset(),
        allowed_networks: tuple[IPNetwork, ...] = (),
        *,
        lookup: Lookup | None = None,
    ) -> None:
        """``allowed_names`` exempt whatever they resolve to; ``allowed_networks`` exempt their addresses.

        ``lookup`` resolves names (default :func:`system_lookup`); tests pass a resolver that stalls.
        """
        self.allowed_names = frozenset(_normalise_name(name) for name in allowed_names)
        self.allowed_networks = tuple(allowed_networks)
        self._lookup: Lookup = lookup or system_lookup

    @classmethod
    def from_settings(cls, settings: Settings) -> AddressGuard:
        """A guard with the exemptions in ``settings.allow_private_hosts``."""
        names, networks = settings.private_exemptions()
        return cls(names, networks)

    def is_exempt(self, host: str, address: IPAddress | None = None) -> bool:
        """Whether ``host`` (by name) or ``address`` (by network) is explicitly allowed."""
        if _normalise_name(host) in self.allowed_names:
            return True
        if address is None:
            return False
        candidates: list[IPAddress] = [address]
        if isinstance(address, IPv6Address):
            # Without a zone id, which would make the address compare unequal to unscoped ones.
            candidates = [IPv6Address(address.packed)]
            # An exempt IPv4 network also covers the IPv4-mapped spelling of its addresses.
            if address.ipv4_mapped is not None:
                candidates.append(address.ipv4_mapped)
        return any(candidate in network for candidate in candidates for network in self.allowed_networks)

    def check_url(self, url: str) -> None:
        """Raise :class:`BlockedURLError` unless ``url`` may be requested.

        Refused: a scheme other than http/https, credentials (user info), a missing or malformed
        host, a percent-encoded host, a host name that is not valid IDNA (UTS 46) or hides invisible
        characters, and a host that is a forbidden IP literal in any spelling (unless exempt). Host
        names are not resolved here: :class:`GuardedBackend` checks what they resolve to when
        connecting.
        """
        # urlsplit silently drops tabs and newlines, and browsers do too, so a URL carrying them
        # can be read differently by different parsers. No legitimate URL needs them.
        if _CONTROL.search(url):
            raise BlockedURLError("control characters in URL", url=url)
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            raise BlockedURLError(f"malformed URL: {exc}", url=url) from None
        scheme = parts.scheme.lower()
        if scheme not in _ALLOWED_SCHEMES:
            shown = repr(scheme) if scheme else "missing"
            raise BlockedURLError(f"scheme {shown} is not allowed (only http and https)", url=url)
        netloc = parts.netloc
        # Any "@" means user info: refuse even an empty one, since parsers disagree about where the
        # host starts (for example "http://a\\@127.0.0.1/").
        if "@" in netloc:
            raise BlockedURLError("credentials (user info) in URL are not allowed", url=url)
        try:
            parts.port  # noqa: B018 - validates the port; raises ValueError when out of range
        except ValueError as exc:
            raise BlockedURLError(f"invalid port: {exc}", url=url) from None
        host = _split_host(netloc)
        if not host:
            raise BlockedURLError("URL has no host", url=url)
        self._check_host(host, url)

    def _check_host(self, host: str, url: str) -> None:
        if host.startswith("["):
            if not host.endswith("]") or _parse_v6(host[1:-1]) is None:
                raise BlockedURLError(f"malformed IPv6 address {host!r}", url=url)
        else:
            if "%" in host:
                # A resolver never decodes percent escapes in a name, but a browser or proxy might.
                raise BlockedURLError(f"percent-encoded host {host!r}", url=url)
            normalised = _normalise_host(host)
            ascii_part = "".join(char for char in normalised if char.isascii())
            if ascii_part and not _HOST_CHARS.match(ascii_part):
                raise BlockedURLError(f"invalid character in host {host!r}", url=url)
            labels = normalised.removesuffix(".").split(".")
            if any(not label for label in labels):
                raise BlockedURLError(f"empty label in host {host!r}", url=url)
            if parse_ip_literal(host) is None:
                if _NUMERIC_LABEL.match(labels[-1]):
                    raise BlockedURLError(f"malformed IP address {host!r}", url=url)
                _check_name(host, labels, url)
        address = parse_ip_literal(host)
        if address is None:
            return
        reason = forbidden_reason(address)
        if reason is not None and not self.is_exempt(host, address):
            raise BlockedURLError(f"host {host} is a forbidden address {address} ({reason})", url=url)

    def check_address(self, host: str, address: str) -> None:
        """Raise :class:`BlockedURLError` if ``address`` (that ``host`` resolved or connected to) is forbidden.

        The error's ``url`` is the host name: the caller knows the request URL and may re-raise.
        """
        try:
            parsed = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            raise BlockedURLError(f"{host} resolved to {address!r}, which is not an IP address", url=host) from None
        reason = forbidden_reason(parsed)
        if reason is not None and not self.is_exempt(host, parsed):
            raise BlockedURLError(f"address {address} of host {host} is forbidden ({reason})", url=host)

    def resolve(self, host: str, port: int, *, timeout: float | None = None) -> list[str]:
        """Resolve ``host`` for TCP and return its addresses, every one of them checked.

        Raises :class:`BlockedURLError` if *any* answer is forbidden and not exempt: a rebinding
        attacker can answer with a public and a private address and hope the client tries the
        second. Raises :class:`NetworkError` if the name does not resolve, or if ``timeout`` seconds
        pass first (the message then starts "DNS lookup timed out", and the error's ``__cause__``
        is a :class:`TimeoutError`).
        """
        name = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        try:
            if timeout is None:
                infos = self._lookup(name, port)
            else:
                future = _LOOKUP_POOL.submit(self._lookup, name, port)
                try:
                    infos = future.result(timeout=max(timeout, 0.0))
                except TimeoutError as exc:
                    # The worker cannot be interrupted; it finishes (and is discarded) whenever the
                    # resolver gives up. cancel() only helps if it has not started yet.
                    future.cancel()
                    raise NetworkError(f"DNS lookup timed out after {timeout:.3g}s", url=host) from exc
        except NetworkError:
            raise
        except (OSError, UnicodeError) as exc:
            # UnicodeError: the name cannot be IDNA-encoded (an over-long label, for example).
            raise NetworkError(f"cannot resolve {host}: {exc}", url=host) from exc
        addresses = list(
            dict.fromkeys(address for family, address in infos if family in (socket.AF_INET, socket.AF_INET6))
        )
        if not addresses:
            raise NetworkError(f"cannot resolve {host}: no IPv4 or IPv6 address", url=host)
        for address in addresses:
            self.check_address(host, address)
        return addresses


def system_lookup(host: str, port: int) -> list[tuple[int, str]]:
    """Resolve ``host`` for TCP with the system resolver: ``(family, address)`` for each answer."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [(int(info[0]), str(info[4][0])) for info in infos]


def _check_name(host: str, labels: list[str], url: str) -> None:
    """Refuse a host name that no resolver or browser would read the way it is written.

    ``labels`` are the NFKC-normalised, lower-cased labels of ``host``. Plain ASCII labels are left
    to the caller's character check (they may hold "_" or "--", which real host names use and strict
    IDNA refuses); labels that are internationalised, or claim to be by starting with "xn--", must
    encode under IDNA with UTS 46 mapping, as browsers do. Characters that UTS 46 silently drops
    (zero-width space, soft hyphen, variation selectors...) are refused rather than dropped: a
    name that hides them is a spoofing attempt, and other parsers (httpx's among them) reject it.
    """
    encoded_length = 0
    for label in labels:
        if label.isascii() and not label.startswith("xn--"):
            ascii_label = label
        else:
            for char in label:
                if not char.isascii() and _invisible(char):
                    raise BlockedURLError(f"invisible character U+{ord(char):04X} in host {host!r}", url=url)
            try:
                ascii_label = idna.encode(label, uts46=True).decode("ascii")
            except (idna.IDNAError, UnicodeError) as exc:
                raise BlockedURLError(f"invalid internationalised host name {host!r}: {exc}", url=url) from None
        if len(ascii_label) > _MAX_LABEL:
            raise BlockedURLError(f"label longer than {_MAX_LABEL} characters in host {host!r}", url=url)
        encoded_length += len(ascii_label) + 1
    if encoded_length - 1 > _MAX_NAME:
        raise BlockedURLError(f"host name longer than {_MAX_NAME} characters: {host!r}", url=url)


def _invisible(char: str) -> bool:
    # The zero-width joiner and non-joiner are part of how some scripts (Persian, Indic) are written:
    # IDNA 2008 allows them in the right context, and idna.encode checks that context.
    if char in _JOINERS:
        return False
    # Control, format (zero-width space, soft hyphen, word joiner), separators, private use,
    # surrogates and unassigned code points, and anything UTS 46 maps to nothing.
    if unicodedata.category(char)[0] in "CZ":
        return True
    try:
        return idna.uts46_remap(char, std3_rules=False, transitional=False) == ""
    except (idna.IDNAError, UnicodeError):
        return False  # disallowed outright: idna.encode reports it with a better message


def _normalise_name(host: str) -> str:
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host.lower().rstrip(".")


def _split_host(netloc: str) -> str:
    # netloc has no user info here. Keep brackets so the caller knows an IPv6 literal was meant.
    if netloc.startswith("["):
        end = netloc.find("]")
        return netloc if end < 0 else netloc[: end + 1]
    return netloc.rpartition(":")[0] if ":" in netloc else netloc


def deadline_timeout(timeout: float | None, expired: type[httpcore.TimeoutException]) -> float | None:
    """``timeout`` shortened to the time left before :data:`REQUEST_DEADLINE`; raise ``expired`` if none is left.

    httpcore's timeouts bound each socket operation on its own, so a peer that sends one byte just
    before each read timeout would never time out; the deadline bounds them all together.
    """
    deadline = REQUEST_DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the request's total deadline has passed")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """An httpcore stream whose reads, writes and TLS handshake never outlast the request's deadline.

    It reads :data:`REQUEST_DEADLINE` on every call rather than keeping one: a pooled connection
    carries one request after another, each with its own deadline.
    """

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        """Wrap ``inner``, the stream the stock backend (or ``start_tls``) returned."""
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read up to ``max_bytes``; raise :class:`httpcore.ReadTimeout` once the deadline has passed."""
        return self._inner.read(max_bytes, deadline_timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Send ``buffer``; raise :class:`httpcore.WriteTimeout` once the deadline has passed."""
        self._inner.write(buffer, deadline_timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        """Close the underlying stream."""
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        """Upgrade to TLS within the deadline; the TLS stream is wrapped too, since all reads go through it."""
        bounded = deadline_timeout(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> object:
        """Whatever the underlying stream says (``server_addr``, ``socket``, ``is_readable``...)."""
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """httpcore network backend that resolves the host itself, refuses forbidden addresses, connects to a checked address, and verifies the peer address of the connected socket before returning the stream."""  # noqa: E501

    def __init__(self, guard: AddressGuard) -> None:
        """Connect only where ``guard`` allows."""
        self.guard = guard

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Resolve and check ``host``, then try each checked address in turn, like ``socket.create_connection``.

        The lookup and each connection attempt get at most ``timeout`` seconds and never more than
        is left before :data:`REQUEST_DEADLINE`. The returned stream is a :class:`DeadlineStream`.

        Raises :class:`BlockedURLError` (not an httpcore error, so httpx lets it through unchanged)
        when an answer or the connected peer is forbidden; :class:`httpcore.ConnectError` when the
        name does not resolve or no address accepts the connection, and
        :class:`httpcore.ConnectTimeout` when the lookup or every attempt timed out, as the stock
        backend does.
        """
        try:
            addresses = self.guard.resolve(host, port, timeout=deadline_timeout(timeout, httpcore.ConnectTimeout))
        except NetworkError as exc:
            # Same types as the stock backend's DNS failure, so httpx maps them to its own.
            if isinstance(exc.__cause__, TimeoutError):
                raise httpcore.ConnectTimeout(str(exc)) from exc
            raise httpcore.ConnectError(str(exc)) from exc
        options = list(socket_options or ())
        failures: list[str] = []
        all_timeouts = True
        for address in addresses:
            sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
            try:
                for option in options:
                    # Before connect, so options such as SO_BINDTODEVICE apply to the handshake.
                    sock.setsockopt(*option)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.settimeout(deadline_timeout(timeout, httpcore.ConnectTimeout))
                if local_address is not None:
                    sock.bind((local_address, 0))
                sock.connect((address, port))
                # Defence in depth: check where the socket actually went, not where we meant it to go.
                self.guard.check_address(host, str(sock.getpeername()[0]))
            except OSError as exc:
                sock.close()
                all_timeouts = all_timeouts and isinstance(exc, TimeoutError)
                failures.append(f"{address}: {exc or type(exc).__name__}")
                continue
            except BaseException:
                sock.close()
                raise
            return DeadlineStream(SyncStream(sock))
        detail = "; ".join(failures)
        if all_timeouts:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host} port {port} ({detail})")
        raise httpcore.ConnectError(f"cannot connect to {host} port {port} ({detail})")
