"""``fieldkit reflect``: the far end of the VoIP path test.

* TWAMP-light test packets (RFC 5357 Appendix I) are answered with the reflector's own
  receive (T2, kernel timestamp) and send (T3) timestamps, a per-client sequence number
  (so the sender can split loss into upstream and downstream), the TTL and the TOS byte
  it received.  The reply is marked with the TOS the sender asked for (fieldkit senders)
  or the TOS it arrived with (other TWAMP-light senders).
* SIP requests (UDP and TCP) are echoed byte for byte for the SIP ALG test.  The echo is
  XOR-scrambled so that an ALG on the way back cannot "restore" what it rewrote on the
  way out (the trick ibc/sip-alg-detector does with base64, without growing the reply).
* Hostile input: anything else, and any request shorter than 42 bytes, is dropped
  silently; a reply is never longer than its request (no amplification); each source
  address is rate limited (token bucket) and the session tables are bounded.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from fieldkit.voip import sockets, twamp
# The SIP framing is shared with the SIP client (fieldkit.voip.sip), which must not depend on the reflector.
from fieldkit.voip.sipwire import (SCRAMBLE_KEY, SIP_REQUEST_RE, TCP_MAX_MESSAGE, is_sip_request,  # noqa: F401
                                   read_sip_message, scramble)

MAX_SESSIONS = 65536
MAX_SOURCES = 16384
SESSION_IDLE_S = 120.0
TCP_MAX_CONNECTIONS = 64
TCP_TIMEOUT_S = 5.0
NEW_STREAM_GAP = 100_000  # a sender sequence jump larger than this starts a new session count


@dataclass
class TokenBucket:
    rate: float
    burst: float
    tokens: float
    stamp: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class Stats:
    received: int = 0
    reflected: int = 0
    sip_echoed: int = 0
    dropped_garbage: int = 0
    dropped_rate: int = 0
    tcp_connections: int = 0
    tcp_refused: int = 0
    sessions: int = 0


@dataclass
class Reflector:
    """Serve TWAMP-light and SIP echo on every address in ``listen`` (UDP and TCP)."""

    listen: list[tuple[str, int]]
    rate_limit_pps: float = 500.0
    log: Callable[[str], None] = lambda line: None
    stats: Stats = field(default_factory=Stats)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._udp: list[socket.socket] = []
        self._tcp: list[socket.socket] = []
        self._sessions: dict[tuple, list] = {}    # (ip, port) -> [next reflector seq, last seen, last sender seq]
        self._buckets: dict[str, TokenBucket] = {}
        self._tcp_slots = threading.BoundedSemaphore(TCP_MAX_CONNECTIONS)
        self._thread: threading.Thread | None = None
        self.bound: list[tuple[str, int]] = []
        self.errors: list[str] = []

    # -- life cycle ---------------------------------------------------------------------------
    def open(self) -> list[tuple[str, int]]:
        """Bind every listen address; addresses that fail are reported in ``errors``."""
        for host, port in self.listen:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            try:
                udp = socket.socket(family, socket.SOCK_DGRAM)
                udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                udp.bind((host, port))
                port = udp.getsockname()[1]
                sockets.enable_receive_info(udp)
                udp.setblocking(False)
            except OSError as exc:
                self.errors.append(f"UDP {host}:{port}: {exc.strerror or exc}")
                continue
            self._udp.append(udp)
            try:
                tcp = socket.socket(family, socket.SOCK_STREAM)
                tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                tcp.bind((host, port))
                tcp.listen(32)
                tcp.setblocking(False)
                self._tcp.append(tcp)
            except OSError as exc:
                self.errors.append(f"TCP {host}:{port}: {exc.strerror or exc} (SIP ALG test over TCP unavailable)")
            self.bound.append((host, port))
        return self.bound

    def start(self) -> list[tuple[str, int]]:
        """Open and serve in a background thread (tests, embedding)."""
        bound = self.open()
        self._thread = threading.Thread(target=self.serve, name="fieldkit-reflector", daemon=True)
        self._thread.start()
        return bound

    def request_stop(self) -> None:
        """Ask :meth:`serve` to return (safe from a signal handler)."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        for sock in self._udp + self._tcp:
            sock.close()

    def serve(self) -> None:
        """Run until :meth:`stop` (or KeyboardInterrupt in the caller)."""
        selector = selectors.DefaultSelector()
        for sock in self._udp:
            selector.register(sock, selectors.EVENT_READ, "udp")
        for sock in self._tcp:
            selector.register(sock, selectors.EVENT_READ, "tcp")
        last_purge = time.monotonic()
        try:
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.5):
                    if key.data == "udp":
                        self._drain_udp(key.fileobj)  # type: ignore[arg-type]
                    else:
                        self._accept(key.fileobj)  # type: ignore[arg-type]
                if time.monotonic() - last_purge > 10:
                    self._purge(time.monotonic())
                    last_purge = time.monotonic()
        finally:
            selector.close()

    # -- UDP ----------------------------------------------------------------------------------
    def _drain_udp(self, sock: socket.socket) -> None:
        for _ in range(256):  # bounded so one flood cannot starve the other sockets
            try:
                packet = sockets.receive(sock, 65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # ICMP errors from earlier sends surface here (ECONNREFUSED): ignore
            self.stats.received += 1
            try:
                self._handle_datagram(sock, packet)
            except Exception as exc:  # noqa: BLE001 - a reflector must outlive any packet
                self.stats.dropped_garbage += 1
                self.log(f"dropped a packet from {packet.address[0]}: {type(exc).__name__}: {exc}")

    def _handle_datagram(self, sock: socket.socket, packet: sockets.Received) -> None:
        now = time.monotonic()
        if not self._allow(packet.address[0], now):
            self.stats.dropped_rate += 1
            return
        data = packet.data
        if is_sip_request(data):
            sock.sendto(scramble(data), packet.address)
            self.stats.sip_echoed += 1
            return
        if len(data) < twamp.REFLECTOR_HEADER:
            self.stats.dropped_garbage += 1
            return
        session = self._session(packet.address, now)
        sender = twamp.parse_sender(data)
        if sender is not None:
            # A new stream from a reused source port (its sequence jumps): count from 0 again, so the
            # sender's upstream/downstream loss split stays right.
            if session[2] is not None and (sender.seq - session[2]) & 0xFFFFFFFF > NEW_STREAM_GAP \
                    and (session[2] - sender.seq) & 0xFFFFFFFF > NEW_STREAM_GAP:
                session[0] = 0
            session[2] = sender.seq
        received_tos = packet.tos if packet.tos is not None else 0
        reply_tos = sender.reply_tos if sender and sender.reply_tos is not None else received_tos
        reply = twamp.build_reflection(data, reflector_seq=session[0], t2_ns=packet.rx_ns,
                                       t3_ns=time.time_ns(), ttl=packet.ttl or 0, tos=received_tos)
        if reply is None:
            self.stats.dropped_garbage += 1
            return
        session[0] += 1
        sockets.send_with_tos(sock, reply, packet.address, reply_tos)
        self.stats.reflected += 1

    def _session(self, address: tuple, now: float) -> list:
        key = (address[0], address[1])
        session = self._sessions.get(key)
        if session is None:
            if len(self._sessions) >= MAX_SESSIONS:
                self._purge(now, force=True)
            session = self._sessions[key] = [0, now, None]
            self.stats.sessions += 1
            self.log(f"new client {address[0]} port {address[1]}")
        session[1] = now
        return session

    def _allow(self, source: str, now: float) -> bool:
        bucket = self._buckets.get(source)
        if bucket is None:
            if len(self._buckets) >= MAX_SOURCES:
                self._buckets.clear()  # crude but bounded: a spoofing flood cannot grow memory
            burst = max(10.0, self.rate_limit_pps)  # one second of traffic
            bucket = self._buckets[source] = TokenBucket(self.rate_limit_pps, burst, burst, now)
        return bucket.take(now)

    def _purge(self, now: float, force: bool = False) -> None:
        idle = SESSION_IDLE_S if not force else 5.0
        for key in [k for k, s in self._sessions.items() if now - s[1] > idle]:
            del self._sessions[key]
        if force and len(self._sessions) >= MAX_SESSIONS:
            self._sessions.clear()
        for key in [k for k, b in self._buckets.items() if now - b.stamp > 60]:
            del self._buckets[key]

    # -- TCP (SIP echo) -----------------------------------------------------------------------
    def _accept(self, listener: socket.socket) -> None:
        try:
            conn, address = listener.accept()
        except OSError:
            return
        if not self._allow(address[0], time.monotonic()) or not self._tcp_slots.acquire(blocking=False):
            self.stats.tcp_refused += 1
            conn.close()
            return
        self.stats.tcp_connections += 1
        threading.Thread(target=self._serve_tcp, args=(conn,), daemon=True).start()

    def _serve_tcp(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(TCP_TIMEOUT_S)
            message = read_sip_message(conn)
            if message and is_sip_request(message):
                conn.sendall(scramble(message))
                self.stats.sip_echoed += 1
            else:
                self.stats.dropped_garbage += 1
        except OSError:
            pass
        finally:
            conn.close()
            self._tcp_slots.release()
