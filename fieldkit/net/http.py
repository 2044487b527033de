"""HTTP(S) probes: status, timing, TLS certificate, captive portal detection (stdlib + cryptography)."""

from __future__ import annotations

import datetime as dt
import http.client
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass, field

from fieldkit.net import resolve
from fieldkit.net.local import egress_source

_BODY_LIMIT = 64 * 1024
_USER_AGENT = "fieldkit-network-check"


@dataclass
class TlsInfo:
    verified: bool
    verify_error: str = ""
    verify_code: int | None = None      # OpenSSL's X509_V_ERR_* number (10 expired, 18 self-signed, ...)
    subject: str = ""
    issuer: str = ""
    not_after: str = ""                 # ISO 8601 UTC
    days_left: float | None = None
    self_signed: bool = False
    version: str = ""

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class HttpResult:
    url: str
    status: int | None = None
    reason: str = ""
    connect_ms: float | None = None     # TCP (+TLS) connection established
    first_byte_ms: float | None = None  # response headers received
    total_ms: float | None = None       # body read (up to 64 KiB)
    location: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    tls: TlsInfo | None = None
    address: str | None = None
    error: str = ""
    error_kind: str = ""                # dns, no-route, refused, timeout, tls, http, error

    @property
    def ok(self) -> bool:
        return self.status is not None


def fetch(url: str, timeout: float = 5.0, ca_file: str | None = None) -> HttpResult:
    """GET ``url`` once, without following redirects (a redirect is information)."""
    result = HttpResult(url)
    parts = urllib.parse.urlsplit(url)
    https = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if https else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    address, why = resolve(host, timeout=timeout)
    if address is None:
        result.error, result.error_kind = why, "dns"
        return result
    result.address = address
    if egress_source(address) is None:
        result.error, result.error_kind = f"no route to {address}", "no-route"
        return result
    start = time.monotonic()
    try:
        raw = socket.create_connection((address, port), timeout=timeout)
    except ConnectionRefusedError:
        result.error, result.error_kind = f"connection to {address}:{port} refused", "refused"
        return result
    except socket.timeout:
        result.error, result.error_kind = f"no answer from {address}:{port} within {timeout:g} s", "timeout"
        return result
    except OSError as exc:
        result.error, result.error_kind = f"connecting to {address}:{port} failed: {exc.strerror or exc}", "error"
        return result
    sock: socket.socket | None = raw
    try:
        if https:
            sock, result.tls = _tls_handshake(raw, address, port, host, timeout, ca_file)
            if sock is None:
                result.error, result.error_kind = f"TLS handshake failed: {result.tls.verify_error}", "tls"
                return result
        result.connect_ms = _ms(start)
        assert sock is not None
        _request(sock, host, parts.port, path, https, result, start)
    except socket.timeout:
        result.error, result.error_kind = f"no HTTP response within {timeout:g} s", "timeout"
    except (http.client.HTTPException, OSError) as exc:
        result.error, result.error_kind = f"HTTP exchange failed: {exc}", "http"
    finally:
        raw.close()
        if sock is not None:
            sock.close()
    return result


def _ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000.0, 3)


def _request(sock: socket.socket, host: str, port: int | None, path: str, https: bool,
             result: HttpResult, start: float) -> None:
    host_header = host if port is None else f"{host}:{port}"
    request = (f"GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: {_USER_AGENT}\r\n"
               "Accept: */*\r\nConnection: close\r\n\r\n")
    sock.sendall(request.encode("ascii", "replace"))
    response = http.client.HTTPResponse(sock, method="GET")
    response.begin()
    result.first_byte_ms = _ms(start)
    result.status, result.reason = response.status, response.reason
    result.headers = {k.lower(): v for k, v in response.getheaders()}
    result.location = result.headers.get("location", "")
    result.body = response.read(_BODY_LIMIT)
    result.total_ms = _ms(start)


def _tls_handshake(raw: socket.socket, address: str, port: int, host: str, timeout: float,
                   ca_file: str | None) -> tuple[ssl.SSLSocket | None, TlsInfo]:
    """Verify the certificate; if that fails, still fetch it (unverified) to say why and when it expires."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    try:
        tls = context.wrap_socket(raw, server_hostname=host)
        info = TlsInfo(verified=True, version=tls.version() or "")
        _describe_cert(tls.getpeercert(binary_form=True), info)
        return tls, info
    except ssl.SSLCertVerificationError as exc:
        info = TlsInfo(verified=False, verify_error=exc.verify_message or str(exc), verify_code=exc.verify_code)
    except ssl.SSLError as exc:
        return None, TlsInfo(verified=False, verify_error=exc.reason or str(exc))
    except OSError as exc:
        return None, TlsInfo(verified=False, verify_error=str(exc))
    # Second connection without verification, only to read the certificate and the status.
    raw.close()
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    try:
        again = socket.create_connection((address, port), timeout=timeout)
        tls = insecure.wrap_socket(again, server_hostname=host)
    except (OSError, ssl.SSLError) as exc:
        info.verify_error += f" (and the unverified retry failed: {exc})"
        return None, info
    info.version = tls.version() or ""
    _describe_cert(tls.getpeercert(binary_form=True), info)
    return tls, info


def _describe_cert(der: bytes | None, info: TlsInfo) -> None:
    if not der:
        return
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    not_after = cert.not_valid_after_utc
    info.subject = cert.subject.rfc4514_string()
    info.issuer = cert.issuer.rfc4514_string()
    info.not_after = not_after.isoformat()
    info.days_left = round((not_after - dt.datetime.now(dt.timezone.utc)).total_seconds() / 86400.0, 1)
    info.self_signed = cert.subject == cert.issuer


@dataclass
class PortalResult:
    url: str
    portal: bool | None                 # None = could not tell
    reason: str                         # technician's words
    http: HttpResult
    kind: str = ""                      # the same as a code: "no-answer", "expected", "redirected", "replaced"
    expected_status: int | None = None


def captive_portal(url: str, expect_status: int = 204, timeout: float = 5.0) -> PortalResult:
    """Fetch a connectivity-check URL whose true answer is known (status ``expect_status``).

    A captive portal (hotel, guest Wi-Fi) intercepts plain HTTP and answers with a
    redirect to its login page or with its own HTML page instead.
    """
    result = fetch(url, timeout=timeout)
    if not result.ok:
        return PortalResult(url, None, f"no answer: {result.error}", result, "no-answer", expect_status)
    if result.status == expect_status:
        return PortalResult(url, False, f"answered {result.status} as expected", result, "expected", expect_status)
    if result.status is not None and 300 <= result.status < 400:
        return PortalResult(url, True, f"redirected ({result.status}) to {result.location or 'another page'}", result,
                            "redirected", expect_status)
    return PortalResult(url, True, f"answered {result.status} instead of {expect_status}: the page was replaced", result,
                        "replaced", expect_status)
