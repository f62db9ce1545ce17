"""``python -m kgtool`` runs the command-line interface."""

from kgtool.cli import entry

entry()
