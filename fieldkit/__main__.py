"""``python -m fieldkit``."""

from fieldkit.launcher import main

main()
