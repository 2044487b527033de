"""fieldkit: portable on-site diagnostics with a customer-readable visit report.

The public facade is small: the finding model. It is loaded on first use (PEP 562)
so that ``fieldkit --help`` imports as little as possible; everything heavy (scapy,
scipy, sounddevice, numpy) is imported by the checks that use it, never here.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "Advice", "Evidence", "Finding", "Metric", "Status", "Tier", "worst"]


def __getattr__(name: str) -> object:  # no typing import: it costs ~5 ms of start-up
    if name in __all__:
        from fieldkit import findings

        return getattr(findings, name)
    raise AttributeError(f"module 'fieldkit' has no attribute {name!r}")
