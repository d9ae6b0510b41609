#!/usr/bin/env python3
"""Set-up and everyday commands for developers. Needs only a Python >= 3.11 on the PATH.

    python3 dev.py start   install what is missing, then start CreditDesk (local SQLite store)
    python3 dev.py test    install what is missing (system packages too, on Debian/Ubuntu), run every test

Anything after the command is passed on: `python3 dev.py test -k deadline`, `python3 dev.py start --data-dir D`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")

# Libraries Qt needs on a bare Debian/Ubuntu (offscreen and xcb), CJK fonts, a virtual screen for
# screenshots, and LibreOffice to check that written workbooks open.
APT_PACKAGES = [
    "libegl1", "libgl1", "libopengl0", "libxkbcommon0", "libxkbcommon-x11-0", "libfontconfig1", "libglib2.0-0",
    "libdbus-1-3", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-shape0", "libxcb-render-util0",
    "libxcb-image0", "fonts-noto-cjk", "xvfb", "xauth",
]


def run(cmd: list[str], **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def system_packages() -> None:
    if not sys.platform.startswith("linux") or not shutil.which("apt-get") or not shutil.which("dpkg-query"):
        return
    missing = [p for p in APT_PACKAGES if subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True).stdout.find("ok installed") < 0]
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else (["sudo"] if shutil.which("sudo") else None)
    if sudo is None:
        print(f"请先安装系统软件包：{' '.join(missing)}", file=sys.stderr)
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run([*sudo, "apt-get", "update", "-qq"], env=env)
    run([*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)


def venv(extras: str) -> None:
    if not PY.exists():
        run([sys.executable, "-m", "venv", VENV])
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    run([PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([PY, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]" if extras else "."], cwd=ROOT)
    stamp.write_text(digest)


def start(args: list[str]) -> int:
    venv("")
    return subprocess.call([str(PY), "-m", "app", *args], cwd=ROOT)


def test(args: list[str]) -> int:
    system_packages()
    venv("dev")
    # Tests talk to servers on 127.0.0.1 only: never through a proxy the machine may have configured.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONHASHSEED="0", NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost")
    return subprocess.call([str(PY), "-m", "pytest", *args], cwd=ROOT, env=env)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("start", "test"):
        print(__doc__)
        return 2
    return {"start": start, "test": test}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
