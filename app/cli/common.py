"""Helpers shared by the sub-commands."""

from __future__ import annotations

import json
import sys
from typing import Any

from app.context import AppContext


def context(args) -> AppContext:
    return AppContext.open(args.data_dir)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=None) + "\n")
