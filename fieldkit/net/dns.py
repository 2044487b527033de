"""DNS probes against one resolver at a time (dnspython, imported lazily).

Asking each configured resolver directly (instead of the system's stub, which
silently fails over) shows *which* resolver is slow or dead. SRV and NAPTR lookups
follow RFC 3263 for SIP domains (``_sip._udp``, ``_sip._tcp``, ``_sips._tcp``).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

SIP_SRV_PREFIXES = ("_sip._udp", "_sip._tcp", "_sips._tcp")


@dataclass
class DnsAnswer:
    resolver: str
    name: str
    rdtype: str
    status: str                   # NOERROR, NXDOMAIN, NODATA, TIMEOUT, SERVFAIL, REFUSED, ERROR
    answers: list[str] = field(default_factory=list)
    latency_ms: float | None = None
    error: str = ""
    transport: str = "udp"
    closed: bool = False          # nothing listens on the port (ICMP port unreachable came back)

    @property
    def answered(self) -> bool:
        """The resolver replied (any rcode): it is alive, whatever it said."""
        return self.status in ("NOERROR", "NXDOMAIN", "NODATA", "SERVFAIL", "REFUSED")

    def to_dict(self) -> dict[str, object]:
        return {"resolver": self.resolver, "name": self.name, "type": self.rdtype, "status": self.status,
                "answers": self.answers, "latency_ms": self.latency_ms, "error": self.error}


def query(resolver: str, name: str, rdtype: str = "A", timeout: float = 2.0, port: int = 53) -> DnsAnswer:
    """One query over UDP (TCP if the answer is truncated) straight to ``resolver``."""
    import dns.exception
    import dns.flags
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdatatype

    answer = DnsAnswer(resolver, name, rdtype, "ERROR")
    try:
        request = dns.message.make_query(name, dns.rdatatype.from_text(rdtype))
    except dns.exception.DNSException as exc:
        answer.error = f"invalid name {name!r}: {exc}"
        return answer
    start = time.monotonic()
    try:
        response = dns.query.udp(request, resolver, timeout=timeout, port=port)
        if response.flags & dns.flags.TC:  # truncated: retry over TCP (RFC 7766)
            answer.transport = "tcp"
            response = dns.query.tcp(request, resolver, timeout=max(0.1, timeout - (time.monotonic() - start)),
                                     port=port)
    except dns.exception.Timeout:
        answer.status, answer.error = "TIMEOUT", f"no answer from {resolver} within {timeout:g} s"
        return answer
    except OSError as exc:
        answer.error = f"{resolver}: {exc.strerror or exc}"
        if "refused" in str(exc).lower():
            answer.error = f"{resolver}: nothing answers on port {port} (ICMP port unreachable)"
            answer.closed = True
        return answer
    except dns.exception.DNSException as exc:
        answer.error = f"{resolver}: {exc}"
        return answer
    answer.latency_ms = round((time.monotonic() - start) * 1000.0, 3)
    rcode = response.rcode()
    answer.status = dns.rcode.to_text(rcode)
    wanted = dns.rdatatype.from_text(rdtype)
    for rrset in response.answer:
        if rrset.rdtype == wanted:
            answer.answers.extend(item.to_text() for item in rrset)
    if rcode == dns.rcode.NOERROR and not answer.answers:
        answer.status = "NODATA"
    return answer


def nxdomain_probe_name(domain: str) -> str:
    """A name that cannot exist: a random 20-character label under ``domain``."""
    return f"fk-nx-{secrets.token_hex(7)}.{domain.strip('.')}"


@dataclass
class NxdomainResult:
    resolver: str
    name: str
    rewritten: bool | None        # None = could not tell (no answer)
    answer: DnsAnswer


def nxdomain_rewrite(resolver: str, domain: str, timeout: float = 2.0, port: int = 53) -> NxdomainResult:
    """Ask for a random non-existent name: an honest resolver says NXDOMAIN.

    A resolver that returns an address instead "rewrites NXDOMAIN" (ISP search or
    advertising pages, some captive portals): mistyped names then open someone
    else's page, and software that relies on "name does not exist" misbehaves.
    """
    name = nxdomain_probe_name(domain)
    answer = query(resolver, name, "A", timeout=timeout, port=port)
    if answer.status in ("NXDOMAIN", "NODATA"):
        return NxdomainResult(resolver, name, False, answer)
    if answer.status == "NOERROR" and answer.answers:
        return NxdomainResult(resolver, name, True, answer)
    return NxdomainResult(resolver, name, None, answer)


def sip_records(resolver: str, domain: str, timeout: float = 2.0, port: int = 53) -> list[DnsAnswer]:
    """NAPTR of the domain and the three RFC 3263 SRV names."""
    queries = [(domain, "NAPTR")] + [(f"{prefix}.{domain.strip('.')}", "SRV") for prefix in SIP_SRV_PREFIXES]
    return _ask_all(resolver, queries, timeout, port)


def _ask_all(resolver: str, queries: list[tuple[str, str]], timeout: float, port: int) -> list[DnsAnswer]:
    """Ask in order; once the first query times out unanswered, the resolver is dead: skip the rest
    (a dead resolver would otherwise cost len(queries) x timeout seconds)."""
    answers: list[DnsAnswer] = []
    for name, rdtype in queries:
        if answers and answers[0].status == "TIMEOUT" and not any(a.answered for a in answers):
            answers.append(DnsAnswer(resolver, name, rdtype, "SKIPPED", error="not asked: the resolver is silent"))
            continue
        answers.append(query(resolver, name, rdtype, timeout=timeout, port=port))
    return answers


def probe_resolver(resolver: str, names: list[str], nxdomain_domain: str | None, timeout: float = 2.0,
                   port: int = 53) -> dict[str, object]:
    """Everything the network check asks one resolver: ``{"answers": [...], "nxdomain": NxdomainResult|None}``.

    Each name is asked for A and AAAA. Without names, the NXDOMAIN probe (a random
    name under ``nxdomain_domain``) is the liveness query: proving that a name does not
    exist makes the resolver recurse, where a cached ". NS" would not. Without both,
    ". NS" is asked.
    """
    if not names and nxdomain_domain:
        nx = nxdomain_rewrite(resolver, nxdomain_domain, timeout=timeout, port=port)
        return {"answers": [nx.answer], "nxdomain": nx}
    queries = [(n, t) for n in names for t in ("A", "AAAA")] or [(".", "NS")]
    answers = _ask_all(resolver, queries, timeout, port)
    nx = None
    if nxdomain_domain and any(a.answered for a in answers):
        nx = nxdomain_rewrite(resolver, nxdomain_domain, timeout=timeout, port=port)
    return {"answers": answers, "nxdomain": nx}
