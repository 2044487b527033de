"""SMART disk health internals: normalized drive model, parsers, verdict rules, collection.

``fieldkit.checks.smart`` is the check entry point; this package holds the pieces it
composes so each can be tested on its own.
"""
