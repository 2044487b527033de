"""Entry script of the portable build (PyInstaller needs a script; the package does the rest)."""

from fieldkit.launcher import main

main()
