"""Builds CreditDesk for the platform it runs on and packs it.

    python installer/build.py [--dist DIR] [--no-pack]

- Always: the PyInstaller one-folder build from installer/creditdesk.spec (DIR/creditdesk/), then
  its `creditdesk --self-test`.
- Linux: DIR/CreditDesk-<version>-linux-<arch>.tar.gz with the folder, a .desktop file, the icon and
  install.sh (per-user install into ~/.local, menu entry; uninstall keeps the user's data).
- Windows: the Inno Setup installer from installer/windows/creditdesk.iss (needs iscc.exe on PATH or
  in its default folder): per-user install, Start-menu entry, uninstall keeps the user's data.
A file named `portable` next to the executable keeps all data in a `data` folder beside it.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "installer" / "creditdesk.spec"


def version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^version\s*=\s*"([^"]+)"', text, re.M).group(1)


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build_onedir(dist: Path, work: Path) -> Path:
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                    "--distpath", str(dist), "--workpath", str(work), str(SPEC)], check=True, cwd=ROOT)
    return dist / "creditdesk"


def self_test(onedir: Path) -> float:
    exe = onedir / ("creditdesk.exe" if os.name == "nt" else "creditdesk")
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    t0 = time.perf_counter()
    proc = subprocess.run([str(exe), "--self-test"], capture_output=True, text=True, encoding="utf-8", env=env,
                          timeout=120)
    elapsed = time.perf_counter() - t0
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"self-test of the frozen build failed (exit {proc.returncode})")
    return elapsed


DESKTOP = """[Desktop Entry]
Type=Application
Name=CreditDesk
Name[zh_CN]=信用信息报送客户端
Comment=行政许可、行政处罚、行政强制、行政检查信息的录入、校验与报送
Exec={exec} %F
Icon=creditdesk
Terminal=false
Categories=Office;
"""

INSTALL_SH = """#!/bin/sh
# Per-user install of CreditDesk: ~/.local/opt/creditdesk, a menu entry and the icon.
# ./install.sh --uninstall removes the program; the user's data (~/.local/share/CreditDesk) is kept.
set -e
here=$(cd "$(dirname "$0")" && pwd)
dest="$HOME/.local/opt/creditdesk"
apps="$HOME/.local/share/applications"
icons="$HOME/.local/share/icons/hicolor/256x256/apps"
if [ "$1" = "--uninstall" ]; then
  rm -rf "$dest" "$apps/creditdesk.desktop" "$icons/creditdesk.png"
  echo "CreditDesk 已卸载（数据保留在 ~/.local/share/CreditDesk）。"
  exit 0
fi
mkdir -p "$dest" "$apps" "$icons"
rm -rf "$dest"
cp -r "$here/creditdesk" "$dest"
cp "$here/creditdesk.png" "$icons/creditdesk.png"
sed "s#@EXEC@#$dest/creditdesk#" "$here/creditdesk.desktop" > "$apps/creditdesk.desktop"
echo "CreditDesk 已安装到 $dest，可在应用菜单中找到“信用信息报送客户端”。"
"""


def pack_linux(onedir: Path, dist: Path) -> Path:
    name = f"CreditDesk-{version()}-linux-{platform.machine()}"
    out = dist / f"{name}.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        tar.add(onedir, arcname=f"{name}/creditdesk")
        for arcname, text, mode in (("creditdesk.desktop", DESKTOP.format(exec="@EXEC@"), 0o644),
                                    ("install.sh", INSTALL_SH, 0o755)):
            path = dist / arcname
            path.write_text(text, encoding="utf-8")
            tar.add(path, arcname=f"{name}/{arcname}", filter=lambda ti, m=mode: (setattr(ti, "mode", m), ti)[1])
        tar.add(ROOT / "resources" / "icons" / "creditdesk.png", arcname=f"{name}/creditdesk.png")
    return out


def pack_windows(onedir: Path, dist: Path) -> Path:
    iscc = shutil.which("iscc") or r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe"
    if not Path(iscc).exists() and not shutil.which("iscc"):
        raise SystemExit("Inno Setup (iscc.exe) not found: install Inno Setup 6 to build the installer.")
    subprocess.run([iscc, f"/DAppVersion={version()}", f"/DSourceDir={onedir}", f"/DOutputDir={dist}",
                    str(ROOT / "installer" / "windows" / "creditdesk.iss")], check=True)
    return dist / f"CreditDesk-{version()}-setup.exe"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", default=str(ROOT / "dist"))
    parser.add_argument("--work", default=str(ROOT / "build"))
    parser.add_argument("--no-pack", action="store_true", help="only the one-folder build and its self-test")
    args = parser.parse_args()
    dist = Path(args.dist).resolve()
    t0 = time.perf_counter()
    onedir = build_onedir(dist, Path(args.work).resolve())
    built = time.perf_counter() - t0
    elapsed = self_test(onedir)
    size = folder_size(onedir)
    print(f"onedir: {onedir}")
    print(f"onedir size: {size / 1e6:.1f} MB ({size / 2**20:.1f} MiB), target <= 150 MB")
    print(f"frozen self-test wall time: {elapsed:.2f} s, target <= 2 s")
    print(f"build time: {built:.0f} s")
    if not args.no_pack:
        out = pack_windows(onedir, dist) if os.name == "nt" else pack_linux(onedir, dist)
        print(f"package: {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
