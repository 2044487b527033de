"""Network probes shared by the ``network`` and ``voip`` checks.

Each module holds one kind of probe (``icmp``, ``tcp``, ``dns``, ``http``,
``traceroute``, ``pmtu``, ``local``). A probe function takes plain arguments
(host, port, timeout ...), never a :class:`fieldkit.context.Context`, always returns
a small result object and never raises for a network fault: unreachable hosts,
refused connections, timeouts and missing privileges are fields of the result,
so callers can turn them into findings. Every probe has its own timeout.

This package imports nothing heavy at module level: scapy, dnspython and
cryptography are imported inside the functions that need them.

Entry points (all thread-safe; run them concurrently with :func:`run_parallel`):

- ``icmp.ping(host, count, interval, timeout, method="auto")`` -> ``PingResult``
  (scapy as root, else unprivileged ICMP datagram socket, else TCP connect timing;
  ``.method``/``.method_label`` say which, ``.samples`` keep send order, None = lost)
- ``tcp.probe(host, port, attempts, timeout)`` -> ``TcpResult`` (open / refused /
  filtered / unreachable / no-route / dns)
- ``dns.query(resolver, name, rdtype)``, ``dns.sip_records(resolver, domain)``
  (NAPTR + RFC 3263 SRV), ``dns.nxdomain_rewrite(resolver, domain)``,
  ``dns.probe_resolver(resolver, names, nxdomain_domain)``
- ``http.fetch(url, timeout, ca_file)`` -> ``HttpResult`` (status, timings, TLS
  certificate), ``http.captive_portal(url, expect_status)``
- ``traceroute.traceroute(host, method, max_hops, probes)`` -> ``TraceResult`` and
  ``traceroute.analyse(result)`` (the ICMP rate-limiting caveat)
- ``pmtu.discover(host)`` -> ``PmtuResult`` (DF probes + the kernel error queue)
- ``local.interfaces()``, ``local.default_routes()``, ``local.resolvers()``,
  ``local.egress_source(dst)``, ``local.neighbour_mac(ip)``
- ``verdicts``: probe results -> findings with thresholds and advice.
"""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence


@dataclass
class RttStats:
    """Summary of a probe series; ``samples`` keeps send order, None = lost probe."""

    samples: list[float | None]

    @property
    def sent(self) -> int:
        return len(self.samples)

    @property
    def received(self) -> list[float]:
        return [s for s in self.samples if s is not None]

    @property
    def loss_pct(self) -> float | None:
        if not self.samples:
            return None
        return round(100.0 * (self.sent - len(self.received)) / self.sent, 2)

    @property
    def min_ms(self) -> float | None:
        return round(min(self.received), 3) if self.received else None

    @property
    def max_ms(self) -> float | None:
        return round(max(self.received), 3) if self.received else None

    @property
    def median_ms(self) -> float | None:
        return round(statistics.median(self.received), 3) if self.received else None

    @property
    def p95_ms(self) -> float | None:
        return percentile(self.received, 95)


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Linear-interpolated percentile (numpy's default method) without numpy."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return round(ordered[0], 3)
    rank = (len(ordered) - 1) * pct / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 3)


def resolve(host: str, family: int = socket.AF_INET, timeout: float = 3.0) -> tuple[str | None, str]:
    """Resolve ``host`` to one address of ``family`` with a hard timeout.

    ``getaddrinfo`` has no timeout of its own and can block for the resolver's full
    retry schedule (resolv.conf ``timeout:5 attempts:2`` = 10 s and more), so it runs
    in a daemon thread that is abandoned when the timeout expires.
    Returns ``(address, "")`` or ``(None, reason)``.
    """
    try:
        socket.inet_pton(family, host)
        return host, ""
    except OSError:
        pass
    if family == socket.AF_INET:
        try:  # an IPv6 literal asked for as IPv4: give it back as is
            socket.inet_pton(socket.AF_INET6, host)
            return host, ""
        except OSError:
            pass
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            infos = socket.getaddrinfo(host, None, family, socket.SOCK_STREAM)
            box["address"] = infos[0][4][0] if infos else None
        except socket.gaierror as exc:
            box["error"] = f"name {host!r} could not be resolved ({exc.strerror})"
        except OSError as exc:
            box["error"] = f"name {host!r} could not be resolved ({exc})"

    thread = threading.Thread(target=work, daemon=True, name=f"resolve-{host}")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return None, f"name {host!r} could not be resolved within {timeout:g} s"
    if box.get("address"):
        return box["address"], ""
    return None, box.get("error", f"name {host!r} has no address")


