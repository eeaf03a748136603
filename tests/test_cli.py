"""The costmodel command as a user runs it: subprocesses for start-up, main() for the rest."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from costmodel.cli import main

from .conftest import ASSUMPTIONS, PROPOSALS, ROOT, YOUTH_WORK


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(args), out=out, err=err), out.getvalue(), err.getvalue()


def test_validate_every_shipped_file():
    code, out, err = run_cli("validate", str(ASSUMPTIONS / "unit_costs.yaml"), *map(str, PROPOSALS))
    assert code == 0, err
    assert out.count(": ok") == 1 + len(PROPOSALS)


def test_run_json_has_the_documented_keys():
    code, out, err = run_cli("run", str(YOUTH_WORK), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    for key in (
        "proposal",
        "costmodel_version",
        "inputs_sha256",
        "years",
        "discount_factors",
        "agencies",
        "totals",
        "ten_year_test",
    ):
        assert key in doc
    for key in ("id", "name", "pv_costs", "pv_savings", "pv_net", "series"):
        assert key in doc["agencies"][0]
    for key in ("pv_costs", "pv_savings", "npv", "bcr", "payback_year", "peak_funding_requirement"):
        assert key in doc["totals"]
    assert set(doc["ten_year_test"]) >= {"passes", "verdict"}
    assert len(doc["inputs_sha256"]) == 64
    assert doc["discount_factors"][0] == 1.0
    assert sum(a["pv_net"] for a in doc["agencies"]) == pytest.approx(doc["totals"]["npv"])


def test_same_input_byte_identical_output():
    outputs = {run_cli("run", str(YOUTH_WORK), "--format", fmt)[1] for fmt in ["json"] * 3}
    assert len(outputs) == 1
    a = subprocess.run(
        [sys.executable, "-m", "costmodel.cli", "run", str(YOUTH_WORK), "--format", "json"],
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    assert a.stdout.decode() == outputs.pop()


def test_inputs_sha256_changes_with_any_input(tmp_path):
    base = json.loads(run_cli("run", str(YOUTH_WORK), "--format", "json")[1])["inputs_sha256"]
    changed = json.loads(run_cli("run", str(YOUTH_WORK), "--format", "json", "--horizon", "9")[1])[
        "inputs_sha256"
    ]
    assert base != changed


def test_csv_reconciles_with_json():
    code, out, _ = run_cli("run", str(YOUTH_WORK), "--format", "csv")
    assert code == 0
    rows = [line.split(",") for line in out.strip().splitlines()]
    net_total = next(r for r in rows if r[0] == "total" and r[2] == "net")
    npv = json.loads(run_cli("run", str(YOUTH_WORK), "--format", "json")[1])["totals"]["npv"]
    assert float(net_total[-1]) == pytest.approx(npv)


def test_table_shows_verdict_and_years():
    code, out, _ = run_cli("run", str(YOUTH_WORK))
    assert code == 0
    assert "Ten Year Test table" in out and "2027-28" in out and "Total public sector" in out
    assert ("Passes the Ten Year Test" in out) or ("Fails the Ten Year Test" in out)


def test_overrides_change_discounting():
    std = json.loads(run_cli("run", str(YOUTH_WORK), "--format", "json")[1])
    low = json.loads(
        run_cli("run", str(YOUTH_WORK), "--format", "json", "--discount", "green_book_lower_rate")[1]
    )
    zero = json.loads(run_cli("run", str(YOUTH_WORK), "--format", "json", "--discount", "0")[1])
    assert low["discount_factors"][1] == pytest.approx(1 / 1.03)
    assert zero["discount_factors"] == [1.0] * 10
    assert zero["totals"]["npv"] == pytest.approx(sum(zero["totals"]["series"]["net"]))
    long = json.loads(run_cli("run", str(YOUTH_WORK), "--format", "json", "--horizon", "15")[1])
    assert len(long["years"]) == 15 and std["totals"]["npv"] != long["totals"]["npv"]


def test_compare_side_by_side():
    code, out, err = run_cli("compare", *map(str, PROPOSALS))
    assert code == 0, err
    assert "NPV" in out and all(p.stem in out for p in PROPOSALS)
    code, out, _ = run_cli("compare", *map(str, PROPOSALS), "--format", "json")
    assert len(json.loads(out)["proposals"]) == len(PROPOSALS)


def test_output_file_written_atomically(tmp_path):
    target = tmp_path / "result.json"
    code, out, _ = run_cli("run", str(YOUTH_WORK), "--format", "json", "-o", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["proposal"]["id"] == "youth_work"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_cli_does_not_import_streamlit_or_altair():
    code = (
        "import sys, io; from costmodel.cli import main; "
        f"main(['run', {str(YOUTH_WORK)!r}, '--format', 'json'], out=io.StringIO()); "
        "bad = [m for m in ('streamlit', 'altair', 'pandas', 'vl_convert', 'xlsxwriter') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert res.stdout.strip() == ""


def test_usage_errors_are_one_line():
    code, out, err = run_cli("run")
    assert code == 2 and "usage:" in err and "Traceback" not in err
    code, out, err = run_cli("--version")
    assert code == 0


def test_schema_command_writes_files(tmp_path):
    code, out, _ = run_cli("schema", "--out-dir", str(tmp_path))
    assert code == 0
    assert json.loads((tmp_path / "proposal.schema.json").read_text())["title"] == "costmodel proposal"


def test_output_file_has_ordinary_permissions(tmp_path):
    import os
    import stat

    target = tmp_path / "result.csv"
    assert run_cli("run", str(YOUTH_WORK), "--format", "csv", "-o", str(target))[0] == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
