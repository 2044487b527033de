"""``python -m fieldkit``."""

from fieldkit.cli import main

main()
