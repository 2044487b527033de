"""SIP OPTIONS "ping" over UDP, TCP and TLS (RFC 3261), SRV lookup, and the SIP ALG tests.

UDP retransmits on Timer E (T1 = 500 ms, doubling, capped at T2 = 4 s, RFC 3261 §17.1.2.2)
until the caller's time limit (Timer F is 32 s; a field check gives up sooner).  The top
Via carries ``;rport`` (RFC 3581) so the server tells us the address and port it saw:
different from ours = NAT on the path.
"""

from __future__ import annotations

import difflib
import re
import secrets
import socket
import ssl
import time
from dataclasses import dataclass, field

from fieldkit import __version__
from fieldkit.options import join_hostport
from fieldkit.voip import sipwire

USER_AGENT = f"fieldkit/{__version__}"
T1_S, T2_S = 0.5, 4.0
COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
           "c": "content-type", "k": "supported", "s": "subject", "e": "content-encoding"}


@dataclass
class SipResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    raw: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)


def parse_response(data: bytes) -> SipResponse | None:
    """Parse a SIP response; None when it is not one (garbage, a request, truncated)."""
    text = data.decode("utf-8", errors="replace")
    head = re.split(r"\r?\n\r?\n", text, maxsplit=1)[0]
    lines = re.split(r"\r?\n", head)
    match = re.match(r"^SIP/2\.0 (\d{3}) ?(.*)$", lines[0])
    if not match:
        return None
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:  # folded header line
            headers[-1] = (headers[-1][0], headers[-1][1] + " " + line.strip())
            continue
        name, sep, value = line.partition(":")
        if not sep:
            continue
        key = name.strip().lower()
        headers.append((COMPACT.get(key, key), value.strip()))
    return SipResponse(int(match.group(1)), match.group(2).strip(), headers, data)


