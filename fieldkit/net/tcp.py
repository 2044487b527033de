"""TCP connect probes that tell *why* a port cannot be reached.

- ``open``: the handshake completed.
- ``refused``: the host answered with a RST (nothing listens, or a firewall
  rejects with tcp-reset): the host is up and the path works.
- ``filtered``: no answer at all within the timeout: a firewall silently drops
  the SYN (or the host is down).
- ``unreachable``: an ICMP error came back (host/network unreachable,
  administratively prohibited): a router or firewall on the way rejects it.
- ``no-route`` / ``dns``: nothing was sent (no route from this machine, name unknown).
"""

from __future__ import annotations

import errno
import os
import socket
import time
from dataclasses import dataclass, field

from fieldkit.net import RttStats, address_family, resolve
from fieldkit.net.local import egress_source

STATES = ("open", "refused", "filtered", "unreachable", "no-route", "dns", "error")


@dataclass
class TcpResult:
    host: str
    port: int
    address: str | None
    state: str                                  # one of STATES (the most informative of the attempts)
    samples: list[float | None] = field(default_factory=list)  # handshake ms per attempt, None = no handshake
    states: list[str] = field(default_factory=list)            # state per attempt
    error: str = ""

    @property
    def stats(self) -> RttStats:
        return RttStats(self.samples)


def connect_once(address: str, port: int, timeout: float) -> tuple[str, float | None, str]:
    """One connect attempt: (state, handshake ms or None, error text)."""
    sock = socket.socket(address_family(address), socket.SOCK_STREAM)
    sock.settimeout(timeout)
    start = time.monotonic()
    try:
        sock.connect((address, port))
        return "open", round((time.monotonic() - start) * 1000.0, 3), ""
    except ConnectionRefusedError:
        return "refused", None, f"connection refused after {(time.monotonic() - start) * 1000:.1f} ms"
    except socket.timeout:
        return "filtered", None, f"no answer within {timeout:g} s"
    except OSError as exc:
        if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM):
            return "unreachable", None, os.strerror(exc.errno)
        return "error", None, exc.strerror or str(exc)
    finally:
        sock.close()


def probe(host: str, port: int, attempts: int = 3, timeout: float = 2.0, interval: float = 0.1) -> TcpResult:
    """Connect ``attempts`` times (sequentially; each bounded by ``timeout``).

    A filtered port costs ``attempts * timeout`` seconds, so callers run probes of
    different targets concurrently.
    """
    address, why = resolve(host, timeout=max(timeout, 2.0))
    if address is None:
        return TcpResult(host, port, None, "dns", error=why)
    if egress_source(address) is None:
        return TcpResult(host, port, address, "no-route", error=f"no route to {address}")
    result = TcpResult(host, port, address, "error")
    for i in range(attempts):
        if i:
            time.sleep(interval)
        state, rtt, error = connect_once(address, port, timeout)
        result.states.append(state)
        result.samples.append(rtt)
        if error and not result.error:
            result.error = error
        if state == "filtered" and i == 0 and attempts > 1:
            # A silent drop will stay silent: one more try confirms it without paying
            # attempts * timeout seconds.
            state2, rtt2, _ = connect_once(address, port, timeout)
            result.states.append(state2)
            result.samples.append(rtt2)
            break
    for state in ("open", "refused", "unreachable", "filtered", "error"):
        if state in result.states:
            result.state = state
            break
    return result
