"""The command as a user starts it: the installed ``costmodel`` script and ``python -m costmodel`` both run
:func:`costmodel.cli.console`, which is :func:`costmodel.cli.main` in a process of its own with the garbage
collector set for a one-shot command. Subprocesses, with no clock on them."""

from __future__ import annotations

import io
import subprocess
import sys
import tomllib

from costmodel.cli import YOUNG_OBJECTS_BEFORE_COLLECTING, main

from .conftest import ROOT, YOUTH_WORK


def _python_m_costmodel(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "costmodel", *args], capture_output=True, text=True, check=False, cwd=ROOT
    )


def test_the_installed_script_runs_console():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"costmodel": "costmodel.cli:console"}


def test_python_m_costmodel_runs_console():
    """``python -m costmodel`` goes through console: the collector is left as console sets it."""
    code = (
        "import gc, runpy, sys\n"
        "sys.argv = ['costmodel', '--version']\n"
        "try:\n"
        "    runpy.run_module('costmodel', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as exc:\n"
        "    print(exc.code, gc.get_threshold()[0], gc.get_freeze_count() > 0)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert res.stdout.split() == ["costmodel", "0.1.0", "0", str(YOUNG_OBJECTS_BEFORE_COLLECTING), "True"]


def test_a_bad_file_exits_1_with_one_located_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nid: youth\ntitle: [unclosed\n")
    res = _python_m_costmodel("run", str(bad))
    assert res.returncode == 1
    assert res.stdout == ""
    assert res.stderr.startswith(f"{bad}:4:1: YAML syntax error")
    assert len(res.stderr.splitlines()) == 1


def test_usage_error_exits_2_and_version_0():
    res = _python_m_costmodel("run")
    assert res.returncode == 2 and "usage: costmodel run" in res.stderr and "Traceback" not in res.stderr
    res = _python_m_costmodel("--version")
    assert res.returncode == 0 and res.stdout == "costmodel 0.1.0\n"


def test_the_output_is_mains_byte_for_byte():
    out, err = io.StringIO(), io.StringIO()
    assert main(["run", str(YOUTH_WORK), "--format", "json"], out=out, err=err) == 0, err.getvalue()
    res = _python_m_costmodel("run", str(YOUTH_WORK), "--format", "json")
    assert res.returncode == 0, res.stderr
    assert res.stdout == out.getvalue()