def build_options(*, target_host: str, target_port: int, transport: str, local: tuple[str, int],
                  domain: str | None = None, branch: str | None = None) -> tuple[bytes, dict]:
    """An OPTIONS request (RFC 3261 §11); returns the bytes and the ids used in it."""
    ids = {"branch": branch or "z9hG4bK" + secrets.token_hex(8), "call_id": secrets.token_hex(12) + "@fieldkit",
           "tag": secrets.token_hex(6)}
    host = _uri_host(domain or target_host)
    scheme = "sips" if transport == "TLS" else "sip"
    uri = f"{scheme}:{host}" if domain else f"{scheme}:{host}:{target_port}"
    via_host = _uri_host(local[0])
    lines = [
        f"OPTIONS {uri} SIP/2.0",
        f"Via: SIP/2.0/{transport} {via_host}:{local[1]};branch={ids['branch']};rport",
        "Max-Forwards: 70",
        f"From: <sip:fieldkit@{via_host}>;tag={ids['tag']}",
        f"To: <{uri}>",
        f"Call-ID: {ids['call_id']}",
        "CSeq: 1 OPTIONS",
        f"Contact: <sip:fieldkit@{via_host}:{local[1]};transport={transport.lower()}>",
        "Accept: application/sdp",
        f"User-Agent: {USER_AGENT}",
        "Content-Length: 0",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode(), ids


def _uri_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@dataclass
class OptionsResult:
    transport: str
    target: str
    status: int | None = None
    reason: str = ""
    response_ms: float | None = None
    attempts: int = 0
    server: str | None = None
    allow: str | None = None
    supported: str | None = None
    via_sent: str = ""
    via_received: str | None = None
    received: str | None = None      # Via received= (the source IP the server saw)
    rport: int | None = None         # Via rport= (the source port the server saw)
    local: tuple[str, int] | None = None
    error: str = ""
    kind: str = ""                   # "", "timeout", "refused", "garbage", "tls", "resolve", "error"
    tls_verified: bool | None = None
    raw_excerpt: str = ""

    @property
    def answered(self) -> bool:
        return self.status is not None

    @property
    def nat_detected(self) -> bool | None:
        if self.local is None or (self.received is None and self.rport is None):
            return None
        return (self.received not in (None, self.local[0])) or (self.rport not in (None, self.local[1]))


def options(host: str, port: int, transport: str, *, timeout_s: float = 8.0, domain: str | None = None,
            verify_tls: bool = False) -> OptionsResult:
    """Send one OPTIONS request and wait for the first final or provisional response."""
    transport = transport.upper()
    result = OptionsResult(transport, join_hostport(host, port))
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM if transport == "UDP" else socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        result.error, result.kind = f"cannot resolve {host}: {exc.strerror}", "resolve"
        return result
    try:
        if transport == "UDP":
            _options_udp(result, info, host, port, timeout_s, domain)
        else:
            _options_stream(result, info, host, port, timeout_s, domain, transport == "TLS", verify_tls)
    except OSError as exc:
        result.error, result.kind = f"{exc.strerror or exc}", result.kind or "error"
    return result


def _fill(result: OptionsResult, response: SipResponse, elapsed_s: float) -> None:
    result.status, result.reason = response.status, response.reason
    result.response_ms = elapsed_s * 1000
    result.server = response.header("server") or response.header("user-agent")
    result.allow = response.header("allow")
    result.supported = response.header("supported")
    via = response.header("via")
    result.via_received = via
    if via:
        received = re.search(r";\s*received=([^;,\s]+)", via)
        rport = re.search(r";\s*rport=(\d+)", via)
        result.received = received.group(1).strip("[]") if received else None
        result.rport = int(rport.group(1)) if rport else None
    result.raw_excerpt = response.raw[:600].decode("utf-8", errors="replace")


def _options_udp(result: OptionsResult, info: tuple, host: str, port: int, timeout_s: float,
                 domain: str | None) -> None:
    with socket.socket(info[0], socket.SOCK_DGRAM) as sock:
        sock.connect(info[4])
        result.local = sock.getsockname()[:2]
        request, _ids = build_options(target_host=host, target_port=port, transport="UDP", local=result.local,
                                      domain=domain)
        result.via_sent = _via_line(request)
        start = time.monotonic()
        deadline = start + timeout_s
        interval = T1_S
        next_send = start
        provisional: SipResponse | None = None
        provisional_at = 0.0
        while True:
            now = time.monotonic()
            if now >= deadline:
                if provisional is not None:  # reachable, but no final answer in time
                    _fill(result, provisional, provisional_at - start)
                    result.error = f"only a provisional {provisional.status} answer within {timeout_s:g} s"
                    return
                result.error, result.kind = f"no answer within {timeout_s:g} s ({result.attempts} attempts)", "timeout"
                return
            if now >= next_send:
                sock.send(request)
                result.attempts += 1
                next_send = now + interval
                interval = min(interval * 2, T2_S)
            sock.settimeout(max(0.01, min(next_send, deadline) - time.monotonic()))
            try:
                data = sock.recv(65535)
            except socket.timeout:
                continue
            except ConnectionRefusedError:
                result.error, result.kind = "port closed or blocked: ICMP port unreachable", "refused"
                return
            response = parse_response(data)
            if response is None:
                result.error, result.kind = "answered with something that is not a SIP response", "garbage"
                result.raw_excerpt = data[:200].decode("utf-8", errors="replace")
                return
            if response.status < 200:
                # RFC 3261 §17.1.2.2: after a provisional answer retransmit at T2 and wait for the final one
                if provisional is None:
                    provisional, provisional_at = response, time.monotonic()
                interval = T2_S
                next_send = max(next_send, time.monotonic() + T2_S)
                continue
            _fill(result, response, time.monotonic() - start)
            return


def _options_stream(result: OptionsResult, info: tuple, host: str, port: int, timeout_s: float,
                    domain: str | None, tls: bool, verify: bool) -> None:
    start = time.monotonic()
    deadline = start + timeout_s
    try:
        raw = socket.create_connection(info[4][:2], timeout=timeout_s)
    except ConnectionRefusedError:
        result.error, result.kind = "connection refused (nothing listens on that port)", "refused"
        return
    except socket.timeout:
        result.error, result.kind = f"no TCP connection within {timeout_s:g} s (port filtered?)", "timeout"
        return
    sock: socket.socket = raw
    try:
        if tls:
            sock = _wrap_tls(result, raw, host, verify, max(0.1, deadline - time.monotonic()))
            if sock is None:
                return
        result.local = sock.getsockname()[:2]
        request, _ids = build_options(target_host=host, target_port=port, transport="TLS" if tls else "TCP",
                                      local=result.local, domain=domain)
        result.via_sent = _via_line(request)
        sent_at = time.monotonic()
        sock.sendall(request)
        result.attempts = 1
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            data = sipwire.read_sip_message(sock)
            while data and (parsed := parse_response(data)) is not None and parsed.status < 200:
                data = sipwire.read_sip_message(sock)  # skip provisional answers (100 Trying)
        except socket.timeout:
            result.error, result.kind = f"connected, but no SIP answer within {timeout_s:g} s", "timeout"
            return
        except ssl.SSLError as exc:
            result.error, result.kind = f"TLS error: {exc.reason or exc}", "tls"
            return
        response = parse_response(data) if data else None
        if response is None:
            result.error = "connection closed without an answer" if not data else "answered with something that is not a SIP response"
            result.kind = "garbage" if data else "error"
            result.raw_excerpt = data[:200].decode("utf-8", errors="replace")
            return
        _fill(result, response, time.monotonic() - sent_at)
    finally:
        sock.close()


def _wrap_tls(result: OptionsResult, raw: socket.socket, host: str, verify: bool,
              timeout_s: float) -> ssl.SSLSocket | None:
    """Verified TLS first; on a certificate failure say so and, unless ``verify`` is demanded,
    measure over unverified TLS so the technician still learns whether SIP answers."""
    peer = raw.getpeername()[:2]
    raw.settimeout(timeout_s)
    try:
        wrapped = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
        result.tls_verified = True
        return wrapped
    except ssl.SSLCertVerificationError as exc:
        result.tls_verified = False
        result.error = f"TLS certificate not trusted: {exc.verify_message or exc.reason}"
        raw.close()
        if verify:
            result.kind = "tls"
            return None
    except (ssl.SSLError, OSError) as exc:
        result.error, result.kind = f"TLS handshake failed: {getattr(exc, 'reason', None) or exc}", "tls"
        raw.close()
        return None
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    try:
        raw2 = socket.create_connection(peer, timeout=timeout_s)
        return insecure.wrap_socket(raw2, server_hostname=host)
    except (ssl.SSLError, OSError) as exc:
        result.kind = "tls"
        result.error += f"; unverified retry failed: {exc}"
        return None


def _via_line(request: bytes) -> str:
    for line in request.decode().split("\r\n"):
        if line.lower().startswith("via:"):
            return line[4:].strip()
    return ""


# ---------------------------------------------------------------------------------- SRV (RFC 3263)

def srv_lookup(domain: str, timeout_s: float = 3.0, nameserver: str | None = None) -> dict:
    """``_sip._udp``, ``_sip._tcp`` and ``_sips._tcp`` SRV records of ``domain``."""
    try:
        import dns.exception
        import dns.resolver
    except ImportError:
        return {"error": "dnspython is not installed"}
    resolver = dns.resolver.Resolver(configure=nameserver is None)
    if nameserver:
        host, _, port = nameserver.rpartition(":") if nameserver.count(":") == 1 else (nameserver, "", "")
        resolver.nameservers = [host]
        if port:
            resolver.port = int(port)
    resolver.lifetime = timeout_s
    out: dict[str, object] = {}
    for name in (f"_sip._udp.{domain}", f"_sip._tcp.{domain}", f"_sips._tcp.{domain}"):
        try:
            answer = resolver.resolve(name, "SRV")
            out[name] = sorted(({"priority": r.priority, "weight": r.weight, "port": r.port,
                                 "target": r.target.to_text().rstrip(".")} for r in answer),
                               key=lambda r: (r["priority"], -r["weight"]))
        except dns.resolver.NXDOMAIN:
            out[name] = "no such name"
        except dns.resolver.NoAnswer:
            out[name] = "no SRV record"
        except dns.exception.Timeout:
            out[name] = "DNS timeout"
        except dns.resolver.NoNameservers:
            out[name] = "no DNS server could answer (refused or failed)"
        except dns.exception.DNSException as exc:
            out[name] = f"DNS error: {exc}"
    return out


# ---------------------------------------------------------------------------------- SIP ALG

def build_alg_probe(*, target: str, transport: str, local: tuple[str, int]) -> bytes:
    """An INVITE with the private address in Via, Contact and SDP: what an ALG rewrites."""
    ip = local[0]
    branch = "z9hG4bK" + secrets.token_hex(8)
    sdp = (f"v=0\r\no=fieldkit 1 1 IN IP4 {ip}\r\ns=fieldkit ALG test\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
           f"m=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n")
    lines = [
        f"INVITE sip:alg-test@{target} SIP/2.0",
        f"Via: SIP/2.0/{transport} {ip}:{local[1]};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:fieldkit@{ip}>;tag={secrets.token_hex(6)}",
        f"To: <sip:alg-test@{target}>",
        f"Call-ID: {secrets.token_hex(12)}@{ip}",
        "CSeq: 1 INVITE",
        f"Contact: <sip:fieldkit@{ip}:{local[1]};transport={transport.lower()}>",
        f"User-Agent: {USER_AGENT} (SIP ALG test)",
        "Content-Type: application/sdp",
        f"Content-Length: {len(sdp)}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + sdp).encode()


@dataclass
class AlgResult:
    transport: str
    target: str
    echoed: bool = False
    rewritten: bool | None = None
    changes: list[str] = field(default_factory=list)
    error: str = ""
    swallowed: bool = False   # TCP connected but the SIP message never came back: typical of an ALG


class _Swallowed(Exception):
    """The TCP connection was accepted but the SIP message got no echo."""


def alg_echo_test(host: str, port: int, transport: str, timeout_s: float = 3.0) -> AlgResult:
    """Send the probe to fieldkit's reflector and diff what arrived there against what was sent."""
    transport = transport.upper()
    result = AlgResult(transport, join_hostport(host, port))
    try:
        kind = socket.SOCK_DGRAM if transport == "UDP" else socket.SOCK_STREAM
        info = socket.getaddrinfo(host, port, type=kind)[0]
        if transport == "UDP":
            echo, sent = _alg_udp(info, host, timeout_s)
        else:
            echo, sent = _alg_tcp(info, host, timeout_s)
    except _Swallowed:
        result.swallowed = True
        result.error = (f"the reflector accepted the TCP connection, but the SIP message never came back within "
                        f"{timeout_s:g} s: something on the path swallowed it (SIP ALGs do this)")
        return result
    except socket.timeout:
        result.error = f"no echo within {timeout_s:g} s (reflector not listening on {transport} {port}, or blocked)"
        return result
    except ConnectionRefusedError:
        result.error = f"refused: nothing listens on {transport} port {port} at the reflector"
        return result
    except OSError as exc:
        result.error = f"{exc.strerror or exc}"
        return result
    if not echo:
        result.error = "the connection closed without an echo"
        return result
    arrived = sipwire.scramble(echo)
    if not sipwire.is_sip_request(arrived):
        result.error = "the answer is not a fieldkit reflector echo (another service on that port?)"
        return result
    result.echoed = True
    result.rewritten = arrived != sent
    if result.rewritten:
        result.changes = [line for line in difflib.unified_diff(
            sent.decode(errors="replace").splitlines(), arrived.decode(errors="replace").splitlines(),
            "sent", "arrived at reflector", lineterm="", n=0) if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    return result


def _alg_udp(info: tuple, host: str, timeout_s: float) -> tuple[bytes, bytes]:
    with socket.socket(info[0], socket.SOCK_DGRAM) as sock:
        sock.connect(info[4])
        request = build_alg_probe(target=host, transport="UDP", local=sock.getsockname()[:2])
        sock.settimeout(timeout_s / 3)
        for _ in range(3):  # a lost datagram must not read as "no reflector"
            sock.send(request)
            try:
                return sock.recv(65535), request
            except socket.timeout:
                continue
        raise socket.timeout()


def _alg_tcp(info: tuple, host: str, timeout_s: float) -> tuple[bytes, bytes]:
    with socket.create_connection(info[4][:2], timeout=timeout_s) as sock:
        request = build_alg_probe(target=host, transport="TCP", local=sock.getsockname()[:2])
        sock.sendall(request)
        chunks, total = [], 0
        try:
            while total < len(request):
                chunk = sock.recv(65535)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
        except socket.timeout:
            if not chunks:
                raise _Swallowed() from None
        return b"".join(chunks), request


def via_change(result: OptionsResult) -> tuple[str, str, str] | None:
    """Single-ended ALG hint: which part of the top Via came back changed, as ``(part, sent, returned)``
    with ``part`` "sent-by" or "branch"; None when it came back as sent (or nothing to compare)."""
    if not result.via_sent or not result.via_received:
        return None
    sent = result.via_sent.split(";")
    got = result.via_received.split(";")
    if sent[0].strip().lower() != got[0].strip().lower():
        return "sent-by", sent[0].strip(), got[0].strip()
    sent_branch = next((p for p in sent if p.strip().startswith("branch=")), "")
    got_branch = next((p for p in got if p.strip().startswith("branch=")), "")
    if sent_branch.strip() != got_branch.strip():
        return "branch", sent_branch.strip(), got_branch.strip()
    return None


def via_heuristic(result: OptionsResult) -> str | None:
    """The hint of :func:`via_change` in the technician's words (inconclusive)."""
    change = via_change(result)
    if change is None:
        return None
    part, sent, got = change
    if part == "sent-by":
        return f"the Via sent-by came back changed ({sent} -> {got})"
    return "the Via branch came back changed"
