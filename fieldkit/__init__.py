"""fieldkit: portable on-site diagnostics with a customer-readable visit report.

The public facade is small: the finding model. Everything heavy (scapy, scipy,
sounddevice, numpy) is imported by the checks that use it, never here.
"""

__version__ = "0.1.0"

from fieldkit.findings import Advice, Evidence, Finding, Metric, Status, Tier, worst  # noqa: E402

__all__ = ["__version__", "Advice", "Evidence", "Finding", "Metric", "Status", "Tier", "worst"]
