"""The SSRF request guard: IP literal spellings, URL checks, exemptions, resolution and real connections.

The connection tests run a real HTTP(S) server on 127.0.0.1 and go through httpx with the guarded
backend installed the way the client installs it; nothing of ours is mocked.
"""

from __future__ import annotations

import contextlib
import http.server
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from pathlib import Path

import httpcore
import httpx
import pytest

from pipeline.config import Settings
from pipeline.errors import BlockedURLError, NetworkError
from pipeline.fetch.guard import (
    REQUEST_DEADLINE,
    AddressGuard,
    DeadlineStream,
    GuardedBackend,
    forbidden_reason,
    parse_ip_literal,
)

# (host as written in a URL, reason the guard must give)
FORBIDDEN_HOSTS: list[tuple[str, str]] = [
    ("127.0.0.1", "loopback"),
    ("127.1", "loopback"),
    ("127.0.1", "loopback"),
    ("2130706433", "loopback"),
    ("0x7f.1", "loopback"),
    ("0X7F.0.0.1", "loopback"),
    ("0177.0.0.1", "loopback"),
    ("017700000001", "loopback"),
    ("0x7f000001", "loopback"),
    ("127.0.0.1.", "loopback"),
    ("127.255.255.254", "loopback"),
    ("\uff11\uff12\uff17.\uff10.\uff10.\uff11", "loopback"),  # full-width digits
    ("127\u30020\u30020\u30021", "loopback"),  # ideographic full stops
    ("[::1]", "loopback"),
    ("[0:0:0:0:0:0:0:1]", "loopback"),
    ("[::ffff:127.0.0.1]", "IPv4-mapped loopback"),
    ("[::ffff:7f00:1]", "IPv4-mapped loopback"),
    ("[0:0:0:0:0:ffff:127.0.0.1]", "IPv4-mapped loopback"),
    ("[::FFFF:7F00:0001]", "IPv4-mapped loopback"),
    ("[::ffff:10.0.0.1]", "IPv4-mapped private"),
    ("[::ffff:a9fe:a9fe]", "IPv4-mapped link-local"),
    ("[::127.0.0.1]", "IPv4-compatible loopback"),
    ("[64:ff9b::127.0.0.1]", "NAT64 loopback"),
    ("[64:ff9b::a00:1]", "NAT64 private"),
    ("[2002:7f00:1::]", "6to4 loopback"),
    ("[2002:c0a8:101::1]", "6to4 private"),
    ("[2001:0:4136:e378:8000:63bf:80ff:fffe]", "Teredo loopback"),
    ("[fe80::1]", "link-local"),
    ("[fe80::1%25eth0]", "link-local"),
    ("[fc00::1]", "unique-local"),
    ("[fd12:3456::1]", "unique-local"),
    ("[fec0::1]", "site-local"),
    ("[ff02::1]", "multicast"),
    ("[::]", "unspecified"),
    ("[2001:db8::1]", "documentation"),
    ("[100::1]", "discard"),
    ("10.0.0.1", "private"),
    ("10.1", "private"),
    ("172.16.5.4", "private"),
    ("192.168.1.1", "private"),
    ("3232235777", "private"),  # 192.168.1.1
    ("0300.0250.0.01", "private"),  # 192.168.0.1
    ("169.254.169.254", "link-local"),
    ("0xa9.0xfe.0xa9.0xfe", "link-local"),
    ("100.64.0.1", "CGNAT"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("0", "unspecified"),
    ("0.1.2.3", "this-network"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("198.18.0.1", "benchmarking"),
    ("192.0.2.1", "documentation"),
    ("203.0.113.7", "documentation"),
    ("192.0.0.8", "IETF protocol assignments"),
]

ALLOWED_HOSTS: list[str] = [
    "8.8.8.8",
    "93.184.216.34",
    "1.1.1.1",
    "134744072",  # 8.8.8.8
    "0x08080808",
    "010.010.010.010",  # octal 8.8.8.8
    "8.8.8.8.",
    "[2606:4700::1111]",
    "[2001:4860:4860::8888]",
    "[::ffff:8.8.8.8]",
    "[64:ff9b::808:808]",  # NAT64 of 8.8.8.8
    "[2002:808:808::1]",  # 6to4 of 8.8.8.8
    "example.com",
    "EXAMPLE.com.",
    "localhost",  # a name: only resolution can judge it
    "my_host.example.org",
    "xn--bcher-kva.example",
    "b\u00fccher.example",
    "XN--BCHER-KVA.example",
    "fa\u00df.de",  # ß is kept (non-transitional UTS 46), as browsers do
    "\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444",  # пример.рф
    "\u0646\u0627\u0645\u0647\u200c\u0627\u06cc.example",  # Persian: a zero-width non-joiner where it belongs
    "r3---sn-abc.googlevideo.com",  # "--" in an ASCII label: real, though strict IDNA refuses it
    "a" * 63 + ".example",
]

# (spelling, address) for parse_ip_literal
LITERALS: list[tuple[str, str]] = [
    ("127.1", "127.0.0.1"),
    ("2130706433", "127.0.0.1"),
    ("0x7f.1", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"),
    ("0x7f000001", "127.0.0.1"),
    ("127.0.0.1.", "127.0.0.1"),
    ("1.2.3", "1.2.0.3"),
    ("0x", "0.0.0.0"),
    ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
    ("::ffff:7f00:1", "::ffff:7f00:1"),
    ("[fe80::1%25eth0]", "fe80::1"),
    ("fe80::1%eth0", "fe80::1"),
    ("\uff18.\uff18.\uff18.\uff18", "8.8.8.8"),
]

NOT_LITERALS = ["example.com", "localhost", "1.2.3.256", "256.1", "08.0.0.1", "0x1g", "1.2.3.4.5", "", "[::1", "1..2"]

# Spellings the C library's inet_aton accepts, to check that we read them the same way.
INET_ATON_SPELLINGS = ["127.1", "127.0.1", "2130706433", "0x7f.1", "0177.0.0.1", "0x7f000001", "010.010.010.010"]


@pytest.fixture
def guard() -> AddressGuard:
    return AddressGuard()


# --- literals and reasons ---------------------------------------------------------------------------


@pytest.mark.parametrize(("host", "reason"), FORBIDDEN_HOSTS)
def test_check_url_refuses_forbidden_literal(guard: AddressGuard, host: str, reason: str) -> None:
    with pytest.raises(BlockedURLError, match=f"\\({reason}\\)") as info:
        guard.check_url(f"http://{host}:8080/path")
    assert info.value.url == f"http://{host}:8080/path"
    assert info.value.permanent


@pytest.mark.parametrize(("host", "reason"), FORBIDDEN_HOSTS)
def test_forbidden_reason_of_each_spelling(host: str, reason: str) -> None:
    address = parse_ip_literal(host)
    assert address is not None
    assert forbidden_reason(address) == reason


@pytest.mark.parametrize("host", ALLOWED_HOSTS)
def test_check_url_allows_public_hosts(guard: AddressGuard, host: str) -> None:
    guard.check_url(f"https://{host}/feed.xml?x=1")
    address = parse_ip_literal(host)
    if address is not None:
        assert forbidden_reason(address) is None


@pytest.mark.parametrize(("spelling", "expected"), LITERALS)
def test_parse_ip_literal(spelling: str, expected: str) -> None:
    assert parse_ip_literal(spelling) == ip_address(expected)


@pytest.mark.parametrize("spelling", NOT_LITERALS)
def test_parse_ip_literal_rejects_names_and_malformed(spelling: str) -> None:
    assert parse_ip_literal(spelling) is None


@pytest.mark.parametrize("spelling", INET_ATON_SPELLINGS)
def test_parse_ip_literal_agrees_with_inet_aton(spelling: str) -> None:
    address = parse_ip_literal(spelling)
    assert isinstance(address, IPv4Address)
    assert address.packed == socket.inet_aton(spelling)


def test_teredo_and_mapped_with_public_inner_address() -> None:
    # Mapped and NAT64 forms of a public address are fine; IPv4-compatible ones are deprecated.
    assert forbidden_reason(IPv6Address("::ffff:8.8.8.8")) is None
    assert forbidden_reason(IPv6Address("64:ff9b::8.8.8.8")) is None
    assert forbidden_reason(IPv6Address("::8.8.8.8")) == "IPv4-compatible (deprecated)"
    # Outside 2000::/3 nothing is globally routable today.
    assert forbidden_reason(IPv6Address("5f00::1")) == "reserved"


# --- check_url --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/file", "scheme 'ftp'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("gopher://example.com:70/_GET", "scheme 'gopher'"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("data:text/html,hello", "scheme 'data'"),
        ("example.com/no-scheme", "scheme missing"),
        ("http://user:pw@example.com/", "credentials"),
        ("http://user@example.com/", "credentials"),
        ("http://@example.com/", "credentials"),
        ("http://example.com\\@127.0.0.1/", "credentials"),
        ("http:///path", "no host"),
        ("http://:80/", "no host"),
        ("https://", "no host"),
        ("http://example.com:99999/", "invalid port"),
        ("http://exa mple.com/", "invalid character"),
        ("http://example.com\t/", "control characters"),
        ("http://%31%32%37.0.0.1/", "percent-encoded"),
        ("http://1.2.3.256/", "malformed IP address"),
        ("http://08.0.0.1/", "malformed IP address"),
        ("http://a..example/", "empty label"),
        ("http://[127.0.0.1]/", "malformed"),
        ("http://[::1/", "malformed"),
        ("http://\u2603.example/", "invalid internationalised host name"),  # ☃ is not allowed in IDNA
        ("http://xn--a.com/", "invalid internationalised host name"),  # not valid Punycode
        ("http://xn--/", "invalid internationalised host name"),
        ("http://a\u200cb.example/", "invalid internationalised host name"),  # joiner out of context
        ("http://exa\u200bmple.com/", "invisible character U\\+200B"),  # zero-width space
        ("http://exa\u00admple.com/", "invisible character U\\+00AD"),  # soft hyphen
        ("http://exa\ufe0fmple.com/", "invisible character U\\+FE0F"),  # variation selector
        ("http://exa\u3000mple.com/", "invalid character"),  # ideographic space, a space after NFKC
        ("http://" + "a" * 64 + ".example/", "label longer than 63"),
        ("http://" + "\u00fc" + "a" * 60 + ".example/", "Label too long"),  # 61 characters, 68 once encoded
        ("http://" + "abcdefghij." * 25 + "example/", "host name longer than 253"),
        ("http://./", "empty label"),
    ],
)
def test_check_url_refusals(guard: AddressGuard, url: str, message: str) -> None:
    with pytest.raises(BlockedURLError, match=message):
        guard.check_url(url)


def test_check_url_scheme_is_case_insensitive(guard: AddressGuard) -> None:
    guard.check_url("HTTPS://Example.COM/A")
    with pytest.raises(BlockedURLError, match="scheme"):
        guard.check_url("FILE:///etc/passwd")


# --- exemptions -------------------------------------------------------------------------------------


def test_exempt_by_name_is_case_insensitive_and_ignores_trailing_dot() -> None:
    guard = AddressGuard(allowed_names=frozenset({"Intranet.Example."}))
    for host in ("intranet.example", "INTRANET.example.", "Intranet.Example"):
        assert guard.is_exempt(host)
        guard.check_address(host, "10.0.0.5")
        guard.check_address(host, "::1")
    assert not guard.is_exempt("other.example", ip_address("10.0.0.5"))
    with pytest.raises(BlockedURLError, match="private"):
        guard.check_address("other.example", "10.0.0.5")


def test_exempt_by_network_whatever_the_name() -> None:
    guard = AddressGuard(allowed_networks=(ip_network("10.0.0.0/8"), ip_network("fd00::/8")))
    guard.check_url("http://10.1.2.3/")
    guard.check_url("http://0x0a.1/")  # 10.0.0.1 spelt in hex
    guard.check_url("http://[::ffff:10.0.0.1]/")  # the mapped spelling is covered too
    guard.check_url("http://[fd00::5]/")
    guard.check_address("anything.example", "10.9.9.9")
    assert guard.is_exempt("x", ip_address("fd00::1"))
    assert not guard.is_exempt("x", ip_address("127.0.0.1"))
    with pytest.raises(BlockedURLError, match="private"):
        guard.check_url("http://192.168.0.1/")
    with pytest.raises(BlockedURLError, match="loopback"):
        guard.check_address("anything.example", "127.0.0.1")


def test_from_settings_splits_names_and_networks() -> None:
    settings = Settings(_env_file=None, allow_private_hosts="intranet.example., 10.0.0.0/8, fd00::/8")
    guard = AddressGuard.from_settings(settings)
    assert guard.is_exempt("INTRANET.example")
    assert guard.is_exempt("x", ip_address("10.2.3.4"))
    assert guard.is_exempt("x", ip_address("fd00::9"))
    assert not guard.is_exempt("x", ip_address("192.168.1.1"))


def test_check_address_message_names_host_address_and_reason(guard: AddressGuard) -> None:
    with pytest.raises(BlockedURLError) as info:
        guard.check_address("evil.example", "::ffff:127.0.0.1")
    message = str(info.value)
    assert "evil.example" in message
    assert "::ffff:127.0.0.1" in message
    assert "IPv4-mapped loopback" in message
    guard.check_address("good.example", "93.184.216.34")


# --- resolve ----------------------------------------------------------------------------------------


def _localhost_answers() -> list[str]:
    infos = socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def test_resolve_blocks_localhost(guard: AddressGuard) -> None:
    with pytest.raises(BlockedURLError, match="loopback"):
        guard.resolve("localhost", 80)


def test_resolve_blocks_literal_spellings(guard: AddressGuard) -> None:
    # getaddrinfo reads these as 127.0.0.1; whatever it reads, the answer is checked.
    for host in ("127.1", "2130706433", "0x7f.1", "::1", "[::1]"):
        with pytest.raises(BlockedURLError, match="loopback"):
            guard.resolve(host, 80)


def test_resolve_exempt_name_returns_all_answers() -> None:
    guard = AddressGuard(allowed_names=frozenset({"localhost"}))
    assert guard.resolve("localhost", 80) == _localhost_answers()


@pytest.mark.parametrize("exempt", ["127.0.0.0/8", "::1/128"])
def test_resolve_refuses_mixed_answers(exempt: str) -> None:
    # 'localhost' answers 127.0.0.1 and, on many hosts, ::1: exempting only one network must refuse
    # the whole answer when the other address is also present (a rebinding answer mixes addresses).
    answers = _localhost_answers()
    network = ip_network(exempt)
    guard = AddressGuard(allowed_networks=(network,))
    outside = [address for address in answers if ip_address(address) not in network]
    if outside:
        with pytest.raises(BlockedURLError, match=f"address {outside[0]} of host localhost"):
            guard.resolve("localhost", 80)
    else:
        assert guard.resolve("localhost", 80) == answers


def test_resolve_refuses_mixed_answers_when_both_present() -> None:
    answers = _localhost_answers()
    guard = AddressGuard(allowed_networks=(ip_network("::1/128"),))
    if "127.0.0.1" not in answers:
        pytest.skip("localhost does not resolve to 127.0.0.1 here")
    with pytest.raises(BlockedURLError, match=r"127\.0\.0\.1"):
        guard.resolve("localhost", 80)
    both = AddressGuard(allowed_networks=(ip_network("::1/128"), ip_network("127.0.0.0/8")))
    assert both.resolve("localhost", 80) == answers


def test_resolve_failure_is_network_error(guard: AddressGuard) -> None:
    with pytest.raises(NetworkError, match="cannot resolve") as info:
        guard.resolve("nonexistent.invalid", 80)
    assert not info.value.permanent


def test_a_lookup_that_never_answers_is_given_up_at_the_timeout() -> None:
    # A resolver that hangs until released, standing in for a DNS server that never replies
    # (getaddrinfo itself takes no timeout).
    released = threading.Event()
    calls: list[str] = []

    def stalled(host: str, port: int) -> list[tuple[int, str]]:
        calls.append(host)
        released.wait(30)
        return [(socket.AF_INET, "93.184.216.34")]

    guard = AddressGuard(lookup=stalled)
    try:
        with pytest.raises(NetworkError, match="DNS lookup timed out") as info:
            guard.resolve("slow.example", 80, timeout=0.2)
        assert isinstance(info.value.__cause__, TimeoutError)
        with pytest.raises(httpcore.ConnectTimeout, match="DNS lookup timed out"):
            GuardedBackend(guard).connect_tcp("slow.example", 80, timeout=0.2)
        assert calls == ["slow.example", "slow.example"]
    finally:
        released.set()


def test_an_injected_lookup_is_checked_like_the_system_one() -> None:
    guard = AddressGuard(lookup=lambda host, port: [(socket.AF_INET, "93.184.216.34"), (socket.AF_INET, "10.0.0.7")])
    with pytest.raises(BlockedURLError, match=r"10\.0\.0\.7 of host rebind\.example is forbidden \(private\)"):
        guard.resolve("rebind.example", 80, timeout=5)


# --- real connections -------------------------------------------------------------------------------


class CountingServer(http.server.ThreadingHTTPServer):
    """Counts accepted connections and served requests."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CountingHandler)
        self.connections = 0
        self.hits = 0
        self.lock = threading.Lock()

    def verify_request(self, request: object, client_address: object) -> bool:
        with self.lock:
            self.connections += 1
        return True


class CountingHandler(http.server.BaseHTTPRequestHandler):
    server: CountingServer

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.hits += 1
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(server: CountingServer) -> Iterator[CountingServer]:
    """Run ``server`` in a thread for the duration of the block."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def server() -> Iterator[CountingServer]:
    with serving(CountingServer()) as running:
        yield running


def guarded_client(guard: AddressGuard, ssl_context: ssl.SSLContext | None = None) -> httpx.Client:
    """An httpx client with the guarded backend installed exactly as the fetch client does it."""
    transport = httpx.HTTPTransport(trust_env=False, retries=0)
    transport._pool = httpcore.ConnectionPool(ssl_context=ssl_context, network_backend=GuardedBackend(guard))
    return httpx.Client(transport=transport, trust_env=False, follow_redirects=False)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.1", "[::ffff:127.0.0.1]"])
def test_blocked_request_never_reaches_the_server(server: CountingServer, host: str) -> None:
    port = server.server_address[1]
    with guarded_client(AddressGuard()) as client, pytest.raises(BlockedURLError, match="loopback"):
        client.get(f"http://{host}:{port}/")
    assert server.connections == 0
    assert server.hits == 0


def test_exempt_network_request_succeeds(server: CountingServer) -> None:
    port = server.server_address[1]
    guard = AddressGuard(allowed_networks=(ip_network("127.0.0.1/32"),))
    # Streamed, so the peer address can be read before the server closes the connection.
    with guarded_client(guard) as client, client.stream("GET", f"http://127.0.0.1:{port}/") as response:
        assert response.extensions["network_stream"].get_extra_info("server_addr") == ("127.0.0.1", port)
        assert response.status_code == 200
        assert response.read() == b"ok"
    assert server.hits == 1


def test_exempt_name_request_succeeds(server: CountingServer) -> None:
    if "127.0.0.1" not in _localhost_answers():
        pytest.skip("localhost does not resolve to 127.0.0.1 here")
    port = server.server_address[1]
    guard = AddressGuard(allowed_names=frozenset({"localhost"}))
    with guarded_client(guard) as client:
        assert client.get(f"http://localhost:{port}/").status_code == 200
    assert server.hits == 1


def test_peer_address_is_checked_after_connecting(server: CountingServer) -> None:
    # Simulate a resolver whose answer was not checked (the DNS answer changing between the check and
    # the connect): the peer-address check must still refuse before any request byte is sent.
    class UncheckedResolver(AddressGuard):
        def resolve(self, host: str, port: int, *, timeout: float | None = None) -> list[str]:
            return ["127.0.0.1"]

    port = server.server_address[1]
    with guarded_client(UncheckedResolver()) as client, pytest.raises(BlockedURLError, match="loopback"):
        client.get(f"http://127.0.0.1:{port}/")
    assert server.hits == 0


def test_no_listener_raises_connect_error() -> None:
    exempt = AddressGuard(allowed_networks=(ip_network("127.0.0.0/8"),))
    # A bound socket that does not listen refuses connections, and nobody else can take its port.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        with pytest.raises(httpcore.ConnectError, match=r"127\.0\.0\.1"):
            GuardedBackend(exempt).connect_tcp("127.0.0.1", port, timeout=5)
        with guarded_client(exempt) as client, pytest.raises(httpx.ConnectError):
            client.get(f"http://127.0.0.1:{port}/")


def test_unresolvable_host_raises_connect_error() -> None:
    with guarded_client(AddressGuard()) as client, pytest.raises(httpx.ConnectError, match="cannot resolve"):
        client.get("http://nonexistent.invalid/")


def test_a_passed_request_deadline_stops_the_connection_before_it_starts(server: CountingServer) -> None:
    port = server.server_address[1]
    exempt = AddressGuard(allowed_networks=(ip_network("127.0.0.0/8"),))
    token = REQUEST_DEADLINE.set(time.monotonic() - 1)
    try:
        with pytest.raises(httpcore.ConnectTimeout, match="deadline"):
            GuardedBackend(exempt).connect_tcp("127.0.0.1", port, timeout=5)
    finally:
        REQUEST_DEADLINE.reset(token)
    assert server.connections == 0


def test_reads_on_a_connected_stream_stop_at_the_request_deadline() -> None:
    exempt = AddressGuard(allowed_networks=(ip_network("127.0.0.0/8"),))
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        stream = GuardedBackend(exempt).connect_tcp("127.0.0.1", port, timeout=5)
        peer, _ = listener.accept()
        try:
            assert isinstance(stream, DeadlineStream)
            peer.sendall(b"x")
            assert stream.read(10, timeout=5) == b"x"  # no deadline set: a plain stream
            # The deadline is read at each call, so a pooled connection obeys each request's own.
            token = REQUEST_DEADLINE.set(time.monotonic() - 1)
            try:
                peer.sendall(b"y")
                with pytest.raises(httpcore.ReadTimeout, match="deadline"):
                    stream.read(10, timeout=5)
                with pytest.raises(httpcore.WriteTimeout, match="deadline"):
                    stream.write(b"GET / HTTP/1.1\r\n", timeout=5)
            finally:
                REQUEST_DEADLINE.reset(token)
            assert stream.read(10, timeout=5) == b"y"
        finally:
            peer.close()
            stream.close()


def test_socket_options_are_applied() -> None:
    exempt = AddressGuard(allowed_networks=(ip_network("127.0.0.0/8"),))
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
        stream = GuardedBackend(exempt).connect_tcp("127.0.0.1", port, timeout=5, socket_options=options)
        try:
            sock = stream.get_extra_info("socket")
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        finally:
            stream.close()


# --- TLS: SNI and certificate checks still use the URL's host name ----------------------------------


@pytest.fixture(scope="module")
def localhost_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    # A certificate for the name only (no IP SAN): it verifies only if the TLS layer checks
    # "localhost", not the 127.0.0.1 we actually connect to.
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_tls_uses_the_url_host_for_sni_and_verification(localhost_cert: tuple[Path, Path]) -> None:
    if "127.0.0.1" not in _localhost_answers():
        pytest.skip("localhost does not resolve to 127.0.0.1 here")
    cert, key = localhost_cert
    server_names: list[str | None] = []
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    server_context.sni_callback = lambda _sock, name, _ctx: server_names.append(name)
    tls_server = CountingServer()
    tls_server.socket = server_context.wrap_socket(tls_server.socket, server_side=True)
    client_context = ssl.create_default_context(cafile=str(cert))
    guard = AddressGuard(allowed_networks=(ip_network("127.0.0.1/32"),))
    with serving(tls_server) as running:
        port = running.server_address[1]
        with (
            guarded_client(guard, client_context) as client,
            client.stream("GET", f"https://localhost:{port}/") as response,
        ):
            assert response.extensions["network_stream"].get_extra_info("server_addr") == ("127.0.0.1", port)
            assert response.status_code == 200
            assert response.read() == b"ok"
        assert server_names == ["localhost"]
        assert running.hits == 1
