"""Exports for monitoring systems: Prometheus textfile collector (``prometheus``) and Nagios plugin output (``nagios``)."""
