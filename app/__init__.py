"""CreditDesk core: everything the program can do, without a screen (never imports PySide6)."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("creditdesk")
except _metadata.PackageNotFoundError:  # running from a source tree or a frozen build
    __version__ = "0.1.0"
