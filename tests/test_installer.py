"""Builds the Linux one-folder program with PyInstaller and runs the frozen `creditdesk --self-test`.

Slow (about half a minute): marked `slow`, and .ci/run runs it like every other test. Prints the
folder size (target ≤ 150 MB) and the self-test's wall time (target ≤ 2 s)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux build is tested on Linux")
@pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None, reason="PyInstaller not installed")
def test_frozen_build_passes_its_self_test(tmp_path, capsys):
    dist, work = tmp_path / "dist", tmp_path / "build"
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR", "--distpath",
                    str(dist), "--workpath", str(work), str(ROOT / "installer" / "creditdesk.spec")],
                   check=True, cwd=ROOT)
    onedir = dist / "creditdesk"
    size = sum(p.stat().st_size for p in onedir.rglob("*") if p.is_file() and not p.is_symlink())
    env = {"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    t0 = time.perf_counter()
    proc = subprocess.run([str(onedir / "creditdesk"), "--self-test"], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=120)
    elapsed = time.perf_counter() - t0
    with capsys.disabled():
        print(f"\n[installer] onedir size {size / 1e6:.1f} MB ({size / 2**20:.1f} MiB), target <= 150 MB; "
              f"frozen self-test {elapsed:.2f} s, target <= 2 s")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("[通过]") == 7 and "[失败]" not in proc.stdout
    # A portable marker keeps the data beside the program.
    (onedir / "portable").write_text("", encoding="utf-8")
    proc = subprocess.run([str(onedir / "creditdesk"), "queue", "list", "--json"], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert (onedir / "data" / "creditdesk.sqlite3").exists()
    assert not os.path.exists(tmp_path / ".local" / "share" / "CreditDesk" / "creditdesk.sqlite3")
