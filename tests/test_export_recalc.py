"""The Excel workbook reconciles in a real spreadsheet engine: LibreOffice recalculates every formula
from the inputs (all cached values removed first) and must reproduce costmodel's figures.

Needs LibreOffice Calc (`apt-get install libreoffice-calc-nogui`, which scripts/test does as root);
skipped where it is absent, except on CI, where its absence is a failure."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from costmodel.appraisal.chain import appraise
from costmodel.export.excel import workbook_bytes
from costmodel.inputs.loading import load_proposal

from .conftest import PROPOSALS

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    if SOFFICE is None:
        if os.environ.get("CI"):
            pytest.fail(
                "LibreOffice is not installed: on CI, scripts/test must install libreoffice-calc-nogui"
            )
        pytest.skip("LibreOffice is not installed")
    import openpyxl

    work = tmp_path_factory.mktemp("recalc")
    (work / "stripped").mkdir()
    results = {}
    for path in PROPOSALS:
        result = appraise(load_proposal(path))
        original = work / f"{path.stem}.xlsx"
        original.write_bytes(workbook_bytes(result))
        wb = openpyxl.load_workbook(original)  # formulas only: saving drops every cached value
        wb.save(work / "stripped" / original.name)
        results[path.stem] = (result, original)
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--calc",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(work / "out"),
         *[str(work / "stripped" / f"{stem}.xlsx") for stem in results]],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return {stem: (r, orig, work / "out" / orig.name) for stem, (r, orig) in results.items()}


@pytest.mark.parametrize("stem", [p.stem for p in PROPOSALS])
def test_libreoffice_recomputes_every_formula(recalculated, stem):
    import openpyxl

    result, original, recalc = recalculated[stem]
    cached = openpyxl.load_workbook(original, data_only=True)
    formulas = openpyxl.load_workbook(original)
    lo = openpyxl.load_workbook(recalc, data_only=True)
    checked = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    ours = cached[ws.title][cell.coordinate].value
                    theirs = lo[ws.title][cell.coordinate].value
                    if isinstance(ours, (int, float)) and not isinstance(ours, bool):
                        assert theirs == pytest.approx(ours, rel=1e-9, abs=0.005), (
                            ws.title,
                            cell.coordinate,
                            cell.value,
                        )
                    else:
                        assert (theirs or "") == (ours or ""), (ws.title, cell.coordinate, cell.value)
                    checked += 1
    assert checked > 500
    # and the recalculated NPV is the engine's, to the penny
    values = [c.value for row in lo["Outputs"].iter_rows() for c in row]
    assert any(isinstance(v, float) and abs(v - result.npv) < 0.005 for v in values)
