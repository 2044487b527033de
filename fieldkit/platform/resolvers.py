"""Where the configured DNS resolvers are read.

Linux and macOS keep them in ``/etc/resolv.conf`` (macOS's configd writes it; it is read
by :func:`fieldkit.net.local.resolvers`). Windows keeps them in the registry, which
dnspython already reads (``dns.resolver.Resolver()``), so Windows uses that.
"""

from __future__ import annotations

from fieldkit.platform import LINUX, MACOS, OTHER, WINDOWS, Unsupported


def uses_resolv_conf(system: str) -> bool:
    return system in (LINUX, MACOS, OTHER)


def from_system(system: str) -> tuple[list[str], list[str], str]:
    """(servers, search domains, source) from the system's own configuration API."""
    if system != WINDOWS:
        raise Unsupported("reading the resolvers without resolv.conf", system)
    import dns.resolver

    try:
        resolver = dns.resolver.Resolver(configure=True)
    except Exception as exc:  # noqa: BLE001 - dnspython raises NoResolverConfiguration and OSErrors
        raise Unsupported(f"reading the resolvers ({exc})", system) from None
    servers = [str(s) for s in resolver.nameservers]
    search = [str(d).rstrip(".") for d in resolver.search]
    return servers, search, "system resolver configuration (dnspython)"