def address_family(address: str) -> int:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def run_parallel(tasks: dict[str, Callable[[], Any]], timeout: float,
                 cancelled: Callable[[], bool] = lambda: False) -> dict[str, Any]:
    """Run independent probes concurrently in daemon threads; wait at most ``timeout``.

    Daemon threads (not a ThreadPoolExecutor, whose workers are joined at interpreter
    exit) guarantee that a probe stuck in a system call can never keep fieldkit alive.
    A task that has not finished in time is absent from the result; a task that
    raised maps to the exception object, so the caller can report it.
    """
    import time

    results: dict[str, Any] = {}
    lock = threading.Lock()
    done = threading.Event()
    go = threading.Event()
    remaining = [len(tasks)]

    def wrap(key: str, func: Callable[[], Any]) -> None:
        # Start together: otherwise the first probes (busy building packets, holding the
        # GIL) delay the start of the later ones, and a slow probe started last adds up.
        go.wait()
        try:
            value: Any = func()
        except Exception as exc:  # noqa: BLE001 - the caller reports it as a finding
            value = exc
        with lock:
            results[key] = value
            remaining[0] -= 1
            if remaining[0] == 0:
                done.set()

    if not tasks:
        return results
    for key, func in tasks.items():
        threading.Thread(target=wrap, args=(key, func), daemon=True, name=f"probe-{key}").start()
    go.set()
    end = time.monotonic() + max(0.0, timeout)
    while not done.is_set() and time.monotonic() < end and not cancelled():
        done.wait(min(0.1, max(0.0, end - time.monotonic())))
    with lock:
        return dict(results)


_SCAPY_LOCK = threading.Lock()


@contextlib.contextmanager
def _caches_in_fieldkit_home() -> Iterator[None]:
    """scapy writes its cache (services, manufacturer database) under ``~/.cache`` at import.

    Run from a stick (``fieldkit-data`` next to the portable build), that cache goes onto
    the stick instead: nothing is written to the machine at hand.
    """
    from fieldkit import paths

    cache = paths.cache_dir()
    if cache is None:
        yield
        return
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # a read-only stick: scapy then runs without a cache
    saved = {k: os.environ.get(k) for k in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME")}
    os.environ["XDG_CACHE_HOME"] = str(cache)
    os.environ["XDG_CONFIG_HOME"] = str(cache / "config")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def load_scapy() -> None:
    """Import scapy's IP layers once, one thread at a time.

    Probes run in parallel threads; scapy's package imports are circular and build
    global state (routes, interfaces) at import, so concurrent first imports are
    serialised here instead of relying on the import machinery's deadlock detection.
    Raises ImportError when scapy is missing.
    """
    with _SCAPY_LOCK:
        import logging

        # scapy logs "MAC address to reach destination not found" and similar to stderr.
        logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
        with _caches_in_fieldkit_home():
            import scapy.config  # noqa: F401
            import scapy.layers.inet  # noqa: F401
            import scapy.layers.inet6  # noqa: F401
            import scapy.sendrecv  # noqa: F401 - imported for its side effect (module loaded)


def scapy_send_receive(packets: list, inter: float, timeout: float, ipv6: bool = False) -> tuple[list, list]:
    """``sr()`` through a raw IP socket, so the *kernel* routes and resolves neighbours.

    scapy's default layer-3 socket routes with its own table and resolves the next
    hop's MAC itself, waiting ~2 s per packet when nobody answers ARP: 5 pings to a
    dead on-link host took 12.5 s. With a raw IP socket the kernel queues the packet
    during ARP and drops it silently, and routing follows the kernel's table.
    Returns ``(answered pairs, unanswered)``.
    """
    load_scapy()
    from scapy.sendrecv import sndrcv
    from scapy.supersocket import L3RawSocket

    if ipv6:
        from scapy.layers.inet6 import L3RawSocket6 as socket_class
    else:
        socket_class = L3RawSocket
    sock = socket_class()
    try:
        answered, unanswered = sndrcv(sock, packets, inter=inter, timeout=timeout, verbose=0)
    finally:
        sock.close()
    return list(answered), list(unanswered)
