"""Entry point of the frozen program (PyInstaller): the same `creditdesk` command as in development."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
