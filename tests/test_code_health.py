"""The code stays lint-clean (ruff) and type-clean (mypy), so CI catches a regression."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin folder: ruff and mypy are installed beside python
HANG_GUARD = 1800
"""Seconds before a tool is taken to hang [s]: far above mypy's worst case on a loaded 2-core machine
(about 2 minutes), so a slow machine never fails the check; speed is not what this test measures."""


def _tool(name: str) -> str | None:
    local = BIN / name
    return str(local) if local.exists() else shutil.which(name)


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=HANG_GUARD, check=False)


def test_ruff_check_is_clean():
    ruff = _tool("ruff")
    assert ruff is not None, "ruff is a dev dependency: pip install -e '.[dev]'"
    proc = _run([ruff, "check", "."])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_is_clean():
    mypy = _tool("mypy")
    if mypy is None:
        pytest.skip("mypy is not installed")
    proc = _run([mypy, "costmodel"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
